"""What the announcements say, pinned: the exact words and payloads of every event kind in French and
English, event ids over time, the platforms' limits as the platforms document them (literal numbers,
never the constants of the code under test), escaping, and summaries."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from jobfeed.announce.diff import Event, RoleSnapshot, diff, event_of, snapshot_of, with_removed
from jobfeed.announce.messages import (
    channel_messages,
    details,
    mattermost_messages,
    slack_escape,
    slack_messages,
)
from jobfeed.config import Config
from jobfeed.core.lifecycle import classify
from jobfeed.core.markup import render, sanitize
from jobfeed.core.postings import Posting, load_postings
from notify_fixtures import write_posting

LINK = "https://jobs.example.org/postes/dev.html"
ROLE = {
    "role": "dev",
    "name": "Développeur·euse",
    "team": "Aides-territoires",
    "contract": "CDD",
    "link": LINK,
}


def event(kind: str, day: str = "2024-03-01", **values: Any) -> Event:
    values = {**ROLE, "deadline": "2024-04-15", **values}
    return Event(id=f"dev:{kind}:{day}", kind=kind, **values)


# --- the words of every event kind ------------------------------------------------------------------

DETAILS = [
    # (event, French, English)
    (event("opened"), "clôture le 15 avril 2024", "closes on 15 April 2024"),
    (event("opened", deadline=None), "sans date limite", "no deadline"),
    (
        event("reopened", deadline="2024-04-15T18:00:00+02:00"),
        "clôture le 15 avril 2024 à 18:00",
        "closes on 15 April 2024 at 18:00",
    ),
    (event("closing_soon", deadline="2024-05-01"), "clôture le 1er mai 2024", "closes on 1 May 2024"),
    (
        event("deadline_changed", deadline="2024-05-01", previous_deadline="2024-04-15"),
        "date limite prolongée : clôture le 1er mai 2024 (au lieu du 15 avril 2024)",
        "deadline extended: closes on 1 May 2024 (was 15 April 2024)",
    ),
    (
        event("deadline_changed", deadline="2024-04-01", previous_deadline="2024-04-15"),
        "date limite avancée : clôture le 1er avril 2024 (au lieu du 15 avril 2024)",
        "deadline brought forward: closes on 1 April 2024 (was 15 April 2024)",
    ),
    (  # the same day, an earlier hour: brought forward
        event(
            "deadline_changed",
            deadline="2024-04-15T12:00:00+02:00",
            previous_deadline="2024-04-15T18:00:00+02:00",
        ),
        "date limite avancée : clôture le 15 avril 2024 à 12:00 (au lieu du 15 avril 2024 à 18:00)",
        "deadline brought forward: closes on 15 April 2024 at 12:00 (was 15 April 2024 at 18:00)",
    ),
    (  # the same day, a later hour: extended
        event(
            "deadline_changed",
            deadline="2024-04-15T20:00:00+02:00",
            previous_deadline="2024-04-15T18:00:00+02:00",
        ),
        "date limite prolongée : clôture le 15 avril 2024 à 20:00 (au lieu du 15 avril 2024 à 18:00)",
        "deadline extended: closes on 15 April 2024 at 20:00 (was 15 April 2024 at 18:00)",
    ),
    (  # the deadline removed: open without end, an extension
        event("deadline_changed", deadline=None, previous_deadline="2024-04-15"),
        "date limite prolongée : sans date limite (au lieu du 15 avril 2024)",
        "deadline extended: no deadline (was 15 April 2024)",
    ),
    (  # a deadline added
        event("deadline_changed", deadline="2024-04-15", previous_deadline=None),
        "clôture le 15 avril 2024 (auparavant sans date limite)",
        "closes on 15 April 2024 (had no deadline)",
    ),
    (event("closed", reason="filled"), "pourvu", "filled"),
    (event("closed", reason="closed"), "fermé", "closed"),
    (event("closed", reason="expired"), "date limite passée", "deadline passed"),
    (event("closed", reason="removed"), "retiré", "removed"),
]


@pytest.mark.parametrize(("given", "french", "english"), DETAILS)
def test_what_is_said_of_each_event_in_both_languages(given: Event, french: str, english: str) -> None:
    assert details(given, "fr") == french
    assert details(given, "en") == english


def test_a_slack_card_is_exactly_this_payload() -> None:
    [message] = slack_messages([event("opened")], "fr", "https://jobs.example.org/")
    plain = lambda text: {"type": "plain_text", "text": text, "emoji": False}  # noqa: E731
    assert message.payload == {
        "text": "Nouveau poste\n• Développeur·euse — Aides-territoires",
        "mrkdwn": False,
        "blocks": [
            {"type": "header", "text": plain("Nouveau poste")},
            {
                "type": "section",
                "text": plain("Développeur·euse"),
                "fields": [
                    plain("Équipe : Aides-territoires"),
                    plain("Contrat : CDD"),
                    plain("Clôture le 15 avril 2024"),
                ],
                "accessory": {"type": "button", "text": plain("Voir le poste"), "url": LINK},
            },
        ],
    }
    assert message.event_ids == ("dev:opened:2024-03-01",)


def test_a_closed_slack_card_in_english_has_no_button_and_an_english_reason() -> None:
    [message] = slack_messages([event("closed", reason="filled")], "en")
    plain = lambda text: {"type": "plain_text", "text": text, "emoji": False}  # noqa: E731
    assert message.payload == {
        "text": "Role closed\n• Développeur·euse — Aides-territoires",
        "mrkdwn": False,
        "blocks": [
            {"type": "header", "text": plain("Role closed")},
            {
                "type": "section",
                "text": plain("Développeur·euse"),
                "fields": [plain("Team: Aides-territoires"), plain("Contract: CDD"), plain("Filled")],
            },
        ],
    }


def test_a_mattermost_digest_is_exactly_this_text_with_its_options() -> None:
    events = [
        event("opened"),
        event("deadline_changed", "2024-05-01", deadline="2024-05-01", previous_deadline="2024-04-15"),
        event(
            "closed",
            reason="expired",
            role="old",
            name="Ancien rôle",
            link="https://jobs.example.org/old.html",
        ),
    ]
    [message] = mattermost_messages(
        events, "en", username="jobs", icon_url="https://jobs.example.org/icon.png"
    )
    assert message.payload == {
        "text": "\n".join(
            [
                "#### New role",
                f"- **[Développeur·euse — Aides-territoires]({LINK})** · CDD · closes on 15 April 2024",
                "",
                "#### Deadline changed",
                f"- **[Développeur·euse — Aides-territoires]({LINK})** · CDD · "
                "deadline extended: closes on 1 May 2024 (was 15 April 2024)",
                "",
                "#### Role closed",
                "- **Ancien rôle — Aides-territoires** · CDD · deadline passed",
            ]
        ),
        "username": "jobs",
        "icon_url": "https://jobs.example.org/icon.png",
    }
    assert message.event_ids == tuple(e.id for e in events)
    # without options, neither key is sent (the webhook's own settings apply)
    [bare] = channel_messages("mattermost", events[:1], "fr")
    assert set(bare.payload) == {"text"}
    assert bare.payload["text"].startswith("#### Nouveau poste\n- **[Développeur·euse")


def test_slack_escapes_its_three_control_characters_in_posting_text() -> None:
    """Slack reads `&`, `<` and `>` as markup even in plain_text objects: `&lt;` must stay text."""
    given = event("opened", name="R&D <b>lead</b> &lt;", team="A&B", contract="<CDD>")
    [message] = slack_messages([given], "en")
    card = message.payload["blocks"][1]
    assert card["text"]["text"] == "R&amp;D &lt;b&gt;lead&lt;/b&gt; &amp;lt;"
    assert [f["text"] for f in card["fields"][:2]] == ["Team: A&amp;B", "Contract: &lt;CDD&gt;"]
    assert message.payload["text"] == "New role\n• R&amp;D &lt;b&gt;lead&lt;/b&gt; &amp;lt; — A&amp;B"


def test_published_links_carry_noopener_noreferrer() -> None:
    html = sanitize('<a href="https://example.org/">x</a>', "https://jobs.example.org/postes/a.html")
    assert html == '<a href="https://example.org/" rel="noopener noreferrer">x</a>'


# --- the platforms' limits, as they document them ---------------------------------------------------
# Slack Block Kit (api.slack.com/reference/block-kit/blocks): at most 50 blocks in a message; a
# section's text at most 3,000 characters and at most 10 fields of at most 2,000 characters each; a
# header's text at most 150 characters; a button's text at most 75 characters and its url at most
# 3,000. Slack's `text` is truncated past 40,000 characters (chat.postMessage). Mattermost: a post is
# at most 16,383 characters (PostMessageMaxRunesV2, the server's limit since 5.0).
SLACK_BLOCKS, SLACK_SECTION, SLACK_FIELDS, SLACK_FIELD = 50, 3000, 10, 2000
SLACK_HEADER, SLACK_BUTTON_TEXT, SLACK_BUTTON_URL, SLACK_TEXT = 150, 75, 3000, 40_000
MATTERMOST_POST = 16_383


def slack_within_limits(payload: dict[str, Any]) -> None:
    assert len(payload["text"]) <= SLACK_TEXT
    assert len(payload["blocks"]) <= SLACK_BLOCKS
    for block in payload["blocks"]:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= SLACK_HEADER
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SLACK_SECTION
            assert len(block.get("fields", [])) <= SLACK_FIELDS
            assert all(len(f["text"]) <= SLACK_FIELD for f in block.get("fields", []))
            button = block.get("accessory")
            if button:
                assert len(button["text"]["text"]) <= SLACK_BUTTON_TEXT
                assert len(button["url"]) <= SLACK_BUTTON_URL


@pytest.mark.parametrize("count", [1, 10, 11, 60, 400])
@pytest.mark.parametrize("width", [10, 200, 5000])
def test_every_digest_fits_the_documented_limits(count: int, width: int) -> None:
    kinds = ["opened", "closing_soon", "deadline_changed", "closed", "reopened"]
    events = [
        Event(
            id=f"r{n}:{kinds[n % 5]}:2024-03-01",
            kind=kinds[n % 5],
            role=f"r{n}",
            name=f"Role {n:03d} " + "é&<" * (width // 3),
            team="T" * width,
            contract="C" * (width // 2),
            link=f"https://jobs.example.org/postes/r{n}.html",
            deadline="2024-04-15",
            previous_deadline="2024-04-01",
            reason="filled",
        )
        for n in range(count)
    ]
    for language in ("fr", "en"):
        slack = slack_messages(events, language, "https://jobs.example.org/")
        for message in slack:
            slack_within_limits(message.payload)
        mattermost = mattermost_messages(events, language)
        assert all(len(m.payload["text"]) <= MATTERMOST_POST for m in mattermost)
        for messages in (slack, mattermost):  # every event in exactly one message
            ids = [i for m in messages for i in m.event_ids]
            assert sorted(ids) == sorted(e.id for e in events)


def test_a_mattermost_digest_uses_the_room_the_platform_gives() -> None:
    """Long digests are split near the platform's limit, not far below it: 40 roles of 1,000
    characters fit in 3 posts of at most 16,383 characters (the sum is about 41,000)."""
    events = [event("opened", role=f"r{n}", name=f"R{n:02d} " + "x" * 1000) for n in range(40)]
    posts = mattermost_messages(events, "fr")
    assert len(posts) == 3
    assert all(15_000 < len(p.payload["text"]) <= MATTERMOST_POST for p in posts[:-1])


# --- event ids over time -----------------------------------------------------------------------------


def snapshot(folder: Path, now: dt.datetime) -> dict[str, RoleSnapshot]:
    loaded = load_postings(folder, Config())
    assert not loaded.errors, loaded.problems
    return snapshot_of(classify(loaded.postings, now), 7, lambda p: f"https://x.org/{p.id}")


def test_a_role_closed_reopened_removed_and_added_back_gets_a_dated_event_each_time(tmp_path: Path) -> None:
    folder = tmp_path / "postes"
    paris = dt.timezone(dt.timedelta(hours=1))
    days = [dt.datetime(2024, 3, d, 9, tzinfo=paris) for d in (1, 2, 3, 4, 5, 6, 7)]
    # each day: what the file says, then the events that run announces
    steps: list[tuple[dict[str, str] | None, list[str]]] = [
        ({}, []),  # day 1: baseline
        ({"status": "closed"}, ["dev:closed:2024-03-02"]),
        ({}, ["dev:reopened:2024-03-03"]),
        ({"status": "closed"}, ["dev:closed:2024-03-04"]),
        ({}, ["dev:reopened:2024-03-05"]),
        (None, ["dev:closed:2024-03-06"]),  # the file removed
        ({}, ["dev:reopened:2024-03-07"]),  # and added back
    ]
    previous: dict[str, RoleSnapshot] = {}
    seen: list[str] = []
    for now, (front, expected) in zip(days, steps, strict=True):
        path = folder / "dev.md"
        if front is None:
            path.unlink()
            folder.mkdir(exist_ok=True)
        else:
            write_posting(folder, "dev", "Dev", **front)
        current = snapshot(folder, now)
        if previous:
            current = with_removed(previous, current)
            events = diff(previous, current, now.date())
            assert [e.id for e in events] == expected
            if front is None:
                assert events[0].reason == "removed"
            seen += [e.id for e in events]
        previous = current
    assert len(seen) == len(set(seen)) == 6


def test_a_role_gone_from_the_snapshot_is_closed_with_the_day_of_each_run() -> None:
    """`diff` alone (without `with_removed`): an open role missing from the current snapshot is
    closed as removed, dated by the run, so that two removals on two days are two events."""
    shot = RoleSnapshot(state="open", title="Dev", team="A", contract="CDD", link="https://x.org/dev")
    first = diff({"dev": shot}, {}, dt.date(2024, 3, 2))
    again = diff({"dev": shot}, {}, dt.date(2024, 3, 9))
    assert [(e.id, e.reason, e.contract) for e in first] == [("dev:closed:2024-03-02", "removed", "CDD")]
    assert [e.id for e in again] == ["dev:closed:2024-03-09"]


def test_event_ids_of_date_time_deadlines_carry_the_local_day(tmp_path: Path) -> None:
    folder = tmp_path / "postes"
    # 23:30 UTC on 14 April is 01:30 on 15 April in Paris: the id names the 15th
    write_posting(folder, "dev", "Dev", poste_ferme="2024-04-14T23:30:00Z")
    before = snapshot(folder, dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC))
    write_posting(folder, "dev", "Dev", poste_ferme="2024-04-15T22:30:00Z")
    after = snapshot(folder, dt.datetime(2024, 3, 2, 9, tzinfo=dt.UTC))
    [changed] = diff(before, after, dt.date(2024, 3, 2))
    assert changed.id == "dev:deadline_changed:2024-04-16"
    assert changed.deadline == "2024-04-16T00:30:00+02:00"
    assert changed.previous_deadline == "2024-04-15T01:30:00+02:00"


def test_closing_soon_starts_exactly_when_the_window_reaches_the_deadline(tmp_path: Path) -> None:
    """With 7 days, a deadline at the end of 15 April (midnight of the 16th, Paris) is closing soon from
    midnight of the 9th on, not one instant later (`<=`, not `<`)."""
    folder = tmp_path / "postes"
    write_posting(folder, "dev", "Dev", poste_ferme="2024-04-15")
    paris = dt.timezone(dt.timedelta(hours=2))
    edge = dt.datetime(2024, 4, 9, 0, 0, tzinfo=paris)
    assert snapshot(folder, edge - dt.timedelta(microseconds=1))["dev"].closing_soon is None
    assert snapshot(folder, edge)["dev"].closing_soon == "2024-04-15"


def test_a_role_without_an_opening_date_is_opened_on_the_day_it_is_first_seen(tmp_path: Path) -> None:
    folder = tmp_path / "postes"
    folder.mkdir()
    (folder / "dev.md").write_text("---\nrole: Dev\nequipe: A\ncontrat: stage\n---\nx\n", encoding="utf-8")
    now = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
    current = snapshot(folder, now)
    assert current["dev"].opened is None
    [opened] = diff({}, current, dt.date(2024, 3, 1))
    assert (opened.id, opened.contract, opened.deadline) == ("dev:opened:2024-03-01", "stage", None)


def test_the_snapshot_and_its_events_keep_every_field(tmp_path: Path) -> None:
    folder = tmp_path / "postes"
    write_posting(folder, "dev", "Dev", team="Équipe A", contrat="indépendant", poste_ferme="2024-04-15")
    shot = snapshot(folder, dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC))["dev"]
    assert shot == RoleSnapshot(
        state="open",
        title="Dev",
        team="Équipe A",
        contract="indépendant",
        link="https://x.org/dev",
        opened="2024-01-15",
        deadline="2024-04-15",
    )
    opened = event_of("dev", "opened", "2024-03-01", shot)
    assert opened == Event(
        id="dev:opened:2024-03-01",
        kind="opened",
        role="dev",
        name="Dev",
        team="Équipe A",
        contract="indépendant",
        link="https://x.org/dev",
        deadline="2024-04-15",
    )
    assert RoleSnapshot.from_dict(json.loads(json.dumps(shot.as_dict()))) == shot
    assert Event.from_dict(json.loads(json.dumps(opened.as_dict()))) == opened
    assert Event.from_dict({**opened.as_dict(), "unknown": 1}) == opened  # keys of a newer jobfeed


def test_a_removed_deadline_is_a_change_dated_by_the_run() -> None:
    before = RoleSnapshot(state="open", title="Dev", deadline="2024-04-15")
    after = RoleSnapshot(state="open", title="Dev", deadline=None)
    [changed] = diff({"dev": before}, {"dev": after}, dt.date(2024, 3, 2))
    assert (changed.id, changed.deadline, changed.previous_deadline) == (
        "dev:deadline_changed:2024-03-02",
        None,
        "2024-04-15",
    )


# --- summaries -----------------------------------------------------------------------------------------


def posting(body: str) -> Posting:
    return Posting(path="postes/a.md", id="a", role="A", body=body)


def test_the_text_before_more_is_the_summary_even_when_it_is_not_the_first_paragraph() -> None:
    body = "Une accroche *courte*.\n\nSuite de l'accroche.\n\n<!--more-->\n\nPremier paragraphe du poste.\n"
    rendered = render(posting(body), "https://jobs.example.org/postes/a.html")
    assert rendered.summary == "Une accroche courte. Suite de l'accroche."
    assert "<!--more-->" not in rendered.content and "Premier paragraphe du poste." in rendered.content


def test_a_long_summary_is_cut_at_a_word_boundary_within_500_characters() -> None:
    words = " ".join(f"mot{n:03d}" for n in range(120))  # 6 characters a word: 839 characters
    rendered = render(posting(words + "\n"), "https://jobs.example.org/postes/a.html")
    assert len(rendered.summary) <= 500
    assert rendered.summary.endswith("…")
    kept = rendered.summary.removesuffix("…").split(" ")
    assert kept == words.split(" ")[: len(kept)]  # whole words only
    assert len(kept) == 71  # 71 words are 496 characters with their spaces, then "…"; 72 would be 503
    short = render(posting("Court.\n"), "https://jobs.example.org/postes/a.html")
    assert short.summary == "Court."
    exact = "x" * 500
    assert render(posting(exact + "\n"), "https://jobs.example.org/postes/a.html").summary == exact


# --- every word and limit, one by one ----------------------------------------------------------------


def many(count: int, kind: str = "opened", width: int = 0, **values: Any) -> list[Event]:
    fields: dict[str, Any] = {"team": "Équipe", "contract": "CDD", "deadline": "2024-04-15", **values}
    return [
        Event(
            id=f"r{n:03d}:{kind}:2024-03-01",
            kind=kind,
            role=f"r{n:03d}",
            name=f"R{n:03d}" + "x" * width,
            link=f"https://jobs.example.org/postes/r{n:03d}.html",
            **fields,
        )
        for n in range(count)
    ]


def test_channel_messages_gives_each_platform_its_options() -> None:
    events = many(11)
    site = "https://jobs.example.org/"
    assert channel_messages("slack", events, "en", site_url=site) == slack_messages(events, "en", site)
    [slack] = channel_messages("slack", events, "en", site_url=site)
    assert slack.payload["blocks"][-1]["elements"][0]["text"] == "All roles: https://jobs.example.org/"
    [post] = channel_messages("mattermost", events[:1], "en", username="bot", icon_url="https://x.org/i.png")
    assert [post] == mattermost_messages(events[:1], "en", "bot", "https://x.org/i.png")
    assert post.payload["username"] == "bot" and post.payload["icon_url"] == "https://x.org/i.png"
    assert post.payload["text"].startswith("#### New role\n")


def test_french_is_the_default_and_the_fallback_language() -> None:
    assert slack_messages(many(1))[0].payload["blocks"][0]["text"]["text"] == "Nouveau poste"
    assert mattermost_messages(many(1))[0].payload == {
        "text": mattermost_messages(many(1), "fr")[0].payload["text"]
    }
    assert details(event("opened"), "de") == "clôture le 15 avril 2024"
    assert details(event("closed", reason=None), "en") == "closed"


def test_a_deadline_that_is_not_a_date_is_shown_as_written() -> None:
    assert details(event("opened", deadline="bientôt"), "fr") == "clôture le bientôt"
    assert details(event("opened", deadline="soon"), "en") == "closes on soon"


def test_only_web_links_of_at_most_3000_characters_get_a_button() -> None:
    def button(link: str) -> object:
        [message] = slack_messages([event("opened", link=link)], "en")
        return message.payload["blocks"][1].get("accessory", {}).get("url")

    assert button("http://jobs.example.org/dev.html") == "http://jobs.example.org/dev.html"
    exact = "https://jobs.example.org/" + "a" * (3000 - 25)
    assert len(exact) == 3000 and button(exact) == exact
    assert button(exact + "a") is None
    assert button("postes/dev.html") is None
    assert button("ftp://jobs.example.org/dev.html") is None


def test_the_notification_text_names_each_kind_and_each_role() -> None:
    events = [
        event("opened"),
        event("opened", role="b", name="B"),
        event("closed", role="c", name="C", reason="filled"),
    ]
    [message] = slack_messages(events, "fr")
    assert message.payload["text"] == (
        "Nouveaux postes (2) · Poste fermé\n• Développeur·euse — Aides-territoires\n• B — Aides-territoires\n"
        "• C — Aides-territoires"  # in the order given (diff sorts them)
    )
    [english] = slack_messages([event("opened")], "en")
    assert english.payload["blocks"][1]["accessory"]["text"]["text"] == "View role"


def test_a_compact_digest_is_exactly_this_payload() -> None:
    """Above 10 events, one line per role in sections, and a link to every role at the end."""
    plain = lambda text: {"type": "plain_text", "text": text, "emoji": False}  # noqa: E731
    [message] = slack_messages(many(11), "fr", "https://jobs.example.org/")
    lines = [  # issue 21: rich text, each role linked to its page
        [
            {"type": "text", "text": "• "},
            {
                "type": "link",
                "url": f"https://jobs.example.org/postes/r{n:03d}.html",
                "text": f"R{n:03d} — Équipe",
            },
            {"type": "text", "text": " · CDD · clôture le 15 avril 2024" + ("\n" if n < 10 else "")},
        ]
        for n in range(11)
    ]
    assert message.payload == {
        "text": "Nouveaux postes (11)",
        "mrkdwn": False,
        "blocks": [
            {"type": "header", "text": plain("Nouveaux postes (11)")},
            {
                "type": "rich_text",
                "elements": [{"type": "rich_text_section", "elements": [e for line in lines for e in line]}],
            },
            {"type": "context", "elements": [plain("Tous les postes : https://jobs.example.org/")]},
        ],
    }
    assert len(slack_messages(many(10), "fr")[0].payload["blocks"]) == 11  # 10 cards and a header


def test_clipping_is_exact() -> None:
    from jobfeed.announce.messages import _clip, _plain

    assert _clip("x" * 10, 10) == "x" * 10
    assert _clip("x" * 11, 10) == "x" * 9 + "…"
    assert _plain("a" * 30, 20)["text"] == "a" * 19 + "…"
    assert _plain("a" * 20, 20)["text"] == "a" * 20
    # an entity is never cut in two: as many whole `&amp;` as fit with the ellipsis
    assert _plain("&" * 100, 20)["text"] == "&amp;&amp;&amp;…"
    assert _plain("&&&", 6)["text"] == "&amp;…"
    assert _plain("&" * 4, 21)["text"] == "&amp;" * 4
    # what is kept of a clipped text stays inert: no live mention or link
    clipped = _plain("@here www.x.org " * 20, 60)["text"]
    assert clipped.endswith("…") and len(clipped) <= 60
    assert "@here" not in clipped and "www.x" not in clipped and "@\u2060here" in clipped


def test_a_compact_line_is_clipped_at_1000_characters() -> None:
    long = many(11, width=2000)
    [message, *_] = slack_messages(long, "en")
    [section] = message.payload["blocks"][1]["elements"]
    first = "".join(e["text"] for e in section["elements"]).replace("\u2060", "").split("\n")[0]
    assert len(first) == 1000 and first.endswith("…") and first.startswith("• R000xxx")


def test_mattermost_links_cannot_be_closed_early_by_the_url() -> None:
    [post] = mattermost_messages([event("opened", link="https://x.org/a (b).html")], "en")
    assert "(https://x.org/a%20%28b%29.html)" not in post.payload["text"]  # `(` is fine inside
    assert "](https://x.org/a%20(b%29.html)**" in post.payload["text"]


def test_a_long_mattermost_title_is_clipped_before_escaping_so_its_link_stays_whole() -> None:
    [post] = mattermost_messages(many(1, width=5000, contract="C_" * 150), "en")
    line = post.payload["text"].split("\n")[1]
    # "R000" + "x" * 5000 + " — Équipe", cut to 999 characters and an ellipsis
    assert line == (
        "- **[R000"
        + "x" * 995
        + "…](https://jobs.example.org/postes/r000.html)** · "
        + "C\\_" * 99
        + "C… · closes on 15 April 2024"
    )
    # exactly 1,000 characters of title, and 200 of contract, are kept whole
    title = "T" * (1000 - len(" — Équipe"))
    [whole] = mattermost_messages([dataclasses_replace(many(1)[0], name=title, contract="c" * 200)], "en")
    assert (
        f"**[{title} — Équipe](" in whole.payload["text"]
        and " · " + "c" * 200 + " · " in whole.payload["text"]
    )


# jobfeed's own cap on a Slack message's text (messages.py): 12,000 characters of block text, and 49
# blocks, so that the link to every role (a context block) always fits within Slack's 50.
SLACK_READABLE, SLACK_CONTENT_BLOCKS = 12_000, 49


def block_size(block: dict[str, Any]) -> int:
    if block["type"] == "rich_text":  # a compact list (issue 21): its lines as escaped text
        return len(slack_escape("".join(e["text"] for s in block["elements"] for e in s["elements"]), False))
    text = block.get("text", {}).get("text", "") if block["type"] != "context" else ""
    return len(text) + sum(len(f["text"]) for f in block.get("fields", []))


@pytest.mark.parametrize(("count", "width"), [(10, 3000), (6, 6000), (400, 0), (400, 300), (3000, 0)])
def test_slack_digests_are_packed_as_tightly_as_the_limits_allow(count: int, width: int) -> None:
    events = many(count, width=width) if count <= 10 else many(count // 2, width=width)
    if count > 10:
        events += many(count - count // 2, "closed", width=width, reason="expired")
        events = [
            dataclasses_replace(e, id=f"{e.id}:{i}", role=f"{e.role}-{i}") for i, e in enumerate(events)
        ]
    messages = slack_messages(events, "fr", "https://jobs.example.org/")
    assert sorted(i for m in messages for i in m.event_ids) == sorted(e.id for e in events)
    contents = [[b for b in m.payload["blocks"] if b["type"] != "context"] for m in messages]
    for blocks in contents:
        assert len(blocks) <= SLACK_CONTENT_BLOCKS
        assert sum(block_size(b) for b in blocks) <= SLACK_READABLE
    for blocks, following in itertools.pairwise(contents):
        # what starts the next message did not fit in this one: the next role's block (after a
        # "(suite)" heading), or a kind's heading with its first role
        assert following[0]["type"] == "header"
        cut_inside = following[0]["text"]["text"].endswith("(suite)")
        moved = following[1:2] if cut_inside else following[:2]
        full = len(blocks) + len(moved) > SLACK_CONTENT_BLOCKS
        assert full or sum(block_size(b) for b in blocks + moved) > SLACK_READABLE


@pytest.mark.parametrize("width", [100, 900, 3990])
def test_mattermost_digests_are_split_only_when_the_next_line_would_not_fit(width: int) -> None:
    """Each post but the last is as full as the platform's 16,383 characters allow: a role's line
    goes to the next post only when it does not fit, and a kind's heading with its first role."""
    events = many(30, width=width) + many(30, "closed", width=width, reason="filled")
    events = [dataclasses_replace(e, id=f"{e.id}:{i}", role=f"{e.role}-{i}") for i, e in enumerate(events)]
    posts = mattermost_messages(events, "fr")
    assert len(posts) > 1 or width == 100
    assert sorted(i for p in posts for i in p.event_ids) == sorted(e.id for e in events)
    texts = [p.payload["text"] for p in posts]
    assert all(len(t) <= MATTERMOST_POST for t in texts)
    for text, following in itertools.pairwise(texts):
        first, second = following.split("\n")[:2]
        if first.endswith("(suite)"):  # cut inside a section: the next role's line did not fit
            assert len(text) + 1 + len(second) > MATTERMOST_POST
        else:  # a new section: a blank line, its heading and its first line did not fit
            assert len(text) + 2 + len(first) + 1 + len(second) > MATTERMOST_POST


