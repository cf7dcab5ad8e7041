"""Entries reused from the previous build's feeds: the same bytes as a cold build, whatever changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest

from jobfeed import Config, build
from jobfeed._incremental.rendercache import RenderCache
from jobfeed._incremental.splice import FEEDS, Splice, keys_of
from jobfeed.config import PagesConfig
from jobfeed.core.lifecycle import classify
from jobfeed.core.markup import Rendered
from jobfeed.core.postings import load_postings

NOW = dt.datetime(2024, 11, 15, 12, tzinfo=dt.UTC)
CONFIG = Config(
    site_url="https://example.org/jobs/", id_authority="example.org,2024", pages=PagesConfig(enabled=False)
)
TEAMS = ("Aides-Territoires", "Mon Espace Collectivité", "Ma Cantine")


def posting(i: int, extra: str = "") -> str:
    closes = "" if i % 4 else "poste_ferme: 2024-11-20\n"
    return (
        f"---\nrole: Rôle n°{i} <&>\nequipe: {TEAMS[i % 3]}\ncontact: equipe{i}@example.org\n"
        f"contrat: CDD\nposte_ouvert: 2024-{1 + i % 10:02d}-0{1 + i % 9}\n{closes}---\n"
        f"Texte du **poste {i}** avec [un lien](/startups/{i}.html).\n\n<!--more-->\n\n## Missions\n\n"
        f"- une\n- deux{extra}\n"
    )


@pytest.fixture
def postes(tmp_path: Path) -> Path:
    folder = tmp_path / "postes"
    folder.mkdir()
    for i in range(40):
        (folder / f"poste-{i:02d}.md").write_text(posting(i), encoding="utf-8")
    return folder


def outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FEEDS}


def cold(postes: Path, tmp_path: Path, config: Config = CONFIG, now: dt.datetime = NOW) -> dict[str, bytes]:
    out = tmp_path / "cold"
    build(config, now, postes=postes, out=out, use_cache=False)
    return outputs(out)


def reusable(postes: Path, out: Path, cache: Path, config: Config = CONFIG) -> int:
    """How many open roles the next build would take from the feeds in `out`."""
    catalog = classify(load_postings(postes, config).postings, NOW)
    return len(Splice(cache, out).reuse(keys_of(catalog.open, config)))


def test_a_rebuild_reuses_every_unchanged_entry_and_writes_what_a_cold_build_writes(
    postes: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    opened = len(classify(load_postings(postes, CONFIG).postings, NOW).open)
    assert opened > 20 and reusable(postes, out, cache) == opened

    (postes / "poste-07.md").write_text(posting(7, "\n- trois"), encoding="utf-8")
    assert reusable(postes, out, cache) == opened - 1  # only the changed one is made again
    report = build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    assert report.written == ["atom.xml", "feed.json", "rss.xml"]
    assert outputs(out) == cold(postes, tmp_path)
    assert b"<li>trois</li>" in outputs(out)["feed.json"]
    for name in ("atom.xml", "rss.xml"):
        assert not feedparser.parse(outputs(out)[name]).bozo


def edited(i: int, old: str, new: str) -> Callable[[Path], None]:
    """A change that rewrites posting `i` with `old` replaced by `new`."""

    def change(postes: Path) -> None:
        (postes / f"poste-{i:02d}.md").write_text(posting(i).replace(old, new), encoding="utf-8")

    return change


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda postes: (postes / "poste-03.md").unlink(), id="removed"),
        pytest.param(
            lambda postes: (postes / "poste-99.md").write_text(posting(99), encoding="utf-8"), id="added"
        ),
        pytest.param(edited(0, "CDD", "Stage"), id="contract-changed"),
        pytest.param(edited(5, "equipe5@", "autre@"), id="contact-changed"),
        pytest.param(edited(4, "2024-11-20", "2024-11-25"), id="deadline-changed"),
        pytest.param(edited(6, "Rôle n°6", "Rôle renommé"), id="role-renamed"),
    ],
)
def test_any_change_gives_the_bytes_of_a_cold_build(postes: Path, tmp_path: Path, change: object) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    change(postes)  # type: ignore[operator]
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    assert outputs(out) == cold(postes, tmp_path)


def test_roles_that_end_leave_the_feeds(postes: Path, tmp_path: Path) -> None:
    """Nothing in the files changes; a later clock ends the roles that close on 20 November."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    later = NOW + dt.timedelta(days=10)
    build(CONFIG, later, postes=postes, out=out, cache=cache)
    assert outputs(out) == cold(postes, tmp_path, now=later)
    assert len(json.loads(outputs(out)["feed.json"])["items"]) == 30


