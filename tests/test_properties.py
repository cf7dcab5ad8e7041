"""Property-based tests: random postings never break the build, and every feed stays valid.

Runs with a fixed seed in CI (profile "ci"); `HYPOTHESIS_PROFILE=deep pytest tests/test_properties.py`
spends a much larger budget.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import jsonschema
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA
from jobfeed import build, config_from_dict, load_postings
from jobfeed.lifecycle import State, state_of

settings.register_profile(
    "ci", max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "deep", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PARIS = ZoneInfo("Europe/Paris")
SCHEMA = json.loads((DATA / "jsonfeed-1.1.schema.json").read_text())
CONFIG = config_from_dict(
    {"site": {"url": "https://jobs.example.org/", "id_authority": "jobs.example.org,2024"}}
)
NOW = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)

# Every character a file can hold: controls, bidi overrides, non-characters; no lone surrogates.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
special = st.sampled_from(
    [
        "\u202e",
        "\u200f",
        "\x00",
        "\x07",
        "\x1b",
        "\ufeff",
        "\ufffe",
        "<script>alert(1)</script>",
        "]]>",
        "&amp;",
        "@here",
        "<!channel>",
    ]
)
noisy_text = st.lists(st.one_of(text, special), max_size=4).map("".join)
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))
naive = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 12, 31))
aware = st.builds(lambda d, h: dt.datetime.combine(d, dt.time(h), dt.UTC), days, st.integers(0, 23))
when = st.one_of(
    st.none(), days, naive, aware, st.sampled_from(["2022-04-T15:00:00.000Z", "demain", "31/02/2024"])
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), noisy_text, days)
values = st.recursive(
    scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(text, c, max_size=3), max_leaves=8
)
markdown = st.lists(
    st.one_of(
        noisy_text,
        st.sampled_from(
            [
                "\n\n",
                "- item\n",
                "# Titre\n",
                "[lien](/relatif)",
                "[js](javascript:alert(1))",
                '<img src=x onerror="alert(1)">',
                "<!--more-->",
                "<iframe src=//evil>",
                "**gras**",
                "```\ncode\n```\n",
                "<a href='data:text/html,x'>d</a>",
            ]
        ),
    ),
    max_size=12,
).map("".join)

front_matter = st.fixed_dictionaries(
    {
        "role": st.one_of(noisy_text, values),
        "equipe": st.one_of(st.none(), noisy_text, values),
        "contrat": st.one_of(st.none(), noisy_text),
        "contact": st.one_of(st.none(), noisy_text),
        "poste_ouvert": when,
        "poste_ferme": when,
        "status": st.sampled_from([None, "open", "closed", True, False, "bof"]),
        "poste_pourvu": st.sampled_from([None, True, False, "oui", 3]),
    },
    optional={"id": st.one_of(noisy_text, st.integers()), "extra": values, "post_ouvert": values},
)


def write_posting(folder: Path, name: str, fm: dict[str, Any], body: str) -> None:
    fm = {k: v for k, v in fm.items() if v is not None}
    dumped = yaml.safe_dump(fm, allow_unicode=True, sort_keys=False)
    (folder / name).write_text("---\n" + dumped + "---\n" + body, encoding="utf-8", errors="surrogatepass")


def instant(value: Any) -> tuple[dt.datetime, bool] | None:
    """The oracle's own reading of a date: (start instant, whole day?)."""
    if isinstance(value, dt.datetime):
        local = value.replace(tzinfo=PARIS) if value.tzinfo is None else value.astimezone(PARIS)
        return local, local.time() == dt.time(0)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=PARIS), True
    return None


def oracle(fm: dict[str, Any], now: dt.datetime) -> State:
    opened = instant(fm.get("poste_ouvert"))
    if opened and opened[0] > now:
        return State.SCHEDULED
    if fm.get("poste_pourvu") is True or fm.get("poste_pourvu") == "oui":
        return State.FILLED
    if fm.get("status") in ("closed", False):
        return State.CLOSED
    deadline = instant(fm.get("poste_ferme"))
    if deadline:
        start, whole_day = deadline
        end = (
            dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time(0), PARIS)
            if whole_day
            else start
        )
        if end <= now:
            return State.EXPIRED
    return State.OPEN


def feeds_are_valid(out: Path) -> int:
    atom = feedparser.parse((out / "atom.xml").read_bytes())
    rss = feedparser.parse((out / "rss.xml").read_bytes())
    assert atom.bozo == 0, atom.get("bozo_exception")
    assert rss.bozo == 0, rss.get("bozo_exception")
    feed = json.loads((out / "feed.json").read_text(encoding="utf-8"))
    jsonschema.validate(feed, SCHEMA)
    assert len(atom.entries) == len(rss.entries) == len(feed["items"])
    # The HTML as written (feedparser would sanitize it again on reading): no live script anywhere.
    tree = ET.parse(out / "atom.xml").getroot()
    for content in tree.iter("{http://www.w3.org/2005/Atom}content"):
        assert_inert(content.text or "")
    for item in feed["items"]:
        assert_inert(item["content_html"])
    return len(feed["items"])


class _Live(HTMLParser):
    """Collects what a browser would execute: script elements, event handlers, script URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "style"):
            self.found.append(tag)
        for name, value in attrs:
            url = "".join((value or "").split()).lower()
            if name.startswith("on") or url.startswith(("javascript:", "data:", "vbscript:")):
                self.found.append(f"{tag} {name}={value}")


def assert_inert(html: str) -> None:
    parser = _Live()
    parser.feed(html)
    parser.close()
    assert parser.found == [], (parser.found, html)


@given(postings=st.lists(st.tuples(front_matter, markdown), min_size=1, max_size=4), now=aware)
def test_random_postings_build_valid_feeds_twice_identically(
    postings: list[tuple[dict[str, Any], str]], now: dt.datetime
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "postes"
        folder.mkdir()
        for i, (fm, body) in enumerate(postings):
            write_posting(folder, f"p{i}.md", fm, body)
        first = build(CONFIG, now, postes=folder, out=Path(tmp) / "a")
        second = build(CONFIG, now, postes=folder, out=Path(tmp) / "b")
        assert feeds_are_valid(Path(tmp) / "a") == len(first.catalog.open)
        for name in ("atom.xml", "rss.xml", "feed.json"):
            assert (Path(tmp) / "a" / name).read_bytes() == (Path(tmp) / "b" / name).read_bytes()
        assert second.written == first.written
        # Every loaded posting is in the state the independent oracle says.
        loaded = {p.path: p for p in load_postings(folder, CONFIG).postings}
        for i, (fm, _) in enumerate(postings):
            posting = loaded.get(str(folder / f"p{i}.md"))
            if posting is not None:
                assert state_of(posting, now) is oracle(fm, now), fm


@given(
    raw=st.one_of(
        st.binary(max_size=300), noisy_text.map(lambda t: ("---\n" + t + "\n---\n").encode("utf-8"))
    )
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arbitrary_bytes_never_crash_the_loader(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "postes"
        folder.mkdir()
        (folder / "x.md").write_bytes(raw)
        loaded = load_postings(folder, CONFIG)
        assert len(loaded.postings) + len({p.path for p in loaded.errors}) == 1
        for problem in loaded.problems:
            assert problem.line >= 1 and problem.message
        build(CONFIG, NOW, postes=folder, out=Path(tmp) / "feeds")
        feeds_are_valid(Path(tmp) / "feeds")
