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
