"""Failure drills: broken machines and unlucky histories, run for real (tmpfs, SIGKILL, git, a local server).

Each drill sets the scene, breaks something, and checks what is left on disk and what reached the
chat: the previous outputs intact, a clear error, and never a storm of announcements.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from jobfeed.announce import webhooks as channels
from jobfeed.announce.state import SCHEMA_VERSION
from jobfeed.cli import cli
from jobfeed.output import _STAGED
from notify_fixtures import EARLY, LATER, NOW, config_toml, shown_counts, write_posting, write_roles
from webhook_server import webhook

FAST = channels.RetryPolicy(
    attempts=2, first_wait=0.01, max_wait=0.02, budget=1.0, connect_timeout=0.5, read_timeout=0.3
)
HOOK = "SLACK_WEBHOOK_URL"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channels, "DEFAULT_POLICY", FAST)


class Site:
    """A postings folder, a config and `feeds/` (state included) in one temporary folder."""

    def __init__(self, tmp: Path, toml: str = "") -> None:
        self.tmp = tmp
        self.postes = tmp / "postes"
        self.postes.mkdir(exist_ok=True)
        self.config = config_toml(tmp, toml)
        self.feeds = tmp / "feeds"
        self.state = self.feeds / "state.json"

    def cli(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        clean: dict[str, str | None] = {HOOK: None, "MATTERMOST_WEBHOOK_URL": None}
        return CliRunner().invoke(cli, list(args), env={**clean, **(env or {})}, catch_exceptions=False)

    def notify(self, *args: str, url: str | None = None, now: str = NOW) -> Result:
        command = ["notify", "--config", str(self.config), "--postes", str(self.postes)]
        command += ["--state", str(self.state), "--now", now, *args]
        return self.cli(*command, env={HOOK: url})

    def build(self, now: str = NOW) -> Result:
        command = ["build", "--config", str(self.config), "--postes", str(self.postes)]
        return self.cli(*command, "--out", str(self.feeds), "--now", now)

    def events(self, *args: str, url: str | None = None, now: str = NOW) -> list[tuple[str, str, str]]:
        result = self.notify("--json", *args, url=url, now=now)
        assert result.exit_code == 0, result.output
        return [(e["kind"], e["role"], e["reason"] or "") for e in json.loads(result.stdout)["events"]]


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- read-only and full disks -------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(where: Path, size: str = "8m") -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def remount(where: Path, mode: str) -> None:
    done = subprocess.run(["mount", "-o", f"remount,{mode}", str(where)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot remount {mode}: {done.stderr.decode().strip()}")


def test_read_only_feeds_keep_the_previous_files_and_say_why(tmp_path: Path) -> None:
    site = Site(tmp_path)
    write_roles(site.postes, range(3))
    with tmpfs(site.feeds):
        assert site.build().exit_code == 0
        assert site.notify().exit_code == 0  # baseline: feeds/state.json
        before = files_of(site.feeds)
        remount(site.feeds, "ro")
        write_roles(site.postes, range(3, 5))  # two new roles: every feed would change
        result = site.build(now=LATER)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert re.fullmatch(
            rf"Error: cannot write {re.escape(str(site.feeds))}/\S+: Read-only file system; "
            r"the previous file is intact\n",
            result.stderr,
        ), result.stderr
        with webhook() as server:
            announced = site.notify(url=server.url, now=LATER)
            assert announced.exit_code == 1
            assert announced.stderr == (
                f"Error: cannot create the lock {site.state}.lock: Read-only file system; "
                "nothing was sent, the state is unchanged\n"
            )
            assert "Traceback" not in announced.output
            assert server.requests == 0  # nothing is sent before the events are saved as pending
        assert files_of(site.feeds) == before
        remount(site.feeds, "rw")
        assert site.build(now=LATER).exit_code == 0  # back to normal once writable
        assert site.events(now=LATER) == [("opened", "role-003", ""), ("opened", "role-004", "")]


# --- the state file ------------------------------------------------------------------------------

BROKEN_STATES = {
    "truncated": '{"schema_version": 1, "roles": {"role-001": {"state": "op',
    "not json": "<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> theirs\n",
    "damaged": '{"schema_version": 1, "roles": {"role-001": ["open"]}, "outbox": {}}',
    "newer": json.dumps({"schema_version": SCHEMA_VERSION + 1, "roles": {}, "outbox": {}, "shards": []}),
}


@pytest.mark.parametrize("kind", sorted(BROKEN_STATES))
def test_a_broken_state_is_a_clear_error_that_sends_and_changes_nothing(tmp_path: Path, kind: str) -> None:
    site = Site(tmp_path)
    write_roles(site.postes, range(1, 4))
    site.state.parent.mkdir(parents=True)
    site.state.write_text(BROKEN_STATES[kind], encoding="utf-8")
    with webhook() as server:
        result = site.notify("--announce-existing", url=server.url)
        assert server.requests == 0
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(f"Error: {site.state}: ")
    if kind == "newer":
        assert "upgrade jobfeed with 'pip install -U jobfeed'" in result.stderr
    else:
        assert f"restore it with 'git checkout -- {site.state}'" in result.stderr
    assert site.state.read_text(encoding="utf-8") == BROKEN_STATES[kind]  # never replaced by a baseline


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.slow
def test_the_documented_recovery_commands_work(tmp_path: Path) -> None:
    """Both recoveries the error offers: `git checkout` the committed state, or delete it."""
    site = Site(tmp_path)
    write_roles(site.postes, range(1, 6))
    git(tmp_path, "init", "-q")
    with webhook() as server:
        assert site.build().exit_code == 0
        assert site.notify(url=server.url).exit_code == 0  # baseline, as committed by the Action
        git(tmp_path, "add", "-A")
        git(tmp_path, "commit", "-qm", "feeds")
        site.state.write_text('{"schema_version": 1, "roles": {"role-0', encoding="utf-8")  # a bad merge
        failed = site.notify(url=server.url, now=LATER)
        command = re.search(r"restore it with '(git checkout -- \S+)'", failed.stderr)
        assert failed.exit_code == 1 and command, failed.stderr
        git(tmp_path, *command[1].split()[1:])
        assert site.events(url=server.url, now=LATER) == []
        # The other recovery: delete it. The feed next to it lists the roles: a baseline, no storm;
        # a role the feed does not list was never public, so never announced: it is.
        site.state.unlink()
        write_posting(site.postes, "role-009", "Role 009")
        assert site.events(url=server.url, now=LATER) == [("opened", "role-009", "")]
        assert shown_counts(server.shown) == {"Role 009": 1}


@pytest.mark.slow
def test_a_lost_state_with_a_thousand_roles_in_the_feed_announces_only_the_new_ones(tmp_path: Path) -> None:
    site = Site(tmp_path)
    write_roles(site.postes, range(1000))
    assert site.build().exit_code == 0  # feeds/feed.json lists the 1,000 roles
    write_posting(site.postes, "role-new-a", "Role A01")
    write_posting(site.postes, "role-new-b", "Role B02")
    with webhook() as server:
        result = site.notify(url=server.url, now=LATER)  # no state.json
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(
            "no state file: 1000 role(s) listed in the previous feed taken as already announced"
        )
        assert "2 new event(s): 2 opened" in result.stdout
        assert server.requests == 1
        [payload] = server.shown
    text = json.dumps(payload["blocks"], ensure_ascii=False)
    assert "Role A01" in text and "Role B02" in text and "Role 000" not in text
    assert len(json.loads(site.state.read_text())["roles"]) == 1002  # the baseline knows them all


# --- SIGKILL during build ------------------------------------------------------------------------


def staged(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*.tmp") if _STAGED.fullmatch(p.name)]


def build_command(config: Path, postes: Path, out: Path) -> list[str]:
    command = [sys.executable, "-m", "jobfeed", "build", "--config", str(config), "--postes", str(postes)]
    return [*command, "--out", str(out), "--now", NOW]


def kill_when(command: list[str], ready: object) -> int:
    """Start `command`, SIGKILL it as soon as `ready()` is true; returns its exit status."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if ready():  # type: ignore[operator]
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.0005)
    process.wait()
    return process.returncode


