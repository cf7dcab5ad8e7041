"""Issue 21's Slack digest: a compact list that links every role (a title cannot forge a link), in
natural order, whose notification text says what its headers say; "closing soon" after a deadline
moved into the window, with the days left. Every payload is checked with slack_sdk's Block Kit models."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from jobfeed.announce.diff import Event, RoleSnapshot, diff
from jobfeed.announce.messages import SLACK_MAX_BLOCKS, details, slack_messages
from jobfeed.core.text import natural_key

WJ = "\u2060"


def check_with_slack_sdk(payload: dict[str, Any]) -> None:
    """Every block parses as Slack's own model, passes its limits, and says nothing the model drops."""
    assert len(payload["blocks"]) <= SLACK_MAX_BLOCKS
    assert 0 < len(payload["text"]) <= 3000
    for block in payload["blocks"]:
        model = Block.parse(block)
        assert model is not None, block
        model.validate_json()
        assert model.to_dict() == block


def events(count: int, kind: str = "opened", title: str = "Poste n°{n}", **values: Any) -> list[Event]:
    return [
        Event(
            id=f"r{n}:{kind}:2024-03-01",
            kind=kind,
            role=f"r{n}",
            name=title.format(n=n),
            team="Équipe",
            contract="CDD",
            link=f"https://jobs.example.org/postes/r{n}.html",
            deadline="2024-04-15",
            **values,
        )
        for n in range(count)
    ]


def rich_elements(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in payload["blocks"]
        if block["type"] == "rich_text"
        for section in block["elements"]
        for element in section["elements"]
    ]


def test_the_compact_digest_links_every_role_and_fits_slack_s_models() -> None:
    many = events(300) + events(40, "closed", reason="filled")
    messages = slack_messages(many, "en", "https://jobs.example.org/")
    assert len(messages) > 1
    links = []
    for message in messages:
        check_with_slack_sdk(message.payload)
        links += [(e["url"], e["text"]) for e in rich_elements(message.payload) if e["type"] == "link"]
    assert links == [
        (f"https://jobs.example.org/postes/r{n}.html", f"Poste n°{n} — Équipe") for n in range(300)
    ]
    closed = [
        e["text"]
        for m in messages
        for e in rich_elements(m.payload)
        if "n°" in e["text"] and e["type"] == "text"
    ]
    assert len(closed) == 40  # a closed role's page may be gone: named, not linked


def test_a_title_cannot_forge_a_link_or_a_mention() -> None:
    forged = "Dev <https://evil.example|click here> <!channel> [x](https://evil.example) *bold* @here"
    many = events(12, title=forged + " {n}")
    [message] = slack_messages(many, "en")
    check_with_slack_sdk(message.payload)
    elements = rich_elements(message.payload)
    assert {e["url"] for e in elements if e["type"] == "link"} == {e.link for e in many}
    raw = json.dumps(message.payload, ensure_ascii=False)
    for trigger in ("<https://evil", "<!channel>", "@here", "https://evil"):
        assert trigger not in raw
    shown = "".join(e["text"] for e in elements).replace(WJ, "")
    assert forged + " 0" in shown  # reads exactly as written


def test_the_digest_is_in_natural_order() -> None:
    assert sorted(["n°10", "n°2", "n°1", "N°100", "n°0"], key=natural_key) == [
        "n°0",
        "n°1",
        "n°2",
        "n°10",
        "N°100",
    ]
    current = {
        f"r{n}": RoleSnapshot(state="open", title=f"Poste n°{n}", opened="2024-03-01")
        for n in (100, 10, 2, 1, 0)
    }
    found = diff({}, current, dt.date(2024, 3, 1))
    assert [e.name for e in found] == ["Poste n°0", "Poste n°1", "Poste n°2", "Poste n°10", "Poste n°100"]
    many = sorted(events(150), key=lambda e: natural_key(e.title))
    names = [
        e["text"] for m in slack_messages(many, "fr") for e in rich_elements(m.payload) if e["type"] == "link"
    ]
    assert names[:3] == ["Poste n°0 — Équipe", "Poste n°1 — Équipe", "Poste n°2 — Équipe"]
    assert names.index("Poste n°10 — Équipe") == 10


@pytest.mark.parametrize("count", [1, 5, 11, 300, 1200])
def test_the_notification_text_says_what_the_headers_say(count: int) -> None:
    many = events(count) + events(count // 3, "closed", reason="expired")
    for message in slack_messages(many, "en"):
        check_with_slack_sdk(message.payload)
        headers = [b["text"]["text"] for b in message.payload["blocks"] if b["type"] == "header"]
        first_line = message.payload["text"].split("\n")[0]
        assert first_line == " · ".join(headers)
        counts = [int(n) for n in re.findall(r"\((\d+)\)", first_line)]
        assert counts == [int(n) for h in headers for n in re.findall(r"\((\d+)\)", h)]
    [first, *_] = slack_messages(events(300), "en")
    assert first.payload["text"] == "New roles (300)"  # not the 1xx roles this message happens to hold


def test_a_deadline_moved_into_the_window_also_says_closing_soon_once() -> None:
    day = dt.date(2024, 3, 1)
    before = {"r": RoleSnapshot(state="open", title="Dev", deadline="2024-04-30", opened="2024-01-01")}
    moved = {
        "r": RoleSnapshot(
            state="open", title="Dev", deadline="2024-03-04", opened="2024-01-01", closing_soon="2024-03-04"
        )
    }
    found = diff(before, moved, day)
    assert [(e.kind, e.days_left) for e in found] == [("deadline_changed", None), ("closing_soon", 3)]
    assert diff(moved, moved, day + dt.timedelta(days=1)) == []  # once
    # moved again within the window: the change is said, "closing soon" is not said twice
    again = {
        "r": RoleSnapshot(**{**moved["r"].as_dict(), "deadline": "2024-03-05", "closing_soon": "2024-03-05"})
    }
    assert [e.kind for e in diff(moved, again, day)] == ["deadline_changed"]


def test_the_closing_soon_card_says_the_days_left() -> None:
    soon = [
        Event(
            f"r{n}:closing_soon:2024-03-0{n}",
            "closing_soon",
            f"r{n}",
            f"Dev {n}",
            deadline=f"2024-03-0{n + 1}",
            link="https://jobs.example.org/d.html",
            days_left=n,
        )
        for n in range(3)
    ]
    assert details(soon[0], "en") == "closes on 1 March 2024 (last day)"
    assert details(soon[1], "fr") == "clôture le 2 mars 2024 (demain)"
    assert details(soon[2], "fr") == "clôture le 3 mars 2024 (dans 2 jours)"
    [message] = slack_messages(soon, "en")
    check_with_slack_sdk(message.payload)
    fields = [f["text"] for b in message.payload["blocks"] for f in b.get("fields", [])]
    assert "Closes on 3 March 2024 (in 2 days)" in fields
    stored = soon[2].as_dict()
    assert stored["days_left"] == 2 and "days_left" not in events(1)[0].as_dict()  # others stored as before
    assert Event.from_dict(stored) == soon[2]


@pytest.mark.parametrize("count", [1, 10, 11, 60])
def test_every_slack_payload_of_every_kind_fits_slack_s_models(count: int) -> None:
    many = (
        events(count)
        + events(count, "reopened")
        + events(count, "deadline_changed", previous_deadline="2024-04-01")
        + events(count, "closing_soon", days_left=4)
        + events(count, "closed", reason="removed")
    )
    for message in slack_messages(many, "fr", "https://jobs.example.org/"):
        check_with_slack_sdk(message.payload)