def dataclasses_replace(value: Event, **changes: Any) -> Event:
    import dataclasses

    return dataclasses.replace(value, **changes)


def test_continued_headers_name_their_section_in_the_channel_language() -> None:
    events = many(3, width=990) + many(40, "closed", width=700, reason="filled")
    events = [dataclasses_replace(e, id=f"{e.id}:{i}", role=f"{e.role}-{i}") for i, e in enumerate(events)]
    posts = mattermost_messages(events, "en")
    assert [p.payload["text"].split("\n")[0] for p in posts] == [
        "#### New roles (3)",
        "#### Roles closed (40) (continued)",
        "#### Roles closed (40) (continued)",
    ]
    assert "\n\n#### Roles closed (40)\n- " in posts[0].payload["text"]
    slack = slack_messages(many(10, width=2000, team="T" * 1990), "en")
    headers = [m.payload["blocks"][0]["text"]["text"] for m in slack]
    assert headers == ["New roles (10)"] + ["New roles (10) (continued)"] * 4
    # a card's fields count: about 4,000 characters a card, two cards in 12,000
    assert [len(m.event_ids) for m in slack] == [2, 2, 2, 2, 2]
    compact = slack_messages(many(400, width=300), "en")
    assert [m.payload["blocks"][0]["text"]["text"] for m in compact][1:] == [
        "New roles (400) (continued)"
    ] * (len(compact) - 1)


