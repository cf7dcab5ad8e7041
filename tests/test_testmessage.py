"""`jobfeed notify --test [CHANNEL]` against a real local server that answers like Slack or Mattermost:
delivered, a permanent error, a transient one (retried), the channel named; no state written, no URL shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from jobfeed.announce import webhooks
from jobfeed.announce.messages import MATTERMOST_MAX_POST
from jobfeed.cli import cli
from notify_fixtures import config_toml, write_roles
from webhook_server import SECRET_PATH, Fault, closed_port_url, http_fault, webhook

FAST = webhooks.RetryPolicy(
    attempts=3, first_wait=0.01, max_wait=0.02, budget=2.0, connect_timeout=0.5, read_timeout=0.3
)
SECRETS = [SECRET_PATH, *(p for p in SECRET_PATH.split("/") if len(p) >= 6)]
SLACK_MAX_TEXT = 40_000  # Slack truncates a message's `text` beyond this

TWO_CHANNELS = """
[[notify]]
kind = "slack"
name = "recrutement"
env = "RECRUTEMENT_HOOK"
language = "en"

[[notify]]
kind = "mattermost"
name = "equipe"
env = "EQUIPE_HOOK"
username = "jobfeed"
"""


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhooks, "DEFAULT_POLICY", FAST)


def run(tmp_path: Path, *args: str, env: dict[str, str | None], toml: str = "") -> Result:
    """`jobfeed notify --test ARGS` with `[site]` (and `toml` after it) as jobfeed.toml."""
    config = config_toml(tmp_path, 'title = "Offres <test> & co"\n' + toml)
    clean: dict[str, str | None] = {
        name: None
        for name in ("SLACK_WEBHOOK_URL", "MATTERMOST_WEBHOOK_URL", "RECRUTEMENT_HOOK", "EQUIPE_HOOK")
    }
    command = ["notify", "--config", str(config), "--test", *args]
    return CliRunner().invoke(cli, command, env={**clean, **env}, catch_exceptions=False)


def assert_no_secret(result: Result, url: str) -> None:
    for where in (result.stdout, result.stderr):
        for secret in [url, *SECRETS]:
            assert secret not in where


def test_delivered_to_slack_and_mattermost_and_nothing_is_written(tmp_path: Path) -> None:
    with webhook() as slack, webhook() as mattermost:
        env = {"SLACK_WEBHOOK_URL": slack.url, "MATTERMOST_WEBHOOK_URL": mattermost.url}
        before = {p.name for p in tmp_path.iterdir()}
        result = run(tmp_path, env=env)
    assert result.exit_code == 0, result.output
    assert (
        result.stdout == "slack:SLACK_WEBHOOK_URL: delivered\nmattermost:MATTERMOST_WEBHOOK_URL: delivered\n"
    )
    assert {p.name for p in tmp_path.iterdir()} == before | {"jobfeed.toml"}  # no state, no lock
    [slack_payload] = slack.shown
    assert slack_payload == {
        "text": "Message de test de jobfeed : ce canal recevra les annonces de « Offres &lt;test&gt; "
        "&amp; co ». Aucun poste n'a été annoncé.",
        "mrkdwn": False,
    }
    assert len(slack_payload["text"]) <= SLACK_MAX_TEXT
    [mattermost_payload] = mattermost.shown
    assert set(mattermost_payload) == {"text"} and len(mattermost_payload["text"]) <= MATTERMOST_MAX_POST
    assert "Offres \\<test\\> \\& co" in mattermost_payload["text"]  # Markdown escaped
    assert_no_secret(result, slack.url)


def test_an_existing_state_is_left_byte_identical(tmp_path: Path) -> None:
    """A real state (a baseline and a pending event), then --test: the file and its folder unchanged."""
    postes = tmp_path / "postes"
    postes.mkdir()
    write_roles(postes, range(1, 3))
    state = tmp_path / "feeds" / "state.json"
    with webhook() as slack:
        env = {"SLACK_WEBHOOK_URL": slack.url}
        config = config_toml(tmp_path)
        notify = ["notify", "--config", str(config), "--postes", str(postes), "--state", str(state)]
        first = CliRunner().invoke(cli, [*notify, "--now", "2024-02-20T09:00:00Z"], env=env)
        assert first.exit_code == 0, first.output
        write_roles(postes, range(3, 4))
        slack.fail(http_fault("slack", 500), sticky=True)  # the new role's event stays pending
        second = CliRunner().invoke(cli, [*notify, "--now", "2024-02-21T09:00:00Z"], env=env)
        assert second.exit_code == 1 and "event(s) stay pending" in second.stderr
        slack.clear()
        before = state.read_bytes()
        files = sorted(p.name for p in state.parent.iterdir())
        shown = len(slack.shown)
        result = run(tmp_path, env=env, toml="")
        assert result.exit_code == 0 and result.stdout == "slack:SLACK_WEBHOOK_URL: delivered\n"
        assert len(slack.shown) == shown + 1  # the test message only: the pending event is not sent
        assert "Message de test de jobfeed" in slack.shown[-1]["text"]
    assert state.read_bytes() == before
    assert sorted(p.name for p in state.parent.iterdir()) == files
    assert json.loads(before)["outbox"]  # the pending event is still there, and no test entry joined it
    assert "jobfeed-test-message" not in before.decode()


@pytest.mark.parametrize(
    ("platform", "status", "said"),
    [
        ("slack", 403, "HTTP 403 invalid_token"),
        ("slack", 404, "HTTP 404 no_service"),
        ("slack", 410, "HTTP 410 channel_is_archived"),
        ("mattermost", 400, "HTTP 400 Invalid webhook. (web.incoming_webhook.invalid.app_error)"),
        (
            "mattermost",
            501,
            "HTTP 501 Incoming webhooks have been disabled by the system admin. "
            "(web.incoming_webhook.disabled.app_error)",
        ),
    ],
)
def test_a_permanent_error_is_said_once_with_what_to_do(
    tmp_path: Path, platform: str, status: int, said: str
) -> None:
    variable = f"{platform.upper()}_WEBHOOK_URL"
    with webhook() as server:
        server.fail(http_fault(platform, status), sticky=True)
        result = run(tmp_path, env={variable: server.url})
    assert result.exit_code == 1
    assert result.stdout == (
        f"{platform}:{variable}: failed: {said} (a permanent error: check the webhook URL and the "
        "channel, then run the test again)\n"
    )
    assert server.requests == 1  # not retried
    assert_no_secret(result, server.url)


@pytest.mark.parametrize("platform", ["slack", "mattermost"])
def test_a_transient_error_is_retried_then_delivered(tmp_path: Path, platform: str) -> None:
    variable = f"{platform.upper()}_WEBHOOK_URL"
    with webhook() as server:
        server.fail(http_fault(platform, 503), http_fault(platform, 429))
        result = run(tmp_path, env={variable: server.url})
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{platform}:{variable}: delivered\n"
    assert server.requests == 3 and len(server.shown) == 1


def test_a_transient_error_that_lasts_says_try_again_later(tmp_path: Path) -> None:
    with webhook() as slack:
        slack.fail(http_fault("slack", 503), sticky=True)
        result = run(tmp_path, env={"SLACK_WEBHOOK_URL": slack.url})
    assert result.exit_code == 1
    assert result.stdout == (
        "slack:SLACK_WEBHOOK_URL: failed: HTTP 503 service_unavailable after 3 attempts (a transient "
        "error: the platform may be busy or unreachable, try again later)\n"
    )
    assert slack.requests == 3
    assert_no_secret(result, slack.url)


def test_nothing_listening_and_a_dropped_answer_are_transient(tmp_path: Path) -> None:
    url = closed_port_url()
    result = run(tmp_path, env={"SLACK_WEBHOOK_URL": url})
    assert result.exit_code == 1
    assert result.stdout.startswith("slack:SLACK_WEBHOOK_URL: failed: cannot connect: ")
    assert "after 3 attempts (a transient error" in result.stdout
    assert_no_secret(result, url)
    with webhook() as mattermost:
        mattermost.fail(Fault("drop"))
        result = run(tmp_path, env={"MATTERMOST_WEBHOOK_URL": mattermost.url})
    assert result.exit_code == 0 and result.stdout == "mattermost:MATTERMOST_WEBHOOK_URL: delivered\n"


def test_the_channel_named_alone_gets_the_message(tmp_path: Path) -> None:
    toml = TWO_CHANNELS
    with webhook() as slack, webhook() as mattermost:
        env = {"RECRUTEMENT_HOOK": slack.url, "EQUIPE_HOOK": mattermost.url}
        result = run(tmp_path, "equipe", env=env, toml=toml)
        assert result.exit_code == 0 and result.stdout == "equipe: delivered\n"
        assert slack.requests == 0
        assert mattermost.shown[0]["username"] == "jobfeed"
        result = run(tmp_path, "recrutement", "--json", env=env, toml=toml)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["channels"][0] == {
            "name": "recrutement",
            "kind": "slack",
            "status": "delivered",
            "error": None,
            "transient": False,
            "warnings": [],
        }
        assert slack.shown[0]["text"].startswith("Test message from jobfeed: ")  # language = "en"
        result = run(tmp_path, "equpe", env=env, toml=toml)
    assert result.exit_code == 2
    assert (
        "Error: 'equpe' is not a configured channel; the channels are: recrutement, equipe" in result.stderr
    )


def test_an_unset_variable_is_named_and_fails(tmp_path: Path) -> None:
    toml = TWO_CHANNELS
    with webhook() as slack:
        result = run(tmp_path, env={"RECRUTEMENT_HOOK": slack.url}, toml=toml)
    assert result.exit_code == 1
    assert result.stdout == "recrutement: delivered\nequipe: not sent: EQUIPE_HOOK is not set\n"


def test_no_channel_at_all_says_how_to_add_one(tmp_path: Path) -> None:
    result = run(tmp_path, env={})
    assert result.exit_code == 2
    assert "Error: no channel to test: set SLACK_WEBHOOK_URL or MATTERMOST_WEBHOOK_URL" in result.stderr


def test_test_with_another_run_option_is_a_usage_error(tmp_path: Path) -> None:
    with webhook() as slack:
        result = run(tmp_path, "--dry-run", env={"SLACK_WEBHOOK_URL": slack.url})
        assert slack.requests == 0
    assert result.exit_code == 2 and "--test sends only the test message" in result.stderr


def test_a_kind_without_its_own_wording_gets_its_digest_format(tmp_path: Path) -> None:
    """The fallback for a channel kind added later: a one-role digest whose title is the test sentence."""
    from jobfeed.announce.routing import Channel
    from jobfeed.announce.testmessage import message_for_test
    from jobfeed.config import ChannelConfig, config_from_dict

    config = config_from_dict({"site": {"url": "https://jobs.example.org/", "title": "Offres"}})
    message = message_for_test(Channel(ChannelConfig(kind="other", env="X")), config)
    assert "Message de test de jobfeed" in message.payload["text"]
    assert message.event_ids == ("jobfeed-test-message",)


def test_every_threaded_kind_gets_one_test_post_outside_any_thread(tmp_path: Path) -> None:
    """Slack and Mattermost with a token, a Discord forum and Matrix: one post each, through the
    step `notify` sends with, no thread recorded (no state at all), no token shown."""
    from chat_api_server import ChatAPI
    from test_threads import PLATFORMS, channels_toml, secrets

    with ChatAPI() as api:
        result = run(tmp_path, env=dict(secrets(api)), toml=channels_toml(api))
        assert result.exit_code == 0, result.output
        for platform in PLATFORMS:
            [post] = api.roots(platform)
            assert "test" in json.dumps(post.content, ensure_ascii=False).lower()
            assert api.replies(platform, post.id) == []
        for secret in secrets(api).values():
            assert secret not in result.output
    assert result.stdout.count("delivered") == len(PLATFORMS)
    assert not list(tmp_path.rglob("state.json"))