def test_changed_settings_make_every_entry_again(postes: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    for other in (
        dataclasses.replace(CONFIG, author="Incubateur des Territoires"),
        dataclasses.replace(CONFIG, id_authority="example.org,2025"),
        dataclasses.replace(CONFIG, site_url="https://elsewhere.example/"),
        dataclasses.replace(CONFIG, markdown="python-markdown"),
    ):
        assert reusable(postes, out, cache, other) == 0
        build(other, NOW, postes=postes, out=out, cache=cache)
        assert outputs(out) == cold(postes, tmp_path, other)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda raw: raw.replace(b"deux", b"DEUX", 1), id="entry-edited-same-length"),
        pytest.param(lambda raw: raw.replace(b"<", b"<!-- -->\n<", 1), id="bytes-inserted-before"),
        pytest.param(lambda raw: raw[: len(raw) // 2], id="truncated"),
        pytest.param(lambda raw: b"", id="emptied"),
    ],
)
@pytest.mark.parametrize("name", FEEDS)
def test_a_feed_changed_on_disk_is_never_reused_blindly(
    postes: Path, tmp_path: Path, edit: object, name: str
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    path = out / name
    path.write_bytes(edit(path.read_bytes()))  # type: ignore[operator]
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    assert outputs(out) == cold(postes, tmp_path)


def every_record(record: list[object]) -> Callable[[bytes], bytes]:
    """A damage that makes every record of the index `record`, keeping the rest of it."""

    def damage(raw: bytes) -> bytes:
        head, _, body = raw.partition(b"\n")
        index = json.loads(body)
        index["feeds"] = {name: dict.fromkeys(found, record) for name, found in index["feeds"].items()}
        return head + b"\n" + json.dumps(index).encode()

    return damage


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda raw: raw[: len(raw) // 2], id="truncated"),
        pytest.param(lambda raw: b"\x00\xff garbage", id="garbage"),
        pytest.param(lambda raw: b"[]", id="not-an-object"),
        pytest.param(lambda raw: raw.replace(b'"format":4', b'"format":5'), id="other-format"),
        pytest.param(every_record([0, 10, "0" * 64]), id="wrong-places"),
        pytest.param(every_record([-1, "x", None]), id="wrong-types"),
    ],
)
def test_a_damaged_index_is_ignored(postes: Path, tmp_path: Path, damage: object) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    index = cache / "feeds.json"
    index.write_bytes(damage(index.read_bytes()))  # type: ignore[operator]
    assert reusable(postes, out, cache) == 0
    (postes / "poste-07.md").write_text(posting(7, "\n- trois"), encoding="utf-8")
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    assert outputs(out) == cold(postes, tmp_path)
    assert reusable(postes, out, cache) > 20  # and the next build has a sound index again


