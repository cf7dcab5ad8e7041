"""The Action's push of the feeds: a protected branch, a read-only token and missing credentials each
stop at once with their own fix (jobfeed/action_push.py), recognised from git's real stderr.

The step "Commit the feeds" of action.yml runs as the runner runs it (bash -eo pipefail) in a clone
of a bare origin. GitHub's answers are reproduced by what would give them: a pre-receive hook that
prints GitHub's protected-branch and permission texts, and an HTTP git server on 127.0.0.1 that
answers 401 (no credentials: git itself says "could not read Username") or 403 with GitHub's body.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from jobfeed.action_push import push_failure

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BOT = "github-actions[bot]"

# GitHub's own answers, as runners log them (the texts quoted in the issue threads of real repositories).
GH006 = """\
remote: error: GH006: Protected branch update failed for refs/heads/main.
remote:
remote: - Changes must be made through a pull request.
To https://github.com/example/jobs.git
 ! [remote rejected] HEAD -> main (protected branch hook declined)
error: failed to push some refs to 'https://github.com/example/jobs.git'
"""
GH013 = """\
remote: error: GH013: Repository rule violations found for refs/heads/main.
remote: - Changes must be made through a pull request.
 ! [remote rejected] HEAD -> main (push declined due to repository rule violations)
"""
DENIED = """\
remote: Permission to example/jobs.git denied to github-actions[bot].
fatal: unable to access 'https://github.com/example/jobs/': The requested URL returned error: 403
"""
DENIED_TO_A_USER = """\
remote: Permission to example/jobs.git denied to some-user.
fatal: unable to access 'https://github.com/example/jobs/': The requested URL returned error: 403
"""
NO_CREDENTIALS = "fatal: could not read Username for 'https://github.com': No such device or address\n"
RACE = """\
To https://github.com/example/jobs.git
 ! [rejected]        HEAD -> main (fetch first)
error: failed to push some refs to 'https://github.com/example/jobs.git'
hint: Updates were rejected because the remote contains work that you do not
"""


def test_github_s_answers_each_get_their_own_fix() -> None:
    protected = push_failure(GH006, "main")
    assert protected is not None and protected.startswith(
        "cannot push the feeds to main: it is a protected branch"
    )
    assert "bypass" in protected and "commit: false" in protected
    assert push_failure(GH013, "main") == protected
    denied = push_failure(DENIED, "main")
    assert denied is not None
    assert denied.startswith(
        "cannot push the feeds to main: github-actions[bot] may only read the repository"
    )
    assert "`permissions: contents: write`" in denied
    user = push_failure(DENIED_TO_A_USER, "main")
    assert user is not None and user.startswith(
        "cannot push the feeds to main: some-user, whose token the checkout kept, may not write to example/jobs.git"
    )
    missing = push_failure(NO_CREDENTIALS, "main")
    assert missing is not None and "`persist-credentials: false`" in missing
    assert "contents: write" not in missing
    assert len({protected, denied, user, missing}) == 4


def test_a_race_or_anything_else_is_left_to_the_rebase_loop() -> None:
    assert push_failure(RACE, "main") is None
    assert push_failure("", "main") is None
    assert push_failure("fatal: the remote end hung up unexpectedly\n", "main") is None


# --- the step itself, against git ----------------------------------------------------------------


def git(*args: str, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commit_step() -> tuple[str, dict[str, str]]:
    """The run script of action.yml's "Commit the feeds" and its literal env values."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    step = next(s for s in action["runs"]["steps"] if s.get("name") == "Commit the feeds")
    literal = {k: str(v) for k, v in step["env"].items() if "${{" not in str(v)}
    return step["run"], literal


class Repo:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        home = tmp / "home"
        home.mkdir()
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
            "GIT_TERMINAL_PROMPT": "0",
            "LANG": "C.UTF-8",
            "GIT_AUTHOR_NAME": "Recruiter",
            "GIT_AUTHOR_EMAIL": "recruiter@example.org",
            "GIT_COMMITTER_NAME": "Recruiter",
            "GIT_COMMITTER_EMAIL": "recruiter@example.org",
        }
        self.origin = tmp / "origin.git"
        git("init", "--bare", "--quiet", "-b", "main", str(self.origin), cwd=tmp, env=self.env)
        desk = tmp / "desk"
        git("init", "--quiet", "-b", "main", str(desk), cwd=tmp, env=self.env)
        (desk / "postes").mkdir()
        (desk / "postes/a.md").write_text("---\nrole: A\n---\n", encoding="utf-8")
        git("add", ".", cwd=desk, env=self.env)
        git("commit", "--quiet", "-m", "A posting", cwd=desk, env=self.env)
        git("push", "--quiet", str(self.origin), "HEAD:main", cwd=desk, env=self.env)
        self.workspace = tmp / "workspace"
        git("clone", "--quiet", f"file://{self.origin}", str(self.workspace), cwd=tmp, env=self.env)
        self.head = self.origin_head()
        # The venv the action's first step makes, here the test's own interpreter.
        self.temp = tmp / "runner-temp"
        (self.temp / "jobfeed").mkdir(parents=True)
        bin_dir = self.temp / "jobfeed-venv" / "bin"
        bin_dir.mkdir(parents=True)
        python = bin_dir / "python"
        python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
        python.chmod(0o755)

    def origin_head(self) -> str:
        return git("rev-parse", "main", cwd=self.origin, env=self.env)

    def hook(self, text: str) -> Path:
        """A pre-receive hook that refuses every push with `text` on stderr, as GitHub does; counts pushes."""
        tries = self.tmp / "pushes"
        hook = self.origin / "hooks" / "pre-receive"
        lines = "".join(f"echo {line!r} >&2\n" for line in text.splitlines())
        hook.write_text(f"#!/bin/sh\necho x >> {tries}\n{lines}exit 1\n", encoding="utf-8")
        hook.chmod(0o755)
        return tries

    def run_step(self) -> subprocess.CompletedProcess[str]:
        (self.workspace / "feeds").mkdir(exist_ok=True)
        (self.workspace / "feeds/atom.xml").write_text("<feed/>\n", encoding="utf-8")
        script, literal = commit_step()
        path = self.tmp / "step.sh"
        path.write_text(script, encoding="utf-8")
        env = (
            self.env
            | literal
            | {
                "GITHUB_REF": "refs/heads/main",
                "RUNNER_TEMP": str(self.temp),
                "GITHUB_STEP_SUMMARY": str(self.tmp / "summary.md"),
                "JOBFEED_FEEDS": "feeds",
                "JOBFEED_STATE": ".jobfeed/state.json",
                "JOBFEED_OPENED": "1",
                "JOBFEED_CLOSED": "0",
            }
        )
        command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)]
        return subprocess.run(
            command, cwd=self.workspace, env=env, capture_output=True, text=True, timeout=120
        )


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path)


