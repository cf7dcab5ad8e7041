from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobfeed.errors import OutputError
from jobfeed.output import write_tree


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 48 KiB tmpfs: room for one 30 KB file, not for two."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(disk)], capture_output=True
    ).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_only_changed_files_are_written_and_mtimes_stay(tmp_path: Path) -> None:
    files = {"a.xml": b"a", "sub/b.json": b"b"}
    assert write_tree(tmp_path, files) == (["a.xml", "sub/b.json"], [])
    os.utime(tmp_path / "a.xml", (1_000_000, 1_000_000))
    assert write_tree(tmp_path, {**files, "sub/b.json": b"B"}) == (["sub/b.json"], ["a.xml"])
    assert (tmp_path / "a.xml").stat().st_mtime == 1_000_000
    assert (tmp_path / "sub" / "b.json").read_bytes() == b"B"


def test_paths_outside_the_folder_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for bad in ("../x.html", "postes/../../x.html", "/etc/x"):
        with pytest.raises(OutputError, match="outside"):
            write_tree(out, {bad: b"x"})
    assert not (tmp_path / "x.html").exists()


def test_full_disk_leaves_all_previous_files_not_a_mix(small_disk: Path) -> None:
    write_tree(small_disk, {"atom.xml": b"old atom", "rss.xml": b"old rss"})
    with pytest.raises(OutputError, match=r"rss\.xml: No space left on device; the previous file is intact"):
        write_tree(small_disk, {"atom.xml": b"n" * 30_000, "rss.xml": b"n" * 30_000})
    assert (small_disk / "atom.xml").read_bytes() == b"old atom"  # not replaced alone
    assert (small_disk / "rss.xml").read_bytes() == b"old rss"
    assert sorted(p.name for p in small_disk.iterdir()) == ["atom.xml", "rss.xml"]  # no temp file left


def test_temporary_files_of_a_killed_run_are_removed_by_the_next(tmp_path: Path) -> None:
    (tmp_path / "postes").mkdir()
    stale = [tmp_path / ".atom.xml.k3j_x9q2.tmp", tmp_path / "postes" / ".a.html.abcdefgh.tmp"]
    kept = [tmp_path / ".keep", tmp_path / ".notes.txt.abcdefgh.tmp", tmp_path / ".atom.xml.tmp"]
    for path in stale + kept:
        path.write_bytes(b"partial")
    assert write_tree(tmp_path, {"atom.xml": b"a", "postes/a.html": b"b"})[0] == ["atom.xml", "postes/a.html"]
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept)  # not named after a file jobfeed writes: left alone
