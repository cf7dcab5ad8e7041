"""A team adopts jobfeed (issue 20): `jobfeed init`, the Action by its tag, GitHub Pages, end to end.

An adopter repository is made with `jobfeed init` in a temporary folder and holds only postings,
`jobfeed.toml` and the generated workflow (and, to prove the Action never imports the caller's
code, a `jobfeed/` package that fails when imported). Its origin is a bare repository. The
workflow's jobs run step by step (workflow_runner.py), and `uses: jobfeed/jobfeed@v0` resolves to a
separate checkout of jobfeed, as a runner resolves it to a folder; webhooks go to a local server
that answers like Slack. The days are set with SOURCE_DATE_EPOCH, which jobfeed reads as the clock.

1. the first push: a silent baseline, the feeds and the state committed back, the Pages artifact
   holds the board and the feeds (and not the state), the deploy job would run;
2. a recruiter pushes a new posting: it is announced once and committed;
3. the next morning's scheduled run, with nothing new: no commit, nothing sent;
4. a pull request adding a role: checked and built, the summary says what would be announced;
   nothing committed, sent or deployed;
5. a push with a broken posting: the job fails, and the board of the valid roles is still published.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from jobfeed.cli import cli
from notify_fixtures import write_posting
from webhook_server import SECRET_PATH, Webhook, webhook
from workflow_runner import JobRun, run_job, would_run

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ACTION = "jobfeed/jobfeed@v0"
DAY1 = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)
NEW_ROLE = "Chargée de déploiement"
PR_ROLE = "Designer de services"


@dataclasses.dataclass
class Adoption:
    origin: Path
    runs: dict[str, JobRun]
    heads: dict[str, str]  # origin's main after each run
    requests: dict[str, list[dict[str, object]]]  # webhook payloads during each run
    before: dict[str, str]  # origin's main before each run
    deploy: dict[str, bool]
    pull_request_head: str = ""


def git(*args: str, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def jobfeed_checkout(target: Path) -> Path:
    """This working tree's files as a checkout of a jobfeed tag would hold them (no .git, no venv)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() and not name.startswith(("feeds/", "postes/", "bench/", "fuzz/", "docs/")):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="module")