def test_a_feed_deleted_on_disk_is_made_again(postes: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    (out / "rss.xml").unlink()
    assert reusable(postes, out, cache) == 0
    report = build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    assert report.written == ["rss.xml"]
    assert outputs(out) == cold(postes, tmp_path)


def test_the_index_is_for_one_output_folder(postes: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=tmp_path / "a", cache=cache)
    assert reusable(postes, tmp_path / "b", cache) == 0
    build(CONFIG, NOW, postes=postes, out=tmp_path / "b", cache=cache)
    assert outputs(tmp_path / "b") == outputs(tmp_path / "a") == cold(postes, tmp_path)


def test_with_pages_the_reused_entries_give_the_same_site(postes: Path, tmp_path: Path) -> None:
    config = dataclasses.replace(CONFIG, pages=PagesConfig())
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(config, NOW, postes=postes, out=out, cache=cache)
    (postes / "poste-07.md").write_text(posting(7, "\n- trois"), encoding="utf-8")
    build(config, NOW, postes=postes, out=out, cache=cache)
    fresh = tmp_path / "fresh"
    build(config, NOW, postes=postes, out=fresh, use_cache=False)
    built = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert built == sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    assert len(built) > 40
    for relative in built:
        assert (out / relative).read_bytes() == (fresh / relative).read_bytes(), relative


def test_a_rebuild_with_few_changes_renders_them_without_reading_the_render_cache(
    postes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    lines = (cache / "render.jsonl").read_bytes().count(b"\n")
    reads: list[int] = []
    original = RenderCache._read
    monkeypatch.setattr(RenderCache, "_read", lambda self: reads.append(1) or original(self))
    (postes / "poste-07.md").write_text(posting(7, "\n- trois"), encoding="utf-8")
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    assert reads == []  # one posting to render: rendered, not looked up in a file of 30
    assert (cache / "render.jsonl").read_bytes().count(b"\n") == lines + 1  # appended
    assert outputs(out) == cold(postes, tmp_path)


def test_entries_appended_without_reading_are_deduplicated_by_the_next_rewrite(tmp_path: Path) -> None:
    first = Rendered(content="<p>un</p>", summary="un")
    second = Rendered(content="<p>deux</p>", summary="deux")
    store = RenderCache(tmp_path)
    store.put("a", first)
    store.put("b", first)
    store.save(["a", "b"])
    for _ in range(3):  # builds that rendered "a" again without reading the file
        blind = RenderCache(tmp_path)
        blind.put("a", second)
        blind.save(["a", "b"])
    assert (tmp_path / "render.jsonl").read_bytes().count(b"\n") == 5
    reader = RenderCache(tmp_path)
    assert reader.get("a") == second and reader.get("b") == first and reader.repeated == 3
    reader.save(["a", "b"])  # 3 repeated lines of 2 entries: past a quarter, rewritten
    assert (tmp_path / "render.jsonl").read_bytes().count(b"\n") == 2
    assert RenderCache(tmp_path).get("a") == second


def test_an_append_after_a_line_cut_short_starts_its_own_line(tmp_path: Path) -> None:
    store = RenderCache(tmp_path)
    store.put("a", Rendered(content="<p>un</p>", summary="un"))
    store.save(["a"])
    path = tmp_path / "render.jsonl"
    path.write_bytes(path.read_bytes()[:-20])  # a killed append
    blind = RenderCache(tmp_path)
    blind.put("b", Rendered(content="<p>deux</p>", summary="deux"))
    blind.save(["a", "b"])
    reader = RenderCache(tmp_path)
    assert reader.get("b") == Rendered(content="<p>deux</p>", summary="deux")
    assert reader.get("a") is None and reader.rejected == 1


def checked(postes: Path, out: Path, cache: Path) -> tuple[set[str], int]:
    """(the feeds `check_files` found whole as the index recorded them, the entries reused)."""
    catalog = classify(load_postings(postes, CONFIG).postings, NOW)
    splice = Splice(cache, out)
    splice.check_files()
    reused = len(splice.reuse(keys_of(catalog.open, CONFIG)))
    return splice._intact, reused


def test_feeds_left_as_written_are_known_whole_and_an_edited_one_is_not(postes: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    intact, reused = checked(postes, out, cache)
    assert intact == set(FEEDS) and reused > 20
    path = out / "rss.xml"
    path.write_bytes(path.read_bytes().replace(b"deux", b"DEUX", 1))
    intact, reused_after = checked(postes, out, cache)
    assert intact == {"atom.xml", "feed.json"}
    assert reused_after == reused - 1  # the entry edited is checked, and made afresh
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    assert outputs(out) == cold(postes, tmp_path)


def test_the_entries_of_a_whole_feed_are_not_hashed_one_by_one(postes: Path, tmp_path: Path) -> None:
    """With every entry's sha256 wrong in a sealed index, a feed known whole still gives its
    entries: the file's sha256 vouches for them (a feed that is not whole is checked entry by
    entry, as test_a_feed_changed_on_disk_is_never_reused_blindly shows)."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    index = cache / "feeds.json"
    head, _, body = index.read_bytes().partition(b"\n")
    recorded = json.loads(body)
    for found in recorded["feeds"].values():
        for record in found.values():
            record[2] = "0" * 64
    body = json.dumps(recorded).encode()
    header = json.loads(head)
    header["sha256"] = hashlib.sha256(body).hexdigest()
    index.write_bytes(json.dumps(header).encode() + b"\n" + body)
    intact, reused = checked(postes, out, cache)
    assert intact == set(FEEDS) and reused > 20
