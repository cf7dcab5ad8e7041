"""The load cache gives back exactly what loading gives, and is ignored when it cannot be trusted."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest

import jobfeed._incremental.loadcache
import jobfeed._incremental.parallel
from jobfeed import Config, Loaded, build, load_postings
from jobfeed._incremental.loadcache import FILE_NAME, LoadCache

NOW = dt.datetime(2024, 11, 15, 12, tzinfo=dt.UTC)
POSTES = Path(__file__).resolve().parents[1] / "postes"
CONFIG = Config()

TRICKY = """\
---
role: Développeur·euse
equipe: Équipe 1
poste_ouvert: 2022-02-22T23:00:00.000Z
poste_ferme: 2022-03-01
mis_a_jour: 2022-02-25 14:30:00
salaire: 4.5e4
ratio: -.inf
taux: 0.1
niveau: 3
remote: yes
tags: [python, "django", 2024-01-01, {nested: {1: un, 2024-05-01: date}}]
vide:
binaire: !!binary aGVsbG8=
post_ouvert: 2022-01-01
---
Corps avec un caractère interdit \x01 et un lien [relatif](/a.html).
"""


def serial(load: Any, files: Any, wire: Any = None) -> list[Any]:
    """Every result, when a `wire` is given, makes the trip from a worker process (packed, pickled,
    unpacked): what the cached load gives must not depend on where a file was loaded."""
    if wire is None:
        return [load(f) for f in files]
    pack, unpack = wire
    jobfeed._incremental.parallel._IN_WORKER = True  # loading as a worker process loads
    try:
        packed = [pickle.dumps(pack(load(f))) for f in files]
    finally:
        jobfeed._incremental.parallel._IN_WORKER = False
    return [unpack(pickle.loads(data)) for data in packed]


def load(folder: Path, cache: Path | None, config: Config = CONFIG) -> tuple[Loaded, LoadCache | None]:
    store = LoadCache(cache, config) if cache else None
    loaded = load_postings(folder, config, map_files=store.mapper(serial) if store else serial)
    if store:
        store.save()
    return loaded, store


def everything(loaded: Loaded) -> list[Any]:
    """Every field of every posting (== skips `extra` and `lines`), and every problem."""
    postings = [{f.name: getattr(p, f.name) for f in dataclasses.fields(p)} for p in loaded.postings]
    return [postings, loaded.problems]


@pytest.fixture
def postes(tmp_path: Path) -> Path:
    folder = tmp_path / "postes"
    shutil.copytree(POSTES, folder)
    (folder / "tricky.md").write_text(TRICKY, encoding="utf-8")
    (folder / "broken.md").write_text("---\nrole: [oops\n---\n", encoding="utf-8")
    (folder / "set.md").write_text("---\nrole: Set\nvaleurs: !!set {a, b}\n---\nx\n", encoding="utf-8")
    (folder / "crlf.md").write_bytes("\ufeff---\r\nrole: CRLF\r\n---\r\nCorps\r\n".encode())
    return folder


def test_cached_load_is_identical_to_fresh(postes: Path, tmp_path: Path) -> None:
    fresh, _ = load(postes, None)
    first, store = load(postes, tmp_path / "cache")
    assert store is not None and store.hits == 0
    warm, store = load(postes, tmp_path / "cache")
    assert store is not None and store.hits == len(list(postes.iterdir())) - 1  # the !!set file is not cached
    assert everything(warm) == everything(first) == everything(fresh)
    tricky = next(p for p in warm.postings if p.role == "Développeur·euse")
    assert tricky.extra["binaire"] == b"hello" and tricky.extra["tags"][3] == {
        "nested": {1: "un", dt.date(2024, 5, 1): "date"}
    }
    assert "\x01" not in tricky.body and tricky.opened is not None and tricky.opened.all_day
    assert any("post_ouvert" in p.message for p in warm.problems)
    assert any(p.path.endswith("broken.md") for p in warm.problems)


def test_a_cached_posting_decodes_its_body_where_it_is_used(postes: Path, tmp_path: Path) -> None:
    """A rebuild renders a few postings: the others' bodies stay bytes until asked for, then give
    the fresh load's text, also after the trip to a worker process (pickle)."""
    fresh = {p.path: p.body for p in load(postes, None)[0].postings}
    load(postes, tmp_path / "cache")
    warm = load(postes, tmp_path / "cache")[0].postings
    lazy = [p for p in warm if "body" not in vars(p)]
    # not: the CRLF file and the one with a control character (cut again from the bytes at once), and
    # the uncached !!set one
    assert len(lazy) == len(warm) - 3
    sent = [pickle.loads(pickle.dumps(p)) for p in lazy]
    assert [p.body for p in lazy] == [p.body for p in sent] == [fresh[p.path] for p in lazy]
    assert all("_body_source" not in vars(p) for p in lazy)
    with pytest.raises(AttributeError):
        lazy[0].nothing  # noqa: B018


