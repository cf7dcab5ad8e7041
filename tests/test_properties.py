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
import html5lib
import icalendar
import jsonschema
import pytest
import yaml
from html5lib.html5parser import ParseError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import DATA
from jobfeed import Config, build, config_from_dict, load_postings
from jobfeed.core.identity import entry_id
from jobfeed.core.lifecycle import Catalog, State, classify, state_of
from jobfeed.publish.calendar import cancelled_roles
from jobfeed.publish.jsonld import valid_through

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
# Every page option set, pages one folder deeper, and a site title that tries to break out.
PAGES_CONFIG = config_from_dict(
    {
        "site": {
            "url": "https://jobs.example.org/",
            "id_authority": "jobs.example.org,2024",
            "title": "Offres </title><script>alert(1)</script>",
            "language": "en",
        },
        "postes": {"link": "{site_url}offres/{id}/"},
        "pages": {
            "form_url": "https://forms.example.org/apply?role={role}&team={team}&id={id}",
            "organization": {"name": "Org </script>", "url": "https://example.org/"},
            "location": {"locality": "Paris", "country": "fr", "remote": True},
        },
    }
)

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


# html5lib in strict mode raises on the first HTML5 parse error, where a browser would guess.
STRICT_HTML = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
FOREIGN = {"iframe", "object", "embed", "frame", "frameset", "applet", "base", "form", "svg", "math"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "cite"}
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")
JSON_LD = "application/ld+json"


def live_parts(root: ET.Element) -> list[str]:
    """What a browser would run in a parsed page: scripts other than the JSON-LD, event handlers,
    script URLs (after the browser strips blanks and controls), frames and forms, a meta refresh."""
    found: list[str] = []
    for element in root.iter():
        # Comments have a function as tag; SVG and MathML elements keep their namespace.
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if tag in FOREIGN or (tag == "script" and element.get("type") != JSON_LD):
            found.append(tag)
        # a Content-Security-Policy can only take rights away (policies add up): every page has one
        if (
            tag == "meta"
            and (element.get("http-equiv") or "content-security-policy").lower() != "content-security-policy"
        ):
            found.append("meta http-equiv")
        for name, value in element.attrib.items():
            url = "".join(c for c in value if c > " ").lower()
            if name.lower().startswith("on") or name.lower() in ("style", "srcdoc"):
                found.append(f"{tag} {name}={value!r}")
            if name.lower() in URL_ATTRIBUTES and url.startswith(SCRIPT_SCHEMES):
                found.append(f"{tag} {name}={value!r}")
    return found


def text_of(element: ET.Element | None) -> str:
    assert element is not None
    return "".join(element.itertext())


def pages_are_valid(out: Path, catalog: Catalog, config: Config = CONFIG) -> int:
    """Every HTML page parses without a single HTML5 error and is inert; each posting page's JSON-LD
    parses and names its role, as does its <h1>. Returns the number of posting pages."""
    roles = {entry_id(r.posting, config): r for r in catalog.roles}
    seen: set[str] = set()
    bare = 0
    for page in sorted(p for p in out.rglob("*.html") if p.is_file()):  # id "x.html" -> x.html/index.html
        source = page.read_text(encoding="utf-8")
        root = STRICT_HTML.parse(source)
        assert live_parts(root) == [], (page.name, live_parts(root))
        [head] = root.iter("head")
        [style] = root.iter("style")
        assert style in list(head)
        scripts = list(root.iter("script"))
        if page.name == "index.html" and page.parent == out:
            assert scripts == []
            continue
        if not scripts:  # an ended role without any date: no JobPosting, so that search engines drop it
            title = text_of(root.find(".//h1"))
            assert any(
                r.posting.role == title and not r.is_open and valid_through(r, catalog.now) is None
                for r in catalog.roles
            ), page
            bare += 1
            continue
        [script] = scripts
        data = json.loads(script.text or "")
        role = roles[data["identifier"]["value"]].posting
        assert data["@type"] == "JobPosting" and data["title"] == role.role
        assert text_of(root.find(".//h1")) == role.role
        assert data["identifier"]["value"] not in seen
        seen.add(data["identifier"]["value"])
    return len(seen) + bare