def adoption(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Adoption]:
    tmp = tmp_path_factory.mktemp("adoption")
    home = tmp / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    keep = ("PIP_", "SSL_", "REQUESTS_CA", "CURL_CA", "LANG", "LC_")
    env = {k: v for k, v in os.environ.items() if k.startswith(keep) or "proxy" in k.lower()}
    env |= {
        "HOME": str(home),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    recruiter = env | {
        "GIT_AUTHOR_NAME": "Recruiter",
        "GIT_AUTHOR_EMAIL": "recruiter@example.org",
        "GIT_COMMITTER_NAME": "Recruiter",
        "GIT_COMMITTER_EMAIL": "recruiter@example.org",
    }
    action_dir = jobfeed_checkout(tmp / "jobfeed-v0")
    origin = tmp / "origin.git"
    git("init", "--bare", "--quiet", str(origin), cwd=tmp, env=env)
    desk = tmp / "desk"
    git("clone", "--quiet", str(origin), str(desk), cwd=tmp, env=env)
    init = CliRunner().invoke(
        cli,
        [
            *("init", str(desk), "--title", "Offres d'emploi", "--url", "https://acme.example.org/jobs/"),
            *("--timezone", "Europe/Paris", "--language", "fr", "--organisation", "Acme"),
            *("--locality", "Lyon", "--country", "FR", "--year", "2026"),
        ],
        catch_exceptions=False,
    )
    assert init.exit_code == 0, init.output
    (desk / "README.md").unlink()
    (desk / ".gitignore").unlink()
    (desk / "postes" / "exemple.md").unlink()
    write_posting(
        desk / "postes", "2026-03-01-developpeuse", "Développeuse", team="Produit", poste_ouvert="2026-03-01"
    )
    (desk / "jobfeed").mkdir()
    (desk / "jobfeed" / "__init__.py").write_text("raise SystemExit('the caller\\'s jobfeed was imported')\n")
    git("add", ".", cwd=desk, env=recruiter)
    git("commit", "--quiet", "-m", "jobfeed init, one posting", cwd=desk, env=recruiter)
    git("push", "--quiet", "origin", "HEAD:main", cwd=desk, env=recruiter)
    workflow = yaml.safe_load((desk / ".github/workflows/jobfeed.yml").read_text(encoding="utf-8"))
    assert workflow["jobs"]["publish"]["steps"][1]["uses"] == ACTION

    temp = tmp / "runner-temp"
    temp.mkdir()
    result = Adoption(origin, {}, {}, {}, {}, {})

    def run(
        name: str, server: Webhook, event: str, when: dt.datetime, ref: str = "main", job: str = "publish"
    ) -> None:
        workspace = tmp / f"workspace-{name}"

        def checkout(with_: dict[str, object]) -> None:
            git(
                "clone",
                "--quiet",
                "--depth",
                "1",
                "--branch",
                ref,
                f"file://{origin}",
                str(workspace),
                cwd=tmp,
                env=env,
            )

        github = {
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_EVENT_NAME": event,
            "GITHUB_REF": f"refs/heads/{ref}" if event != "pull_request" else "refs/pull/1/merge",
            "GITHUB_REPOSITORY": "acme/jobs",
            "GITHUB_SERVER_URL": "https://github.example",
            "SOURCE_DATE_EPOCH": str(int(when.timestamp())),
        }
        secrets = {"SLACK_WEBHOOK_URL": server.url} if event != "pull_request" else {}
        count = len(server.shown)
        result.before[name] = git("rev-parse", "main", cwd=origin, env=env)
        first = not (temp / "jobfeed-venv").exists()
        job_run = run_job(
            workflow,
            job,
            event=event,
            workspace=workspace,
            runner_temp=temp,
            env=env | github,
            secrets=secrets,
            actions={ACTION: action_dir},
            checkout=checkout,
            artifact=tmp / f"artifact-{name}",
            action_uses_outputs={
                "python": {"python-path": sys.executable},
                "pip-cache": {},
                "jobfeed-cache": {},
            },
            skip_in_action=None
            if first
            else {"install": "installed by the first run in this runner's temp folder"},
        )
        result.runs[name] = job_run
        result.heads[name] = git("rev-parse", "main", cwd=origin, env=env)
        result.requests[name] = server.shown[count:]
        needs = {
            "publish": {"result": "success" if job_run.succeeded else "failure", "outputs": job_run.outputs}
        }
        result.deploy[name] = would_run(workflow, "deploy", event=event, needs=needs)

    with webhook() as server:
        run("first push", server, "push", DAY1)
        git("pull", "--quiet", "--rebase", "origin", "main", cwd=desk, env=recruiter)
        write_posting(
            desk / "postes", "2026-03-02-deploiement", NEW_ROLE, team="Terrain", poste_ouvert="2026-03-02"
        )
        git("add", ".", cwd=desk, env=recruiter)
        git("commit", "--quiet", "-m", "A new role", cwd=desk, env=recruiter)
        git("push", "--quiet", "origin", "HEAD:main", cwd=desk, env=recruiter)
        run("new posting", server, "push", DAY1 + dt.timedelta(hours=2))
        run("next morning", server, "schedule", DAY1 + dt.timedelta(days=1))
        git("pull", "--quiet", "--rebase", "origin", "main", cwd=desk, env=recruiter)
        git("checkout", "--quiet", "-b", "new-designer", cwd=desk, env=recruiter)
        write_posting(
            desk / "postes", "2026-03-03-designer", PR_ROLE, team="Produit", poste_ouvert="2026-03-03"
        )
        git("add", ".", cwd=desk, env=recruiter)
        git("commit", "--quiet", "-m", "A designer", cwd=desk, env=recruiter)
        git("push", "--quiet", "origin", "new-designer", cwd=desk, env=recruiter)
        result.pull_request_head = git("rev-parse", "new-designer", cwd=origin, env=env)
        for job in ("publish", "pull-request"):
            run(
                f"pull request {job}",
                server,
                "pull_request",
                DAY1 + dt.timedelta(days=1, hours=1),
                "new-designer",
                job,
            )
        git("checkout", "--quiet", "main", cwd=desk, env=recruiter)
        broken = desk / "postes" / "2026-03-04-broken.md"
        write_posting(
            broken.parent, broken.stem, "Cassé", poste_ouvert="2026-03-04", poste_ferme="2026-13-45"
        )
        git("add", ".", cwd=desk, env=recruiter)
        git("commit", "--quiet", "-m", "A broken posting", cwd=desk, env=recruiter)
        git("push", "--quiet", "origin", "HEAD:main", cwd=desk, env=recruiter)
        run("broken posting", server, "push", DAY1 + dt.timedelta(days=2))
        yield result


def show(adoption: Adoption, rev: str, path: str) -> str:
    done = subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=adoption.origin, capture_output=True, text=True
    )
    return done.stdout if done.returncode == 0 else ""


