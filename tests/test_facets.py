import datetime as dt
from pathlib import Path

import feedparser

from jobfeed.publish.build import render_published
from jobfeed.publish.facets import all_facets, facet_files, facet_slug
from jobfeed.publish.feeds import items_of
from pagekit import NOW, POSTINGS, catalog_of, site_config, write_postings


def test_slugs_are_ascii_and_depend_on_the_name_only() -> None:
    assert facet_slug("Mon Espace Collectivité") == "mon-espace-collectivite"
    assert facet_slug("indépendant/freelance") == "independant-freelance"
    assert facet_slug("Équipe « Données » & Co.") == "equipe-donnees-co"
    long = facet_slug("Très " * 40)
    assert len(long) <= 60 and long.isascii()


def test_facets_of_published_roles(tmp_path: Path) -> None:
    config = site_config()
    facets, problems = all_facets(catalog_of(write_postings(tmp_path / "p"), config, NOW))
    assert problems == []
    teams = {f.slug: f for f in facets["team"]}
    # Closed roles keep their team's feed alive; the scheduled role's team is not announced yet.
    assert sorted(teams) == ["aides-territoires", "incubateur-des-territoires", "mon-espace-collectivite"]
    assert [r.id for r in teams["incubateur-des-territoires"].open_roles] == ["freelance", "stage"]
    assert teams["mon-espace-collectivite"].open_roles == []
    assert teams["aides-territoires"].atom == "equipes/aides-territoires.xml"
    contracts = {f.slug for f in facets["contract"]}
    assert contracts == {"cdd", "cdi", "independant-freelance", "stage"}


def test_collisions_are_reported_not_merged(tmp_path: Path) -> None:
    postings = dict(POSTINGS)
    postings["clash.md"] = """---
role: Intrus
equipe: aides territoires
contrat: Stage
poste_ouvert: 2024-02-20
---
x
"""
    config = site_config()
    catalog = catalog_of(write_postings(tmp_path / "p", postings), config, NOW)
    # A first build: neither name published the feed, so neither has it, and both are errors
    # (the first opened used to keep it: a new posting with an earlier date took a team's feed).
    facets, problems = all_facets(catalog)
    assert "aides-territoires" not in {f.slug for f in facets["team"]}
    messages = {(Path(p.path).name, p.line, p.level, p.message.split(" would")[0]) for p in problems}
    assert ("clash.md", 3, "error", "team 'aides territoires' and 'Aides-Territoires'") in messages
    assert any(
        m[2] == "error" and m[3] == "team 'Aides-Territoires' and 'aides territoires'" for m in messages
    )
    assert ("clash.md", 4, "error", "contract 'Stage' and 'stage'") in messages
    assert len(problems) == 4
    # After a build that published "Aides-Territoires" and "stage": they keep their feeds.
    owners = {"team": {"aides-territoires": "Aides-Territoires"}, "contract": {"stage": "stage"}}
    facets, problems = all_facets(catalog, owners)
    team = next(f for f in facets["team"] if f.slug == "aides-territoires")
    assert team.name == "Aides-Territoires"
    assert "clash" not in {r.id for r in team.roles}
    assert [(Path(p.path).name, p.line, p.level) for p in problems] == [
        ("clash.md", 3, "error"),
        ("clash.md", 4, "error"),
    ]
    assert problems[0].message == (
        "team 'aides territoires' would take the feed equipes/aides-territoires.xml of 'Aides-Territoires', "
        "which published it; write it exactly 'Aides-Territoires' if it is the same team, or give it a "
        "distinct name; its roles are left out of the team feeds"
    )


def test_a_name_without_letters_is_reported(tmp_path: Path) -> None:
    config = site_config()
    postings = {"a.md": "---\nrole: R\nequipe: '???'\nposte_ouvert: 2024-01-01\n---\nx\n"}
    facets, problems = all_facets(catalog_of(write_postings(tmp_path / "p", postings), config, NOW))
    assert facets["team"] == []
    assert [p.message for p in problems] == [
        "team '???' has no letters or digits to name its feed; its roles are left out of the team feeds"
    ]


