import datetime as dt
import json

import pytest

from jobfeed.announce.diff import Event
from jobfeed.announce.messages import (
    MATTERMOST_MAX_POST,
    SLACK_MAX_BLOCKS,
    SLACK_MAX_HEADER,
    SLACK_MAX_SECTION,
    format_day,
    format_deadline,
    mattermost_messages,
    slack_messages,
)

NASTY = "<!channel> @here <script>alert(1)</script> *bold* <@U123> @all @channel & co"


def ev(n: int, kind: str = "opened", **kw: object) -> Event:
    values: dict = {
        "id": f"r{n}:{kind}:2024-03-01",
        "kind": kind,
        "role": f"r{n}",
        "name": f"Role {n:03d}",
        "team": "Aides-territoires",
        "contract": "CDD",
        "link": f"https://jobs.example.org/postes/r{n}.html",
        "deadline": "2022-02-23",
    }
    values.update(kw)
    return Event(**values)


def texts(value: object) -> list[tuple[str, str]]:
    """(type, text) of every text object of a Slack payload."""
    found = []
    if isinstance(value, dict):
        if "type" in value and isinstance(value.get("text"), str):
            found.append((value["type"], value["text"]))
        for v in value.values():
            found += texts(v)
    elif isinstance(value, list):
        for v in value:
            found += texts(v)
    return found


def test_dates_in_the_channel_language() -> None:
    assert format_deadline("2022-02-23", "fr") == "clôture le 23 février 2022"
    assert format_deadline("2022-02-23", "en") == "closes on 23 February 2022"
    assert format_day(dt.date(2024, 3, 1), "fr") == "1er mars 2024"
    assert format_deadline("2024-03-01T18:00:00+01:00", "fr") == "clôture le 1er mars 2024 à 18:00"
    assert format_deadline(None, "en") == "no deadline"


def test_slack_card_has_header_fields_button_and_fallback() -> None:
    [message] = slack_messages([ev(1)], "fr")
    payload = message.payload
    assert message.event_ids == ("r1:opened:2024-03-01",)
    assert payload["text"].startswith("Nouveau poste\n• Role 001 — Aides-territoires")
    header, card = payload["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Nouveau poste", "emoji": False},
    }
    assert [f["text"] for f in card["fields"]] == [
        "Équipe : Aides-territoires",
        "Contrat : CDD",
        "Clôture le 23 février 2022",
    ]
    assert card["accessory"]["url"] == "https://jobs.example.org/postes/r1.html"


def test_slack_relative_link_gets_no_button() -> None:
    [message] = slack_messages([ev(1, link="postes/r1.html")], "en")
    assert "accessory" not in message.payload["blocks"][1]


def test_mattermost_line_and_options() -> None:
    [message] = mattermost_messages(
        [ev(1, "closing_soon")], "en", username="jobs", icon_url="https://x.org/i.png"
    )
    assert message.payload == {
        "text": "#### Closing soon\n"
        "- **[Role 001 — Aides-territoires](https://jobs.example.org/postes/r1.html)** · CDD · closes on 23 February 2022",
        "username": "jobs",
        "icon_url": "https://x.org/i.png",
    }


def test_deadline_changed_and_closed_reasons() -> None:
    changed = ev(1, "deadline_changed", deadline="2022-03-15", previous_deadline="2022-02-23")
    closed = ev(2, "closed", reason="filled")
    [message] = mattermost_messages([changed, closed], "fr")
    text = message.payload["text"]
    assert "date limite prolongée : clôture le 15 mars 2022 (au lieu du 23 février 2022)" in text
    assert "#### Poste fermé\n- **Role 002 — Aides-territoires** · CDD · pourvu" in text


@pytest.mark.parametrize("count", [1, 40])
def test_posting_text_is_plain_on_slack(count: int) -> None:
    events = [ev(n, name=NASTY, team=NASTY, contract=NASTY) for n in range(count)]
    for message in slack_messages(events, "fr"):
        raw = json.dumps(message.payload, ensure_ascii=False)
        for trigger in ("<!channel>", "<@U123>", "<script>", "@here", "@all", "@channel"):
            assert trigger not in raw
        escaped = "&lt;!channel&gt;" if count <= 10 else "<\u2060!channel>"  # a compact list: rich text
        assert escaped in raw and "*bold*" in raw
        # Posting text only ever sits in plain_text objects or rich text elements (a compact
        # list's `text` and `link`), where Slack applies no formatting.
        for kind, text in texts(message.payload["blocks"]):
            if "bold" in text:
                assert kind == "plain_text" if count <= 10 else kind in ("text", "link")
        assert message.payload["mrkdwn"] is False


def test_posting_text_is_plain_on_mattermost() -> None:
    [message] = mattermost_messages([ev(1, name=NASTY, team=NASTY)], "fr")
    text = message.payload["text"]
    for trigger in ("@here", "@all", "@channel", "<script>", "<!channel>", "*bold*"):
        assert trigger not in text
    assert "\\<script\\>" in text and "\\*bold\\*" in text and "@\u2060here" in text


def test_300_closures_are_a_few_slack_messages_within_limits() -> None:
    events = [ev(n, "closed", reason="expired", name=f"Role {n:03d} " + "x" * 60) for n in range(300)]
    messages = slack_messages(events, "fr", "https://jobs.example.org/")
    assert 1 <= len(messages) <= 3
    ids = [i for m in messages for i in m.event_ids]
    assert sorted(ids) == sorted(e.id for e in events)
    for m in messages:
        blocks = m.payload["blocks"]
        assert len(blocks) <= SLACK_MAX_BLOCKS
        for block in blocks:
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= SLACK_MAX_HEADER
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= SLACK_MAX_SECTION
    assert blocks[-1]["type"] == "context"  # a link to every role, since a list has no buttons


def test_long_titles_split_mattermost_within_the_limit() -> None:
    events = [ev(n, name=f"Role {n:03d} " + "é" * 900) for n in range(60)]
    messages = mattermost_messages(events, "fr")
    assert len(messages) > 1
    assert all(len(m.payload["text"]) <= MATTERMOST_MAX_POST for m in messages)
    assert [i for m in messages for i in m.event_ids] == [e.id for e in events]
    assert messages[1].payload["text"].startswith("#### Nouveaux postes (60) (suite)")


def test_huge_header_and_section_are_clipped() -> None:
    [message] = slack_messages([ev(1, name="&" * 5000)], "en")
    card = message.payload["blocks"][1]
    assert len(card["text"]["text"]) <= SLACK_MAX_SECTION
    assert card["text"]["text"].endswith("…")