def test_a_kind_that_does_not_fit_starts_a_new_slack_message() -> None:
    """A message nearly full when the next kind begins: the kind's heading goes to the next message."""
    events = many(121, width=50) + many(5, "closed", reason="filled")
    events = [dataclasses_replace(e, id=f"{e.id}:{i}", role=f"{e.role}-{i}") for i, e in enumerate(events)]
    messages = slack_messages(events, "en")
    assert [m.payload["blocks"][0]["text"]["text"] for m in messages] == [
        "New roles (121)",
        "Roles closed (5)",
    ]
    assert [len(m.event_ids) for m in messages] == [121, 5]


# --- exact boundaries of the packing: a message is filled up to the limit, and not one character more


def named(kind: str, widths: list[int], **values: Any) -> list[Event]:
    """Events of `kind` whose names are `R` followed by x's, `widths[i]` characters in all."""
    events = many(len(widths), kind, **values)
    return [dataclasses_replace(e, name="R" + "x" * (w - 1)) for e, w in zip(events, widths, strict=True)]


def list_texts(message: Any) -> list[str]:
    """The text of each block of a compact list, its lines joined by newlines, as a reader sees it."""
    return [
        "".join(e["text"] for s in b["elements"] for e in s["elements"])
        for b in message.payload["blocks"]
        if b["type"] == "rich_text"
    ]