def test_facet_feeds_read_back(tmp_path: Path) -> None:
    config = site_config()
    catalog = catalog_of(write_postings(tmp_path / "p"), config, NOW)
    facets, _ = all_facets(catalog)
    items = {i.role.id: i for i in items_of(catalog.open, render_published(catalog, config), config)}
    files = facet_files(facets, items, config)
    assert len(files) == 2 * (len(facets["team"]) + len(facets["contract"]))
    atom = feedparser.parse(files["equipes/incubateur-des-territoires.xml"])
    assert not atom.bozo, atom.get("bozo_exception")
    assert atom.feed.title == "Offres de l'équipe — Incubateur des Territoires"
    assert atom.feed.id == "tag:example.org,2024:feed:equipes/incubateur-des-territoires"
    assert [e.id for e in atom.entries] == ["tag:example.org,2024:freelance", "tag:example.org,2024:stage"]
    rss = feedparser.parse(files["equipes/incubateur-des-territoires.rss.xml"])
    assert not rss.bozo and rss.version == "rss20"
    assert [e.link for e in rss.entries] == [
        "https://jobs.example.org/postes/freelance.html",
        "https://jobs.example.org/postes/stage.html",
    ]
    empty = feedparser.parse(files["equipes/mon-espace-collectivite.xml"])
    assert not empty.bozo and empty.entries == []
    cdd = feedparser.parse(files["contrats/cdd.xml"])
    assert [e.title for e in cdd.entries] == ["Développeur·euse fullstack — Aides-Territoires"]


def test_entries_shared_with_the_main_feed_give_the_same_bytes(tmp_path: Path) -> None:
    """Facet feeds reuse the entries the main feed wrote: the bytes are those of each feed written
    alone, and of feedgen's model."""
    from jobfeed.publish.facets import facet_meta
    from jobfeed.publish.feeds import FeedMeta, atom_and_rss

    config = site_config()
    catalog = catalog_of(write_postings(tmp_path / "p"), config, NOW)
    facets, _ = all_facets(catalog)
    listed = items_of(catalog.open, render_published(catalog, config), config)
    items = {i.role.id: i for i in listed}
    main = FeedMeta(title=config.title, path="atom", feed_id="tag:x:feed")
    entries: dict[str, tuple[bytes, bytes]] = {}
    assert atom_and_rss(listed, main, config, entries=entries) == atom_and_rss(listed, main, config)
    assert set(entries) == {i.id for i in listed}
    shared = facet_files(facets, items, config, entries)
    assert shared == facet_files(facets, items, config)
    for kind in ("team", "contract"):
        for facet in facets[kind]:
            chosen = [items[r.id] for r in facet.open_roles]
            fallback = max(r.posting.opened.at for r in facet.roles if r.posting.opened)
            model = atom_and_rss(chosen, facet_meta(facet, config), config, fallback, model=True)
            assert (shared[facet.atom], shared[facet.rss]) == model


# --- links: every link of every feed leads to the right place


def _bundled(tmp_path: Path, site_url: str) -> Path:
    """The bundled postings built with the bundled configuration, [site] url set to `site_url`."""
    import dataclasses

    from conftest import ROOT
    from jobfeed import build, load_config

    config = dataclasses.replace(load_config(ROOT / "jobfeed.toml"), site_url=site_url)
    out = tmp_path / "feeds"
    build(config, dt.datetime(2025, 1, 15, tzinfo=dt.UTC), postes=ROOT / "postes", out=out, use_cache=False)
    return out


def _parse(path: Path) -> feedparser.FeedParserDict:
    """The feed at `path` read as a reader fetching it from its address would read it."""
    kind = "application/rss+xml" if path.name.endswith(".rss.xml") else "application/atom+xml"
    headers = {"content-location": path.as_uri(), "content-type": f"{kind}; charset=utf-8"}
    parsed = feedparser.parse(path.read_bytes(), response_headers=headers)
    assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
    return parsed


