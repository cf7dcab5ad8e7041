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