def card_text(message: Any) -> int:
    return sum(block_size(b) for b in message.payload["blocks"])


@pytest.mark.parametrize("extra", [0, 1])
def test_a_slack_message_holds_exactly_12000_characters(extra: int) -> None:
    # a card is its name, "Équipe : Équipe", "Contrat : CDD" and "Clôture le 15 avril 2024" (52)
    events = named("opened", [3000, 3000, 3000, 2773 + extra])
    messages = slack_messages(events, "fr")
    if not extra:
        [message] = messages
        assert card_text(message) == 12_000
        return
    first, second = messages
    assert [len(m.event_ids) for m in messages] == [3, 1]
    assert second.payload["blocks"][0]["text"]["text"] == "Nouveaux postes (4) (suite)"
    assert card_text(first) + len("R" + "x" * 2773) + 52 == 12_001


@pytest.mark.parametrize("extra", [0, 1])
def test_a_kind_moves_to_the_next_slack_message_with_its_heading_only_when_they_do_not_fit(
    extra: int,
) -> None:
    # a filled role's card is its name and 34 characters; "Poste fermé" heads it
    events = named("opened", [3000] * 3) + named("closed", [2780 + extra], reason="filled")
    events = [dataclasses_replace(e, id=f"{e.id}:{i}", role=f"{e.role}-{i}") for i, e in enumerate(events)]
    messages = slack_messages(events, "fr")
    if not extra:
        [message] = messages
        assert card_text(message) == 12_000
        return
    assert [[b["text"]["text"] for b in m.payload["blocks"] if b["type"] == "header"] for m in messages] == [
        ["Nouveaux postes (3)"],
        ["Poste fermé"],
    ]


