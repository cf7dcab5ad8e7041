from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobfeed import output
from jobfeed.errors import OutputError
from jobfeed.output import Pieces, write_tree


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


def test_symbolic_links_that_leave_the_folder_are_refused(tmp_path: Path) -> None:
    """Each parent folder is resolved once, each file checked for being a link itself."""
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    (out / "postes").mkdir(parents=True)
    elsewhere.mkdir()
    (out / "atom.xml").symlink_to(elsewhere / "atom.xml")
    (out / "loin").symlink_to(elsewhere, target_is_directory=True)
    (out / "ici").symlink_to(out / "postes", target_is_directory=True)
    (out / "postes" / "b.html").symlink_to(out / "postes" / "c.html")
    for bad in ("atom.xml", "loin/a.html", "ici/../../x", "postes/..", "."):
        with pytest.raises(OutputError, match="outside"):
            write_tree(out, {"ok.xml": b"ok", bad: b"x"})
    assert list(elsewhere.iterdir()) == [] and not (out / "ok.xml").exists()
    assert write_tree(out, {"ici/a.html": b"a", "postes/b.html": b"b"})[0] == ["ici/a.html", "postes/b.html"]
    assert (out / "postes" / "a.html").read_bytes() == b"a"
    assert (out / "postes" / "c.html").read_bytes() == b"b"  # through the link that stays inside


def test_many_files_are_all_synced_before_any_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without syncfs, staged files are synced from a few threads; a failed sync names the file and
    renames nothing."""
    import jobfeed.output as output

    monkeypatch.setattr(output, "_syncfs", None)
    files = {f"postes/p{i}.html": b"new %d" % i for i in range(100)}
    write_tree(tmp_path, {name: b"old" for name in files})
    synced: list[str] = []
    real = output._sync_file

    def fsync(fd: int, name: str) -> None:
        assert all(p.read_bytes() == b"old" for p in (tmp_path / "postes").glob("p*.html"))
        if ".p57.html." in name:
            raise OSError(5, "Input/output error", name)
        real(fd, name)
        synced.append(name)

    monkeypatch.setattr(output, "_sync_file", fsync)
    with pytest.raises(
        OutputError, match=r"postes/p57\.html: Input/output error; the previous file is intact"
    ):
        write_tree(tmp_path, files)
    assert all((tmp_path / name).read_bytes() == b"old" for name in files)
    assert sorted(p.name for p in (tmp_path / "postes").iterdir()) == sorted(n[7:] for n in files)  # no temp
    monkeypatch.setattr(output, "_sync_file", lambda fd, name: (real(fd, name), synced.append(name)))
    synced.clear()
    assert len(write_tree(tmp_path, files)[0]) == 100 and len(synced) == 100
    assert all((tmp_path / name).read_bytes() == files[name] for name in files)


@pytest.mark.skipif(output._syncfs is None, reason="syncfs is Linux's")
def test_many_files_are_synced_by_one_syncfs_before_any_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many files: written, then one syncfs per file system, then renamed; a failed syncfs renames
    nothing, leaves no temporary file and says which folder."""
    files = {f"postes/p{i}.html": b"new %d" % i for i in range(100)}
    files["atom.xml"] = b"new atom"
    write_tree(tmp_path, {name: b"old" for name in files})
    calls: list[int] = []
    real = output._syncfs
    assert real is not None

    def syncfs(fd: int) -> int:
        assert all(p.read_bytes() == b"old" for p in (tmp_path / "postes").glob("p*.html"))
        assert sorted(tmp_path.rglob(".p*.tmp")) and not sorted(tmp_path.rglob("p*.html.tmp"))
        calls.append(fd)
        return 5  # EIO

    monkeypatch.setattr(output, "_syncfs", syncfs)
    monkeypatch.setattr(output, "_sync_file", lambda fd, name: pytest.fail("one fsync per file"))
    with pytest.raises(OutputError, match=r"Input/output error; the previous file is intact"):
        write_tree(tmp_path, files)
    assert len(calls) == 1  # one file system
    assert all((tmp_path / name).read_bytes() == b"old" for name in files)
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    monkeypatch.setattr(output, "_syncfs", lambda fd: (calls.append(fd), real(fd))[1])
    calls.clear()
    assert len(write_tree(tmp_path, files)[0]) == 101 and len(calls) == 1
    assert all((tmp_path / name).read_bytes() == files[name] for name in files)


def test_pieces_are_written_as_their_bytes_and_compared_with_the_file(tmp_path: Path) -> None:
    pieces = [b"<feed>", b"", b"x" * 70_000, "é".encode(), b"</feed>\n"]
    joined = b"".join(pieces)
    assert write_tree(tmp_path, {"atom.xml": Pieces(pieces)}) == (["atom.xml"], [])
    assert (tmp_path / "atom.xml").read_bytes() == joined
    os.utime(tmp_path / "atom.xml", (1_000_000, 1_000_000))
    assert write_tree(tmp_path, {"atom.xml": Pieces([joined[:5], joined[5:]])}) == ([], ["atom.xml"])
    assert (tmp_path / "atom.xml").stat().st_mtime == 1_000_000
    same_size = Pieces([joined[:-2], b"!\n"])
    assert write_tree(tmp_path, {"atom.xml": same_size}) == (["atom.xml"], [])
    assert (tmp_path / "atom.xml").read_bytes() == bytes(same_size) == joined[:-2] + b"!\n"


@pytest.mark.parametrize("gather", [True, False], ids=["writev", "no-writev"])
def test_pieces_are_written_whole_when_the_system_takes_a_few_bytes_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gather: bool
) -> None:
    """A write may take fewer bytes than it is given: what is left is written again, in order
    (and where the system has no writev, one piece at a time)."""
    real_write, calls = os.write, []

    def few(fd: int, data: object) -> int:
        calls.append(1)
        return real_write(fd, bytes(data)[:7])  # type: ignore[call-overload]

    def few_gathered(fd: int, buffers: list[memoryview]) -> int:
        return few(fd, b"".join(buffers))

    if gather:
        monkeypatch.setattr(os, "writev", few_gathered)
    else:
        monkeypatch.delattr(os, "writev", raising=False)
        monkeypatch.setattr(os, "write", few)
    monkeypatch.setattr(output, "_WRITEV_MAX", 3)
    pieces = [bytes([65 + i]) * (i * 5) for i in range(12)]
    write_tree(tmp_path, {"rss.xml": Pieces(pieces)})
    assert (tmp_path / "rss.xml").read_bytes() == b"".join(pieces)
    assert len(calls) >= sum(map(len, pieces)) // 7


def test_a_system_that_takes_nothing_is_an_error_not_a_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"atom.xml": b"old"})
    monkeypatch.setattr(os, "writev", lambda fd, buffers: 0)
    with pytest.raises(
        OutputError, match=r"atom\.xml: nothing could be written; the previous file is intact"
    ):
        write_tree(tmp_path, {"atom.xml": Pieces([b"new ", b"feed"])})
    assert (tmp_path / "atom.xml").read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["atom.xml"]