@pytest.mark.slow
def test_sigkill_during_build_leaves_every_file_old_or_new(tmp_path: Path) -> None:
    """2,000 postings (2,011 files, 24 MB); killed while rendering, while staging, while renaming.

    The drill runs on tmpfs (/dev/shm) when there is one: a killed process loses nothing the page
    cache holds, so fsync plays no part here and the drill runs ten times faster.
    """
    shm = Path("/dev/shm")
    base = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() and os.access(shm, os.W_OK) else tmp_path
    try:
        postes = base / "postes"
        write_roles(postes, range(2000), poste_ferme="2024-06-01")
        out = base / "feeds"
        old_config = base / "old.toml"
        old_config.write_text('[site]\nurl = "https://jobs.example.org/"\ntitle = "Old"\n', encoding="utf-8")
        new_config = base / "new.toml"
        new_config.write_text('[site]\nurl = "https://jobs.example.org/"\ntitle = "New"\n', encoding="utf-8")
        first = subprocess.run(build_command(old_config, postes, out), capture_output=True, text=True)
        assert first.returncode == 0, first.stderr
        old = files_of(out)
        assert (
            len(old) == 2013
        )  # the feeds, feed.xsl, facets, calendar, OPML, index, published.json, manifest, 2,000 pages
        command = build_command(new_config, postes, out)
        atom = (out / "atom.xml").stat().st_ino
        points = {
            "rendering": lambda: True,  # at once: still importing or rendering
            "staging": lambda: bool(staged(out / "postes")),
            "renaming": lambda: (out / "atom.xml").stat().st_ino != atom,
        }
        after: dict[str, dict[str, bytes]] = {}
        for point, ready in points.items():
            assert kill_when(command, ready) == -signal.SIGKILL, point  # killed before it finished
            after[point] = {k: v for k, v in files_of(out).items() if not _STAGED.fullmatch(Path(k).name)}
        final = subprocess.run(command, capture_output=True, text=True)
        assert final.returncode == 0, final.stderr
        new = files_of(out)
        assert staged(out) == []  # the next build removed what the killed ones left
        # every file changes with the title but the record of ids and names and the feeds'
        # stylesheet (which takes the title from the feed it shows), which do not hold it
        assert set(new) == set(old) and all(
            new[name] != old[name]
            for name in old
            if name not in ("published.json", ".jobfeed-manifest.json", "feed.xsl")
        )
        for point, files in after.items():
            assert set(files) == set(old), point  # nothing missing, nothing extra
            assert all(data in (old[name], new[name]) for name, data in files.items()), point
            renamed = sum(data == new[name] for name, data in files.items())
            print(f"killed while {point}: {renamed} of {len(old)} files new")  # shown with -s
        assert after["rendering"] == old
    finally:
        if base != tmp_path:
            subprocess.run(["rm", "-rf", str(base)], check=False)