@pytest.mark.parametrize(
    ("widths", "sections"),
    [
        # a compact line is its name and 44 characters; three lines of 1,000 + 1,000 + 998 characters
        # and their two newlines fill a section's 3,000 exactly, in the first section as in the next
        ([956, 956, 954, 956, 956, 954] + [5] * 5, [3, 3, 5]),
        ([956, 956, 954, 956, 956, 955] + [5] * 5, [3, 2, 6]),
        ([956, 956, 955] + [5] * 8, [2, 9]),
    ],
)
def test_a_compact_section_holds_exactly_3000_characters(widths: list[int], sections: list[int]) -> None:
    [message] = slack_messages(named("opened", widths), "fr")
    texts = list_texts(message)
    assert [len(t.split("\n")) for t in texts] == sections
    assert len(texts[0]) == (3000 if sections[0] == 3 else 2001)


def test_a_compact_section_counts_characters_as_escaped() -> None:
    # 998 characters as written, 1,002 once `&` is `&amp;`: the third line no longer fits
    events = named("opened", [956, 956, 954] + [5] * 8)
    events[2] = dataclasses_replace(events[2], name="R&" + "x" * 952)
    [message] = slack_messages(events, "fr")
    assert [len(t.split("\n")) for t in list_texts(message)] == [2, 9]
    # a line far too long once escaped (5,000 characters) has a block of its own, whole: rich
    # text is not escaped, and the line was already cut at 1,000 characters as written
    events[0] = dataclasses_replace(events[0], name="&" * 2000)
    [message] = slack_messages(events, "fr")
    assert list_texts(message)[0] == "• " + "&" * 997 + "…"


