"""The generic `webhook` channel: a versioned JSON schema shipped in the package, an HMAC-SHA256
signature a receiver can check, and delivery with the same guarantees as the chat webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from jobfeed.announce import webhooks as channels
from jobfeed.announce.diff import Event
from jobfeed.announce.jsonhook import WEBHOOK_MAX_EVENTS, signature, webhook_messages, webhook_schema
from kinds_site import (
    KindSite,
    assert_nowhere,
    dropped_answer,
    fault_then_recovery,
    kill_mid_digest,
    roles_named,
)
from webhook_server import SECRET_PATH, Fault, Webhook, closed_port_url, webhook

FAST = channels.RetryPolicy(
    attempts=3, first_wait=0.01, max_wait=0.02, budget=2.0, connect_timeout=0.5, read_timeout=0.3
)
SIGNING = "whsec-7f3a9c2e-signing-secret"
SECRETS = [SECRET_PATH, *(p for p in SECRET_PATH.split("/") if len(p) >= 6), SIGNING]
VALIDATOR = jsonschema.Draft202012Validator(webhook_schema(), format_checker=jsonschema.FormatChecker())


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channels, "DEFAULT_POLICY", FAST)


def event(n: int, kind: str = "opened", **extra: Any) -> Event:
    return Event(
        id=f"r{n}:{kind}:2024-03-01",
        kind=kind,
        role=f"r{n}",
        name=f"Role {n:03d} <b>@here</b>",
        team="Équipe",
        link=f"https://jobs.example.org/postes/r{n}.html",
        **extra,
    )


def verify(secret: str, body: bytes, header: str) -> bool:
    """What the README tells a receiver to do: HMAC-SHA256 of the raw body, compared in constant time."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def test_the_schema_is_valid_and_versioned() -> None:
    schema = webhook_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["version"] == {
        "const": 1,
        "description": schema["properties"]["version"]["description"],
    }
    assert schema["properties"]["events"]["maxItems"] == WEBHOOK_MAX_EVENTS


def test_payloads_follow_the_schema_and_are_split_by_the_limit() -> None:
    events = [event(n) for n in range(250)] + [
        event(900, "closed", reason="removed"),
        event(901, "deadline_changed", deadline="2024-03-09", previous_deadline="2024-03-05"),
    ]
    messages = webhook_messages(events, "https://jobs.example.org/")
    assert [len(m.payload["events"]) for m in messages] == [100, 100, 52]
    for message in messages:
        assert list(VALIDATOR.iter_errors(message.payload)) == []
        assert (
            message.payload["delivery"]
            == webhook_messages(
                [e for e in events if e.id in message.event_ids], "https://jobs.example.org/"
            )[0].payload["delivery"]
        )  # the same events, the same delivery id
    last = messages[-1].payload["events"][-1]
    assert last["previous_deadline"] == "2024-03-05" and last["title"] == "Role 901 <b>@here</b> — Équipe"
    assert list(VALIDATOR.iter_errors({**messages[0].payload, "version": 2}))  # a new version is refused
    assert list(VALIDATOR.iter_errors({**messages[0].payload, "events": []}))


def test_the_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"version": 1}'
    assert signature("key", body) == "sha256=" + hmac.new(b"key", body, hashlib.sha256).hexdigest()
    assert verify("key", body, signature("key", body))
    assert not verify("other", body, signature("key", body))


def names(server: Webhook) -> list[str]:
    return [role for p in server.shown for e in p["events"] for role in roles_named(e["name"])]


