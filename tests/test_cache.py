"""The render cache: warm builds write the same bytes as cold ones; stale or corrupt entries are never used."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

import jobfeed._incremental.rendercache
from jobfeed import Config, build, load_postings
from jobfeed._incremental.rendercache import CACHE_FORMAT, RenderCache, render_key
from jobfeed.cli import cli
from jobfeed.config import PagesConfig
from jobfeed.core.identity import link_of
from jobfeed.core.markup import Rendered, render

NOW = dt.datetime(2024, 11, 15, 12, tzinfo=dt.UTC)
POSTES = Path(__file__).resolve().parents[1] / "postes"
# The feeds only: these tests count render-cache entries against the open roles.
CONFIG = Config(
    site_url="https://example.org/jobs/", id_authority="example.org,2024", pages=PagesConfig(enabled=False)
)
WITH_PAGES = dataclasses.replace(CONFIG, pages=PagesConfig())
FILES = ("atom.xml", "rss.xml", "feed.json", "published.json")
MARK = b"planted by the test"
PLANTED = "<p>planted by the test</p>"


@pytest.fixture
def postes(tmp_path: Path) -> Path:
    folder = tmp_path / "postes"
    shutil.copytree(POSTES, folder)
    return folder


def outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES}


def cold(postes: Path, tmp_path: Path, config: Config = CONFIG) -> dict[str, bytes]:
    out = tmp_path / "cold"
    build(config, NOW, postes=postes, out=out, use_cache=False)
    return outputs(out)


def entries(cache: Path) -> list[str]:
    """The keys of the entries in the cache file, in file order."""
    path = cache / "render.jsonl"
    if not path.exists():
        return []
    return [json.loads(line)["key"] for line in path.read_bytes().splitlines()]


def open_keys(postes: Path, config: Config = CONFIG) -> list[str]:
    """The keys of the roles a build renders: every published role (open ones, and ended ones,
    which keep their page)."""
    from jobfeed.core.lifecycle import classify
    from jobfeed.publish.facets import public_roles

    catalog = classify(load_postings(postes, config).postings, NOW)
    roles = public_roles(catalog) if config.pages.enabled else catalog.open
    return [render_key(r.posting, link_of(r.posting, config), config.markdown) for r in roles]


def plant(cache: Path, *keys: str) -> None:
    """Valid entries for `keys` whose content differs from what rendering gives: the test can see
    whether a build used them."""
    store = RenderCache(cache)
    for key in keys:
        store.put(key, Rendered(content=PLANTED, summary="planted"))
    store.save(keys)


def test_warm_build_is_byte_identical_to_cold(postes: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=tmp_path / "first", cache=cache)
    assert len(entries(cache)) == len(open_keys(postes)) == 2
    build(CONFIG, NOW, postes=postes, out=tmp_path / "warm", cache=cache)
    assert outputs(tmp_path / "warm") == outputs(tmp_path / "first") == cold(postes, tmp_path)
    feed = feedparser.parse(outputs(tmp_path / "warm")["atom.xml"])
    assert not feed.bozo and len(feed.entries) == 2


def test_a_warm_build_reads_the_cache(postes: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    key = open_keys(postes)[0]
    plant(cache, key)
    build(CONFIG, NOW, postes=postes, out=tmp_path / "out", cache=cache)
    assert MARK in outputs(tmp_path / "out")["atom.xml"]


def test_changed_renderer_setting_invalidates_the_cache(postes: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    plant(cache, *open_keys(postes))
    other = dataclasses.replace(CONFIG, markdown="python-markdown")
    assert set(open_keys(postes, other)).isdisjoint(open_keys(postes))
    build(other, NOW, postes=postes, out=tmp_path / "out", cache=cache)
    assert outputs(tmp_path / "out") == cold(postes, tmp_path, other)
    assert MARK not in outputs(tmp_path / "out")["atom.xml"]


def test_changed_site_url_invalidates_the_cache(postes: Path, tmp_path: Path) -> None:
    """Relative links are resolved against the entry's link: another site is another rendering."""
    cache = tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=tmp_path / "first", cache=cache)
    moved = dataclasses.replace(CONFIG, site_url="https://elsewhere.example/")
    build(moved, NOW, postes=postes, out=tmp_path / "out", cache=cache)
    assert outputs(tmp_path / "out") == cold(postes, tmp_path, moved)
    assert b"https://elsewhere.example/startups/" in outputs(tmp_path / "out")["atom.xml"]


