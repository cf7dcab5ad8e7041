"""A build killed (SIGKILL) while it writes leaves only whole files: each file of the output
folder is the previous build's or the new one's, never a part of either, and the next build
finishes the work and writes what a build without any cache writes."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from jobfeed import Config, build
from jobfeed.output import _SPOOL, _STAGED
from test_parallel import many_postings

CONFIG = Config(site_url="https://example.org/jobs/")
NOW = dt.datetime(2024, 11, 15, 12, tzinfo=dt.UTC)
LATER = dt.datetime(2025, 3, 2, 12, tzinfo=dt.UTC)

#: Run in a child process: a build that kills itself with SIGKILL at the `n`th call of one step
#: of writing. `write` dies halfway through a file's bytes, `sync` before files are synced,
#: `rename` before a file is renamed into place.
CHILD = """
import datetime as dt, os, signal, sys
from pathlib import Path
import jobfeed.output as output
from jobfeed import Config, build

point, n, postes, out, cache = sys.argv[1], int(sys.argv[2]), *map(Path, sys.argv[3:6])
calls, jobs = [0], 1

def due():
    calls[0] += 1
    return calls[0] >= n

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if point == "write":
    real_write = output._write
    def write(fd, data):
        if due():
            os.write(fd, bytes(data)[: len(data) // 2])
            die()
        real_write(fd, data)
    output._write = write
elif point == "sync":  # one fsync per file, or one syncfs for many files
    real_sync, real_folders = output._sync_file, output._sync_folders
    def sync(fd, name):
        if due():
            die()
        real_sync(fd, name)
    def sync_folders(folders):
        if due():
            die()
        real_folders(folders)
    output._sync_file, output._sync_folders = sync, sync_folders
elif point == "spool":  # a render worker dies after spooling its nth page, killing the build
    import jobfeed._incremental.parallel as parallel
    parallel.PARALLEL_MIN, parallel.HELP_MAX, jobs = 1, 0, 2  # two workers do it all
    real_put = output.Spool.put.__func__
    def put(cls, folder, build, data):
        staged = real_put(cls, folder, build, data)
        if parallel.in_worker() and due():
            os.killpg(0, signal.SIGKILL)  # the build and every worker (a session of its own)
        return staged
    output.Spool.put = classmethod(put)
else:
    real_replace = os.replace
    def replace(src, dst):
        if str(dst).startswith(str(out)) and due():
            die()
        real_replace(src, dst)
    os.replace = replace
config = Config(site_url="https://example.org/jobs/")
build(config, dt.datetime(2025, 3, 2, 12, tzinfo=dt.UTC), postes=postes, out=out, cache=cache, jobs=jobs)
"""


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes], dict[str, bytes], Path]:
    """Postings, what the previous build wrote (at NOW, before the edits), what the new one writes
    (at LATER, after them: pages, feeds and calendar change), and that previous build's folder."""
    root = tmp_path_factory.mktemp("crash")
    postes = many_postings(root / "postes", 40)
    before = root / "before"
    build(CONFIG, NOW, postes=postes, out=before, cache=root / "before-cache", jobs=1)
    for i, path in enumerate(sorted(postes.iterdir())):
        if i % 3 == 0:
            path.write_text(path.read_text(encoding="utf-8") + f"\nMis à jour ({i}).\n", encoding="utf-8")
    after = root / "after"
    build(CONFIG, LATER, postes=postes, out=after, jobs=1, use_cache=False)
    return postes, tree(before), tree(after), before


@pytest.mark.parametrize(
    ("point", "n"), [("write", 1), ("write", 9), ("sync", 1), ("rename", 1), ("rename", 12)]
)
def test_a_build_killed_while_writing_leaves_only_whole_files(
    tmp_path: Path, site: tuple[Path, dict[str, bytes], dict[str, bytes], Path], point: str, n: int
) -> None:
    postes, old, new, before = site
    out, cache = tmp_path / "out", tmp_path / "cache"
    shutil.copytree(before, out)
    shutil.copytree(before.parent / "before-cache", cache)
    child = subprocess.run(
        [sys.executable, "-c", CHILD, point, str(n), str(postes), str(out), str(cache)],
        capture_output=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    found = tree(out)
    staged = [name for name in found if _STAGED.fullmatch(name.rpartition("/")[2])]
    for name, data in found.items():
        if name in staged:
            continue
        assert data in (old.get(name), new.get(name)), f"{name} is neither the old file nor the new one"
    assert set(found) - set(staged) <= set(old) | set(new)
    if point == "rename" and n > 1:  # killed among the renames: some files are new, the others old
        assert any(found[name] == new[name] != old.get(name) for name in found if name in new)
    elif point != "rename":  # killed before any rename: every file is the previous build's
        assert {name: data for name, data in found.items() if name not in staged} == old
    # The next build finishes the work: the new bytes, no temporary file left.
    build(CONFIG, LATER, postes=postes, out=out, cache=cache, jobs=1)
    assert tree(out) == new
    assert not any(_STAGED.fullmatch(p.name) for p in out.rglob("*"))


def test_a_first_build_killed_while_writing_leaves_no_half_file(
    tmp_path: Path, site: tuple[Path, dict[str, bytes], dict[str, bytes], Path]
) -> None:
    """A brand-new file too goes through a temporary file: it is there whole, or not at all."""
    postes, _, new, _ = site
    out, cache = tmp_path / "out", tmp_path / "cache"
    child = subprocess.run(
        [sys.executable, "-c", CHILD, "rename", "30", str(postes), str(out), str(cache)],
        capture_output=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    found = {name: data for name, data in tree(out).items() if not _STAGED.fullmatch(name.rpartition("/")[2])}
    assert 0 < len(found) < len(new)
    assert all(new[name] == data for name, data in found.items())
    build(CONFIG, LATER, postes=postes, out=out, cache=cache, jobs=1)
    assert tree(out) == new
    assert os.listdir(out)


@pytest.mark.parametrize("n", [1, 5])
def test_a_build_killed_while_its_workers_spool_pages_leaves_the_previous_files(
    tmp_path: Path, site: tuple[Path, dict[str, bytes], dict[str, bytes], Path], n: int
) -> None:
    """Without a record of the pages it wrote (here: a new cache folder), a build has its render
    workers make the pages and spool them (`_incremental/pagework.py`). Killed then (the build
    and its workers, as a cancelled job is), it leaves every file as the previous build wrote
    it, and the next build removes the spools."""
    postes, old, new, before = site
    out, cache = tmp_path / "out", tmp_path / "cache"
    shutil.copytree(before, out)
    child = subprocess.run(
        [sys.executable, "-c", CHILD, "spool", str(n), str(postes), str(out), str(cache)],
        capture_output=True,
        timeout=120,
        start_new_session=True,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    found = tree(out)
    spools = [name for name in found if _SPOOL.fullmatch(name)]
    assert spools  # killed while the pages were being spooled
    assert {name: data for name, data in found.items() if name not in spools} == old
    build(CONFIG, LATER, postes=postes, out=out, cache=cache, jobs=2)
    assert tree(out) == new
    assert not any(_SPOOL.fullmatch(p.name) or _STAGED.fullmatch(p.name) for p in out.rglob("*"))