def calendar_is_valid(out: Path, catalog: Catalog, config: Config = CONFIG) -> None:
    """deadlines.ics parses, with one event per open role with a deadline, named after the role, and
    one cancelled event per role `cancelled_roles` keeps."""
    calendar = icalendar.Calendar.from_ical((out / "deadlines.ics").read_bytes())
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    expected = {f"{entry_id(r.posting, config)}#deadline": r for r in catalog.open if r.posting.deadline}
    cancelled = {f"{entry_id(r.posting, config)}#deadline": r for r in cancelled_roles(catalog, config)}
    assert set(events) == set(expected) | set(cancelled)
    assert {uid for uid, e in events.items() if e.get("STATUS") == "CANCELLED"} == set(cancelled)
    expected.update(cancelled)
    for uid, event in events.items():
        # iCalendar TEXT has one line break, written \n: a CR in a team name reads back as a line feed.
        title = expected[uid].posting.title.replace("\r\n", "\n").replace("\r", "\n")
        assert title in str(event["summary"])
        assert event.decoded("dtstart") is not None


@pytest.mark.parametrize(
    "fragment",
    [
        '<a href=" java\tscript:alert(1)">x</a>',
        '<a href="DATA:text/html,x">x</a>',
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        '<script type="module">x</script>',
        "<iframe src=//evil></iframe>",
        '<meta http-equiv="refresh" content="0;url=//evil">',
        '<p style="background:url(x)">x</p>',
        "<svg><a href='#'>x</a></svg>",
    ],
)
def test_the_page_checks_catch_what_they_look_for(fragment: str) -> None:
    page = STRICT_HTML.parse(f"<!doctype html><title>t</title><body>{fragment}")
    assert live_parts(page) != []


def test_the_strict_parser_rejects_a_c1_control() -> None:
    with pytest.raises(ParseError):
        STRICT_HTML.parse("<!doctype html><title>t</title><h1>\x80</h1>")


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
        pages = pages_are_valid(Path(tmp) / "a", first.catalog)
        assert pages + len([p for p in first.problems if "page of this posting" in p.message]) == len(
            [r for r in first.catalog.roles if r.state is not State.SCHEDULED]
        )
        calendar_is_valid(Path(tmp) / "a", first.catalog)
        assert second.written == first.written
        for name in first.written:
            assert (Path(tmp) / "a" / name).read_bytes() == (Path(tmp) / "b" / name).read_bytes()
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
@example(raw=b"---\nNULL\n---")  # a YAML null as the whole front matter (found by the deep profile)
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


hostile = st.sampled_from(
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)@x.org",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "mailto:a@b.org",
        "a@b.org?body=<script>",
        '"><script>alert(1)</script>',
        'https://example.org/"onmouseover="alert(1)',
        "http://x/<>",
        "</script><script>alert(1)</script>",
        "{{ 7*7 }}",
        "{id}",
    ]
)
path_like = st.sampled_from(["../x", "a/b", ".", "..", "x.html", "index", "atom.xml", "-", "a..b", "C:x"])
file_stem = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="/\x00"), max_size=40)
page_front_matter = st.fixed_dictionaries(
    {
        "role": st.one_of(noisy_text, hostile),
        "equipe": st.one_of(st.none(), noisy_text, hostile),
        "contrat": st.one_of(st.none(), noisy_text, hostile),
        "contact": st.one_of(st.none(), noisy_text, hostile),
        "poste_ouvert": when,
        "poste_ferme": when,
        "status": st.sampled_from([None, "open", "closed"]),
        "poste_pourvu": st.sampled_from([None, True, False]),
        "airtable_formulaire": st.sampled_from([None, True, False]),
    },
    optional={"id": st.one_of(path_like, noisy_text)},
)