def test_a_changed_file_is_loaded_again(postes: Path, tmp_path: Path) -> None:
    load(postes, tmp_path / "cache")
    (postes / "tricky.md").write_text(TRICKY.replace("Équipe 1", "Équipe 2"), encoding="utf-8")
    warm, store = load(postes, tmp_path / "cache")
    assert everything(warm) == everything(load(postes, None)[0])
    assert any(p.team == "Équipe 2" for p in warm.postings)
    assert store is not None and store.hits == len(list(postes.iterdir())) - 2


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda c: dataclasses.replace(c, timezone="America/Cayenne"), id="timezone"),
        pytest.param(
            lambda c: dataclasses.replace(c, fields={**c.fields, "team": ("startup",)}), id="fields"
        ),
        pytest.param(lambda c: dataclasses.replace(c, max_file_size=100), id="size-limit"),
    ],
)
def test_changed_settings_invalidate_the_cache(postes: Path, tmp_path: Path, change: Any) -> None:
    load(postes, tmp_path / "cache")
    other = change(CONFIG)
    warm, store = load(postes, tmp_path / "cache", other)
    assert store is not None and store.hits == 0
    assert everything(warm) == everything(load(postes, None, other)[0])


def test_new_version_invalidates_the_cache(
    postes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(postes, tmp_path / "cache")
    monkeypatch.setattr(jobfeed._incremental.loadcache, "__version__", "99.0.0")
    _, store = load(postes, tmp_path / "cache")
    assert store is not None and store.hits == 0


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda raw: raw[:-10], id="truncated"),
        pytest.param(lambda raw: raw.replace(b"CRLF", b"XXXX"), id="entry-edited"),
        pytest.param(lambda raw: b"garbage", id="garbage"),
        pytest.param(lambda raw: b"", id="empty"),
    ],
)
def test_corrupt_cache_file_is_ignored_and_rewritten(postes: Path, tmp_path: Path, damage: Any) -> None:
    cache = tmp_path / "cache"
    load(postes, cache)
    (cache / FILE_NAME).write_bytes(damage((cache / FILE_NAME).read_bytes()))
    warm, store = load(postes, cache)
    assert store is not None and store.hits == 0
    assert everything(warm) == everything(load(postes, None)[0])
    assert all(p.role != "XXXX" for p in warm.postings)
    _, store = load(postes, cache)
    assert store is not None and store.hits > 0


def test_well_formed_entry_with_wrong_shape_is_loaded_afresh(postes: Path, tmp_path: Path) -> None:
    """An entry that passes the checksum but cannot be decoded is a miss, not a crash."""
    cache = tmp_path / "cache"
    load(postes, cache)
    head, _, body = (cache / FILE_NAME).read_bytes().partition(b"\n")
    lines = []
    without_posting = 0
    for line in body.decode().splitlines():
        key, entry = line.split(" ", 1)
        if key == "stat":  # the files' status: kept
            lines.append(f"{line}\n")
            continue
        data = json.loads(entry)
        if "posting" in data:
            data["posting"] = {"nonsense": True}
        else:
            without_posting += 1
        lines.append(f"{key} {json.dumps(data)}\n")
    body = "".join(lines).encode()
    header = json.loads(head)
    header["sha256"] = hashlib.sha256(body).hexdigest()
    (cache / FILE_NAME).write_bytes(json.dumps(header).encode() + b"\n" + body)
    warm, store = load(postes, cache)
    assert store is not None and store.hits == without_posting == 1  # broken.md: its problems only
    assert everything(warm) == everything(load(postes, None)[0])


