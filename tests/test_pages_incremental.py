"""The default build (pages on) with its speed machinery writes the bytes a build without it
writes: cold, warm, in one process or several, after a change, on a later day; and after one
change it makes only what changed (pages kept as they are: `_incremental/pagecache.py`)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

import jobfeed._incremental.parallel
from jobfeed import Config, build
from jobfeed.core.lifecycle import classify
from jobfeed.core.postings import load_postings
from test_parallel import many_postings

CONFIG = Config(site_url="https://example.org/jobs/")
NOW = dt.datetime(2024, 11, 15, 12, tzinfo=dt.UTC)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def plain(postes: Path, out: Path, now: dt.datetime) -> dict[str, bytes]:
    """What a build without any cache, in one process, into a new folder writes."""
    shutil.rmtree(out, ignore_errors=True)
    build(CONFIG, now, postes=postes, out=out, jobs=1, use_cache=False)
    return tree(out)


def states(postes: Path, now: dt.datetime) -> dict[str, str]:
    return {r.id: r.state.value for r in classify(load_postings(postes, CONFIG).postings, now).roles}


def edit(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.mark.parametrize("jobs", [1, 2])
def test_cold_warm_and_incremental_builds_write_what_a_plain_build_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    monkeypatch.setattr(jobfeed._incremental.parallel, "PARALLEL_MIN", 1)
    postes = many_postings(tmp_path / "postes", 60)
    out, cache = tmp_path / "out", tmp_path / "cache"

    def fast(now: dt.datetime) -> list[str]:
        return build(CONFIG, now, postes=postes, out=out, jobs=jobs, cache=cache).written

    assert CONFIG.pages.enabled
    cold = fast(NOW)
    assert tree(out) == plain(postes, tmp_path / "plain", NOW)
    pages = [f for f in cold if f.startswith("postes/")]
    assert len(pages) > 40 and (out / "deadlines.ics").exists() and (out / "index.html").exists()
    assert fast(NOW) == []  # warm, nothing changed: no file written
    assert tree(out) == plain(postes, tmp_path / "plain", NOW)

    # One open role changed: its page, the feeds and pages that list it; no other role's page.
    catalog = classify(load_postings(postes, CONFIG).postings, NOW)
    role = next(r for r in catalog.open if r.posting.deadline is not None)
    edit(Path(role.posting.path), "\nUne précision.\n")
    written = fast(NOW)
    assert tree(out) == plain(postes, tmp_path / "plain", NOW)
    assert [f for f in written if f.startswith("postes/")] == [f"postes/{role.posting.slug}.html"]
    assert {"atom.xml", "rss.xml", "feed.json"} <= set(written)  # (its summary, in the index, is the same)

    # One ended role changed: its page only.
    ended = next(r for r in catalog.roles if not r.is_open and f"postes/{r.posting.slug}.html" in pages)
    edit(Path(ended.posting.path), "\nPourvu.\n")
    assert fast(NOW) == [f"postes/{ended.posting.slug}.html"]
    assert tree(out) == plain(postes, tmp_path / "plain", NOW)

    # A later day on which roles changed state, then a later one on which none did.
    later = dt.datetime(2025, 3, 2, 12, tzinfo=dt.UTC)  # past the 2025-03-01 deadlines
    assert states(postes, later) != states(postes, NOW)
    assert fast(later)
    assert tree(out) == plain(postes, tmp_path / "plain", later)
    quiet = later + dt.timedelta(days=1)
    assert states(postes, quiet) == states(postes, later)
    assert fast(quiet) == []
    assert tree(out) == plain(postes, tmp_path / "plain", quiet)


def test_a_page_changed_by_hand_or_a_damaged_record_is_written_again(tmp_path: Path) -> None:
    postes = many_postings(tmp_path / "postes", 20)
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(CONFIG, NOW, postes=postes, out=out, cache=cache)
    page = next((out / "postes").iterdir())
    good = page.read_bytes()
    page.write_bytes(good.replace(b"<h1>", b"<h2>", 1))  # same size, other bytes, a new time
    assert build(CONFIG, NOW, postes=postes, out=out, cache=cache).written == [f"postes/{page.name}"]
    assert page.read_bytes() == good
    # replaced by another file (another inode) of the same size and time: written again too
    stamp = page.stat()
    other = tmp_path / "other.html"
    other.write_bytes(good.replace(b"<h1>", b"<h3>", 1))
    os.utime(other, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    os.replace(other, page)
    assert build(CONFIG, NOW, postes=postes, out=out, cache=cache).written == [f"postes/{page.name}"]
    assert page.read_bytes() == good
    for damage in (b"", b"{", b'{"format": 1, "files": {"x": [1]}}'):
        (cache / "written.json").write_bytes(damage)
        assert build(CONFIG, NOW, postes=postes, out=out, cache=cache).written == []
        assert tree(out) == plain(postes, tmp_path / "plain", NOW)