@given(
    postings=st.lists(st.tuples(file_stem, page_front_matter, markdown), min_size=1, max_size=4),
    config=st.sampled_from([CONFIG, PAGES_CONFIG]),
    now=aware,
)
def test_random_postings_make_inert_pages_and_a_valid_calendar(
    postings: list[tuple[str, dict[str, Any], str]], config: Config, now: dt.datetime
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "postes"
        folder.mkdir()
        for i, (stem, fm, body) in enumerate(postings):
            write_posting(folder, f"{i}{stem}.md", fm, body)
        report = build(config, now, postes=folder, out=Path(tmp) / "feeds")
        out = Path(tmp) / "feeds"
        for written in report.written:
            assert (out / written).resolve().is_relative_to(out.resolve())
        pages = pages_are_valid(out, report.catalog, config)
        refused = [p for p in report.problems if "page of this posting" in p.message]
        published = [r for r in report.catalog.roles if r.state is not State.SCHEDULED]
        assert pages + len(refused) == len(published)
        calendar_is_valid(out, report.catalog, config)


@given(
    stem=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=100)
    | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x24F), max_size=100)
    | st.text(max_size=100)
    | st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[ -][A-Za-z ().-]{0,90}\Z")
)
@example(stem="2023-10-12-Business developer 001635")
@example(stem="Dev & Ops, 1,000 l'équipe")
@example(stem="---")
@example(stem="Charge d'etudes")
@example(stem="1,5 jours")
@example(stem="R&amp;D")
@example(stem="a" * 81)
@example(stem="a" * 80)
@example(stem="2024-05-16-Chargé·e de déploiement 000163")
@example(stem="Œuvre ß ĳ « x » ſ ŉ ²,³ µ°")
@example(stem="e\u0301cole")
@example(stem="é" * 81)
def test_the_slug_of_a_plain_name_is_slugifys(stem: str) -> None:
    """slug_of's shortcut for names of printable ASCII, and of accented Latin letters folded to
    it, gives what python-slugify gives."""
    from jobfeed.core.text import _slugified, slug_of

    assert slug_of(stem) == _slugified(stem)


ZONES = [ZoneInfo(name) for name in ("Europe/Paris", "America/Sao_Paulo", "Pacific/Chatham", "UTC")]
instants = st.datetimes(
    min_value=dt.datetime(2020, 1, 1),
    max_value=dt.datetime(2030, 1, 1),
    timezones=st.sampled_from(ZONES),
    allow_imaginary=False,
)


def _reference_state(posting: Any, now: dt.datetime) -> State:
    """DESIGN.md's table with the aware datetimes compared as they are."""
    if posting.opened is not None and posting.opened.at > now:
        return State.SCHEDULED
    if posting.filled:
        return State.FILLED
    if posting.status == "closed":
        return State.CLOSED
    if posting.deadline is not None and posting.deadline.end <= now:
        return State.EXPIRED
    return State.OPEN


@given(
    opened=st.none() | instants,
    deadline=st.none() | instants,
    all_day=st.booleans(),
    now=instants,
    zone=st.sampled_from(ZONES),
)
@example(  # the clock at the exact end of a day deadline, and in a repeated hour (fold)
    opened=None,
    deadline=dt.datetime(2024, 10, 27, tzinfo=ZoneInfo("Europe/Paris")),
    all_day=True,
    now=dt.datetime(2024, 10, 27, 22, tzinfo=dt.UTC),
    zone=ZoneInfo("Europe/Paris"),
)
@example(
    opened=dt.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Paris")),
    deadline=None,
    all_day=False,
    now=dt.datetime(2024, 10, 27, 1, 30, tzinfo=dt.UTC),
    zone=ZoneInfo("Europe/Paris"),
)
def test_states_compared_in_utc_are_those_of_aware_comparisons(
    opened: dt.datetime | None, deadline: dt.datetime | None, all_day: bool, now: dt.datetime, zone: ZoneInfo
) -> None:
    """classify compares each posting's instants with the clock in UTC, computed once per date."""
    import dataclasses

    from jobfeed import Posting
    from jobfeed.core.dates import Moment

    def moment(at: dt.datetime | None) -> Moment | None:
        return (
            None
            if at is None
            else Moment(at.astimezone(zone), all_day and at.astimezone(zone).time() == dt.time(0))
        )

    posting = Posting(
        path="a.md", id="a", role="r", body="", opened=moment(opened), deadline=moment(deadline)
    )
    catalog = classify([posting, dataclasses.replace(posting, id="b")], now)
    assert [role.state for role in catalog.roles] == [_reference_state(posting, now)] * 2
    assert state_of(posting, now) is _reference_state(posting, now)
    if posting.opened is not None:
        assert posting.opened.timestamp == posting.opened.at.timestamp()