def titles(adoption: Adoption, rev: str) -> list[str]:
    return sorted(item["title"] for item in json.loads(show(adoption, rev, "feeds/feed.json"))["items"])


def test_the_first_push_is_a_silent_baseline_committed_and_published(adoption: Adoption) -> None:
    run = adoption.runs["first push"]
    assert run.ran and run.succeeded, run.action.log if run.action else run.steps
    assert list(run.steps.values()) == ["success", "success", "success"]  # checkout, jobfeed, upload
    head = adoption.heads["first push"]
    assert head != adoption.before["first push"]
    assert titles(adoption, head) == ["Développeuse — Produit"]
    assert json.loads(show(adoption, head, ".jobfeed/state.json"))["roles"].keys() == {
        "2026-03-01-developpeuse"
    }
    assert show(adoption, head, "feeds/state.json") == ""
    assert adoption.requests["first push"] == []  # the baseline announces nothing
    artifact = run.artifact
    assert artifact is not None
    published = {str(p.relative_to(artifact)) for p in artifact.rglob("*") if p.is_file()}
    assert {
        "index.html",
        "atom.xml",
        "rss.xml",
        "feed.json",
        "postes/2026-03-01-developpeuse.html",
    } <= published
    assert not any(name.startswith(".") or "state" in name for name in published)
    assert adoption.deploy["first push"]


def test_a_new_posting_is_announced_once_and_committed(adoption: Adoption) -> None:
    run = adoption.runs["new posting"]
    assert run.succeeded, run.action.log if run.action else run.steps
    [payload] = adoption.requests["new posting"]
    text = json.dumps(payload, ensure_ascii=False)
    assert NEW_ROLE in text and "Développeuse" not in text
    head = adoption.heads["new posting"]
    assert head != adoption.before["new posting"]
    assert titles(adoption, head) == [f"{NEW_ROLE} — Terrain", "Développeuse — Produit"]
    assert run.action is not None and run.action.outputs["opened"] == "1"
    assert (run.artifact / "postes/2026-03-02-deploiement.html").is_file()  # type: ignore[operator]
    assert adoption.deploy["new posting"]


def test_the_next_morning_with_nothing_new_commits_and_sends_nothing(adoption: Adoption) -> None:
    run = adoption.runs["next morning"]
    assert run.succeeded, run.action.log if run.action else run.steps
    assert adoption.heads["next morning"] == adoption.before["next morning"]
    assert adoption.requests["next morning"] == []
    assert run.action is not None and run.action.outputs["changed"] == "false"
    assert run.action.step("Commit the feeds").outcome == "skipped"


def test_a_pull_request_is_checked_built_and_summarized_without_effects(adoption: Adoption) -> None:
    assert not adoption.runs["pull request publish"].ran  # the publishing job does not run
    run = adoption.runs["pull request pull-request"]
    assert run.ran and run.succeeded, run.action.log if run.action else run.steps
    assert run.artifact is None and not adoption.deploy["pull request pull-request"]
    assert adoption.heads["pull request pull-request"] == adoption.before["pull request publish"]
    assert git_rev(adoption, "new-designer") == adoption.pull_request_head  # nothing pushed to the branch
    assert adoption.requests["pull request pull-request"] == []
    assert run.action is not None
    assert run.action.step("Check the postings").outcome == "success"
    assert "### Opened" in run.action.summary and f"{PR_ROLE} — Produit" in run.action.summary


def test_the_action_never_imports_the_caller_s_code_nor_shows_the_secret(adoption: Adoption) -> None:
    for run in adoption.runs.values():
        if run.action is not None:
            assert "the caller's jobfeed was imported" not in run.action.log
            assert SECRET_PATH not in run.action.log and SECRET_PATH not in run.action.summary


def git_rev(adoption: Adoption, ref: str) -> str:
    return subprocess.run(
        ["git", "rev-parse", ref], cwd=adoption.origin, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_a_broken_posting_fails_the_job_and_the_valid_roles_are_still_published(adoption: Adoption) -> None:
    run = adoption.runs["broken posting"]
    assert not run.succeeded and run.action is not None
    assert run.action.outputs["errors"] == "1"
    assert "::error file=postes/2026-03-04-broken.md,line=" in run.action.step("Check the postings").stdout
    assert list(run.steps.values()) == ["success", "failure", "success"]  # the upload still ran
    assert run.artifact is not None and (run.artifact / "index.html").is_file()
    assert adoption.deploy["broken posting"]
    board = (run.artifact / "index.html").read_text(encoding="utf-8")
    assert NEW_ROLE in board and "Cassé" not in board
