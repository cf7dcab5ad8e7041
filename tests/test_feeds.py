from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import jsonschema
import pytest

from bad_inputs import make_bad_postes
from conftest import DATA, NOW, ROOT, posting
from jobfeed import Config, build, load_config

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = json.loads((DATA / "jsonfeed-1.1.schema.json").read_text())


def fixture_postes(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dev.md").write_text(
        posting(
            "Développeur·euse",
            "Nous cherchons **quelqu'un**.\n\nVoir [la fiche](../fiche.html).\n",
            equipe="Aides-territoires",
            contrat="CDD",
            contact="rh@example.org",
            poste_ouvert="2024-02-01",
            poste_ferme="2024-03-15",
        )
    )
    (folder / "design.md").write_text(
        posting(
            "Designer & <UX>",
            "Résumé court.\n\n<!--more-->\n\nLe détail :\n- un\n- deux\n",
            equipe="Mon Espace",
            poste_ouvert="2024-01-10T08:00:00Z",
            mis_a_jour="2024-02-20T10:00:00Z",
        )
    )
    (folder / "no-date.md").write_text(posting("Sans date", "Texte.\n"))
    (folder / "closed.md").write_text(posting("Fermé", status="closed", poste_ouvert="2024-02-25"))
    return folder


def read_all(out: Path) -> tuple[feedparser.FeedParserDict, feedparser.FeedParserDict, dict]:
    atom = feedparser.parse((out / "atom.xml").read_bytes())
    rss = feedparser.parse((out / "rss.xml").read_bytes())
    feed = json.loads((out / "feed.json").read_text(encoding="utf-8"))
    return atom, rss, feed


def check_feeds(out: Path) -> list[str]:
    """Every structural promise of the build issue; returns the entry ids in order."""
    atom, rss, feed = read_all(out)
    assert atom.bozo == 0, atom.get("bozo_exception")
    assert rss.bozo == 0, rss.get("bozo_exception")
    assert atom.version == "atom10" and rss.version == "rss20"
    jsonschema.validate(feed, SCHEMA)
    ids = [e.id for e in atom.entries]
    assert ids == [e.id for e in rss.entries] == [i["id"] for i in feed["items"]]
    assert (
        [e.title for e in atom.entries]
        == [e.title for e in rss.entries]
        == [i["title"] for i in feed["items"]]
    )
    assert (
        [e.link for e in atom.entries] == [e.link for e in rss.entries] == [i["url"] for i in feed["items"]]
    )

    # Atom (RFC 4287): feed id/title/updated/author, entry id/title/updated, RFC 3339 dates.
    tree = ET.parse(out / "atom.xml").getroot()
    for tag in ("id", "title", "updated", "author"):
        assert tree.find(ATOM + tag) is not None, tag
    entries = tree.findall(ATOM + "entry")
    for entry in entries:
        for tag in ("id", "title", "updated"):
            assert entry.find(ATOM + tag) is not None, tag
        for tag in ("updated", "published"):
            element = entry.find(ATOM + tag)
            if element is not None:
                assert RFC3339.match(element.text or ""), element.text
        assert entry.find(ATOM + "content").get("type") == "html"
    newest = max((e.findtext(ATOM + "updated") for e in entries), key=dt.datetime.fromisoformat, default=None)
    if newest:
        assert tree.findtext(ATOM + "updated") == newest
    assert any(link.get("rel") == "self" for link in tree.findall(ATOM + "link"))

    # RSS 2.0: channel title/link/description, RFC 822 dates, guid isPermaLink="false" on tag: URIs.
    channel = ET.parse(out / "rss.xml").getroot().find("channel")
    assert channel is not None
    for tag in ("title", "link", "description"):
        assert channel.findtext(tag), tag
    for item in channel.findall("item"):
        guid = item.find("guid")
        assert guid is not None and guid.text.startswith("tag:") and guid.get("isPermaLink") == "false"
        if item.findtext("pubDate"):
            assert email.utils.parsedate_to_datetime(item.findtext("pubDate")) is not None
    for item in feed["items"]:
        for key in ("date_published", "date_modified"):
            if key in item:
                assert RFC3339.match(item[key]), item[key]
    return ids