def _file(url: str) -> Path:
    assert url.startswith("file://"), url
    return Path("/" + url.removeprefix("file://").lstrip("/"))  # feedparser writes file://tmp/...


def test_facet_feeds_without_a_site_url_resolve_every_link_to_the_right_file(tmp_path: Path) -> None:
    """Relative links in equipes/ and contrats/ used to resolve to feeds/equipes/postes/… (a 404)
    and the self link to feeds/equipes/equipes/…: the facet feeds now carry xml:base="../"."""
    out = _bundled(tmp_path, "")
    feeds = sorted(
        [*out.glob("equipes/*.xml"), *out.glob("contrats/*.xml"), out / "atom.xml", out / "rss.xml"]
    )
    feeds = [p for p in feeds if not p.name.endswith(".history.xml")]  # the teams' history feeds
    assert len(feeds) == 20
    entries = 0
    for path in feeds:
        parsed = _parse(path)
        links = {link.rel: _file(link.href) for link in parsed.feed.links}
        assert links == {"self": path, "alternate": out}, path
        for entry in parsed.entries:
            page = _file(entry.link)
            assert page.is_file() and page.parent == out / "postes", (path, entry.link)
            assert page.stem == entry.id.rpartition(":")[2]
            entries += 1
    assert entries == 2 * 2 + 2 * 2 * 2  # 2 open roles, each in the two main feeds and 4 facet feeds


def test_with_a_site_url_every_feed_passes_the_validator_s_checks(tmp_path: Path) -> None:
    """What the W3C feed validator checks that readers trip on: every link a full URL (RSS requires
    it), one self link that is the feed's own address, plausible dates, unique ids."""
    import email.utils
    import xml.etree.ElementTree as ET

    site = "https://jobfeed.github.io/jobfeed/"
    out = _bundled(tmp_path, site)
    feeds = sorted(
        [*out.glob("equipes/*.xml"), *out.glob("contrats/*.xml"), out / "atom.xml", out / "rss.xml"]
    )
    atom_ns = "{http://www.w3.org/2005/Atom}"
    for path in feeds:
        address = site + path.relative_to(out).as_posix()
        root = ET.parse(path).getroot()
        if path.name.endswith("rss.xml"):
            channel = root.find("channel")
            assert channel is not None and root.get("version") == "2.0"
            links = [e.text or "" for e in channel.iter("link")]
            selfs = [e.get("href") for e in channel.iter(atom_ns + "link") if e.get("rel") == "self"]
            dates = [email.utils.parsedate_to_datetime(e.text or "") for e in channel.iter("pubDate")]
            dates += [email.utils.parsedate_to_datetime(e.text or "") for e in channel.iter("lastBuildDate")]
            ids = [e.text for e in channel.iter("guid")]
            assert channel.findtext("title") and channel.findtext("description")
        else:
            links = [e.get("href") or "" for e in root.iter(atom_ns + "link")]
            selfs = [e.get("href") for e in root.iter(atom_ns + "link") if e.get("rel") == "self"]
            dates = [dt.datetime.fromisoformat(e.text or "") for e in root.iter(atom_ns + "updated")]
            dates += [dt.datetime.fromisoformat(e.text or "") for e in root.iter(atom_ns + "published")]
            ids = [e.text for e in root.iter(atom_ns + "id")]
        assert links and all(link.startswith(site) for link in links), (path, links)
        assert selfs == [address], path
        assert all(
            dt.datetime(1995, 1, 1, tzinfo=dt.UTC) < d < dt.datetime(2100, 1, 1, tzinfo=dt.UTC) for d in dates
        )
        assert len(ids) == len(set(ids)), path
        assert _parse(path).version in ("atom10", "rss20")