def test_the_link_to_every_role_and_the_fallback_text_are_clipped() -> None:
    site = "https://jobs.example.org/" + "a" * 2500
    [message] = slack_messages(many(11), "en", site)
    [context] = message.payload["blocks"][-1]["elements"]
    assert len(context["text"]) == 2000 and context["text"].endswith("a…")
    site = "https://jobs.example.org/" + "a" * (2000 - len("All roles: https://jobs.example.org/"))
    [message] = slack_messages(many(11), "en", site)
    assert message.payload["blocks"][-1]["elements"][0]["text"] == f"All roles: {site}"
    # the fallback of ten cards, each titled with 3,000 characters: 3,000 characters at most
    [*_, last] = slack_messages(named("opened", [3000] * 10), "en")
    assert len(last.payload["text"]) == 3000 and last.payload["text"].endswith("x…")
    [short] = slack_messages(named("opened", [2950]), "en")
    assert short.payload["text"] == "New role\n• R" + "x" * 2949 + " — Équipe"


@pytest.mark.parametrize("extra", [0, 1])
def test_a_mattermost_post_holds_exactly_16383_characters(extra: int) -> None:
    # a role's line is its name and 93 characters: "#### Nouveaux postes (16)" and 16 lines
    events = named("opened", [1021 - 93] * 15 + [1027 - 93 + extra])
    posts = mattermost_messages(events, "fr")
    if not extra:
        [post] = posts
        assert len(post.payload["text"]) == 16_383
        return
    first, second = (p.payload["text"] for p in posts)
    assert len(first) == 16_383 - 1 - 1027 and first.count("\n- ") == 15
    assert second.split("\n")[0] == "#### Nouveaux postes (16) (suite)" and second.count("\n- ") == 1