# --- clock skew, a file deleted and added back, a thousand roles closing ---------------------------


def test_a_clock_before_the_last_run_announces_nothing_and_keeps_the_roles(tmp_path: Path) -> None:
    """Role 1 expired on 1 March; a run dated 20 February must not reopen it (nor close it again later)."""
    site = Site(tmp_path, f'[[notify]]\nkind = "slack"\nenv = "{HOOK}"\n')
    write_roles(site.postes, range(1, 4))
    write_posting(site.postes, "role-001", "Role 001", poste_ferme="2024-03-01")
    write_posting(site.postes, "role-005", "Role 005", poste_ouvert="2024-02-25")
    assert site.notify("--announce-existing", now=LATER).exit_code == 0  # no secret: events pending
    state = json.loads(site.state.read_text())
    assert len(state["outbox"]["slack:SLACK_WEBHOOK_URL"]) == 3  # roles 2, 3 and 5
    with webhook() as server:
        skewed = site.notify("--json", url=server.url, now=EARLY)
        assert skewed.exit_code == 0, skewed.output
        assert skewed.stderr == (
            f"Warning: the clock ({EARLY}) is before the last run ({LATER}): nothing was compared or "
            "announced and the known roles are kept; pending events were still delivered\n"
        )
        assert json.loads(skewed.stdout)["events"] == []
        assert shown_counts(server.shown) == {"Role 002": 1, "Role 003": 1, "Role 005": 1}
        kept = json.loads(site.state.read_text())
        assert kept["roles"] == state["roles"] and kept["last_run"] == LATER
        assert kept["last_success"] == state["last_success"]
        assert site.events(url=server.url, now=LATER) == []  # back on time: nothing to say
        assert server.requests == 1


def test_a_posting_deleted_and_added_back_is_closed_then_reopened_once_each(tmp_path: Path) -> None:
    site = Site(tmp_path)
    write_roles(site.postes, range(1, 5))
    with webhook() as server:
        assert site.events(url=server.url) == []  # baseline
        text = (site.postes / "role-002.md").read_text(encoding="utf-8")
        (site.postes / "role-002.md").unlink()
        assert site.events(url=server.url) == [("closed", "role-002", "removed")]
        assert site.events(url=server.url, now=LATER) == []
        (site.postes / "role-002.md").write_text(text, encoding="utf-8")
        assert site.events(url=server.url, now=LATER) == [("reopened", "role-002", "")]
        assert site.events(url=server.url, now=LATER) == []
        assert server.requests == 2
        assert shown_counts(server.shown) == {"Role 002": 2}  # one closure, one reopening


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["slack", "mattermost"])
def test_a_thousand_roles_closing_at_once(tmp_path: Path, kind: str) -> None:
    """A common deadline passing is legitimate: a few digest messages, no --force. The same roles
    vanishing (a wrong folder) is stopped by the guard until a person confirms."""
    site = Site(tmp_path, f'[[notify]]\nkind = "{kind}"\nenv = "{HOOK}"\n')  # one variable for both
    write_roles(site.postes, range(1000), poste_ferme="2024-03-01")
    with webhook() as server:
        assert site.events(url=server.url) == []  # 1 March: all open (baseline)
        events = site.events(url=server.url, now=LATER)
        assert (
            len(events) == 1000
            and {e[0] for e in events} == {"closed"}
            and {e[2] for e in events} == {"expired"}
        )
        assert 1 <= server.requests <= 10
        assert shown_counts(server.shown) == {f"Role {n:03d}": 1 for n in range(1000)}
        before = site.state.read_bytes()
        for path in site.postes.iterdir():
            path.unlink()
        refused = site.notify(url=server.url, now=LATER)
        assert refused.exit_code == 1 and "1000 of 1000 known roles disappeared at once" in refused.stderr
        assert site.state.read_bytes() == before
        sent = server.requests
        assert site.events("--force", url=server.url, now=LATER) == []  # already announced as expired
        assert server.requests == sent
