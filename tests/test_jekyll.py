"""Issue 16: a Jekyll job collection (tests/data/jekyll) publishes right with a jobfeed.toml only.

The fixture is written in that site's convention: dated file names, `roles` for the headline and a
sentence in `title`, `startup`/`startups` ids named in `_startups/`, `open: true/false` (a few
disagreeing with `status`), `depublication_date`, `externalURL`, `contacts` and `domaines`.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import re
import shutil
import threading
import urllib.request
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from jobfeed.cli import cli

FIXTURE = Path(__file__).resolve().parent / "data" / "jekyll"
TAG = "tag:communaute.example,2022:"
SITE = "https://communaute.example/"
T1, T2, T3 = "2022-05-01T12:00:00Z", "2022-07-01T10:00:00Z", "2023-01-15T12:00:00Z"
#: The open roles at each instant, worked out by hand from the files (see each file's front matter).
OPEN_AT = {
    T1: {
        "2021-12-01-product-manager",
        "2022-01-20-deploiement",
        "2022-02-01-designer-ux",
        "2022-02-15-product-owner",
        "2022-02-20-partenaire-design",
        "2022-03-05-accessibilite",
        "2022-03-14-designer-ux",
        "2022-03-20-coach-agile",
        "2022-04-15-partenaire-data",
        "2022-04-20-support",
        "2022-04-25-typo",
    },
    T2: {
        "2021-12-01-product-manager",
        "2022-02-01-designer-ux",
        "2022-02-15-product-owner",
        "2022-02-20-partenaire-design",
        "2022-03-05-accessibilite",
        # depublication_date 2022-06-30T22:00:00.000Z: local midnight, open the whole of 1 July
        "2022-03-14-designer-ux",
        "2022-03-20-coach-agile",
        "2022-04-15-partenaire-data",
        "2022-04-20-support",  # depublication_date 2022-07-01: the whole day
        "2022-04-25-typo",
        "2022-06-01-growth",
        "2022-06-15-partenaire-dev",
    },
    T3: {
        "2021-12-01-product-manager",
        "2022-02-01-designer-ux",
        "2022-03-20-coach-agile",
        "2022-04-25-typo",
        "2022-06-01-growth",
        "2022-06-15-partenaire-dev",
        "2022-07-01-dev-python",  # its `date: 2022-07-05` wins over the file name's day
        "2022-07-10-qa",
        "2022-09-01-chef-de-projet",
        "2022-09-15-partenaire-produit",
        "2022-10-20-coach-produit",
        "2022-11-01-designer-produit",
        "2022-12-01-data-engineer",
    },
}


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixture, the current directory (its jobfeed.toml names `_postes` and `_startups`)."""
    folder = tmp_path / "site"
    shutil.copytree(FIXTURE, folder)
    monkeypatch.chdir(folder)
    return folder


def build(site: Path, now: str, out: str = "out") -> Path:
    result = CliRunner().invoke(cli, ["build", "--now", now, "--out", out])
    assert result.exit_code == 0, result.output
    return site / out


def entries(feed: Path) -> dict[str, feedparser.FeedParserDict]:
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    return {e.id.removeprefix(TAG): e for e in parsed.entries}


def test_check_finds_no_error_and_says_what_the_site_should_know(site: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--now", T1, "--format", "json"])
    assert result.exit_code == 0, result.output
    problems = json.loads(result.stdout)["problems"]
    assert [p for p in problems if p["level"] == "error"] == []
    said = {(Path(p["path"]).name, p["line"], p["message"]) for p in problems}
    # a closed signal wins over `status: open`, and the warning names both lines
    for name in ("2022-04-02-dev-frontend.md", "2022-06-20-archi.md"):
        assert (
            name,
            7,
            "open 'false' disagrees with status 'open' on line 6; the role is taken as closed: a closed "
            "signal wins; keep one of the two keys",
        ) in said
    # the id with no name in _startups, once (three files give it), on the first file
    unnamed = [p for p in problems if "has no name in [teams]" in p["message"]]
    assert [(Path(p["path"]).name, p["line"]) for p in unnamed] == [("2022-02-20-partenaire-design.md", 5)]
    # keys of the site's own are no typos; a key rare in the folder and close to a known one is
    assert not [p for p in problems if "'contacts'" in p["message"] or "'domaines'" in p["message"]]
    assert ("2022-04-25-typo.md", 7, "unknown key 'contat', did you mean 'contrat'?") in said
    # the file name's day is the opening date: said only for a file with no date at all
    assert (
        "2022-02-01-designer-ux.md",
        1,
        "no date at all: the file name's day, 2022-02-01, is taken as the opening date; add "
        "'date: 2022-02-01' to say so, and a deadline if the role has one",
    ) in said
    assert not [p for p in problems if "file name's day" in p["message"] and "03-14-designer" in p["path"]]
    # an external role needs no contact
    assert not [p for p in problems if "no contact" in p["message"] and "partenaire" in p["path"]]


@pytest.mark.parametrize("now", [T1, T2, T3])
def test_the_open_roles_at_three_instants(site: Path, now: str) -> None:
    out = build(site, now)
    assert set(entries(out / "atom.xml")) == OPEN_AT[now]
    feed = json.loads((out / "feed.json").read_bytes())
    assert {item["id"].removeprefix(TAG) for item in feed["items"]} == OPEN_AT[now]
    for path in out.rglob("*"):
        if path.is_file():
            assert b"1970" not in path.read_bytes(), path


def test_a_site_that_closes_at_midnight(site: Path) -> None:
    config = site / "jobfeed.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('"whole-day"', '"instant"'), encoding="utf-8"
    )
    out = build(site, T2)
    # 2022-06-30T22:00:00.000Z is midnight in Paris: closed from that instant; a day stays a whole day
    assert set(entries(out / "atom.xml")) == OPEN_AT[T2] - {"2022-03-14-designer-ux"}