def test_new_jobfeed_version_invalidates_the_cache(
    postes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    old_keys = open_keys(postes)
    plant(cache, *old_keys)
    monkeypatch.setattr(jobfeed._incremental.rendercache, "__version__", "99.0.0")
    assert set(open_keys(postes)).isdisjoint(old_keys)
    build(CONFIG, NOW, postes=postes, out=tmp_path / "out", cache=cache)
    assert MARK not in outputs(tmp_path / "out")["atom.xml"]
    assert outputs(tmp_path / "out") == cold(postes, tmp_path)


def test_changed_posting_gets_a_new_entry_and_the_old_one_is_pruned(postes: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=tmp_path / "first", cache=cache)
    before = set(entries(cache))
    path = postes / "2024-09-02-developpeur-euse-fullstack-aides-territoires.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nUne ligne de plus.\n", encoding="utf-8")
    report = build(CONFIG, NOW, postes=postes, out=tmp_path / "out", cache=cache)
    after = set(entries(cache))
    assert len(after) == 2 and len(before & after) == 1
    assert report.written == ["atom.xml", "feed.json", "published.json", "rss.xml"]
    assert b"Une ligne de plus." in outputs(tmp_path / "out")["atom.xml"]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda raw: raw[: len(raw) // 2], id="truncated"),
        pytest.param(lambda raw: b"\x00\xff garbage", id="garbage"),
        pytest.param(lambda raw: b"{}", id="empty-object"),
        pytest.param(lambda raw: raw.replace(b"<p>", b"<p>EDITED ", 1), id="content-edited"),
        pytest.param(lambda raw: json.dumps({**json.loads(raw), "key": "0" * 64}).encode(), id="other-key"),
        pytest.param(
            lambda raw: json.dumps({**json.loads(raw), "format": CACHE_FORMAT + 1}).encode(),
            id="other-format",
        ),
        pytest.param(lambda raw: b"[1, 2, 3]", id="not-an-object"),
    ],
)
def test_corrupt_entry_is_detected_and_rewritten(postes: Path, tmp_path: Path, damage: object) -> None:
    cache = tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=tmp_path / "first", cache=cache)
    path = cache / "render.jsonl"
    victim, other = path.read_bytes().splitlines()
    key, other_key = json.loads(victim)["key"], json.loads(other)["key"]
    path.write_bytes(damage(victim) + b"\n" + other + b"\n")  # type: ignore[operator]
    store = RenderCache(cache)
    assert store.get(key) is None and store.rejected == 1
    assert store.get(other_key) is not None  # one bad line costs one entry, not the file
    build(CONFIG, NOW, postes=postes, out=tmp_path / "out", cache=cache)
    assert outputs(tmp_path / "out") == cold(postes, tmp_path)
    assert b"EDITED" not in outputs(tmp_path / "out")["atom.xml"]
    repaired = RenderCache(cache).get(key)
    assert repaired is not None and repaired.content.startswith("<p>")


def test_cache_is_written_without_leftover_temporary_files(postes: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=tmp_path / "out", cache=cache)
    assert sorted(p.name for p in cache.iterdir()) == [
        "feeds.json",
        "load.jsonl",
        "render.jsonl",
        "settled.json",
        "written.json",
    ]


