"""`jobfeed notify` end to end: the CLI against a real local server that answers like Slack or Mattermost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import filelock
import pytest
from click.testing import CliRunner, Result

from jobfeed.announce import webhooks as channels
from jobfeed.cli import cli
from notify_fixtures import EARLY, LATER, NOW, config_toml, roles_in, shown_counts, write_posting, write_roles
from webhook_server import SECRET_PATH, Fault, Webhook, closed_port_url, http_fault, webhook

FAST = channels.RetryPolicy(
    attempts=3, first_wait=0.01, max_wait=0.02, budget=2.0, connect_timeout=0.5, read_timeout=0.3
)
ENV = {"slack": "SLACK_WEBHOOK_URL", "mattermost": "MATTERMOST_WEBHOOK_URL"}
SECRETS = [SECRET_PATH, *(p for p in SECRET_PATH.split("/") if len(p) >= 6)]


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channels, "DEFAULT_POLICY", FAST)


class Site:
    def __init__(self, tmp: Path, toml: str = "") -> None:
        self.tmp = tmp
        self.postes = tmp / "postes"
        self.postes.mkdir()
        self.config = config_toml(tmp, toml)
        self.state = tmp / "feeds" / "state.json"

    def run(self, *args: str, env: dict[str, str] | None = None, now: str = NOW) -> Result:
        clean = {name: None for name in ENV.values()}
        command = ["notify", "--config", str(self.config), "--postes", str(self.postes)]
        command += ["--state", str(self.state), "--now", now, *args]
        return CliRunner().invoke(cli, command, env={**clean, **(env or {})}, catch_exceptions=False)

    def state_text(self) -> str:
        return self.state.read_text(encoding="utf-8") if self.state.exists() else ""


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


def assert_no_secret(result: Result, site: Site, url: str) -> None:
    for where in (result.stdout, result.stderr, site.state_text()):
        for secret in [url, *SECRETS]:
            assert secret not in where


def make_changes(site: Site) -> set[str]:
    """Six roles known; then two open, one filled, one removed, one closing soon. Returns the roles announced."""
    write_posting(site.postes, "role-001", "Role 001", poste_pourvu="true")
    (site.postes / "role-002.md").unlink()
    write_roles(site.postes, range(7, 9))
    return {"Role 001", "Role 002", "Role 003", "Role 007", "Role 008"}


def baseline(site: Site, env: dict[str, str]) -> None:
    """Six open roles seen on 20 February; role 3 closes on 5 March, so it is "closing soon" by LATER."""
    write_roles(site.postes, range(1, 7))
    write_posting(site.postes, "role-003", "Role 003", poste_ferme="2024-03-05")
    result = site.run(env=env, now=EARLY)
    assert result.exit_code == 0, result.output
    assert "baseline recorded: 6 open role(s), nothing announced" in result.stdout


def test_first_run_is_a_silent_baseline_then_changes_are_announced(site: Site) -> None:
    with webhook() as server:
        env = {"SLACK_WEBHOOK_URL": server.url}
        baseline(site, env)
        assert server.requests == 0
        expected = make_changes(site)
        result = site.run("--json", env=env, now=LATER)
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert set(report) == {"now", "baseline", "last_success", "open", "events", "channels", "failures"}
        assert report["baseline"] is False and report["last_success"] == EARLY and report["failures"] == 0
        assert [(e["kind"], e["role"], e["reason"]) for e in report["events"]] == [
            ("opened", "role-007", None),
            ("opened", "role-008", None),
            ("closing_soon", "role-003", None),
            ("closed", "role-001", "filled"),
            ("closed", "role-002", "removed"),
        ]
        assert report["events"][0] == {
            "id": "role-007:opened:2024-01-15",
            "kind": "opened",
            "role": "role-007",
            "title": "Role 007 — Équipe",
            "reason": None,
            "deadline": None,
            "link": "https://jobs.example.org/postes/role-007.html",
        }
        assert report["channels"] == [
            {
                "name": "slack:SLACK_WEBHOOK_URL",
                "kind": "slack",
                "status": "delivered",
                "messages": 1,
                "delivered": 1,
                "pending": 0,
                "error": None,
                "warnings": [],
            }
        ]
        assert set(shown_counts(server.shown)) == expected
        again = site.run(env=env, now=LATER)
        assert again.exit_code == 0 and server.requests == 1
        assert "0 new event(s)" in again.stdout and "slack:SLACK_WEBHOOK_URL: nothing to send" in again.stdout


def test_a_role_without_an_opening_date_is_announced_once_dated_by_the_run(site: Site) -> None:
    """Every other test's postings have `poste_ouvert`: one without it is opened on the day notify
    first sees it open, and announced once."""
    with webhook() as server:
        env = {"MATTERMOST_WEBHOOK_URL": server.url}
        write_roles(site.postes, range(1, 3))
        assert site.run(env=env, now=EARLY).exit_code == 0  # the baseline
        (site.postes / "sans-date.md").write_text(
            "---\nrole: Role 009\nequipe: Équipe\ncontrat: stage\n---\n\nUne mission.\n", encoding="utf-8"
        )
        result = site.run("--json", env=env, now=LATER)
        assert result.exit_code == 0, result.output
        [opened] = json.loads(result.stdout)["events"]
        assert (opened["id"], opened["kind"], opened["deadline"]) == (
            "sans-date:opened:2024-03-02",
            "opened",
            None,
        )
        assert shown_counts(server.shown) == {"Role 009": 1}
        assert "stage" in server.shown[0]["text"]
        assert site.run(env=env, now=LATER).exit_code == 0
        assert server.requests == 1


def test_announce_existing_posts_the_open_roles(site: Site) -> None:
    write_roles(site.postes, range(1, 4))
    write_posting(site.postes, "role-009", "Role 009", status="closed")
    with webhook() as server:
        result = site.run("--announce-existing", env={"MATTERMOST_WEBHOOK_URL": server.url})
        assert result.exit_code == 0, result.output
        assert shown_counts(server.shown) == {"Role 001": 1, "Role 002": 1, "Role 003": 1}


FAULTS = [
    ("slack", "500"),
    ("slack", "503"),
    ("slack", "429"),
    ("slack", "400"),
    ("slack", "403"),
    ("slack", "404"),
    ("slack", "410"),
    ("slack", "hang"),
    ("slack", "no server"),
    ("mattermost", "500"),
    ("mattermost", "503"),
    ("mattermost", "429"),
    ("mattermost", "400"),
    ("mattermost", "501"),
    ("mattermost", "hang"),
    ("mattermost", "no server"),
]
ERROR_TEXT = {
    "400": {"slack": "HTTP 400 invalid_payload", "mattermost": "HTTP 400 Invalid webhook."},
    "403": {"slack": "HTTP 403 invalid_token"},
    "404": {"slack": "HTTP 404 no_service"},
    "410": {"slack": "HTTP 410 channel_is_archived"},
    "501": {"mattermost": "HTTP 501 Incoming webhooks have been disabled"},
    "500": {"slack": "HTTP 500 internal_error", "mattermost": "HTTP 500 Unable to save the post."},
    "503": {"slack": "HTTP 503 service_unavailable", "mattermost": "HTTP 503 Service Unavailable"},
    "429": {"slack": "HTTP 429 rate_limited, retry after 0.01 s", "mattermost": "HTTP 429 rate limited"},
    "hang": {"slack": "no answer within 0.3 s", "mattermost": "no answer within 0.3 s"},
    "no server": {
        "slack": "cannot connect: Connection refused",
        "mattermost": "cannot connect: Connection refused",
    },
}


@pytest.mark.parametrize(("platform", "fault"), FAULTS)
def test_after_a_fault_clears_every_event_is_delivered_exactly_once(
    site: Site, platform: str, fault: str
) -> None:
    with webhook() as server:
        env = {ENV[platform]: server.url}
        baseline(site, env)
        expected = make_changes(site)
        if fault == "no server":
            env = {ENV[platform]: closed_port_url()}
        elif fault == "hang":
            server.fail(Fault("hang", seconds=0.5), sticky=True)
        elif fault == "429":
            server.fail(
                Fault("http", 429, http_fault(platform, 429).body, {"Retry-After": "0.01"}), sticky=True
            )
        else:
            server.fail(http_fault(platform, int(fault)), sticky=True)
        failed = site.run("--json", env=env, now=LATER)
        assert failed.exit_code == 1, failed.output
        report = json.loads(failed.stdout)
        [channel] = report["channels"]
        assert channel["status"] == "failed" and channel["pending"] == 5 and report["failures"] == 1
        assert channel["error"].startswith(ERROR_TEXT[fault][platform])
        assert (
            f"Error: {ENV[platform] if False else channel['name']}: {ERROR_TEXT[fault][platform]}"
            in failed.stderr
        )
        assert_no_secret(failed, site, env[ENV[platform]])
        assert server.shown == []
        pending = json.loads(site.state_text())["outbox"][f"{platform}:{ENV[platform]}"]
        assert len(pending) == 5

        server.clear()
        env = {ENV[platform]: server.url}
        recovered = site.run("--json", env=env, now=LATER)
        assert recovered.exit_code == 0, recovered.output
        assert json.loads(recovered.stdout)["channels"][0]["status"] == "delivered"
        assert_no_secret(recovered, site, server.url)
        counts = shown_counts(server.shown)
        assert set(counts) == expected and set(counts.values()) == {1}
        assert json.loads(site.state_text())["outbox"] == {f"{platform}:{ENV[platform]}": []}


@pytest.mark.parametrize("platform", ["slack", "mattermost"])
def test_a_dropped_answer_is_sent_again_at_most_one_extra_copy(site: Site, platform: str) -> None:
    with webhook() as server:
        env = {ENV[platform]: server.url}
        baseline(site, env)
        expected = make_changes(site)
        server.fail(Fault("drop"))
        result = site.run(env=env, now=LATER)
        assert result.exit_code == 0, result.output
        assert_no_secret(result, site, server.url)
        counts = shown_counts(server.shown)
        assert set(counts) == expected and set(counts.values()) == {2}  # the one digest, posted twice
        assert server.requests == 2
        site.run(env=env, now=LATER)
        assert server.requests == 2


def test_one_failing_channel_does_not_stop_the_others(site: Site) -> None:
    with webhook() as slack, webhook() as mattermost:
        env = {"SLACK_WEBHOOK_URL": slack.url, "MATTERMOST_WEBHOOK_URL": mattermost.url}
        baseline(site, env)
        expected = make_changes(site)
        slack.fail(http_fault("slack", 404), sticky=True)
        result = site.run(env=env, now=LATER)
        assert result.exit_code == 1
        assert "mattermost:MATTERMOST_WEBHOOK_URL: 1 message(s) delivered" in result.stdout
        assert "Error: slack:SLACK_WEBHOOK_URL: HTTP 404 no_service; 5 event(s) stay pending" in result.stderr
        assert set(shown_counts(mattermost.shown)) == expected and slack.shown == []


def test_posting_text_never_formats_or_mentions_on_either_platform(site: Site) -> None:
    nasty = "<!channel> @here <script>x</script> *bold*"
    write_posting(site.postes, "nasty", nasty, team="@all <@U123> *Team*")
    with webhook() as slack, webhook() as mattermost:
        env = {"SLACK_WEBHOOK_URL": slack.url, "MATTERMOST_WEBHOOK_URL": mattermost.url}
        result = site.run("--announce-existing", env=env)
        assert result.exit_code == 0, result.output
        [slack_payload], [mm_payload] = slack.shown, mattermost.shown
    raw = json.dumps(slack_payload, ensure_ascii=False)
    for trigger in ("<!channel>", "@here", "@all", "<@U123>", "<script>"):
        assert trigger not in raw and trigger not in mm_payload["text"]
    assert "&lt;!channel&gt; @\u2060here &lt;script&gt;x&lt;/script&gt; *bold*" in raw
    assert slack_payload["blocks"][1]["text"]["type"] == "plain_text"
    assert "\\<\\!channel\\> @\u2060here \\<script\\>x\\</script\\> \\*bold\\*" in mm_payload["text"]


def test_guard_refuses_a_mass_disappearance_unless_forced(site: Site) -> None:
    write_roles(site.postes, range(1, 11))
    with webhook() as server:
        env = {"SLACK_WEBHOOK_URL": server.url}
        assert site.run(env=env).exit_code == 0
        before = site.state_text()
        for n in range(1, 7):
            (site.postes / f"role-{n:03d}.md").unlink()
        refused = site.run(env=env, now=LATER)
        assert refused.exit_code == 1
        assert "Error: 6 of 10 known roles disappeared at once" in refused.stderr
        assert "--force" in refused.stderr and server.requests == 0 and site.state_text() == before
        forced = site.run("--force", env=env, now=LATER)
        assert forced.exit_code == 0
        assert shown_counts(server.shown) == {f"Role {n:03d}": 1 for n in range(1, 7)}


def test_a_posting_that_fails_to_load_is_not_announced_as_removed(site: Site) -> None:
    write_roles(site.postes, range(1, 4))
    with webhook() as server:
        env = {"SLACK_WEBHOOK_URL": server.url}
        assert site.run(env=env).exit_code == 0
        (site.postes / "role-002.md").write_text("---\nrole: [unclosed\n---\n", encoding="utf-8")
        result = site.run(env=env, now=LATER)
        assert result.exit_code == 1 and "role-002.md:2: error: invalid YAML" in result.stderr
        assert server.requests == 0


def test_lock_stops_a_second_run(site: Site) -> None:
    write_roles(site.postes, range(1, 3))
    site.state.parent.mkdir(parents=True)
    with filelock.FileLock(str(site.state) + ".lock"):
        result = site.run(env={"SLACK_WEBHOOK_URL": "http://127.0.0.1:9/x"})
    assert result.exit_code == 1
    assert "another 'jobfeed notify' is running with this state" in result.stderr
    assert not site.state.exists()


def test_dry_run_prints_payloads_and_changes_nothing(site: Site) -> None:
    with webhook() as server:
        env = {"SLACK_WEBHOOK_URL": server.url}
        baseline(site, env)
        make_changes(site)
        before = site.state_text()
        result = site.run("--dry-run", env=env, now=LATER)
        assert result.exit_code == 0, result.output
        [channel] = json.loads(result.stdout)["channels"]
        assert channel["name"] == "slack:SLACK_WEBHOOK_URL"
        assert set(roles_in(channel["payloads"][0])) == {
            "Role 001",
            "Role 002",
            "Role 003",
            "Role 007",
            "Role 008",
        }
        assert server.requests == 0 and site.state_text() == before
        assert_no_secret(result, site, server.url)
        site.run(env=env, now=LATER)
        assert server.shown == channel["payloads"]  # exactly what the dry run printed


def test_unset_variable_is_reported_and_events_wait(tmp_path: Path) -> None:
    site = Site(
        tmp_path, '[[notify]]\nkind = "mattermost"\nenv = "TEAM_HOOK"\nlanguage = "en"\nusername = "jobs"\n'
    )
    write_roles(site.postes, range(1, 3))
    result = site.run("--announce-existing")
    assert result.exit_code == 0
    assert "Warning: TEAM_HOOK is not set" not in result.stderr
    assert "Warning: mattermost:TEAM_HOOK: TEAM_HOOK is not set; 2 event(s) stay pending" in result.stderr
    with webhook() as server:
        result = site.run(env={"TEAM_HOOK": server.url})
        assert result.exit_code == 0
        [payload] = server.shown
    assert payload["username"] == "jobs" and payload["text"].startswith("#### New roles (2)")


def test_channel_filters(tmp_path: Path) -> None:
    toml = '[[notify]]\nkind = "slack"\nenv = "DATA_HOOK"\nteams = ["data"]\nevents = ["opened"]\n'
    site = Site(tmp_path, toml)
    write_posting(site.postes, "role-001", "Role 001", team="Data")
    write_posting(site.postes, "role-002", "Role 002", team="Produit")
    with webhook() as server:
        assert site.run("--announce-existing", env={"DATA_HOOK": server.url}).exit_code == 0
        assert shown_counts(server.shown) == {"Role 001": 1}


def test_a_run_without_the_secret_keeps_a_known_default_channel(site: Site) -> None:
    with webhook() as server:
        env = {"SLACK_WEBHOOK_URL": server.url}
        baseline(site, env)
        expected = make_changes(site)
        skipped = site.run(now=LATER)  # e.g. a pull request from a fork: no secret
        assert skipped.exit_code == 0 and "SLACK_WEBHOOK_URL is not set" in skipped.stderr
        assert site.run(env=env, now=LATER).exit_code == 0
        assert set(shown_counts(server.shown)) == expected


def test_killed_mid_digest_then_run_again(tmp_path: Path) -> None:
    """SIGKILL while the second message of a digest is in flight; the next run sends the rest."""
    site = Site(tmp_path)
    for n in range(300):
        write_posting(site.postes, f"role-{n:03d}", f"Role {n:03d} " + "x" * 120)
    env = {**os.environ, "SLACK_WEBHOOK_URL": ""}
    command = [
        sys.executable,
        "-m",
        "jobfeed",
        "notify",
        "--config",
        str(site.config),
        "--postes",
        str(site.postes),
    ]
    command += ["--state", str(site.state), "--now", NOW, "--announce-existing"]
    with Webhook(delay=0.4) as server:
        env["SLACK_WEBHOOK_URL"] = server.url
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        server.wait_until(lambda: server.requests >= 2 or process.poll() is not None, timeout=30)
        assert server.requests == 2, process.communicate()
        process.send_signal(signal.SIGKILL)
        out, err = process.communicate()
        assert process.returncode == -signal.SIGKILL
        # the server finishes the in-flight request (its answer goes nowhere)
        assert server.wait_until(lambda: server.answered == server.requests, timeout=10)
        in_flight = set(roles_in(server.received[1]))
        first_run = len(server.received)
        pending = json.loads(site.state.read_text())["outbox"]["slack:SLACK_WEBHOOK_URL"]
        assert len(pending) == 300 - len(roles_in(server.received[0]))
        server.delay = 0
        rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert rerun.returncode == 0, rerun.stderr
    assert first_run == 2 and len(server.received) >= 4
    counts = shown_counts(server.shown)
    assert set(counts) == {f"Role {n:03d}" for n in range(300)}
    twice = {role for role, n in counts.items() if n > 1}
    assert twice == in_flight and max(counts.values()) == 2
    for text in (out.decode(), err.decode(), rerun.stdout, rerun.stderr, site.state.read_text()):
        assert SECRET_PATH not in text


def test_corrupt_state_is_a_clear_error(site: Site) -> None:
    site.state.parent.mkdir(parents=True)
    site.state.write_text("{oops")
    result = site.run()
    assert result.exit_code == 1
    assert f"Error: {site.state}: the state file is not valid JSON" in result.stderr
    assert "Traceback" not in result.output


def test_json_output_is_byte_identical_for_the_same_input(tmp_path: Path) -> None:
    outputs: list[Any] = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        site = Site(folder)
        write_roles(site.postes, range(1, 4))
        result = site.run(
            "--announce-existing", "--dry-run", env={"SLACK_WEBHOOK_URL": "http://127.0.0.1:9/x"}
        )
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]


def test_bad_now_is_a_usage_error(site: Site) -> None:
    result = site.run(now="yesterday")
    assert result.exit_code == 2 and "--now 'yesterday' is not an ISO 8601 date-time" in result.stderr


@pytest.mark.parametrize(("status", "body"), [(200, '{"ok":true}'), (200, ""), (204, "")])
def test_a_2xx_answer_other_than_ok_is_delivered_with_a_warning_and_never_sent_again(
    site: Site, status: int, body: str
) -> None:
    """Issue 19, finding 10: a webhook answering 200 with a body other than `ok` (`{"ok":true}` from
    newer endpoints) was a permanent failure, so the message, which the platform showed, was sent
    again at every run without end."""
    write_roles(site.postes, range(1, 3))
    with webhook() as server:
        server.fail(Fault("http", status, body, {"Content-Type": "application/json"}), sticky=True)
        env = {"SLACK_WEBHOOK_URL": server.url}
        first = site.run("--announce-existing", env=env)
        assert first.exit_code == 0, first.output
        assert server.requests == 1
        assert (
            f"slack:SLACK_WEBHOOK_URL: warning: HTTP {status} with the answer "
            f"{body or '(empty answer)'!r} instead of 'ok'; taken as delivered" in first.stdout
        )
        assert json.loads(site.state_text())["outbox"]["slack:SLACK_WEBHOOK_URL"] == []
        again = site.run(env=env, now=LATER)
        assert again.exit_code == 0 and server.requests == 1  # nothing sent again
        assert_no_secret(first, site, server.url)


# --- --announce-existing: the open roles never announced, whether or not a build ran first


def build_feeds(site: Site) -> None:
    command = ["build", "--config", str(site.config), "--postes", str(site.postes)]
    result = CliRunner().invoke(cli, [*command, "--out", str(site.state.parent), "--now", NOW])
    assert result.exit_code == 0, result.output


def test_announce_existing_after_a_build(site: Site) -> None:
    """`jobfeed build && jobfeed notify --announce-existing`: the feed lists the roles, which used
    to make them "already announced" and the flag do nothing."""
    write_roles(site.postes, range(1, 4))
    build_feeds(site)
    with webhook() as server:
        env = {"SLACK_WEBHOOK_URL": server.url}
        result = site.run("--announce-existing", env=env)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("3 new event(s): 3 opened\n")
        assert shown_counts(server.shown) == {"Role 001": 1, "Role 002": 1, "Role 003": 1}
        again = site.run("--announce-existing", env=env, now=LATER)  # never twice
        assert again.exit_code == 0 and server.requests == 1


def test_a_silent_baseline_then_announce_existing(site: Site) -> None:
    write_roles(site.postes, range(1, 4))
    build_feeds(site)
    with webhook() as server:
        env = {"SLACK_WEBHOOK_URL": server.url}
        first = site.run(env=env)
        assert "baseline recorded: 3 open role(s), nothing announced (run 'jobfeed notify " in first.stdout
        assert server.requests == 0
        write_posting(site.postes, "role-002", "Role 002", poste_pourvu="true")  # filled meanwhile
        result = site.run("--announce-existing", env=env, now=LATER)
        assert result.exit_code == 0, result.output
        # The roles still open are announced; the filled one is announced closed, as any run would.
        assert shown_counts(server.shown) == {"Role 001": 1, "Role 003": 1, "Role 002": 1}
        assert "unannounced" not in site.state_text()
        assert site.run("--announce-existing", env=env, now=LATER).exit_code == 0
        assert server.requests == 1


def test_announce_existing_for_a_channel_added_later(tmp_path: Path) -> None:
    site = Site(tmp_path, '[[notify]]\nkind = "slack"\nname = "un"\nenv = "HOOK_ONE"\n')
    write_roles(site.postes, range(1, 3))
    with webhook() as one, webhook() as two:
        assert site.run("--announce-existing", env={"HOOK_ONE": one.url}).exit_code == 0
        assert shown_counts(one.shown) == {"Role 001": 1, "Role 002": 1}
        site.config.write_text(
            site.config.read_text() + '[[notify]]\nkind = "slack"\nname = "deux"\nenv = "HOOK_TWO"\n'
        )
        env = {"HOOK_ONE": one.url, "HOOK_TWO": two.url}
        result = site.run("--announce-existing", env=env, now=LATER)
        assert result.exit_code == 0, result.output
        assert shown_counts(two.shown) == {"Role 001": 1, "Role 002": 1}
        assert one.requests == 1  # the first channel announced them already


def test_a_run_with_nothing_to_announce_leaves_the_state_byte_identical(site: Site) -> None:
    write_roles(site.postes, range(1, 4))
    write_posting(site.postes, "role-004", "Role 004", poste_ferme="2024-03-20")
    with webhook() as server:
        env = {"SLACK_WEBHOOK_URL": server.url}
        assert site.run(env=env, now=EARLY).exit_code == 0
        before = site.state.read_bytes()
        stat = site.state.stat()
        for day in ("2024-02-21", "2024-02-28", "2024-03-12"):  # nothing changes state on these days
            result = site.run(env=env, now=f"{day}T09:00:00+01:00")
            assert result.exit_code == 0 and "0 new event(s)" in result.stdout
            assert site.state.read_bytes() == before and site.state.stat().st_mtime_ns == stat.st_mtime_ns
        # Role 4 enters its last week on the 14th: announced, and recorded with the run's date.
        result = site.run(env=env, now="2024-03-14T09:00:00+01:00")
        assert "1 new event(s): 1 closing_soon" in result.stdout
        state = json.loads(site.state.read_text())
        assert state["last_run"] == state["last_success"] == "2024-03-14T09:00:00+01:00"
        # The clock guard still knows the last run that changed something.
        skewed = site.run(env=env, now="2024-03-13T09:00:00+01:00")
        assert "is before the last run (2024-03-14T09:00:00+01:00)" in skewed.stderr