def test_headlines_team_names_several_teams_and_the_sites_own_addresses(site: Path) -> None:
    out = build(site, T1)
    found = entries(out / "atom.xml")
    assert found["2022-03-14-designer-ux"].title == "Designer UX/UI — DossierFacile"
    assert (
        found["2022-02-15-product-owner"].title == "Product owner — DossierFacile, Service National Universel"
    )
    assert found["2022-04-15-partenaire-data"].title == "Data scientist (partenaire) — inconnue"
    atom = (out / "atom.xml").read_text(encoding="utf-8")
    assert "recrute un" not in atom  # no `title` sentence for a headline
    assert not [e for e in found.values() if "locatio" in e.title or "snu" in e.title]  # no team id
    # links in the site's own scheme, and the page written there
    link = f"{SITE}recrutement/2022/03/14/designer-ux.html"
    assert found["2022-03-14-designer-ux"].link == link
    assert (out / "recrutement/2022/03/14/designer-ux.html").is_file()
    # one role, two team feeds, named from _startups
    for slug, name in (
        ("dossierfacile", "DossierFacile"),
        ("service-national-universel", "Service National Universel"),
    ):
        team = feedparser.parse((out / f"equipes/{slug}.xml").read_bytes())
        assert team.feed.title.endswith(f"— {name}")
        assert TAG + "2022-02-15-product-owner" in {e.id for e in team.entries}
    # in both teams' sections of the index, each filtered as its team
    index = (out / "index.html").read_text(encoding="utf-8")
    found_in = re.findall(
        r'<li class="role" data-team="([^"]*)"[^>]*>\s*<[^>]*>\s*<a [^>]*>Product owner<', index
    )
    assert sorted(found_in) == ["dossierfacile", "service-national-universel"], index


def test_the_date_key_wins_over_the_file_name(site: Path) -> None:
    out = build(site, T3)
    link = entries(out / "atom.xml")["2022-07-01-dev-python"].link
    assert link == f"{SITE}recrutement/2022/07/05/dev-python.html"


def test_external_apply_links(site: Path) -> None:
    out = build(site, T1)
    page = (out / "recrutement/2022/04/15/partenaire-data.html").read_text(encoding="utf-8")
    assert '<a class="button" href="https://partenaire.example/offres/data-42">' in page
    # without pages of its own, the feed entry links to where one applies
    config = site / "jobfeed.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[pages]\npostings = false\n", encoding="utf-8")
    found = entries(build(site, T1, "bare") / "atom.xml")
    assert found["2022-04-15-partenaire-data"].link == "https://partenaire.example/offres/data-42"
    assert found["2022-03-14-designer-ux"].link == f"{SITE}recrutement/2022/03/14/designer-ux.html"


def test_a_domaines_facet_in_the_feeds_the_opml_and_the_index(site: Path) -> None:
    out = build(site, T1)
    design = feedparser.parse((out / "domaines/design.xml").read_bytes())
    assert {e.id.removeprefix(TAG) for e in design.entries} == {
        "2022-02-01-designer-ux",
        "2022-02-20-partenaire-design",
        "2022-03-05-accessibilite",
        "2022-03-14-designer-ux",
    }
    opml = (out / "feeds.opml").read_text(encoding="utf-8")
    assert f'xmlUrl="{SITE}domaines/design.xml"' in opml and 'text="Par domaines"' in opml
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<h3>Par domaines</h3>" in index and 'href="domaines/design.xml"' in index