def test_symbolic_links_are_never_cached(postes: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("---\nrole: Dehors\n---\n", encoding="utf-8")
    (postes / "lien.md").symlink_to(outside)
    load(postes, tmp_path / "cache")
    warm, _ = load(postes, tmp_path / "cache")
    assert any("symbolic link" in p.message for p in warm.problems)
    assert all(p.role != "Dehors" for p in warm.postings)


def test_build_with_warm_caches_writes_the_same_bytes(postes: Path, tmp_path: Path) -> None:
    build(CONFIG, NOW, postes=postes, out=tmp_path / "cold", use_cache=False)
    build(CONFIG, NOW, postes=postes, out=tmp_path / "first", cache=tmp_path / "cache")
    report = build(CONFIG, NOW, postes=postes, out=tmp_path / "warm", cache=tmp_path / "cache")
    assert (tmp_path / "cache" / FILE_NAME).is_file()
    for name in ("atom.xml", "rss.xml", "feed.json"):
        assert (tmp_path / "warm" / name).read_bytes() == (tmp_path / "cold" / name).read_bytes()
    assert [str(p) for p in report.problems] == [
        str(p) for p in build(CONFIG, NOW, postes=postes, out=tmp_path / "cold", use_cache=False).problems
    ]


def test_body_is_cut_at_the_recorded_offset_unless_it_was_cleaned(postes: Path, tmp_path: Path) -> None:
    load(postes, tmp_path / "cache")
    lines = (tmp_path / "cache" / FILE_NAME).read_text(encoding="utf-8").splitlines()[1:]
    entries = {
        e["posting"]["path"]: e for e in (json.loads(x.split(" ", 1)[1]) for x in lines) if "posting" in e
    }
    # tricky.md's body lost a \x01 and crlf.md's its CRs: both are split again from the bytes
    assert {Path(p).name for p, e in entries.items() if "body_at" not in e} == {"tricky.md", "crlf.md"}
    assert len(entries) > 2 and all(isinstance(e.get("body_at", 0), int) for e in entries.values())
    warm, _ = load(postes, tmp_path / "cache")
    assert everything(warm) == everything(load(postes, None)[0])


# A file is trusted unread when its last change came RACY_NS before it was hashed: the tests' files
# are a few milliseconds old, so they wait for none, with RACY_NS at 0 (any change after the hash
# still moves the change time).


@pytest.fixture
def no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobfeed._incremental.loadcache, "RACY_NS", 0)


