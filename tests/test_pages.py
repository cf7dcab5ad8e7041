import dataclasses
import json
from pathlib import Path

import pytest

from conftest import feed_files
from jobfeed.core.lifecycle import Catalog, Role, State
from jobfeed.core.postings import Posting
from jobfeed.errors import OutputError
from jobfeed.output import is_safe_path, write_tree
from jobfeed.publish.build import build
from jobfeed.publish.pages import page_path, relative_href
from pagekit import NOW, catalog_of, scan, site_config, write_postings


@pytest.fixture
def files(tmp_path: Path) -> dict[str, bytes]:
    config = site_config()
    return feed_files(catalog_of(write_postings(tmp_path / "postes"), config, NOW), config)


def text(files: dict[str, bytes], path: str) -> str:
    return files[path].decode("utf-8")


def json_ld(html: str) -> dict[str, object]:
    found = scan(html)
    assert found.scripts == ["application/ld+json"]
    return json.loads(found.script_text[0])  # type: ignore[no-any-return]


def test_pages_of_published_roles_only(files: dict[str, bytes]) -> None:
    pages = sorted(p for p in files if p.startswith("postes/"))
    # Open and closed roles have a page; the scheduled one is not published yet.
    assert pages == [f"postes/{i}.html" for i in ("dev", "expired", "filled", "freelance", "stage")]


def test_index_lists_the_open_roles_with_their_deadlines(files: dict[str, bytes]) -> None:
    html = text(files, "index.html")
    assert html.startswith('<!doctype html>\n<html lang="fr">')
    for title in ("Développeur·euse fullstack", "Stagiaire data", "Coach produit"):
        assert title in html
    assert "Designer UX" not in html and "Chef·fe de projet" not in html and "Rôle futur" not in html
    # Absolute dates only: a later day on which no role changes state gives the same bytes.
    assert 'clôture le <time datetime="2024-03-15">15 mars 2024</time>' in html
    assert 'clôture le <time datetime="2024-03-05T18:00:00+01:00">5 mars 2024 à 18 h</time>' in html
    assert "pas de date de clôture" in html and "jours" not in html
    assert 'ouvert le <time datetime="2024-01-10">10 janvier 2024</time>' in html
    assert '<p class="muted">3 postes ouverts</p>' in html and "situation au" not in html
    assert '<a href="postes/dev.html">Développeur·euse fullstack</a>' in html
    # Grouped by team, filterable by team and contract without a script.
    assert html.count('<section class="group"') == 2
    assert 'id="f-contract-stage"' in html and 'id="f-team-aides-territoires"' in html
    assert 'body:has(#f-contract-stage:checked) .role:not([data-contract="stage"])' in html
    # No script, no external request: every href/src is relative or a link people follow.
    found = scan(html)
    assert found.scripts == [] and found.handlers == [] and found.urls == []
    assert "http://" not in html.replace('href="https://jobs.example.org/index.html"', "")


def test_index_autodiscovery_and_links_to_every_feed(files: dict[str, bytes]) -> None:
    html = text(files, "index.html")
    feeds = ["atom.xml", "rss.xml", "feed.json", "feeds.opml", "deadlines.ics"] + [
        p for p in files if p.startswith(("equipes/", "contrats/"))
    ]
    for path in feeds:
        assert f'href="{path}"' in html, path
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Offres de l&#39;équipe (Atom)" href="atom.xml">'
        in html
    )
    assert '<link rel="alternate" type="application/feed+json"' in html
    assert 'title="Offres de l&#39;équipe — Aides-Territoires" href="equipes/aides-territoires.xml"' in html
    assert "Mon Espace Collectivité (0 poste ouvert)" in html


def test_open_posting_page(files: dict[str, bytes]) -> None:
    html = text(files, "postes/dev.html")
    assert "<h1>Développeur·euse fullstack</h1>" in html
    assert "<strong>un·e développeur·euse</strong>" in html and "<h2>Missions</h2>" in html
    assert 'href="../index.html"' in html and 'href="../atom.xml"' in html
    assert "banner" not in html.split("<body>")[1]
    # airtable_formulaire with a configured form: the form, its values URL-encoded.
    assert (
        'href="https://forms.example.org/apply?role=D%C3%A9veloppeur%C2%B7euse%20fullstack&amp;id=dev"'
        in html
    )
    data = json_ld(html)
    assert (
        data["title"] == "Développeur·euse fullstack" and data["validThrough"] == "2024-03-15T23:59:59+01:00"
    )
    assert '<link rel="canonical" href="https://jobs.example.org/postes/dev.html">' in html


def test_mailto_when_there_is_no_form(files: dict[str, bytes]) -> None:
    html = text(files, "postes/stage.html")
    assert 'href="mailto:stages@example.org?subject=Candidature%20%3A%20Stagiaire%20data"' in html
    assert '<time datetime="2024-03-05T18:00:00+01:00">5 mars 2024 à 18 h</time></dd>' in html
    assert "clôture dans" not in html


