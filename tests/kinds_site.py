"""A site with one `[[notify]]` channel of a given kind, run through the CLI, and the drills every
channel kind goes through: a fault then its recovery, a dropped answer, a SIGKILL mid-digest."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from jobfeed.cli import cli
from jobfeed.config import CHANNEL_ENV
from notify_fixtures import EARLY, LATER, NOW, ROLE, config_toml, write_posting, write_roles

__all__ = ["EARLY", "LATER", "NOW", "KindSite"]

#: Every variable a channel may read: cleared in each run unless the test sets it.
VARIABLES = [*CHANNEL_ENV.values(), "JOBFEED_WEBHOOK_SECRET", "SSL_CERT_FILE"]


class KindSite:
    def __init__(self, tmp: Path, kind: str, extra: str = "") -> None:
        self.tmp = tmp
        self.kind = kind
        self.postes = tmp / "postes"
        self.postes.mkdir()
        self.config = config_toml(tmp, f'\n[[notify]]\nkind = "{kind}"\nlanguage = "en"\n{extra}')
        self.state = tmp / "feeds" / "state.json"
        self.label = f"{kind}:{CHANNEL_ENV[kind]}"

    def command(self, now: str = NOW, *args: str) -> list[str]:
        return [
            "notify",
            "--config",
            str(self.config),
            "--postes",
            str(self.postes),
            "--state",
            str(self.state),
            "--now",
            now,
            *args,
        ]

    def run(self, *args: str, env: dict[str, str] | None = None, now: str = NOW) -> Result:
        clean: dict[str, str | None] = {name: None for name in VARIABLES}
        return CliRunner().invoke(
            cli, self.command(now, *args), env={**clean, **(env or {})}, catch_exceptions=False
        )

    def state_text(self) -> str:
        return self.state.read_text(encoding="utf-8") if self.state.exists() else ""

    def pending(self) -> int:
        return len(json.loads(self.state_text())["outbox"].get(self.label, []))

    def baseline(self, env: dict[str, str]) -> None:
        """Six open roles seen on 20 February; role 3 closes on 5 March ("closing soon" by LATER)."""
        write_roles(self.postes, range(1, 7))
        write_posting(self.postes, "role-003", "Role 003", poste_ferme="2024-03-05")
        result = self.run(env=env, now=EARLY)
        assert result.exit_code == 0, result.output
        assert "baseline recorded: 6 open role(s), nothing announced" in result.stdout

    def make_changes(self) -> set[str]:
        """Two roles open, one filled, one removed, one closing soon: the five roles announced."""
        write_posting(self.postes, "role-001", "Role 001", poste_pourvu="true")
        (self.postes / "role-002.md").unlink()
        write_roles(self.postes, range(7, 9))
        return {"Role 001", "Role 002", "Role 003", "Role 007", "Role 008"}


def assert_nowhere(secrets: list[str], *texts: str) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text, secret


def fault_then_recovery(
    site: KindSite,
    env: dict[str, str],
    failing_env: dict[str, str],
    shown: Callable[[], list[str]],
    secrets: list[str],
    error: str,
    clear: Callable[[], None],
) -> None:
    """Announce five roles while the platform fails (`failing_env`, or a fault already set), check
    the failure is reported in the platform's words with nothing shown and every event pending; then
    clear the fault and check each role is shown exactly once."""
    site.baseline(env)
    expected = site.make_changes()
    failed = site.run("--json", env=failing_env, now=LATER)
    assert failed.exit_code == 1, failed.output
    report = json.loads(failed.stdout)
    [channel] = report["channels"]
    assert channel["status"] == "failed" and channel["pending"] == 5, channel
    assert channel["error"].startswith(error), channel["error"]
    assert f"Error: {site.label}: {error}" in failed.stderr
    assert shown() == []
    assert site.pending() == 5
    assert_nowhere(secrets, failed.stdout, failed.stderr, site.state_text())
    clear()
    recovered = site.run("--json", env=env, now=LATER)
    assert recovered.exit_code == 0, recovered.output
    assert json.loads(recovered.stdout)["channels"][0]["status"] == "delivered"
    assert_nowhere(secrets, recovered.stdout, recovered.stderr, site.state_text())
    counts = collections.Counter(shown())
    assert set(counts) == expected and set(counts.values()) == {1}, counts
    assert site.pending() == 0


def roles_named(text: str) -> list[str]:
    return ROLE.findall(text)


def kill_mid_digest(
    site: KindSite,
    env: dict[str, str],
    requests: Callable[[], int],
    wait_until: Callable[[Callable[[], bool], float], bool],
    settled: Callable[[], bool],
    received: Callable[[], list[list[str]]],
    shown: Callable[[], list[str]],
    no_delay: Callable[[], None],
    secrets: list[str],
    roles: int = 300,
) -> None:
    """SIGKILL `jobfeed notify` while the second message of a digest is in flight (the server
    answers slowly); the next run sends the rest: every role shown, only the in-flight ones twice."""
    for n in range(roles):
        write_posting(site.postes, f"role-{n:03d}", f"Role {n:03d} " + "x" * 120)
    command = [sys.executable, "-m", "jobfeed", *site.command(NOW, "--announce-existing")]
    full = {**{k: v for k, v in os.environ.items() if k not in VARIABLES}, **env}
    process = subprocess.Popen(command, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_until(lambda: requests() >= 2 or process.poll() is not None, 30)
    assert requests() == 2, process.communicate()
    process.send_signal(signal.SIGKILL)
    out, err = process.communicate()
    assert process.returncode == -signal.SIGKILL
    assert wait_until(settled, 10)  # the server finishes the in-flight message; its answer goes nowhere
    first, in_flight = received()[0], set(received()[1])
    assert site.pending() == roles - len(first)
    no_delay()
    rerun = subprocess.run(command, env=full, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    counts = collections.Counter(shown())
    assert set(counts) == {f"Role {n:03d}" for n in range(roles)}
    twice = {role for role, n in counts.items() if n > 1}
    assert twice == in_flight and max(counts.values()) == 2
    assert site.pending() == 0
    assert_nowhere(secrets, out.decode(), err.decode(), rerun.stdout, rerun.stderr, site.state_text())


def dropped_answer(
    site: KindSite, env: dict[str, str], shown: Callable[[], list[str]], requests: Callable[[], int]
) -> None:
    """The first answer is lost after the platform showed the digest: sent again, one copy more, once."""
    site.baseline(env)
    expected = site.make_changes()
    result = site.run(env=env, now=LATER)
    assert result.exit_code == 0, result.output
    counts = collections.Counter(shown())
    assert set(counts) == expected and set(counts.values()) == {2}, counts
    assert requests() == 2
    assert site.run(env=env, now=LATER).exit_code == 0
    assert requests() == 2


def payload_roles(payload: dict[str, Any]) -> list[str]:
    return roles_named(json.dumps(payload, ensure_ascii=False))
