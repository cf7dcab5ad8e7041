"""The history feeds (issue 18) over a simulated month: roles open, are extended, filled, expire, are
taken down and reopen; one build a day. Read back with feedparser and json."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import feedparser

from conftest import posting
from jobfeed import build
from jobfeed.config import Config, config_from_dict

AUTHORITY = "jobs.example.org,2024"
SITE = "https://jobs.example.org/"


def month_config(size: int = 3) -> Config:
    return config_from_dict(
        {
            "site": {"url": SITE, "id_authority": AUTHORITY, "title": "Offres"},
            "feeds": {"history": True, "history_size": size},
        }
    )


def write(postes: Path, name: str, role: str, **fields: str) -> None:
    (postes / f"{name}.md").write_text(posting(role, "Texte.\n", **fields), encoding="utf-8")


def on_day(postes: Path, day: int) -> None:
    """The postings as they are on `day` of March 2024 (what a recruiter changed that morning)."""
    if day == 1:
        write(postes, "dev", "Dev", equipe="Équipe A", poste_ouvert="2024-02-01", poste_ferme="2024-03-20")
        write(postes, "design", "Design", equipe="Équipe B", poste_ouvert="2024-02-15")
        write(postes, "coach", "Coach", equipe="Équipe A", poste_ouvert="2024-03-12")  # scheduled
        write(postes, "old", "Ancien", poste_ouvert="2023-01-01", status="closed")  # never open: no event
    if day == 5:
        write(postes, "dev", "Dev", equipe="Équipe A", poste_ouvert="2024-02-01", poste_ferme="2024-03-25")
    if day == 10:
        write(postes, "design", "Design", equipe="Équipe B", poste_ouvert="2024-02-15", poste_pourvu="true")
    if day == 28:
        (postes / "coach.md").unlink()
    if day == 30:
        write(postes, "dev", "Dev", equipe="Équipe A", poste_ouvert="2024-02-01", poste_ferme="2024-04-15")


def morning(day: int) -> dt.datetime:
    return dt.datetime(2024, 3, day, 8, 0, tzinfo=dt.UTC)


def run_month(root: Path, config: Config, twice: bool = False) -> dict[int, dict[str, bytes]]:
    """Build every day of March; the history files after each day."""
    postes, out = root / "postes", root / "out"
    postes.mkdir(parents=True)
    seen = {}
    for day in range(1, 32):
        on_day(postes, day)
        for _ in range(2 if twice else 1):
            report = build(config, morning(day), postes=postes, out=out, use_cache=False)
            assert [p for p in report.problems if p.is_error] == []
        seen[day] = {
            str(p.relative_to(out)): p.read_bytes()
            for p in sorted(out.rglob("*"))
            if (p.is_file() and "history" in p.name) or p.parent.name == "history"
        }
    return seen


EXPECTED = [  # the log, oldest first: (event id, what it says)
    # The first build finds two open roles: in notify's order (kind, then title).
    ("design:opened:2024-02-15", "Poste ouvert — Design — Équipe B", "2024-02-15"),
    ("dev:opened:2024-02-01", "Poste ouvert — Dev — Équipe A", "2024-02-01"),
    ("dev:deadline_changed:2024-03-25", "Date de clôture modifiée — Dev — Équipe A", "2024-03-05"),
    ("design:closed:2024-03-10", "Poste pourvu — Design — Équipe B", "2024-03-10"),
    ("coach:opened:2024-03-12", "Poste ouvert — Coach — Équipe A", "2024-03-12"),
    ("dev:closed:2024-03-26", "Date de clôture passée — Dev — Équipe A", "2024-03-26"),
    ("coach:closed:2024-03-28", "Offre retirée — Coach — Équipe A", "2024-03-28"),
    ("dev:reopened:2024-03-30", "Poste rouvert — Dev — Équipe A", "2024-03-30"),
]


def entries(data: bytes) -> list[tuple[str, str, str]]:
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.bozo_exception
    return [(e.id.removeprefix(f"tag:{AUTHORITY}:"), e.title, e.updated[:10]) for e in parsed.entries]


def test_a_month_of_events_in_order_with_archives(tmp_path: Path) -> None:
    config = month_config(size=3)
    seen = run_month(tmp_path / "a", config, twice=True)
    end = seen[31]
    log = json.loads(end["history/events.json"])["events"]
    assert [(e["id"], e["on"]) for e in log] == [(i, on) for i, _, on in EXPECTED]

    # The current feed: the last 3 events, newest first; its older events in 2 archive pages.
    newest = sorted(EXPECTED, key=lambda e: e[2], reverse=True)
    assert entries(end["history.xml"]) == newest[:3]
    assert entries(end["history/archive-1.xml"]) == sorted(EXPECTED[:3], key=lambda e: e[2], reverse=True)
    assert entries(end["history/archive-2.xml"]) == sorted(EXPECTED[3:6], key=lambda e: e[2], reverse=True)
    assert "history/archive-3.xml" not in end

    # RFC 5005: the subscription document links its newest archive; each archive its older one and
    # the current document, and says it is an archive.
    def links(name: str) -> dict[str, str]:
        return {link.rel: link.href for link in feedparser.parse(end[name]).feed.links}

    assert links("history.xml")["prev-archive"] == f"{SITE}history/archive-2.xml"
    assert links("history/archive-2.xml")["prev-archive"] == f"{SITE}history/archive-1.xml"
    assert "prev-archive" not in links("history/archive-1.xml")
    for page in ("history/archive-1.xml", "history/archive-2.xml"):
        assert links(page)["current"] == f"{SITE}history.xml"
        assert b"<fh:archive/>" in end[page]
    assert b"<fh:archive/>" not in end["history.xml"]
    # An archive page never changes once written.
    first_day = min(day for day, files in seen.items() if "history/archive-1.xml" in files)
    assert all(
        files["history/archive-1.xml"] == end["history/archive-1.xml"]
        for d, files in seen.items()
        if d >= first_day
    )

    # JSON Feed: the same entries, next_url to the older page.
    current = json.loads(end["history.json"])
    assert [i["id"].removeprefix(f"tag:{AUTHORITY}:") for i in current["items"]] == [e[0] for e in newest[:3]]
    assert current["next_url"] == f"{SITE}history/archive-2.json"
    assert json.loads(end["history/archive-2.json"])["next_url"] == f"{SITE}history/archive-1.json"

    # Per team: Équipe A's events only, newest first (bounded too).
    team_a = entries(end["equipes/equipe-a.history.xml"])
    assert [e[0] for e in team_a] == [e[0] for e in newest if e[0].split(":")[0] in ("dev", "coach")][:3]
    assert [e[0] for e in entries(end["equipes/equipe-b.history.xml"])] == [
        "design:closed:2024-03-10",
        "design:opened:2024-02-15",
    ]


def test_every_day_without_a_change_writes_the_same_bytes_and_a_replay_is_identical(tmp_path: Path) -> None:
    config = month_config(size=200)
    one = run_month(tmp_path / "one", config)
    two = run_month(tmp_path / "two", config, twice=True)
    assert one == two  # byte-identical: same postings, same days, same files
    # Days on which nothing happened leave every history file as it was.
    quiet = [d for d in range(2, 32) if d not in (5, 10, 12, 26, 28, 30)]
    for day in quiet:
        assert one[day] == one[day - 1], day
    assert one[31]["history.xml"].count(b"<entry>") == len(EXPECTED)
    digest = hashlib.sha256(one[31]["history.xml"]).hexdigest()
    assert digest == hashlib.sha256(two[31]["history.xml"]).hexdigest()


def test_the_entry_says_what_happened_with_the_deadline_and_the_link(tmp_path: Path) -> None:
    seen = run_month(tmp_path, month_config(size=200))
    parsed = feedparser.parse(seen[31]["history.xml"])
    changed = next(e for e in parsed.entries if "deadline_changed" in e.id)
    text = changed.content[0].value
    assert "Date de clôture modifiée" in text and "25 mars 2024" in text and "au lieu du 20 mars 2024" in text
    assert changed.link == f"{SITE}postes/dev.html"
    assert seen[31]["history.xml"].startswith(
        b"<?xml version='1.0' encoding='UTF-8'?>\n<?xml-stylesheet href=\"feed.xsl\" type=\"text/xsl\"?>\n"
    )
    scheduled = [e for e in parsed.entries if "coach" in e.id]
    assert all(e.updated >= "2024-03-12" for e in scheduled)  # never before it opened


def test_a_damaged_log_is_a_warning_and_the_history_starts_again(tmp_path: Path) -> None:
    postes, out = tmp_path / "postes", tmp_path / "out"
    postes.mkdir()
    on_day(postes, 1)
    config = month_config()
    build(config, morning(1), postes=postes, out=out)
    (out / "history" / "events.json").write_text("{not json", encoding="utf-8")
    report = build(config, morning(2), postes=postes, out=out)
    warnings = [str(p) for p in report.problems if "history" in p.path]
    assert len(warnings) == 1 and "unreadable history log" in warnings[0] and "events.json" in warnings[0]
    log = json.loads((out / "history" / "events.json").read_bytes())["events"]
    assert [e["id"] for e in log] == ["design:opened:2024-02-15", "dev:opened:2024-02-01"]


def test_off_by_default(tmp_path: Path) -> None:
    postes, out = tmp_path / "postes", tmp_path / "out"
    postes.mkdir()
    on_day(postes, 1)
    build(Config(site_url=SITE), morning(1), postes=postes, out=out)
    assert not (out / "history.xml").exists() and not (out / "history").exists()


def test_a_tampered_log_cannot_put_a_script_link_in_the_feed(tmp_path: Path) -> None:
    postes, out = tmp_path / "postes", tmp_path / "out"
    postes.mkdir()
    on_day(postes, 1)
    config = month_config()
    build(config, morning(1), postes=postes, out=out)
    log_path = out / "history" / "events.json"
    log = json.loads(log_path.read_bytes())
    log["events"][0]["link"] = "javascript:alert(1)"
    log_path.write_text(json.dumps(log), encoding="utf-8")
    build(config, morning(2), postes=postes, out=out)
    assert b"javascript:" not in (out / "history.xml").read_bytes()
    assert b"javascript:" not in (out / "history.json").read_bytes()
