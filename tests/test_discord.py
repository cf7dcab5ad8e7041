"""Discord: embed payloads within Discord's published limits, and `jobfeed notify` against a local
stand-in of a Discord webhook (tests/chat_api_server.py): digests, rate limits, errors, a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner, Result

from chat_api_server import DISCORD_PATH, TOKENS, ChatAPI, api_fault
from jobfeed.announce import webhooks
from jobfeed.announce.apicall import call
from jobfeed.announce.diff import Event
from jobfeed.announce.discord import DiscordWebhook, discord_judge, discord_messages, escape, forum_payload
from jobfeed.cli import cli
from jobfeed.errors import DeliveryError
from notify_fixtures import NOW, config_toml, write_posting, write_roles
from webhook_server import Fault, closed_port_url

FAST = webhooks.RetryPolicy(
    attempts=3, first_wait=0.01, max_wait=0.02, budget=2.0, connect_timeout=0.5, read_timeout=0.5
)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhooks, "DEFAULT_POLICY", FAST)


# --- Discord's limits, as published (discord.com/developers/docs/resources/message#embed-object-embed-limits)


def limit_breaches(payload: dict[str, Any]) -> list[str]:
    found = []
    embeds = payload.get("embeds", [])
    if len(embeds) > 10:
        found.append("more than 10 embeds")
    total = 0
    for embed in embeds:
        sizes = {
            "title": (len(embed.get("title", "")), 256),
            "description": (len(embed.get("description", "")), 4096),
            "author": (len(embed.get("author", {}).get("name", "")), 256),
            "footer": (len(embed.get("footer", {}).get("text", "")), 2048),
        }
        fields = embed.get("fields", [])
        if len(fields) > 25:
            found.append("more than 25 fields")
        for field in fields:
            sizes[f"field {field['name']!r} name"] = (len(field["name"]), 256)
            sizes[f"field {field['name']!r} value"] = (len(field["value"]), 1024)
        found += [f"{what}: {n} > {limit}" for what, (n, limit) in sizes.items() if n > limit]
        total += sum(n for n, _ in sizes.values())
    if total > 6000:
        found.append(f"{total} characters of embeds > 6000")
    if len(payload.get("content", "")) > 2000:
        found.append("content > 2000")
    if len(payload.get("thread_name", "")) > 100:
        found.append("thread_name > 100")
    if payload.get("allowed_mentions") != {"parse": []}:
        found.append("mentions allowed")
    return found


def event(n: int, kind: str = "opened", title: str = "", **extra: Any) -> Event:
    extra.setdefault("contract", "CDD")
    return Event(
        id=f"role-{n:03d}:{kind}:2024-03-01",
        kind=kind,
        role=f"role-{n:03d}",
        name=title or f"Role {n:03d}",
        team="Équipe",
        link=f"https://jobs.example.org/postes/role-{n:03d}.html",
        deadline="2024-03-20",
        **extra,
    )


def test_300_events_are_digests_within_the_limits() -> None:
    events = [
        event(n, "opened" if n % 2 else "closed", reason=None if n % 2 else "filled") for n in range(300)
    ]
    messages = discord_messages(events, "en")
    assert all(limit_breaches(m.payload) == [] for m in messages)
    assert [i for m in messages for i in m.event_ids] == [e.id for e in events if e.kind == "opened"] + [
        e.id for e in events if e.kind == "closed"
    ]
    assert len(messages) == 30  # 10 embeds a message: the count is the limit, not the characters
    first = messages[0].payload
    assert first["content"] == "New roles (10)"
    assert first["embeds"][0] == {
        "author": {"name": "New role"},
        "title": "Role 001 — Équipe",
        "description": "Closes on 20 March 2024",
        "color": 0x2E7D32,
        "fields": [{"name": "Contract", "value": "CDD", "inline": True}],
        "url": "https://jobs.example.org/postes/role-001.html",
    }
    assert "url" not in messages[-1].payload["embeds"][0]  # a closed role links nowhere


def test_huge_titles_split_on_the_6000_characters() -> None:
    events = [event(n, title="Ü*" * 3000, contract="c" * 2000) for n in range(12)]
    messages = discord_messages(events, "fr")
    assert all(limit_breaches(m.payload) == [] for m in messages)
    assert sum(len(m.event_ids) for m in messages) == 12
    assert [len(m.payload["embeds"]) for m in messages] == [4, 4, 4]  # ~1,300 characters each
    title = messages[0].payload["embeds"][0]["title"]
    assert len(title) <= 256 and title.endswith("…") and title.startswith("Ü\\*Ü\\*")


def test_posting_text_is_inert() -> None:
    evil = "**Dev** @everyone <@&123> [click](https://evil.example) `x` ~~y~~ > quote"
    [message] = discord_messages([event(1, title=evil, contract="@here www.evil.example")], "en")
    embed = message.payload["embeds"][0]
    assert "@everyone" not in json.dumps(message.payload) and "@here" not in json.dumps(message.payload)
    assert embed["title"].startswith(
        "\\*\\*Dev\\*\\* @\u2060everyone \\<@\u2060&123\\> \\[click\\]\\(https\\:"
    )
    assert "evil.example" not in embed["title"]  # split by a word joiner: no link
    assert embed["fields"][0]["value"] == "@\u2060here w\u2060ww\\.\u2060evil\\.\u2060example"
    assert message.payload["allowed_mentions"] == {"parse": []}
    assert escape("a_b|c") == "a\\_b\\|c"


def test_forum_post_names_its_thread() -> None:
    payload = forum_payload(
        event(1, title="x" * 300), "fr", username="jobs", icon_url="https://x.example/a.png"
    )
    assert limit_breaches(payload) == []
    assert len(payload["thread_name"]) == 100 and payload["username"] == "jobs"
    assert payload["avatar_url"] == "https://x.example/a.png" and payload["content"] == "Nouveau poste"


# --- the webhook --------------------------------------------------------------------------------------


def test_rate_limit_waits_retry_after_from_the_json_and_the_headers() -> None:
    answer = {"message": "You are being rate limited.", "retry_after": 0.75, "global": False}
    waited = discord_judge(429, answer, json.dumps(answer), {"X-RateLimit-Reset-After": "0.5"})
    assert waited is not None and waited.transient and waited.retry_after == 0.75
    later = discord_judge(429, {"retry_after": 0.1}, "", {"X-RateLimit-Reset-After": "2.5"})
    assert later is not None and later.retry_after == 2.5
    assert discord_judge(200, {"id": "1"}, "", {}) is None
    permanent = discord_judge(404, {"code": 10015, "message": "Unknown Webhook"}, "", {})
    assert (
        permanent is not None and not permanent.transient and "Unknown Webhook (code 10015)" in str(permanent)
    )


def test_an_empty_bucket_waits_before_the_next_call() -> None:
    slept: list[float] = []
    with ChatAPI() as api:
        api.fail(
            api_fault("discord", 429),
            Fault(
                "http",
                200,
                '{"id": "1", "channel_id": "2"}',
                {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "0.015"},
            ),
        )
        session = requests.Session()
        found = call(
            session,
            "POST",
            api.discord_url + "?wait=true",
            {"content": "x"},
            discord_judge,
            [api.discord_url],
            sleep=slept.append,
        )
    assert found == {"id": "1", "channel_id": "2"}
    assert slept == [0.01, 0.015]  # the 429's retry_after, then the empty bucket's reset


def test_no_secret_in_an_error() -> None:
    url = closed_port_url().replace("/hooks/", DISCORD_PATH + "/")
    with pytest.raises(DeliveryError) as caught:
        DiscordWebhook(requests.Session(), url, sleep=lambda _: None).post({"content": "x"}, None, "")
    text = str(caught.value) + repr(caught.value)
    assert "cannot connect" in text and caught.value.__cause__ is None
    for secret in [url, *TOKENS]:
        assert secret not in text


class Site:
    def __init__(self, tmp: Path, api: ChatAPI) -> None:
        self.postes = tmp / "postes"
        self.postes.mkdir()
        self.config = config_toml(tmp, '[[notify]]\nkind = "discord"\nlanguage = "en"\nusername = "Jobs"\n')
        self.state = tmp / "state.json"
        self.env = {"DISCORD_WEBHOOK_URL": api.discord_url}

    def args(self, *extra: str) -> list[str]:
        return [
            "notify",
            "--config",
            str(self.config),
            "--postes",
            str(self.postes),
            "--state",
            str(self.state),
            "--now",
            NOW,
            *extra,
        ]

    def run(self, *extra: str) -> Result:
        return CliRunner().invoke(cli, self.args(*extra), env=self.env, catch_exceptions=False)


def shown_roles(api: ChatAPI) -> list[str]:
    return [embed["title"].split(" — ")[0] for m in api.messages for embed in m.content["embeds"]]


@pytest.mark.parametrize(("status", "transient"), [(429, True), (500, True), (400, False), (404, False)])
def test_fault_then_recovery(tmp_path: Path, status: int, transient: bool) -> None:
    with ChatAPI() as api:
        site = Site(tmp_path, api)
        write_roles(site.postes, range(1, 4))
        api.fail(api_fault("discord", status))
        first = site.run("--announce-existing")
        assert first.exit_code == (0 if transient else 1), first.output
        if not transient:
            assert "3 event(s) pending for the next run" in first.output and not api.messages
            assert site.run().exit_code == 0
        [message] = api.messages
        assert message.content["username"] == "Jobs" and message.content["content"] == "New roles (3)"
        assert shown_roles(api) == ["Role 001", "Role 002", "Role 003"]
        assert api.requests[-1] == ("POST", "/api/webhooks/<secret>")
        for text in (first.output, site.state.read_text()):
            for secret in [api.discord_url, *TOKENS]:
                assert secret not in text


def test_a_lost_answer_shows_the_digest_at_most_twice(tmp_path: Path) -> None:
    with ChatAPI() as api:
        site = Site(tmp_path, api)
        write_roles(site.postes, range(1, 3))
        api.fail(Fault("drop"))
        assert site.run("--announce-existing").exit_code == 0
        assert shown_roles(api) == ["Role 001", "Role 002"] * 2


def test_killed_mid_digest_then_run_again(tmp_path: Path) -> None:
    with ChatAPI() as api:
        site = Site(tmp_path, api)
        for n in range(25):
            write_posting(site.postes, f"role-{n:03d}", f"Role {n:03d}")
        api.fail(Fault("pass"), Fault("hang", seconds=30))
        env = {**os.environ, **site.env}
        command = [sys.executable, "-m", "jobfeed", *site.args("--announce-existing")]
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        api.wait_until(lambda: len(api.requests) >= 2 or process.poll() is not None, timeout=30)
        assert len(api.requests) == 2, process.communicate()
        process.send_signal(signal.SIGKILL)
        out, err = process.communicate()
        pending = json.loads(site.state.read_text())["outbox"]["discord:DISCORD_WEBHOOK_URL"]
        assert len(pending) == 15  # the first message (10 roles) was confirmed
        api.fail()
        again = site.run()
        assert again.exit_code == 0, again.output
    assert sorted(shown_roles(api)) == [f"Role {n:03d}" for n in range(25)]  # nothing lost, nothing twice
    for text in (out.decode(), err.decode(), again.output, site.state.read_text()):
        assert api.discord_url not in text and DISCORD_PATH not in text