@pytest.mark.parametrize("extra", [0, 1])
def test_a_kind_moves_to_the_next_mattermost_post_with_its_heading_only_when_they_do_not_fit(
    extra: int,
) -> None:
    # a filled role's line is its name and 30 characters, under "#### Poste fermé" after a blank line
    events = named("opened", [1055 - 93] * 14 + [1054 - 93]) + named(
        "closed", [500 - 30 + extra], reason="filled"
    )
    events = [dataclasses_replace(e, id=f"{e.id}:{i}", role=f"{e.role}-{i}") for i, e in enumerate(events)]
    posts = [p.payload["text"] for p in mattermost_messages(events, "fr")]
    if not extra:
        [post] = posts
        assert len(post) == 16_383 and "\n\n#### Poste fermé\n- **R" in post
        return
    first, second = posts
    assert not first.endswith("\n") and first.split("\n")[0] == "#### Nouveaux postes (15)"
    assert second.split("\n")[0] == "#### Poste fermé" and len(second.split("\n")) == 2


def test_the_summary_line_names_each_kind_with_its_count_in_announcement_order() -> None:
    from jobfeed.announce.messages import summary_line

    events = many(1, "closed", reason="filled") + many(2) + many(1, "closing_soon")
    assert summary_line(events, "fr") == "Nouveaux postes (2) · Clôture bientôt · Poste fermé"
    assert summary_line(events[:2], "en") == "New role · Role closed"
    assert summary_line([], "en") == ""
