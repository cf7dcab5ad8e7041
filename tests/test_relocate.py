"""The state moves out of the published folder (issue 20): `feeds/state.json` -> `.jobfeed/state.json`.

A site set up with jobfeed 0.1 has its state in `feeds/`, pending announcements included. The next
run with the default place moves it without losing a role or a pending event; a dry run moves
nothing; two different states are an error that changes nothing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from jobfeed.announce import webhooks as channels
from jobfeed.cli import cli
from jobfeed.github_action import cli as action_cli
from notify_fixtures import EARLY, LATER, NOW, config_toml, write_posting
from webhook_server import http_fault, webhook

FAST = channels.RetryPolicy(
    attempts=2, first_wait=0.01, max_wait=0.02, budget=2.0, connect_timeout=0.5, read_timeout=0.3
)
LEGACY = Path("feeds/state.json")
STATE = Path(".jobfeed/state.json")


@pytest.fixture(autouse=True)
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(channels, "DEFAULT_POLICY", FAST)
    monkeypatch.chdir(tmp_path)
    config_toml(tmp_path)
    write_posting(Path("postes"), "dev", "Développeuse")
    write_posting(Path("postes"), "data", "Data analyst")
    return tmp_path


def notify(url: str, now: str, *args: str) -> Result:
    env = {"SLACK_WEBHOOK_URL": url, "MATTERMOST_WEBHOOK_URL": None}
    return CliRunner().invoke(cli, ["notify", "--now", now, *args], env=env, catch_exceptions=False)


def legacy_state_with_a_pending_event(url: str) -> bytes:
    """What jobfeed 0.1 left: a baseline, then a new role whose announcement failed (pending)."""
    assert notify(url, EARLY, "--state", str(LEGACY)).exit_code == 0
    write_posting(Path("postes"), "design", "Designer")
    result = notify(url, NOW, "--state", str(LEGACY))
    assert result.exit_code == 1 and "event(s) stay pending" in result.stderr
    return LEGACY.read_bytes()


def test_the_next_run_moves_the_state_and_delivers_what_was_pending() -> None:
    with webhook() as server:
        server.fail(http_fault("slack", 500), sticky=True)
        old = json.loads(legacy_state_with_a_pending_event(server.url))
        assert [e["role"] for e in old["outbox"]["slack:SLACK_WEBHOOK_URL"]] == ["design"]
        server.clear()
        before = server.requests
        result = notify(server.url, LATER)
        assert result.exit_code == 0, result.output
        assert f"Note: moved the state from {LEGACY} to {STATE}; commit both" in result.stderr
        assert not LEGACY.exists()
        new = json.loads(STATE.read_text(encoding="utf-8"))
        assert new["roles"] == old["roles"]  # every role known before, nothing re-announced
        assert new["outbox"] == {"slack:SLACK_WEBHOOK_URL": []}  # the pending event was delivered
        assert server.requests == before + 1
        assert "Designer" in json.dumps(server.shown[-1], ensure_ascii=False)
        assert "Développeuse" not in json.dumps(server.shown[-1], ensure_ascii=False)
        assert "baseline" not in result.stdout
        again = notify(server.url, LATER)  # moved once: the next run has nothing to say
        assert again.exit_code == 0 and "Note:" not in again.stderr and server.requests == before + 1


def test_a_dry_run_reads_the_old_state_where_it_is() -> None:
    with webhook() as server:
        server.fail(http_fault("slack", 500), sticky=True)
        old = legacy_state_with_a_pending_event(server.url)
        result = notify(server.url, LATER, "--dry-run")
        assert result.exit_code == 0, result.output
        assert "Designer" in result.stdout and "baseline" not in result.stdout
        assert LEGACY.read_bytes() == old and not STATE.exists()


def test_two_different_states_are_an_error_that_changes_nothing() -> None:
    with webhook() as server:
        server.fail(http_fault("slack", 500), sticky=True)
        old = legacy_state_with_a_pending_event(server.url)
        STATE.parent.mkdir()
        STATE.write_text('{"schema_version": 1}\n', encoding="utf-8")
        server.clear()
        before = server.requests
        result = notify(server.url, LATER)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"Error: {LEGACY} and {STATE} are both state files and differ")
        assert f"'git rm {LEGACY}'" in result.stderr
        assert LEGACY.read_bytes() == old and STATE.read_text(encoding="utf-8") == '{"schema_version": 1}\n'
        assert server.requests == before


def test_an_identical_leftover_is_removed() -> None:
    with webhook() as server:
        assert notify(server.url, EARLY, "--state", str(LEGACY)).exit_code == 0
        STATE.parent.mkdir()
        shutil.copyfile(LEGACY, STATE)
        result = notify(server.url, NOW)
        assert result.exit_code == 0, result.output
        assert not LEGACY.exists() and "Note:" not in result.stderr
        assert json.loads(STATE.read_text(encoding="utf-8"))["roles"].keys() == {"dev", "data"}


def test_a_configured_state_is_left_where_it_is() -> None:
    with webhook() as server:
        assert notify(server.url, EARLY, "--state", str(LEGACY)).exit_code == 0
        old = LEGACY.read_bytes()
        Path("jobfeed.toml").write_text(
            '[site]\nurl = "https://jobs.example.org/"\n[announce]\nstate = "feeds/state.json"\n', "utf-8"
        )
        assert notify(server.url, NOW).exit_code == 0
        assert LEGACY.read_bytes() == old and not STATE.exists()


def test_the_action_moves_the_state_of_its_feeds_input(tmp_path: Path) -> None:
    public = Path("public/state.json")
    public.parent.mkdir()
    public.write_text('{"schema_version": 1}\n', encoding="utf-8")
    runner = CliRunner()
    dry = runner.invoke(
        action_cli, ["prepare", "--output", "dry"], env={"INPUT_FEEDS": "public", "INPUT_DRY_RUN": "true"}
    )
    assert dry.exit_code == 0, dry.output
    assert "state=public/state.json\n" in Path("dry").read_text(encoding="utf-8") and public.exists()
    result = runner.invoke(action_cli, ["prepare", "--output", "out"], env={"INPUT_FEEDS": "public"})
    assert result.exit_code == 0, result.output
    assert f"Moved the state from {public} to {STATE} (out of the published folder)." in result.output
    assert "state=.jobfeed/state.json\n" in Path("out").read_text(encoding="utf-8")
    assert not public.exists() and STATE.read_text(encoding="utf-8") == '{"schema_version": 1}\n'


def test_a_lost_state_at_the_default_place_is_seeded_from_the_output_s_feed() -> None:
    """The state is no longer beside the feed: a lost `.jobfeed/state.json` is still a baseline seeded
    from `feeds/feed.json`, not every role announced again; an unreadable feed names the state's place."""
    assert CliRunner().invoke(cli, ["build", "--now", EARLY]).exit_code == 0
    write_posting(Path("postes"), "design", "Designer")
    with webhook() as server:
        result = notify(server.url, NOW)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("no state file: 2 role(s) listed in the previous feed taken as")
        assert server.requests == 1 and "Développeuse" not in json.dumps(server.shown, ensure_ascii=False)
    STATE.unlink()
    Path("feeds/feed.json").write_text("{not json", encoding="utf-8")
    broken = notify("http://127.0.0.1:9/", LATER)
    assert broken.exit_code == 1
    assert f"restore the state with 'git checkout -- {STATE}'" in broken.stderr
