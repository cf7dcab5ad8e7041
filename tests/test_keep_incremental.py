"""After each kind of change, a warm default build (pages on) writes the bytes a cold build without
any cache, in one process, writes; and it keeps as they are the facet feeds, the calendar and the
index whose inputs did not change (`_incremental/pagecache.py`, `publish/keeping.py`), with the
renderings of the kept pages left undecoded in the render cache (`rendercache.LazyRendered`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import jobfeed._incremental.rendercache
import jobfeed._incremental.settled
import jobfeed.core.markup
import jobfeed.publish.facets
import jobfeed.publish.site
from jobfeed import Config, build
from jobfeed._incremental.rendercache import FILE_NAME as RENDER_CACHE
from jobfeed._incremental.rendercache import LazyRendered, RenderCache
from jobfeed.config import DEFAULT_RENDERER
from jobfeed.core.lifecycle import classify
from jobfeed.core.markup import Rendered
from jobfeed.core.postings import load_postings
from test_pages_incremental import tree
from test_parallel import many_postings

CONFIG = Config(site_url="https://example.org/jobs/")
NOW = dt.datetime(2024, 11, 15, 12, tzinfo=dt.UTC)


def plain(postes: Path, out: Path, config: Config = CONFIG) -> dict[str, bytes]:
    """What a build without any cache, in one process, writes into `out`: the folder the same
    builds without a cache wrote before the change (so that a removed role's tombstone is there)."""
    build(config, NOW, postes=postes, out=out, jobs=1, use_cache=False)
    return tree(out)


class Made:
    """Counts the facet feeds, calendars and indexes made (not kept) during a build."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: Counter[str] = Counter()
        self.facets: list[str] = []
        self.last: tuple[Counter[str], list[str]] = (Counter(), [])
        for module, name in (
            (jobfeed.publish.facets, "atom_and_rss_pieces"),  # what site.py has facet_files use
            (jobfeed.publish.site, "calendar_text"),
            (jobfeed.publish.site, "render_index"),
        ):
            monkeypatch.setattr(module, name, self._counted(name, getattr(module, name)))

    def _counted(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            if name == "atom_and_rss_pieces":
                self.facets.append(args[1].path)
            return function(*args, **kwargs)

        return counted

    def clear(self) -> None:
        self.calls.clear()
        self.facets.clear()

    def snapshot(self) -> tuple[Counter[str], list[str]]:
        return Counter(self.calls), sorted(self.facets)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    postes = many_postings(tmp_path / "postes", 40)
    out, cache = tmp_path / "out", tmp_path / "cache"
    made = Made(monkeypatch)

    def fast(config: Config = CONFIG) -> list[str]:
        """The warm build; what it made is kept in `made.last` (the plain builds make more)."""
        made.clear()
        written = build(config, NOW, postes=postes, out=out, jobs=1, cache=cache).written
        made.last = made.snapshot()
        return written

    fast()
    plain(postes, tmp_path / "plain")  # the reference, built alike without any cache
    assert made.last[0]["render_index"] == 1 and made.last[0]["calendar_text"] == 1
    assert fast() == [] and not made.last[0]  # nothing changed: nothing made again
    return postes, out, fast, made, tmp_path


def role_of(postes: Path, name: str) -> Any:
    catalog = classify(load_postings(postes, CONFIG).postings, NOW)
    return next(r for r in catalog.roles if Path(r.posting.path).name == name)


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# variation 004 é.md: Équipe 4, indépendant, a deadline (2025-03-01), open at NOW.
VICTIM = "variation 004 é.md"


def test_body_edited_below_the_summary(site: Any) -> None:
    postes, out, fast, made, tmp_path = site
    replace(postes / VICTIM, "- autre point\n", "- autre point, précisé\n")
    written = fast()
    assert tree(out) == plain(postes, tmp_path / "plain")
    assert "postes/variation-004-e.html" in written and "index.html" not in written
    # its team's and its contract's feeds only; the index and the calendar kept (same summary)
    assert made.last[1] == ["contrats/independant", "equipes/equipe-4"]
    assert made.last[0]["render_index"] == 0 and made.last[0]["calendar_text"] == 0


def test_summary_edited(site: Any) -> None:
    postes, out, fast, made, tmp_path = site
    replace(postes / VICTIM, "Résumé **4**", "Résumé **quatre**")
    written = fast()
    assert tree(out) == plain(postes, tmp_path / "plain")
    assert {"index.html", "deadlines.ics"} <= set(written)
    assert made.last[0]["render_index"] == 1 and made.last[0]["calendar_text"] == 1


def test_title_edited(site: Any) -> None:
    postes, out, fast, made, tmp_path = site
    replace(postes / VICTIM, "role: Rôle 4\n", "role: Rôle trois\n")
    written = fast()
    assert tree(out) == plain(postes, tmp_path / "plain")
    assert {"index.html", "deadlines.ics", "equipes/equipe-4.xml", "contrats/independant.rss.xml"} <= set(
        written
    )
    assert made.last[1] == ["contrats/independant", "equipes/equipe-4"]


def test_team_changed_moves_the_role_between_team_feeds(site: Any) -> None:
    postes, out, fast, made, tmp_path = site
    replace(postes / VICTIM, "equipe: Équipe 4\n", "equipe: Équipe 5\n")
    written = fast()
    assert tree(out) == plain(postes, tmp_path / "plain")
    assert {"equipes/equipe-4.xml", "equipes/equipe-5.xml", "index.html"} <= set(written)
    assert made.last[1] == ["contrats/independant", "equipes/equipe-4", "equipes/equipe-5"]


def test_role_closed(site: Any) -> None:
    postes, out, fast, made, tmp_path = site
    assert role_of(postes, VICTIM).is_open
    replace(postes / VICTIM, "poste_ferme: 2025-03-01\n", "poste_ferme: 2025-03-01\nstatus: closed\n")
    assert not role_of(postes, VICTIM).is_open
    written = fast()
    assert tree(out) == plain(postes, tmp_path / "plain")
    assert {"index.html", "deadlines.ics", "equipes/equipe-4.xml", "contrats/independant.xml"} <= set(written)
    assert made.last[1] == ["contrats/independant", "equipes/equipe-4"]


def test_new_posting(site: Any) -> None:
    postes, out, fast, made, tmp_path = site
    text = (postes / VICTIM).read_text(encoding="utf-8")
    (postes / "nouveau.md").write_text(text.replace("Rôle 4", "Nouveau rôle"), encoding="utf-8")
    written = fast()
    assert tree(out) == plain(postes, tmp_path / "plain")
    assert {"postes/nouveau.html", "index.html", "deadlines.ics", "equipes/equipe-4.xml"} <= set(written)
    assert made.last[1] == ["contrats/independant", "equipes/equipe-4"]


def test_deleted_posting(site: Any) -> None:
    postes, out, fast, made, tmp_path = site
    (postes / VICTIM).unlink()
    fast()
    assert tree(out) == plain(postes, tmp_path / "plain")
    assert b"noindex" in (out / "postes/variation-004-e.html").read_bytes()  # its tombstone
    assert made.last[1] == ["contrats/independant", "equipes/equipe-4"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"title": "Autre titre"}, id="title"),
        pytest.param({"language": "en"}, id="language"),
        pytest.param({"site_url": "https://example.org/autre/"}, id="site_url"),
    ],
)
def test_configuration_changed(site: Any, change: dict[str, str]) -> None:
    postes, out, fast, made, tmp_path = site
    config = dataclasses.replace(CONFIG, **change)
    fast(config)
    assert tree(out) == plain(postes, tmp_path / "plain", config)
    assert made.last[0]["render_index"] == 1 and made.last[0]["calendar_text"] == 1
    assert fast(config) == [] and not made.last[0]


def test_a_damaged_rendering_read_lazily_is_made_again_and_repaired(site: Any) -> None:
    postes, out, fast, _, tmp_path = site
    path = tmp_path / "cache" / RENDER_CACHE
    lines = path.read_bytes().splitlines()
    open_summaries = [
        i for i, line in enumerate(lines) if b"R\\u00e9sum\\u00e9" in line or "Résumé".encode() in line
    ]
    victim = open_summaries[0]
    lines[victim] = lines[victim].replace("Résumé".encode(), "Rxsumé".encode(), 1)  # checksum now wrong
    key = json.loads(lines[victim])["key"]
    path.write_bytes(b"\n".join(lines) + b"\n")
    replace(postes / VICTIM, "Résumé **4**", "Résumé **quatre**")  # the index is made: every summary used
    fast()
    assert tree(out) == plain(postes, tmp_path / "plain")
    assert b"Rxsum" not in (out / "index.html").read_bytes()
    repaired = RenderCache(tmp_path / "cache").get(key)  # the sound line, appended: the later one wins
    assert repaired is not None and "Rxsum" not in repaired.summary


def test_a_lazy_rendering_is_a_rendering(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path)
    cache.put("a" * 64, Rendered(content="<p>x</p>", summary="x"))
    cache.save(["a" * 64])
    lazy = RenderCache(tmp_path, lazy=True)
    found = lazy.get_lazy("a" * 64, lambda: Rendered(content="wrong", summary="wrong"))
    assert isinstance(found, LazyRendered) and found.key == "a" * 64
    assert found == Rendered(content="<p>x</p>", summary="x") == found
    assert hash(found) == hash(Rendered(content="<p>x</p>", summary="x"))
    import pickle

    again = pickle.loads(pickle.dumps(found))
    assert type(again) is Rendered and again == found
    assert lazy.get_lazy("b" * 64, lambda: Rendered(content="", summary="")) is None


def test_opening_date_of_a_closed_role_alone_in_its_team(site: Any) -> None:
    """A team whose roles are all closed keeps an empty feed dated by their opening (its fallback
    date): a change of that date changes the feed, though no entry did."""
    postes, out, fast, made, tmp_path = site
    text = (postes / VICTIM).read_text(encoding="utf-8")
    closed = text.replace("equipe: Équipe 4", "equipe: Équipe fermée").replace("status: open", "")
    closed = closed.replace("poste_ferme: 2025-03-01", "poste_ferme: 2024-10-01")
    (postes / "ferme.md").write_text(closed, encoding="utf-8")
    fast()
    assert tree(out) == plain(postes, tmp_path / "plain") and (out / "equipes/equipe-fermee.xml").exists()
    assert not role_of(postes, "ferme.md").is_open
    replace(postes / "ferme.md", "poste_ouvert: 2024-05-05", "poste_ouvert: 2024-05-06")
    written = fast()
    assert tree(out) == plain(postes, tmp_path / "plain")
    assert {"equipes/equipe-fermee.xml", "equipes/equipe-fermee.rss.xml"} <= set(written)
    assert made.last[1] == ["equipes/equipe-fermee"]


def test_a_damaged_content_read_lazily_is_made_again(site: Any) -> None:
    """A line whose summary is sound but whose content is not: the index takes the summary alone;
    a page made again (here: every page, the configuration changed) gets the content made afresh."""
    postes, out, fast, _, tmp_path = site
    path = tmp_path / "cache" / RENDER_CACHE
    lines = path.read_bytes().splitlines()
    victim = next(i for i, line in enumerate(lines) if b"<li>autre point</li>" in line)
    lines[victim] = lines[victim].replace(b"<li>autre point</li>", b"<li>autre pXint</li>", 1)
    path.write_bytes(b"\n".join(lines) + b"\n")
    config = dataclasses.replace(CONFIG, title="Autre titre")
    fast(config)
    assert tree(out) == plain(postes, tmp_path / "plain", config)
    assert not any(b"pXint" in data for data in tree(out).values())


def test_an_edit_that_keeps_every_size(site: Any) -> None:
    """One letter of an open role's body changed for another: the feeds keep their size, so only
    their sha256 (worked out once, in the splice's thread, and shared) tells them changed."""
    postes, out, fast, _, tmp_path = site
    before = {name: len(data) for name, data in tree(out).items()}
    replace(postes / VICTIM, "- autre point\n", "- autre poinT\n")
    written = fast()
    assert tree(out) == plain(postes, tmp_path / "plain")
    assert {"atom.xml", "rss.xml", "feed.json"} <= set(written)
    assert all(
        len((out / name).read_bytes()) == before[name] for name in ("atom.xml", "rss.xml", "feed.json")
    )


def test_another_version_of_the_markdown_library(site: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The renderings change with the library that makes them, the postings do not: the pages are
    made again, as their key covers the rendering (by its render key)."""
    postes, out, fast, _, tmp_path = site
    upgraded = jobfeed.core.markup.markdown_to_html

    def markdown_to_html(text: str, renderer: str = DEFAULT_RENDERER) -> str:
        return upgraded(text, renderer).replace("autre point", "autre point (v99)")

    monkeypatch.setattr(jobfeed.core.markup, "markdown_to_html", markdown_to_html)
    monkeypatch.setattr(jobfeed._incremental.rendercache, "_cmark_version", lambda: "99.0.0")
    # (the record of a build with nothing to do sees an upgrade by the installed metadata)
    monkeypatch.setattr(jobfeed._incremental.settled, "library_versions", lambda: ["cmarkgfm: 99.0.0"])
    jobfeed._incremental.rendercache.renderer_id.cache_clear()
    try:
        fast()
        assert tree(out) == plain(postes, tmp_path / "plain")
        assert b"autre point (v99)" in (out / "postes/variation-004-e.html").read_bytes()
    finally:
        jobfeed._incremental.rendercache.renderer_id.cache_clear()


def test_a_lazy_read_finds_an_append_cut_short(tmp_path: Path) -> None:
    """The last line of the render cache, cut short by a build killed while appending, is checked
    when read even lazily: the file is rewritten, and a repair appends a line of its own."""
    cache = RenderCache(tmp_path)
    for key in ("a" * 64, "b" * 64):
        cache.put(key, Rendered(content=f"<p>{key}</p>", summary=key))
    cache.save(["a" * 64, "b" * 64])
    path = tmp_path / RENDER_CACHE
    path.write_bytes(path.read_bytes()[:-20])  # the second line cut short, no end of line
    lazy = RenderCache(tmp_path, lazy=True)
    assert lazy.get_lazy("b" * 64, lambda: Rendered(content="", summary="")) is None
    assert lazy.rejected == 1
    lazy.repair("b" * 64, Rendered(content="<p>b</p>", summary="b"))
    again = RenderCache(tmp_path, lazy=True)
    found = again.get_lazy("b" * 64, lambda: Rendered(content="wrong", summary="wrong"))
    assert found == Rendered(content="<p>b</p>", summary="b")
    assert again.get_lazy("a" * 64, lambda: Rendered(content="wrong", summary="wrong")) == Rendered(
        content=f"<p>{'a' * 64}</p>", summary="a" * 64
    )