def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the load cache reads, from now on."""
    seen: list[str] = []
    original = jobfeed._incremental.loadcache._plain_bytes
    monkeypatch.setattr(
        jobfeed._incremental.loadcache,
        "_plain_bytes",
        lambda path, limit: seen.append(str(path)) or original(path, limit),
    )
    return seen


def test_an_unchanged_file_is_not_read_again(
    postes: Path, tmp_path: Path, no_wait: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh, _ = load(postes, None)
    load(postes, tmp_path / "cache")
    read = reads(monkeypatch)
    warm, store = load(postes, tmp_path / "cache")
    assert store is not None and store.hits == len(list(postes.iterdir())) - 1
    # read: set.md (not cached: !!set), and the two whose body is not their file's last bytes as
    # they are (CRLF, a control character removed): their body is cut again from the bytes
    assert sorted(read) == [str(postes / name) for name in ("crlf.md", "set.md", "tricky.md")]
    assert store.trusted == store.hits - 2
    assert everything(warm) == everything(fresh)  # bodies included, read where asked for
    again, store = load(postes, tmp_path / "cache")  # the status was kept for the next run
    assert store is not None and store.trusted == store.hits - 2 and everything(again) == everything(fresh)


def test_a_file_written_again_is_read_even_with_its_size_and_times_put_back(
    postes: Path, tmp_path: Path, no_wait: None
) -> None:
    load(postes, tmp_path / "cache")
    warm, _ = load(postes, tmp_path / "cache")
    posting = next(p for p in warm.postings if unread(p))
    path, before = Path(posting.path), Path(posting.path).stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"role: {posting.role}", f"role: {posting.role[:-1]}Z", 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `touch -r` or `rsync -t` would
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    warm, _ = load(postes, tmp_path / "cache")
    assert any(p.role == posting.role[:-1] + "Z" for p in warm.postings)
    assert everything(warm) == everything(load(postes, None)[0])


def test_a_file_changed_just_before_it_was_hashed_is_read_again(postes: Path, tmp_path: Path) -> None:
    """Its change time could stay the same through a later change in the same tick of a coarse
    clock: it is read until it has been still for RACY_NS before a hash."""
    load(postes, tmp_path / "cache")
    _, store = load(postes, tmp_path / "cache")
    assert store is not None and store.trusted == 0 and store.hits == len(list(postes.iterdir())) - 1


def unread(posting: Any) -> bool:
    """Made from the load cache without reading its file: the body is read where it is used."""
    return "_body_source" in vars(posting) and vars(posting)["_body_source"][0] is None


def test_a_body_read_later_must_be_the_one_hashed(postes: Path, tmp_path: Path, no_wait: None) -> None:
    from jobfeed.errors import PostingChanged

    load(postes, tmp_path / "cache")
    warm, _ = load(postes, tmp_path / "cache")
    posting = next(p for p in warm.postings if unread(p))  # trusted, body not read yet
    sent = pickle.loads(pickle.dumps(posting))  # to a worker process
    path = Path(posting.path)
    path.write_bytes(path.read_bytes() + b"\nAjout.\n")
    for lazy in (posting, sent):
        with pytest.raises(PostingChanged) as caught:
            lazy.body  # noqa: B018
        assert str(caught.value).startswith(f"{posting.path} changed while jobfeed was reading it")
        assert pickle.loads(pickle.dumps(caught.value)).path == posting.path  # from a worker, intact
    warm, _ = load(postes, tmp_path / "cache")
    other = next(p for p in warm.postings if unread(p))
    Path(other.path).unlink()
    with pytest.raises(PostingChanged):
        other.body  # noqa: B018


def test_a_warm_build_of_unread_files_writes_the_cold_bytes(
    postes: Path, tmp_path: Path, no_wait: None
) -> None:
    now = dt.datetime(2024, 11, 15, 12, tzinfo=dt.UTC)
    config = Config(site_url="https://example.org/")
    build(config, now, postes=postes, out=tmp_path / "cold", use_cache=False)
    build(config, now, postes=postes, out=tmp_path / "warm", cache=tmp_path / "c")
    (postes / "tricky.md").write_text(TRICKY.replace("Équipe 1", "Équipe 3"), encoding="utf-8")
    build(config, now, postes=postes, out=tmp_path / "cold2", use_cache=False)
    build(config, now, postes=postes, out=tmp_path / "warm", cache=tmp_path / "c")

    def tree(folder: Path) -> dict[str, bytes]:
        return {str(f.relative_to(folder)): f.read_bytes() for f in sorted(folder.rglob("*")) if f.is_file()}

    # with pages (the default): every published posting's body is read from its file, where rendered
    assert config.pages.enabled
    cold, warm = tree(tmp_path / "cold2"), tree(tmp_path / "warm")
    assert len(cold) > 10 and {name: warm.get(name) for name in cold} == cold  # (warm also keeps the
    # first build's feeds of the team no posting names any more: outputs are never deleted)


def test_where_the_change_time_is_the_creation_time_every_file_is_read(
    postes: Path, tmp_path: Path, no_wait: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Windows `st_ctime` is when the file was made, which a write in place keeps."""
    monkeypatch.setattr(jobfeed._incremental.loadcache, "_CHANGE_TIMES", False)
    load(postes, tmp_path / "cache")
    warm, store = load(postes, tmp_path / "cache")
    assert store is not None and store.trusted == 0 and store.hits == len(list(postes.iterdir())) - 1
    assert everything(warm) == everything(load(postes, None)[0])
