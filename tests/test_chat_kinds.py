"""The threaded kinds' pieces: `[[notify]]` keys, Matrix notices, each API's answers read as the
platform documents them, secrets kept out of errors, and `jobfeed preview` of every new kind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from chat_api_server import MATRIX_TOKEN, MATTERMOST_TOKEN, ROOM, SLACK_TOKEN, TOKENS, ChatAPI
from jobfeed.announce import webhooks
from jobfeed.announce.botapis import MattermostBot, SlackBot, mattermost_judge, slack_judge
from jobfeed.announce.delivery import is_threaded, messages_for
from jobfeed.announce.diff import Event
from jobfeed.announce.matrix import MatrixRoom, matrix_judge, notice, replacing
from jobfeed.announce.threads import ThreadMessage, txn_id
from jobfeed.cli import cli
from jobfeed.config import ChannelConfig, config_from_dict
from jobfeed.errors import ConfigError, DeliveryError
from roles_folder import NOW, make_site
from webhook_server import Fault

FAST = webhooks.RetryPolicy(
    attempts=2, first_wait=0.01, max_wait=0.02, budget=2.0, connect_timeout=0.5, read_timeout=0.5
)
EVENT = Event(
    id="r1:opened:2024-03-01",
    kind="opened",
    role="r1",
    name='<img src=x onerror="alert(1)"> & @room',
    team="@everyone",
    contract="CDI",
    link='https://jobs.example.org/postes/r1.html?a=1&b="2"',
    deadline="2024-03-20",
)


def channels(toml: dict[str, Any]) -> list[ChannelConfig]:
    return list(config_from_dict({"notify": [toml]}).channels)


def test_notify_keys_of_the_new_kinds() -> None:
    [slack] = channels({"kind": "slack", "channel": "C0JOBS"})
    assert slack.env == "SLACK_BOT_TOKEN" and is_threaded(slack)
    [hook] = channels({"kind": "slack"})
    assert hook.env == "SLACK_WEBHOOK_URL" and not is_threaded(hook)
    [mm] = channels({"kind": "mattermost", "channel": "c" * 26, "server": "https://chat.example.org"})
    assert mm.env == "MATTERMOST_TOKEN" and is_threaded(mm)
    [discord] = channels({"kind": "discord"})
    assert discord.env == "DISCORD_WEBHOOK_URL" and not is_threaded(discord)
    [forum] = channels({"kind": "discord", "forum": True, "env": "FORUM_HOOK"})
    assert forum.env == "FORUM_HOOK" and is_threaded(forum)
    [matrix] = channels(
        {"kind": "matrix", "server": "https://matrix.example.org", "channel": "!a:example.org"}
    )
    assert matrix.env == "MATRIX_ACCESS_TOKEN" and is_threaded(matrix)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"kind": "teams2"}, "kind must be one of 'slack', 'mattermost', 'discord', 'matrix'"),
        ({"kind": "matrix", "server": "https://m.example.org"}, 'channel = "!<room id>:<server>"'),
        ({"kind": "matrix", "channel": "!a:b"}, 'matrix needs server = "https://<homeserver>"'),
        ({"kind": "mattermost", "channel": "abc"}, 'needs server = "https://<your mattermost>"'),
        ({"kind": "slack", "forum": True}, "forum = true is for discord channels only"),
        ({"kind": "discord", "forum": "yes"}, "forum must be true or false"),
        ({"kind": "discord", "channel": "123"}, "discord takes no channel"),
        ({"kind": "matrix", "server": "matrix.example.org", "channel": "!a:b"}, "server must be an https://"),
    ],
)
def test_notify_keys_mistakes_are_clear(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        channels(table)
    assert message in str(caught.value) and "[[notify]] #1" in str(caught.value)


def test_matrix_notice_is_escaped_and_mentions_nobody() -> None:
    content = notice(EVENT, "en")
    assert content["msgtype"] == "m.notice" and content["m.mentions"] == {}
    assert content["format"] == "org.matrix.custom.html"
    assert content["body"] == (
        'New role: <img src=x onerror="alert(1)"> & @\u2060room — @\u2060everyone\n'
        "CDI · closes on 20 March 2024\n"
        'https://jobs.example.org/postes/r1.html?a=1&b="2"'
    )
    assert content["formatted_body"] == (
        '<strong>New role</strong>: <a href="https://jobs.example.org/postes/r1.html?a=1&amp;b=&quot;2&quot;">'
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; @\u2060room — @\u2060everyone</a><br>"
        "CDI · closes on 20 March 2024"
    )
    closed = notice(
        Event(id="x", kind="closed", role="r1", name="Dev", reason="filled", link=EVENT.link), "fr"
    )
    assert closed["formatted_body"] == "<strong>Poste fermé</strong>: <del>Dev</del><br>pourvu"
    edit = replacing(closed, "$root")
    assert edit["m.new_content"] == closed and edit["body"] == "* " + closed["body"]
    assert edit["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$root"}


def test_transaction_ids_are_stable_and_path_safe() -> None:
    first = txn_id("matrix:TOKEN", "rôle 1/x:opened:2024-03-01", "post")
    assert first == txn_id("matrix:TOKEN", "rôle 1/x:opened:2024-03-01", "post")
    assert first != txn_id("matrix:TOKEN", "rôle 1/x:opened:2024-03-01", "edit")
    assert first.replace("-", "").isalnum() and len(first) < 64


@pytest.mark.parametrize(
    ("judge", "status", "body", "headers", "transient", "wait", "words"),
    [
        (slack_judge, 200, {"ok": True, "ts": "1"}, {}, None, 0, ""),
        (
            slack_judge,
            200,
            {"ok": False, "error": "not_in_channel"},
            {},
            False,
            0,
            "Slack error not_in_channel",
        ),
        (slack_judge, 200, {"ok": False, "error": "ratelimited"}, {}, True, 0, "ratelimited"),
        (
            slack_judge,
            429,
            {"ok": False, "error": "ratelimited"},
            {"Retry-After": "3"},
            True,
            3,
            "retry after 3 s",
        ),
        (mattermost_judge, 201, {"id": "p"}, {}, None, 0, ""),
        (mattermost_judge, 429, "limit", {"X-Ratelimit-Reset": "2"}, True, 2, "HTTP 429"),
        (mattermost_judge, 403, {"id": "api.x", "message": "No"}, {}, False, 0, "No (api.x)"),
        (matrix_judge, 200, {"event_id": "$e"}, {}, None, 0, ""),
        (
            matrix_judge,
            429,
            {"errcode": "M_LIMIT_EXCEEDED", "error": "Slow", "retry_after_ms": 2500},
            {},
            True,
            2.5,
            "M_LIMIT_EXCEEDED: Slow",
        ),
        (
            matrix_judge,
            401,
            {"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid"},
            {},
            False,
            0,
            "M_UNKNOWN_TOKEN",
        ),
        (matrix_judge, 403, {"errcode": "M_FORBIDDEN", "error": "Not in room"}, {}, False, 0, "M_FORBIDDEN"),
        (matrix_judge, 413, {"errcode": "M_TOO_LARGE", "error": "Too big"}, {}, False, 0, "M_TOO_LARGE"),
        (matrix_judge, 503, "Service Unavailable", {}, True, 0, "HTTP 503"),
    ],
)
def test_answers_read_as_each_platform_documents(
    judge: Any,
    status: int,
    body: Any,
    headers: dict[str, str],
    transient: bool | None,
    wait: float,
    words: str,
) -> None:
    text = body if isinstance(body, str) else json.dumps(body)
    found = judge(status, None if isinstance(body, str) else body, text, headers)
    if transient is None:
        assert found is None
        return
    assert found is not None and found.transient is transient and found.retry_after == wait
    assert words in str(found)


@pytest.mark.parametrize("kind", ["slack", "mattermost", "matrix"])
def test_a_token_echoed_in_an_error_is_redacted(kind: str) -> None:
    """An error body that repeats the token (a proxy's, a debug page's) shows `***`, never the token."""
    token = {"slack": SLACK_TOKEN, "mattermost": MATTERMOST_TOKEN, "matrix": MATRIX_TOKEN}[kind]
    with ChatAPI() as api:
        api.fail(Fault("http", 400, f"bad request for Authorization: Bearer {token}", {}))
        session = requests.Session()
        client = {
            "slack": lambda: SlackBot(session, token, api.base + "/api", policy=FAST),
            "mattermost": lambda: MattermostBot(session, token, api.base, policy=FAST),
            "matrix": lambda: MatrixRoom(session, token, api.base, ROOM, policy=FAST),
        }[kind]()
        with pytest.raises(DeliveryError) as caught:
            client.post({"channel": "C", "text": "x"}, None, "t1")
    assert token not in str(caught.value) and "Bearer ***" in str(caught.value)
    assert caught.value.__cause__ is None and not caught.value.transient


def test_one_message_per_event_in_a_threaded_channel() -> None:
    closed = Event(id="r1:closed:2024-03-02", kind="closed", role="r1", name="Dev", reason="filled")
    slack = ChannelConfig(kind="slack", env="T", channel="C0JOBS", language="en")
    messages = messages_for(slack, [EVENT, closed])
    assert all(isinstance(m, ThreadMessage) for m in messages)
    opened, closing = messages
    assert isinstance(opened, ThreadMessage) and isinstance(closing, ThreadMessage)
    assert opened.edit is None and opened.payload["channel"] == "C0JOBS"
    assert opened.payload["unfurl_links"] is False and opened.payload["mrkdwn"] is False
    assert closing.edit == {k: closing.payload[k] for k in ("channel", "text", "blocks")}
    mattermost = ChannelConfig(kind="mattermost", env="T", channel="c" * 26, server="https://m.example.org")
    [_, mm_closed] = messages_for(mattermost, [EVENT, closed])
    assert isinstance(mm_closed, ThreadMessage)
    assert mm_closed.edit == {"message": mm_closed.payload["message"]}


def test_preview_shows_the_new_kinds_payloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    make_site(tmp_path)
    (tmp_path / "jobfeed.toml").write_text(
        '[[notify]]\nkind = "discord"\nname = "discord"\n'
        '[[notify]]\nkind = "discord"\nforum = true\nname = "forum"\n'
        '[[notify]]\nkind = "matrix"\nname = "matrix"\nserver = "https://matrix.example.org"\n'
        'channel = "!jobs:example.org"\n'
        '[[notify]]\nkind = "slack"\nname = "slackbot"\nchannel = "C0JOBS"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["preview", "developpeur", "--now", NOW], prog_name="jobfeed")
    assert result.exit_code == 0, result.output
    _, _, chat = result.output.partition("== Chat messages, the exact payloads (nothing is sent) ==\n")
    shown = {}
    for part in chat.split("-- ")[1:]:
        name, _, text = part.partition(" --\n")
        shown[name] = json.loads(text)
    assert set(shown) == {"discord", "forum", "matrix", "slackbot"}
    assert (
        shown["discord"]["allowed_mentions"] == {"parse": []}
        and "Développeur" in shown["discord"]["embeds"][0]["title"]
    )
    assert "Développeur" in shown["forum"]["thread_name"]
    assert shown["matrix"]["msgtype"] == "m.notice" and "Développeur" in shown["matrix"]["formatted_body"]
    assert shown["slackbot"]["channel"] == "C0JOBS" and shown["slackbot"]["blocks"][0]["type"] == "header"


def test_a_message_outside_threads_goes_through_the_same_path() -> None:
    """What `notify --test` needs: a plain Message on a threaded channel is one post, no thread."""
    from jobfeed.announce.delivery import deliver
    from jobfeed.announce.messages import Message
    from jobfeed.announce.routing import Channel

    with ChatAPI() as api:
        matrix = ChannelConfig(kind="matrix", env="M", server=api.base, channel=ROOM)
        message = Message(notice(EVENT, "en"), ("test",))
        threads: dict[str, dict[str, str]] = {}
        for _ in range(2):  # the same message twice is the same transaction: shown once
            deliver(
                requests.Session(), Channel(matrix, MATRIX_TOKEN), message, threads, lambda: None, policy=FAST
            )
        [shown] = api.roots("matrix")
        assert shown.content == message.payload and threads == {}


def test_the_readme_s_examples_of_the_new_kinds_are_valid() -> None:
    import re
    import tomllib

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.partition("### Threads: Slack and Mattermost with a token")[2].partition("\n### ")[0]
    blocks = re.findall(r"```toml\n(.*?)```", section, re.S)
    kinds = []
    for block in blocks:
        [channel] = config_from_dict(tomllib.loads(block.replace("\n  ", "\n"))).channels
        kinds.append((channel.kind, channel.env, is_threaded(channel)))
    assert kinds == [
        ("slack", "SLACK_BOT_TOKEN", True),
        ("mattermost", "MATTERMOST_TOKEN", True),
        ("discord", "DISCORD_WEBHOOK_URL", True),
        ("matrix", "MATRIX_ACCESS_TOKEN", True),
    ]


def test_debug_logs_of_every_api_hold_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    """urllib3 logs each request line at DEBUG: the Discord webhook's path is `***` there, and the
    tokens (only ever in the Authorization header) appear nowhere."""
    import logging

    from jobfeed.announce.discord import DiscordWebhook

    caplog.set_level(logging.DEBUG)
    with ChatAPI() as api, requests.Session() as session:
        api.fail(Fault("http", 503, "busy", {}))
        DiscordWebhook(session, api.discord_url, policy=FAST).post({"content": "x"}, None, "")
        SlackBot(session, SLACK_TOKEN, api.base + "/api", policy=FAST).post(
            {"channel": "C", "text": "x"}, None, ""
        )
        MattermostBot(session, MATTERMOST_TOKEN, api.base, policy=FAST).post(
            {"channel_id": "c", "message": "x"}, None, ""
        )
        MatrixRoom(session, MATRIX_TOKEN, api.base, ROOM, policy=FAST).post(notice(EVENT, "fr"), None, "t")
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    assert sum('"POST ***?wait=true HTTP/1.1"' in line for line in lines) == 2, lines
    assert any("/_matrix/client/v3/rooms/" in line for line in lines)
    for secret in [api.discord_url, *TOKENS]:
        assert secret not in caplog.text


def test_thread_records_in_the_state_are_checked_by_its_schema(tmp_path: Path) -> None:
    import jsonschema

    from jobfeed.announce.state import load_state, state_schema
    from jobfeed.errors import StateError

    good = {
        "schema_version": 1,
        "roles": {},
        "outbox": {},
        "threads": {
            "matrix:M": {"r1": {"root": "$e1", "event": "r1:opened:2024-03-01", "edited": "r1:closed:x"}}
        },
    }
    jsonschema.validate(good, state_schema())
    path = tmp_path / "state.json"
    path.write_text(json.dumps(good))
    assert load_state(path).threads == good["threads"]
    assert json.loads(load_state(path).dumps())["threads"] == good["threads"]
    bad = {**good, "threads": {"matrix:M": {"r1": {"event": "r1:opened:2024-03-01"}}}}
    path.write_text(json.dumps(bad))
    with pytest.raises(StateError) as caught:
        load_state(path)
    assert "threads → matrix:M → r1: 'root' is missing" in str(caught.value)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, state_schema())