def test_each_post_is_signed_and_valid(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 logs each request line at DEBUG
    site = KindSite(tmp_path, "webhook")
    with webhook() as server:
        env = {"JOBFEED_WEBHOOK_URL": server.url, "JOBFEED_WEBHOOK_SECRET": SIGNING}
        site.baseline(env)
        expected = site.make_changes()
        result = site.run("--json", env=env, now="2024-03-02T09:00:00+01:00")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["channels"][0]["warnings"] == []
        assert set(names(server)) == expected
        [(headers, body)] = server.raw
        assert verify(SIGNING, body, headers["X-Jobfeed-Signature-256"])
        payload = json.loads(body)
        assert headers["X-Jobfeed-Delivery"] == payload["delivery"] and headers["X-Jobfeed-Schema"] == "1"
        assert list(VALIDATOR.iter_errors(payload)) == []
        assert payload["site"] == "https://jobs.example.org/"
        assert "urllib3.connectionpool" in {r.name for r in caplog.records}
        assert_nowhere([*SECRETS, server.url], result.stdout, result.stderr, site.state_text(), caplog.text)


def test_without_the_signing_secret_nothing_is_sent_and_events_wait(tmp_path: Path) -> None:
    site = KindSite(tmp_path, "webhook")
    with webhook() as server:
        env = {"JOBFEED_WEBHOOK_URL": server.url, "JOBFEED_WEBHOOK_SECRET": SIGNING}
        site.baseline(env)
        site.make_changes()
        result = site.run("--json", env={"JOBFEED_WEBHOOK_URL": server.url}, now="2024-03-02T09:00:00+01:00")
        [channel] = json.loads(result.stdout)["channels"]
        assert channel["status"] == "unset" and channel["error"] == "JOBFEED_WEBHOOK_SECRET is not set"
        assert server.requests == 0 and site.pending() == 5


FAULTS = {
    "400": (Fault("http", 400, '{"error": "invalid payload"}'), 'HTTP 400 {"error": "invalid payload"}'),
    "401": (Fault("http", 401, "bad signature"), "HTTP 401 bad signature"),
    "410": (Fault("http", 410, "gone"), "HTTP 410 gone"),
    "408": (Fault("http", 408, "request timeout"), "HTTP 408 request timeout after 3 attempts"),
    "429": (
        Fault("http", 429, "slow down", {"Retry-After": "0.01"}),
        "HTTP 429 slow down, retry after 0.01 s after 3 attempts",
    ),
    "500": (Fault("http", 500, "boom"), "HTTP 500 boom after 3 attempts"),
    "hang": (Fault("hang", seconds=0.5), "no answer within 0.3 s after 3 attempts"),
    "no server": (None, "cannot connect: Connection refused after 3 attempts"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_after_a_fault_clears_every_event_is_delivered_exactly_once(tmp_path: Path, fault: str) -> None:
    site = KindSite(tmp_path, "webhook")
    answer, error = FAULTS[fault]
    with webhook() as server:
        env = {"JOBFEED_WEBHOOK_URL": server.url, "JOBFEED_WEBHOOK_SECRET": SIGNING}
        failing = dict(env)
        if answer is None:
            failing["JOBFEED_WEBHOOK_URL"] = closed_port_url()
        else:
            server.fail(answer, sticky=True)
        fault_then_recovery(
            site,
            env,
            failing,
            lambda: names(server),
            [*SECRETS, failing["JOBFEED_WEBHOOK_URL"]],
            error,
            server.clear,
        )
        for headers, body in server.raw:
            assert verify(SIGNING, body, headers["X-Jobfeed-Signature-256"])


def test_a_dropped_answer_is_sent_again_at_most_one_extra_copy(tmp_path: Path) -> None:
    site = KindSite(tmp_path, "webhook")
    with webhook() as server:
        server.fail(Fault("drop"))
        env = {"JOBFEED_WEBHOOK_URL": server.url, "JOBFEED_WEBHOOK_SECRET": SIGNING}
        dropped_answer(site, env, lambda: names(server), lambda: server.requests)
        first, second = server.raw
        assert (
            first[0]["X-Jobfeed-Delivery"] == second[0]["X-Jobfeed-Delivery"]
        )  # the receiver can drop the copy


@pytest.mark.slow
def test_killed_mid_digest_then_run_again(tmp_path: Path) -> None:
    site = KindSite(tmp_path, "webhook")
    with Webhook(delay=0.4) as server:

        def no_delay() -> None:
            server.delay = 0

        kill_mid_digest(
            site,
            {"JOBFEED_WEBHOOK_URL": server.url, "JOBFEED_WEBHOOK_SECRET": SIGNING},
            lambda: server.requests,
            server.wait_until,
            lambda: server.answered == server.requests,
            lambda: [[r for e in p["events"] for r in roles_named(e["name"])] for p in server.received],
            lambda: names(server),
            no_delay,
            [*SECRETS, server.url],
        )


def test_a_webhook_channel_without_a_signing_variable_is_a_config_error(tmp_path: Path) -> None:
    site = KindSite(tmp_path, "webhook", 'secret_env = ""\n')
    result = site.run()
    assert result.exit_code == 1
    assert "[[notify]] #1: a webhook channel signs its posts: set secret_env" in result.stderr