def test_fixture_feeds_are_valid_and_agree(tmp_path: Path, config: Config) -> None:
    out = tmp_path / "feeds"
    report = build(config, NOW, postes=fixture_postes(tmp_path / "postes"), out=out)
    assert sorted((Path(p.path).name, p.message.split(";")[0]) for p in report.problems) == [
        ("closed.md", "no contact"),
        ("design.md", "no contact"),
        (
            "jobfeed.toml",
            "no [pages.location]: search engines (Google for Jobs) want the place of work in each page's JobPosting",
        ),
        ("no-date.md", "no contact"),
        ("no-date.md", "no opening date"),
    ]
    ids = check_feeds(out)
    assert ids == [
        "tag:jobs.example.org,2024:dev",
        "tag:jobs.example.org,2024:design",
        "tag:jobs.example.org,2024:no-date",
    ]
    atom, rss, feed = read_all(out)
    dev, design, no_date = atom.entries
    assert dev.link == "https://jobs.example.org/postes/dev.html"
    assert [t.term for t in dev.tags] == ["Aides-territoires", "CDD"]
    assert dev.author_detail.email == "rh@example.org"
    assert dev.published == "2024-02-01T00:00:00+01:00"
    assert dev.summary == "Nous cherchons quelqu'un."
    # Relative links are resolved against the posting's own page.
    assert 'href="https://jobs.example.org/fiche.html"' in dev.content[0].value
    # <!--more--> gives the summary; the rest is content too, and the list is a list.
    assert design.summary == "Résumé court."
    assert "<li>un</li>" in design.content[0].value
    assert design.title == "Designer & <UX> — Mon Espace"
    assert design.updated == "2024-02-20T11:00:00+01:00"
    # No date at all: never the build clock.
    assert no_date.updated == "1970-01-01T00:00:00+00:00" and "published" not in no_date
    # The feed's updated is its newest entry's.
    assert atom.feed.updated == "2024-02-20T11:00:00+01:00"
    assert rss.feed.updated == "Tue, 20 Feb 2024 11:00:00 +0100"
    extension = feed["items"][0]["_jobfeed"]
    assert extension == {
        "about": "https://github.com/jobfeed/jobfeed#json-feed",
        "team": "Aides-territoires",
        "contract": "CDD",
        "opened": "2024-02-01",
        "deadline": "2024-03-15",
        "contact": "rh@example.org",
        "state": "open",
    }
    assert feed["home_page_url"] == "https://jobs.example.org/" and feed["language"] == "fr"


def test_bundled_postes_give_valid_feeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    config = load_config(None)
    out = tmp_path / "feeds"
    report = build(config, dt.datetime(2026, 6, 1, tzinfo=dt.UTC), out=out)
    assert report.problems == [] and report.skipped == 0
    ids = check_feeds(out)
    assert len(ids) == 2  # open roles with no deadline keep the demo alive
    states = {r.id: str(r.state) for r in report.catalog.roles}
    assert sorted(states.values()) == ["closed", "expired", "expired", "filled", "open", "open", "scheduled"]


def test_bad_inputs_leave_valid_feeds_of_the_valid_postings(tmp_path: Path, config: Config) -> None:
    out = tmp_path / "feeds"
    report = build(config, NOW, postes=make_bad_postes(tmp_path / "postes"), out=out)
    assert report.skipped == 20  # both files claiming one id, on this first build
    ids = check_feeds(out)
    assert len(ids) == 3


def test_same_input_and_now_give_identical_bytes(tmp_path: Path, config: Config) -> None:
    postes = fixture_postes(tmp_path / "postes")
    build(config, NOW, postes=postes, out=tmp_path / "a")
    build(config, NOW, postes=postes, out=tmp_path / "b")
    # A later clock that changes no state changes no byte either: the build time is never stamped.
    build(config, NOW + dt.timedelta(days=3), postes=postes, out=tmp_path / "c")
    for name in ("atom.xml", "rss.xml", "feed.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "c" / name).read_bytes()


def test_copying_the_folder_elsewhere_keeps_ids(tmp_path: Path, config: Config) -> None:
    first = fixture_postes(tmp_path / "one" / "postes")
    second = tmp_path / "two" / "elsewhere"
    shutil.copytree(first, second)
    (second / "dev.md").write_text((second / "dev.md").read_text() + "\nUne ligne de plus.\n")
    build(config, NOW, postes=first, out=tmp_path / "a")
    build(config, NOW, postes=second, out=tmp_path / "b")
    assert check_feeds(tmp_path / "a") == check_feeds(tmp_path / "b")


def test_empty_feed_is_still_valid(tmp_path: Path, config: Config) -> None:
    (tmp_path / "postes").mkdir()
    build(config, NOW, postes=tmp_path / "postes", out=tmp_path / "feeds")
    assert check_feeds(tmp_path / "feeds") == []


def test_relative_links_without_site_url(tmp_path: Path) -> None:
    from jobfeed import Config as Defaults

    out = tmp_path / "feeds"
    build(Defaults(), NOW, postes=fixture_postes(tmp_path / "postes"), out=out)
    atom, rss, _ = read_all(out)
    assert atom.bozo == 0 and rss.bozo == 0
    assert atom.entries[0].id == "tag:jobfeed,2024:dev"


def test_an_entry_without_dates_takes_the_day_of_its_file_name(tmp_path: Path, config: Config) -> None:
    """Not 1970-01-01, which the W3C validator calls an implausible date; and never the build clock."""
    postes = tmp_path / "postes"
    postes.mkdir()
    (postes / "2024-02-15-sans-date.md").write_text(posting("Sans date", contact="a@b.fr"), encoding="utf-8")
    for now in (NOW, NOW + dt.timedelta(days=40)):
        build(config, now, postes=postes, out=tmp_path / "feeds")
        atom, rss, feed = read_all(tmp_path / "feeds")
        assert atom.entries[0].updated == "2024-02-15T00:00:00+00:00" and "published" not in atom.entries[0]
        assert rss.feed.updated == "Thu, 15 Feb 2024 00:00:00 +0000"
        assert atom.feed.updated == "2024-02-15T00:00:00+00:00"
        assert feed["items"][0]["date_modified"] == "2024-02-15T00:00:00+00:00"