def test_chat_channels_filtered_on_either_team_get_the_role_with_its_apply_button(site: Path) -> None:
    config = site / "jobfeed.toml"
    channels = "".join(
        f'\n[[notify]]\nkind = "slack"\nname = "{name}"\nenv = "SLACK_{i}"\nteams = ["{name}"]\n'
        for i, name in enumerate(["Aides-territoires", "RDV-Solidarités", "DossierFacile"])
    )
    config.write_text(config.read_text(encoding="utf-8") + channels, encoding="utf-8")
    env = {f"SLACK_{i}": "https://hooks.slack.com/services/T0/B0/secret" for i in range(3)}
    result = CliRunner(env=env).invoke(
        cli, ["notify", "--dry-run", "--announce-existing", "--now", T2, "--state", "state.json"]
    )
    assert result.exit_code == 0, result.output
    sent = {
        c["name"]: json.dumps(c["payloads"], ensure_ascii=False)
        for c in json.loads(result.stdout)["channels"]
    }
    for name in ("Aides-territoires", "RDV-Solidarités"):
        assert "Développeur·euse (partenaire)" in sent[name]
        assert '"url": "https://partenaire.example/offres/dev-7"' in sent[name]
    assert "Développeur·euse (partenaire)" not in sent["DossierFacile"]
    assert f"{SITE}recrutement/2022/03/14/designer-ux.html" in sent["DossierFacile"]


def test_the_same_bytes_with_the_cache_cold_warm_or_off(site: Path) -> None:
    cold, warm = build(site, T1, "cold"), build(site, T1, "warm")
    config = site / "jobfeed.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[build]\ncache = ""\n', encoding="utf-8")
    off = build(site, T1, "off")
    files = {p.relative_to(cold): p.read_bytes() for p in cold.rglob("*") if p.is_file()}
    assert len(files) > 40
    for other in (warm, off):
        assert {p.relative_to(other): p.read_bytes() for p in other.rglob("*") if p.is_file()} == files


def test_the_readme_shows_this_configuration_and_every_new_key_with_an_example() -> None:
    readme = (FIXTURE.parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Coming from a Jekyll (or Hugo) site", 1)[1].split("\n## ", 1)[0]
    block = section.split("```toml\n", 1)[1].split("```", 1)[0]
    assert block == (FIXTURE / "jobfeed.toml").read_text(encoding="utf-8")
    reference = readme.split("## Configuration: `jobfeed.toml`", 1)[1].split("\n## ", 1)[0]
    for example in (
        "opened_from_name = ",
        'midnight_deadline = "whole-day"',
        '"instant"',
        'apply_url = []                             # e.g. ["externalURL"]',
        'ignore = []                                # e.g. ["contacts", "domaines"]',
        "[teams]",
        'source = ""                                # e.g. "_startups"',
        'name_key = "title"',
        'url_key = ""',
        '# locatio = "DossierFacile"',
        "[facets]",
        'fields = ["team", "contract"]',
        '`[facets] fields = ["team", "contract", "domaines"]`',
        'link = "{site_url}recrutement/{year}/{month}/{day}/{name}.html"',
        "`{field:KEY}`",
    ):
        assert example in reference, example


def test_a_topic_feed_keeps_its_name_from_one_build_to_the_next(site: Path) -> None:
    build(site, T1)
    intruder = site / "_postes" / "2022-04-28-intrus.md"
    intruder.write_text(
        "---\nroles: Intrus\nstartup: snu\nopen: true\ncontact: a@b.fr\ndomaines: [DESIGN]\n---\nTexte\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["check", "--now", T1, "--out", "out"])
    assert result.exit_code == 1
    assert (
        "_postes/2022-04-28-intrus.md:1: error: domaines 'DESIGN' would take the feed domaines/design.xml of "
        "'Design', which published it; write it exactly 'Design' if it is the same domaines, or give it a "
        "distinct name; its roles are left out of the domaines feeds"
    ) in result.stderr + result.stdout


def test_every_entry_link_is_served_from_the_output_folder(site: Path) -> None:
    """The links are the site's addresses, and a web server finds each page there, a file name
    with spaces and accents included (its address is URL-encoded, its file is not)."""
    (site / "_postes" / "2022-04-26-chargé de projet.md").write_text(
        "---\nroles: Chargé·e de projet\nstartup: snu\nopen: true\ncontact: a@b.fr\n---\nTexte\n",
        encoding="utf-8",
    )
    out = build(site, T1)
    found = entries(out / "atom.xml")
    assert (
        found["2022-04-26-charge-de-projet"].link
        == f"{SITE}recrutement/2022/04/26/charg%C3%A9%20de%20projet.html"
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}/"
            for entry in found.values():
                with urllib.request.urlopen(entry.link.replace(SITE, base)) as response:
                    page = response.read().decode("utf-8")
                assert (
                    response.status == 200
                    and f"<h1>{html.escape(entry.title.split(' — ')[0], quote=False)}" in page
                )
            index = (out / "index.html").read_text(encoding="utf-8")
            assert 'href="recrutement/2022/04/26/charg%C3%A9%20de%20projet.html"' in index
        finally:
            server.shutdown()


def test_a_team_section_links_to_the_teams_address_from_the_lookup(site: Path) -> None:
    index = (build(site, T1) / "index.html").read_text(encoding="utf-8")
    assert '<a href="https://dossierfacile.example/">DossierFacile</a></h3>' in index
    assert ">Service National Universel</h3>" in index  # no address in its file