def errors_of(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stdout.splitlines() if line.startswith("::error")]


def test_a_protected_branch_stops_at_once_with_its_fix(repo: Repo) -> None:
    tries = repo.hook(
        "error: GH006: Protected branch update failed for refs/heads/main.\n\n"
        "- Changes must be made through a pull request."
    )
    done = repo.run_step()
    assert done.returncode == 1
    assert errors_of(done) == [f"::error title=jobfeed::{push_failure(GH006, 'main')}"]
    assert "remote: error: GH006: Protected branch update failed" in done.stderr  # git's answer is shown
    assert "rebasing" not in done.stdout and "contents: write" not in done.stdout
    assert tries.read_text().count("x") == 1  # not tried again
    assert repo.origin_head() == repo.head


def test_a_read_only_token_stops_at_once_with_its_fix(repo: Repo) -> None:
    tries = repo.hook(f"Permission to example/jobs.git denied to {BOT}.")
    done = repo.run_step()
    assert done.returncode == 1
    assert errors_of(done) == [f"::error title=jobfeed::{push_failure(DENIED, 'main')}"]
    assert tries.read_text().count("x") == 1
    assert repo.origin_head() == repo.head


class _GitHttp(http.server.BaseHTTPRequestHandler):
    """An HTTP git remote that answers every request like GitHub without (or with a read-only) token."""

    status = 401

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.status == 401:
            body = b"Unauthorized\n"
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="GitHub"')
        else:
            body = f"Permission to example/jobs.git denied to {BOT}.\n".encode()
            self.send_response(403)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def http_remote() -> Iterator[tuple[str, type[_GitHttp]]]:
    handler = type("Handler", (_GitHttp,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/example/jobs.git", handler
    finally:
        server.shutdown()
        server.server_close()


def test_no_credentials_stops_at_once_with_its_fix(
    repo: Repo, http_remote: tuple[str, type[_GitHttp]]
) -> None:
    url, _ = http_remote
    git("remote", "set-url", "--push", "origin", url, cwd=repo.workspace, env=repo.env)
    done = repo.run_step()
    assert done.returncode == 1
    assert "could not read Username for" in done.stderr  # git's own words, not a copy
    assert errors_of(done) == [f"::error title=jobfeed::{push_failure(NO_CREDENTIALS, 'main')}"]
    assert "rebasing" not in done.stdout


def test_a_403_over_http_is_a_read_only_token(repo: Repo, http_remote: tuple[str, type[_GitHttp]]) -> None:
    url, handler = http_remote
    handler.status = 403
    git("remote", "set-url", "--push", "origin", url, cwd=repo.workspace, env=repo.env)
    done = repo.run_step()
    assert done.returncode == 1
    assert "The requested URL returned error: 403" in done.stderr
    assert errors_of(done) == [f"::error title=jobfeed::{push_failure(DENIED, 'main')}"]


def test_a_branch_that_moved_is_still_rebased_and_pushed(repo: Repo) -> None:
    other = repo.tmp / "other"
    git("clone", "--quiet", f"file://{repo.origin}", str(other), cwd=repo.tmp, env=repo.env)
    (other / "NOTES.md").write_text("pushed meanwhile\n", encoding="utf-8")
    git("add", ".", cwd=other, env=repo.env)
    git("commit", "--quiet", "-m", "Notes", cwd=other, env=repo.env)
    git("push", "--quiet", "origin", "HEAD:main", cwd=other, env=repo.env)
    moved = repo.origin_head()
    done = repo.run_step()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "::notice title=jobfeed::main moved since the checkout; rebasing (attempt 1 of 5)" in done.stdout
    assert errors_of(done) == []
    assert git("rev-parse", "main~1", cwd=repo.origin, env=repo.env) == moved