def test_unwritable_cache_does_not_fail_the_build(postes: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    build(CONFIG, NOW, postes=postes, out=tmp_path / "out", cache=blocker)
    assert outputs(tmp_path / "out") == cold(postes, tmp_path)


@pytest.mark.parametrize("library", ["cmark-gfm", "nh3"])
def test_another_version_of_a_rendering_library_invalidates_the_cache(
    postes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, library: str
) -> None:
    """The renderer's identity names the versions the libraries report of themselves."""
    import nh3

    cache = tmp_path / "cache"
    old_keys = open_keys(postes)
    plant(cache, *old_keys)
    assert f"{library}=" in jobfeed._incremental.rendercache.renderer_id("cmark-gfm")
    if library == "nh3":
        monkeypatch.setattr(nh3, "__version__", "99.0.0")
    else:
        monkeypatch.setattr(jobfeed._incremental.rendercache, "_cmark_version", lambda: "99.0.0")
    jobfeed._incremental.rendercache.renderer_id.cache_clear()
    try:
        assert "99.0.0" in jobfeed._incremental.rendercache.renderer_id("cmark-gfm")
        assert set(open_keys(postes)).isdisjoint(old_keys)
        build(CONFIG, NOW, postes=postes, out=tmp_path / "out", cache=cache)
        assert MARK not in outputs(tmp_path / "out")["atom.xml"]
        assert outputs(tmp_path / "out") == cold(postes, tmp_path)
    finally:
        monkeypatch.undo()
        jobfeed._incremental.rendercache.renderer_id.cache_clear()


def test_render_key_covers_body_link_and_renderer() -> None:
    posting = load_postings(POSTES, CONFIG).postings[0]
    link = link_of(posting, CONFIG)
    key = render_key(posting, link, "cmark-gfm")
    assert key == render_key(posting, link, "cmark-gfm")
    # the body is known by the digest of the file's bytes, which decide it; without one, by itself
    other = dataclasses.replace(posting, body=posting.body + "x", digest="0" * 64)
    assert key != render_key(other, link, "cmark-gfm")
    bare = dataclasses.replace(posting, digest="")
    assert render_key(bare, link, "cmark-gfm") not in (key, render_key(other, link, "cmark-gfm"))
    assert render_key(bare, link, "cmark-gfm") != render_key(
        dataclasses.replace(bare, body=posting.body + "x"), link, "cmark-gfm"
    )
    assert key != render_key(posting, link + "x", "cmark-gfm")
    assert key != render_key(posting, link, "python-markdown")
    assert render(posting, link).content  # the entry a miss would store is not empty


def test_no_change_rebuild_writes_nothing_and_keeps_mtimes(postes: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(CONFIG, NOW, postes=postes, out=out, cache=tmp_path / "cache")
    before = {name: (out / name).stat().st_mtime_ns for name in FILES}
    inodes = {name: (out / name).stat().st_ino for name in FILES}
    report = build(CONFIG, NOW, postes=postes, out=out, cache=tmp_path / "cache")
    assert report.written == [] and report.unchanged == sorted(FILES)
    assert {name: (out / name).stat().st_mtime_ns for name in FILES} == before
    assert {name: (out / name).stat().st_ino for name in FILES} == inodes


def test_cli_cache_options(postes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    published = len(open_keys(postes, WITH_PAGES))  # the CLI builds pages: ended roles are cached too
    args = ["build", "--postes", str(postes), "--now", NOW.isoformat()]
    result = runner.invoke(cli, [*args, "--out", "a", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert not Path(".jobfeed-cache").exists()
    result = runner.invoke(cli, [*args, "--out", "b"])
    assert result.exit_code == 0, result.output
    assert len(entries(Path(".jobfeed-cache"))) == published
    result = runner.invoke(cli, [*args, "--out", "c", "--cache-dir", "elsewhere"])
    assert result.exit_code == 0, result.output
    assert len(entries(Path("elsewhere"))) == published
    Path("jobfeed.toml").write_text('[build]\ncache = "from-config"\n', encoding="utf-8")
    result = runner.invoke(cli, [*args, "--out", "d"])
    assert result.exit_code == 0, result.output
    assert len(entries(Path("from-config"))) == published
    assert outputs(Path("a")) == outputs(Path("b")) == outputs(Path("c"))
    result = runner.invoke(cli, [*args, "--jobs", "0"])
    assert result.exit_code == 2 and "--jobs" in result.output


def test_empty_cache_setting_turns_the_cache_off(
    postes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    build(dataclasses.replace(CONFIG, cache=""), NOW, postes=postes, out=tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "postes"]


def test_check_uses_the_load_cache_and_reports_the_same(
    postes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (postes / "bad.md").write_text("---\nrole: R\npost_ouvert: 2024-01-01\nposte_ferme: 2024-04-T1\n---\n")
    runner = CliRunner()
    first = runner.invoke(cli, ["check", "--postes", str(postes)])
    assert (tmp_path / ".jobfeed-cache" / "load.jsonl").is_file()
    second = runner.invoke(cli, ["check", "--postes", str(postes)])
    assert first.exit_code == second.exit_code == 1
    assert first.output == second.output
    assert "bad.md:3: warning: unknown key 'post_ouvert'" in second.output
    assert "bad.md:4: error: invalid date" in second.output


def test_warm_build_with_pages_is_byte_identical_and_caches_ended_roles(postes: Path, tmp_path: Path) -> None:
    """With pages on, ended roles keep a page: they are rendered and cached like open ones."""
    cache = tmp_path / "cache"
    build(WITH_PAGES, NOW, postes=postes, out=tmp_path / "cold", use_cache=False)
    build(WITH_PAGES, NOW, postes=postes, out=tmp_path / "first", cache=cache)
    assert len(entries(cache)) == len(open_keys(postes, WITH_PAGES)) > len(open_keys(postes))
    build(WITH_PAGES, NOW, postes=postes, out=tmp_path / "warm", cache=cache)

    def tree(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    assert tree(tmp_path / "warm") == tree(tmp_path / "cold") == tree(tmp_path / "first")


def _filled(folder: Path, count: int, start: int = 0) -> list[str]:
    cache = RenderCache(folder)
    keys = [f"{i:064x}" for i in range(start, start + count)]
    for key in keys:
        assert cache.get(key) is None
        cache.put(key, Rendered(content=f"<p>{key}</p>", summary=key))
    cache.save(keys)
    return keys


def test_a_few_new_entries_are_appended_and_stale_ones_dropped_past_a_quarter(tmp_path: Path) -> None:
    keys = _filled(tmp_path, 8)
    path = tmp_path / jobfeed._incremental.rendercache.FILE_NAME
    before = path.read_bytes()
    cache = RenderCache(tmp_path)
    assert all(cache.get(k) for k in keys[1:])
    cache.put("f" * 64, Rendered(content="<p>new</p>", summary="new"))
    cache.save([*keys[1:], "f" * 64])  # one stale entry of nine: kept, the new one appended
    after = path.read_bytes()
    assert after.startswith(before) and after.count(b"\n") == 9
    cache = RenderCache(tmp_path)
    assert cache.get("f" * 64) == Rendered(content="<p>new</p>", summary="new") and cache.rejected == 0
    cache.save(keys[:4])  # five of nine unused: the file is rewritten with the four used
    assert sorted(entries(tmp_path)) == sorted(keys[:4])


def test_an_append_cut_short_is_detected_and_the_file_rewritten(tmp_path: Path) -> None:
    keys = _filled(tmp_path, 8)
    path = tmp_path / jobfeed._incremental.rendercache.FILE_NAME
    with open(path, "ab") as f:
        f.write(b'{"key": "' + b"e" * 64 + b'", "format": 1, "content": "<p>cut')  # killed mid-line
    cache = RenderCache(tmp_path)
    assert all(cache.get(k) for k in keys) and cache.get("e" * 64) is None and cache.rejected == 1
    cache.save(keys)
    assert sorted(entries(tmp_path)) == sorted(keys) and path.read_bytes().endswith(b"\n")
    assert RenderCache(tmp_path).entries.keys() == set(keys)
