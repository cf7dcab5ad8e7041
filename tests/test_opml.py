from pathlib import Path

import listparser

from conftest import feed_files
from jobfeed.publish.facets import all_facets
from pagekit import NOW, catalog_of, site_config, write_postings


def test_opml_lists_the_main_feed_and_every_facet_feed(tmp_path: Path) -> None:
    config = site_config()
    catalog = catalog_of(write_postings(tmp_path / "p"), config, NOW)
    files = feed_files(catalog, config)
    parsed = listparser.parse(files["feeds.opml"].decode("utf-8"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.meta.title == "Offres de l'équipe"
    facets, _ = all_facets(catalog)
    expected = {"https://jobs.example.org/atom.xml"} | {
        f"https://jobs.example.org/{f.atom}" for kind in facets.values() for f in kind
    }
    urls = [feed.url for feed in parsed.feeds]
    assert len(urls) == len(set(urls)) == 1 + 3 + 4
    assert set(urls) == expected
    # Every listed feed is a file of the build.
    for url in urls:
        assert url.removeprefix("https://jobs.example.org/") in files
    by_url = {f.url: f for f in parsed.feeds}
    assert by_url["https://jobs.example.org/equipes/aides-territoires.xml"].categories == [["Par équipe"]]
    assert by_url["https://jobs.example.org/contrats/stage.xml"].title == "Offres de l'équipe — stage"


def test_opml_urls_are_relative_without_a_site_url(tmp_path: Path) -> None:
    config = site_config(site={"url": ""})
    catalog = catalog_of(write_postings(tmp_path / "p"), config, NOW)
    parsed = listparser.parse(feed_files(catalog, config)["feeds.opml"].decode("utf-8"))
    assert {f.url for f in parsed.feeds} >= {"atom.xml", "equipes/aides-territoires.xml"}


def test_the_history_feed_is_listed_in_the_opml_and_linked_from_the_index(tmp_path: Path) -> None:
    """With `[feeds] history = true` (issue 18), a reader who imports the OPML, or reads the index,
    finds the history feed too; every feed the OPML lists is a file of the build."""
    from click.testing import CliRunner

    from jobfeed.cli import cli

    postes = write_postings(tmp_path / "p")
    out = tmp_path / "out"
    for history in (True, False):
        config = tmp_path / f"jobfeed-{history}.toml"
        config.write_text(
            '[site]\ntitle = "Offres"\nurl = "https://jobs.example.org/"\n'
            f"[feeds]\nhistory = {str(history).lower()}\n",
            encoding="utf-8",
        )
        command = ["build", "--config", str(config), "--postes", str(postes), "--out", str(out)]
        result = CliRunner().invoke(cli, [*command, "--now", NOW.isoformat(), "--no-cache"])
        assert result.exit_code == 0, result.output
        parsed = listparser.parse((out / "feeds.opml").read_text(encoding="utf-8"))
        urls = [feed.url for feed in parsed.feeds]
        index = (out / "index.html").read_text(encoding="utf-8")
        if history:
            assert urls[:2] == ["https://jobs.example.org/atom.xml", "https://jobs.example.org/history.xml"]
            assert parsed.feeds[1].title == "Offres — Historique des postes"
            assert '<li><a href="history.xml">Ce qui a changé' in index
        else:
            assert "https://jobs.example.org/history.xml" not in urls and "history.xml" not in index
        for url in urls:
            assert (out / url.removeprefix("https://jobs.example.org/")).is_file(), url
