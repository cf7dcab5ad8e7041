"""The whole output of `jobfeed build` with pages: determinism, the CLI, and hostile postings."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
from click.testing import CliRunner

from conftest import feed_files
from jobfeed.cli import cli
from jobfeed.publish.build import build
from pagekit import NOW, POSTINGS, catalog_of, scan, site_config, write_postings

HOSTILE_ROLE = (
    'Dev </script><script>alert(1)</script><img src=x onerror="alert(2)"> <a href="javascript:alert(3)">x</a>'
)
HOSTILE = f"""---
role: '{HOSTILE_ROLE}'
equipe: '<b onmouseover=alert(4)>Équipe</b></script>'
contrat: '<script>alert(5)</script>'
contact: '"><script>alert(6)</script>@evil.example'
poste_ouvert: 2024-02-20
poste_ferme: 2024-03-20
airtable_formulaire: true
---
<script>alert(7)</script> Intro <img src=x onerror=alert(8)>

<!--more-->

[clic](javascript:alert(9)) <a href="javascript:alert(10)">a</a> <a href=" JaVaScRiPt:alert(11)">b</a>
<iframe src="javascript:alert(12)"></iframe> <svg onload=alert(13)></svg>
<form action="javascript:alert(14)"><button formaction="javascript:alert(15)">x</button></form>
<p style="x" onclick="alert(16)">para</p> </script><script>alert(17)</script>
"""


def hostile_files(tmp_path: Path) -> dict[str, bytes]:
    postings = {**POSTINGS, "hostile.md": HOSTILE}
    config = site_config()
    catalog = catalog_of(write_postings(tmp_path / "postes", postings), config, NOW)
    assert catalog.get("hostile") is not None and catalog.get("hostile").is_open  # type: ignore[union-attr]
    return feed_files(catalog, config)


def assert_inert_html(html: str, where: str, scripts: list[str]) -> None:
    found = scan(html)
    assert found.scripts == scripts, where
    assert found.handlers == [], (where, found.handlers)
    assert found.urls == [], (where, found.urls)
    assert found.frames == [], (where, found.frames)


def test_hostile_posting_is_inert_in_every_page(tmp_path: Path) -> None:
    files = hostile_files(tmp_path)
    pages = [p for p in files if p.endswith(".html")]
    assert "postes/hostile.html" in pages and "index.html" in pages
    for path in pages:
        html = files[path].decode("utf-8")
        assert_inert_html(html, path, [] if path == "index.html" else ["application/ld+json"])
    index = files["index.html"].decode("utf-8")
    assert "Dev &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in index
    page = files["postes/hostile.html"].decode("utf-8")
    # The JSON-LD block holds the role name exactly, and not one `<` that could end the script.
    body = scan(page).script_text[0]
    assert "<" not in body and ">" not in body
    data = json.loads(body)
    assert data["title"] == HOSTILE_ROLE
    # Its description is the sanitized HTML of the page: nothing in it can run either.
    assert_inert_html(data["description"], "JSON-LD description", [])
    assert "<p>para</p>" in data["description"]
    assert data["hiringOrganization"]["department"]["name"] == "<b onmouseover=alert(4)>Équipe</b></script>"
    # The contact is only ever part of a mailto: URL, percent-encoded.
    assert 'href="mailto:%22%3E%3Cscript%3Ealert%286%29%3C%2Fscript%3E@evil.example?subject=' in page


def _xml_html_payloads(data: bytes) -> list[str]:
    """The HTML strings a feed carries (Atom content/summary of type html, RSS description/content:encoded)."""
    root = ET.fromstring(data)
    payloads = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("content", "description", "encoded") or (
            tag == "summary" and element.get("type") == "html"
        ):
            payloads.append(element.text or "")
    return payloads


def test_hostile_posting_is_inert_in_every_feed(tmp_path: Path) -> None:
    files = hostile_files(tmp_path)
    feeds = [p for p in files if p.endswith(".xml")]
    assert {
        "atom.xml",
        "rss.xml",
        "equipes/b-onmouseover-alert-4-equipe-b-script.xml",
        "contrats/script-alert-5-script.xml",
    } <= set(feeds)
    checked = 0
    for path in feeds:
        data = files[path]
        # No live markup in the XML itself: the names are text, escaped.
        assert b"<script" not in data.lower() and b"<img" not in data.lower(), path
        parsed = feedparser.parse(data)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        for payload in _xml_html_payloads(data):
            assert_inert_html(payload, path, [])
            checked += 1
        for entry in parsed.entries:
            if entry.id.endswith(":hostile"):
                # Read back as the plain text it is, never as markup.
                assert entry.title_detail.type == "text/plain", path
                assert entry.title == f"{HOSTILE_ROLE} — <b onmouseover=alert(4)>Équipe</b></script>"
    assert checked > 0
    feed = json.loads(files["feed.json"])
    hostile = next(i for i in feed["items"] if i["id"].endswith(":hostile"))
    assert hostile["title"].startswith(HOSTILE_ROLE)
    assert_inert_html(hostile["content_html"], "feed.json", [])


def test_same_input_same_bytes(tmp_path: Path) -> None:
    config = site_config()
    folder = write_postings(tmp_path / "postes")
    one = feed_files(catalog_of(folder, config, NOW), config)
    two = feed_files(catalog_of(folder, config, NOW), config)
    assert one == two and len(one) == 3 + 2 * 7 + 1 + 1 + 1 + 5 + 1 + 1  # + published.json, feed.xsl


def test_build_writes_everything_and_rewrites_nothing_the_second_time(tmp_path: Path) -> None:
    config = site_config()
    folder = write_postings(tmp_path / "postes")
    out = tmp_path / "feeds"
    first = build(config, NOW, postes=folder, out=out)
    assert first.problems == [] and first.unchanged == []
    assert {
        "index.html",
        "feeds.opml",
        "deadlines.ics",
        "postes/dev.html",
        "equipes/aides-territoires.xml",
    } <= set(first.written)
    second = build(config, NOW, postes=folder, out=out)
    assert second.written == [] and sorted(second.unchanged) == sorted(first.written)


def test_cli_build_writes_the_pages_and_reports_facet_collisions(tmp_path: Path) -> None:
    postings = {
        **POSTINGS,
        "clash.md": "---\nrole: X\nequipe: aides territoires\nposte_ouvert: 2024-02-20\n---\nx\n",
    }
    folder = write_postings(tmp_path / "postes", postings)
    (tmp_path / "jobfeed.toml").write_text(
        '[site]\nurl = "https://jobs.example.org/"\n[pages]\ncalendar = false\n', encoding="utf-8"
    )
    result = CliRunner().invoke(
        cli,
        [
            "build",
            "--config",
            str(tmp_path / "jobfeed.toml"),
            "--postes",
            str(folder),
            "--out",
            str(tmp_path / "feeds"),
            "--now",
            NOW.isoformat(),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        f"{folder / 'clash.md'}:3: error: team 'aides territoires' and 'Aides-Territoires' would share the feed"
        in result.stderr
    )
    assert result.stdout.startswith("4 open, 2 closed, 1 scheduled, 0 skipped; ")
    assert (tmp_path / "feeds" / "index.html").is_file() and not (
        tmp_path / "feeds" / "deadlines.ics"
    ).exists()


def test_cli_reports_a_bad_pages_table(tmp_path: Path) -> None:
    (tmp_path / "jobfeed.toml").write_text('[pages]\nform_url = "airtable.com/x"\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["build", "--config", str(tmp_path / "jobfeed.toml"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {tmp_path / 'jobfeed.toml'}: [pages] form_url must start with https:// (or http://), not 'airtable.com/x'\n"
    )