@pytest.mark.parametrize(
    ("page", "banner"),
    [
        ("postes/filled.html", "Ce poste a été pourvu"),
        ("postes/expired.html", "Les candidatures sont closes"),
    ],
)
def test_closed_posting_page_keeps_its_page_with_a_banner(
    files: dict[str, bytes], page: str, banner: str
) -> None:
    html = text(files, page)
    assert f'<p class="banner" role="status">{banner}</p>' in html
    assert "mailto:" not in html and "forms.example.org" not in html
    data = json_ld(html)
    assert str(data["validThrough"]) < "2024-03-01T10:00:00+01:00"


def test_english_pages(tmp_path: Path) -> None:
    config = site_config(site={"language": "en"})
    files = feed_files(catalog_of(write_postings(tmp_path / "postes"), config, NOW), config)
    html = text(files, "index.html")
    assert '<html lang="en">' in html and "closes on <time" in html and "3 open roles" in html
    assert "Applications are closed" in text(files, "postes/expired.html")


def test_pages_can_be_turned_off(tmp_path: Path) -> None:
    folder = write_postings(tmp_path / "postes")
    config = site_config(pages={"postings": False, "calendar": False})
    files = feed_files(catalog_of(folder, config, NOW), config)
    assert not any(p.startswith("postes/") for p in files) and "deadlines.ics" not in files
    assert "index.html" in files and "deadlines.ics" not in text(files, "index.html")
    # Without pages of its own, the index links to the configured URL of each posting.
    assert 'href="https://jobs.example.org/postes/dev.html"' in text(files, "index.html")
    config = site_config(pages={"enabled": False})
    assert sorted(feed_files(catalog_of(folder, config, NOW), config)) == [
        "atom.xml",
        "feed.json",
        "published.json",
        "rss.xml",
    ]


@pytest.mark.parametrize(
    ("link", "path"),
    [
        ("{site_url}postes/{slug}.html", "postes/dev.html"),
        ("{site_url}offres/{id}/", "offres/dev/index.html"),
        ("{site_url}offres/{slug}", "offres/dev.html"),
        ("postes/{slug}.html", "postes/dev.html"),
        ("https://elsewhere.example.com/jobs/{slug}", None),
        ("{site_url}postes/?id={slug}", None),
    ],
)
def test_page_path_follows_the_link_template(link: str, path: str | None) -> None:
    config = dataclasses.replace(site_config(), link=link)
    posting = Posting(path="p/dev.md", id="dev", role="R", body="")
    assert page_path(posting, config) == path


def test_relative_hrefs() -> None:
    assert relative_href("index.html", "postes/dev.html") == "../index.html"
    assert relative_href("atom.xml", "offres/dev/index.html") == "../../atom.xml"
    assert relative_href("atom.xml", "index.html") == "atom.xml"


@pytest.mark.parametrize(
    "path", ["../x.html", "postes/../../x.html", "/etc/x.html", "a//b.html", "a\\b.html", "c:x.html", ""]
)
def test_unsafe_paths(path: str) -> None:
    assert not is_safe_path(path)


def test_a_posting_id_cannot_take_the_page_writer_outside_the_folder(tmp_path: Path) -> None:
    """postings.py refuses such an id; even a Posting built by hand is not written outside."""
    config = site_config()
    evil = Posting(path="postes/evil.md", id="../../x", role="Evil", body="x", lines={"id": 2})
    catalog = Catalog(now=NOW, roles=(Role(evil, State.OPEN),))
    out = tmp_path / "site" / "feeds"
    files = feed_files(catalog, config)
    assert not any(".." in p for p in files)
    written, _ = write_tree(out, files)
    assert "index.html" in written
    assert not (tmp_path / "x.html").exists() and not (tmp_path / "site" / "x.html").exists()
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.html")) == ["site/feeds/index.html"]
    # And the last line of defence: write_tree itself refuses a path that leaves the folder.
    with pytest.raises(OutputError, match="outside"):
        write_tree(out, {"postes/../../x.html": b"x"})
    assert not (tmp_path / "site" / "x.html").exists()


def test_a_link_template_leaving_the_folder_is_reported(tmp_path: Path) -> None:
    folder = write_postings(tmp_path / "postes")
    config = dataclasses.replace(site_config(), link="{site_url}../{slug}.html")
    report = build(config, NOW, postes=folder, out=tmp_path / "feeds")
    bad = [p for p in report.problems if "outside the output folder" in p.message]
    assert len(bad) == 5 and all(p.level == "error" for p in bad)
    assert list(tmp_path.glob("*.html")) == []


def test_a_page_cannot_overwrite_another_output(tmp_path: Path) -> None:
    postings = {"a.md": "---\nid: index\nrole: A\ncontact: a@b.fr\nposte_ouvert: 2024-01-01\n---\nx\n"}
    config = dataclasses.replace(site_config(), link="{site_url}{slug}.html")
    report = build(config, NOW, postes=write_postings(tmp_path / "p", postings), out=tmp_path / "feeds")
    assert [p.message for p in report.problems] == [
        "the page of this posting would be 'index.html', which is a file jobfeed writes; "
        "give the posting its own 'id:' or change [postes] link (page not written)"
    ]
    assert "<h1>A</h1>" not in (tmp_path / "feeds" / "index.html").read_text(encoding="utf-8")
