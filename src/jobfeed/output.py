"""Writing files under the output folder: atomically, only when their bytes changed, never outside it."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import os
import re
import secrets
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import ClassVar

from jobfeed.core.claims import FILE_NAME as CLAIMS_FILE
from jobfeed.core.claims import Claims
from jobfeed.errors import OutputError


class Pieces:
    """A file's bytes as the pieces they are made of, which `write_tree` writes without joining
    them: at 10,000 postings the three feeds are 60 MB in 11,000 entries, and joining them cost
    ~50 ms and as much memory again."""

    __slots__ = ("pieces", "size")

    def __init__(self, pieces: Sequence[bytes]) -> None:
        self.pieces = pieces
        self.size = sum(map(len, pieces))

    def __len__(self) -> int:
        return self.size

    def __bytes__(self) -> bytes:
        return b"".join(self.pieces)

    def matches(self, data: bytes) -> bool:
        """Whether `data` are these bytes."""
        if len(data) != self.size:
            return False
        at = 0
        for piece in self.pieces:
            if not data.startswith(piece, at):  # compared in place (a memoryview compares slowly)
                return False
            at += len(piece)
        return True


class OnDisk:
    """A file's bytes as the file already holds them: what the speed machinery gives instead of
    making them again when it knows the file is the one it wrote for the same inputs (its stamp,
    `Stamp`, and `digest`, the sha256 of its bytes). `write_tree` leaves such a file alone, and
    refuses to go on when its stamp changed since (the file was changed during the build)."""

    __slots__ = ("digest", "size", "stamp")

    def __init__(self, stamp: tuple[int, int, int, int], digest: str) -> None:
        self.stamp, self.digest, self.size = stamp, digest, stamp[0]

    def __len__(self) -> int:
        return self.size


class Staged:
    """A file's bytes as another process wrote them, at `offset` in its spool (`Spool`), and their
    sha256: the bytes never travel to, nor stay in, the process that writes the tree, which copies
    them from the spool into the file's temporary file within the system (`os.copy_file_range`)."""

    __slots__ = ("digest", "offset", "size", "spool")

    def __init__(self, spool: str, offset: int, size: int, digest: str) -> None:
        self.spool, self.offset, self.size, self.digest = spool, offset, size, digest

    def __len__(self) -> int:
        return self.size

    def __bytes__(self) -> bytes:
        fd = os.open(self.spool, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            return os.pread(fd, self.size, self.offset)
        finally:
            os.close(fd)


#: What `write_tree` writes: bytes, the pieces they are made of, the file as it is, or where
#: another process put them.
Content = bytes | Pieces | OnDisk | Staged


def is_safe_path(relative: str) -> bool:
    """A relative path that stays inside the output folder, whatever the file system does with it."""
    parts = relative.split("/")
    return (
        bool(relative)
        and not relative.startswith("/")
        and "\\" not in relative
        and ":" not in relative
        and "\x00" not in relative
        and all(part not in ("", ".", "..") for part in parts)
    )


def _locate(folder: Path, relatives: Iterable[str]) -> dict[str, tuple[str, os.stat_result | None]]:
    """`folder/r` of each of `relatives` and what `os.lstat` says of it (None: no such file),
    refusing any path that would leave `folder`, in their order. Each parent folder is resolved
    once, and each file costs one lstat (is it a symbolic link? is it there, and how big?) instead of
    one per part of its path; strings, not `Path`s (~0.5 s of pathlib at 10,000 files)."""
    root = folder.resolve()
    root_text = str(root)
    inside = root_text.rstrip("/") + "/"
    parents: dict[str, str] = {}
    found: dict[str, tuple[str, os.stat_result | None]] = {}
    for relative in relatives:
        head, _, name = relative.rpartition("/")
        info: os.stat_result | None = None
        if name in ("", ".", ".."):
            target = str((root / relative).resolve())
        else:
            parent = parents.get(head)
            if parent is None:
                parent = parents[head] = str((root / head).resolve()) if head else root_text
            target = f"{parent}/{name}" if parent != "/" else f"/{name}"
            try:
                info = os.lstat(target)
            except OSError:
                info = None
            if info is not None and stat.S_ISLNK(info.st_mode):
                target = str(Path(target).resolve())
                try:
                    info = os.lstat(target)
                except OSError:
                    info = None
        if not target.startswith(inside):
            raise OutputError(f"refusing to write {relative!r}: it is outside {folder}")
        found[relative] = (target, info)
    return found


#: The temporary files `_stage` makes: `.<name>.<8 random characters>.tmp`.
_STAGED = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp")


#: The spool files of `Spool`, in the output folder: `.jobfeed-spool.<8 characters>.tmp`.
_SPOOL = re.compile(r"\.jobfeed-spool\.[a-z0-9]{8}\.tmp")


def remove_stale(targets: Iterable[str], keep: Collection[str] = ()) -> list[Path]:
    """Delete the temporary files a killed run left next to `targets`; returns them.

    Only files named as `_stage` names them, for one of `targets`, are touched, and the spool
    files of `Spool` (`_SPOOL`) but those in `keep` (this build's): one listing of each folder,
    whatever the number of files.
    """
    names: dict[str, set[str]] = {}
    for target in targets:
        folder, _, name = target.rpartition("/")
        names.setdefault(folder or "/", set()).add(name)
    removed = []
    for folder, wanted in names.items():
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            spool = _SPOOL.fullmatch(entry.name) and entry.path not in keep
            found = _STAGED.fullmatch(entry.name) if entry.name.startswith(".") else None
            if (spool or (found and found["name"] in wanted)) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


#: What says a file is the one a build wrote, without reading it: `stamp_of`.
Stamp = tuple[int, int, int, int]


def stamp_of(info: os.stat_result) -> Stamp:
    """(size, modification time, change time, inode): a write or a replacement changes the change
    time, which no program can set back (a modification time can be: `touch -d`)."""
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


#: Whether the file at a relative path, with this stamp, is known to hold these bytes (a record of
#: what the last build wrote and their digests, `_incremental/written.py`): then it is not read.
Known = Callable[[str, Stamp, "Content"], bool]


def _unchanged(path: str, info: os.stat_result | None, data: bytes | Pieces | Staged) -> bool:
    if info is None or not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
        return False
    try:
        with open(path, "rb") as f:
            found = f.read()
    except OSError:
        return False
    if isinstance(data, Staged):
        return hashlib.sha256(found).hexdigest() == data.digest
    return data.matches(found) if isinstance(data, Pieces) else found == data


#: Flags of a temporary file: created here, never an existing one or a link.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class _Namer:
    """Names of temporary files next to their targets, `.<name>.<8 characters>.tmp` (`_STAGED`):
    one random draw per build and a counter, instead of one draw per file (`tempfile`)."""

    def __init__(self) -> None:
        self.base = secrets.token_hex(2)
        self.count = itertools.count()
        self.lock = threading.Lock()

    def name(self, target: str) -> str:
        with self.lock:
            n = next(self.count)
        folder, _, name = target.rpartition("/")
        return f"{folder}/.{name}.{self.base}{n:04x}.tmp" if n < 16**4 else self.fresh(target)

    @staticmethod
    def fresh(target: str) -> str:
        folder, _, name = target.rpartition("/")
        return f"{folder}/.{name}.{secrets.token_hex(4)}.tmp"


def _stage(target: str, data: bytes | Pieces | Staged, namer: _Namer, sync: bool = True) -> str:
    """Write `data` to a new temporary file next to `target`, on disk (synced) when this returns
    if `sync`: one open per file (the descriptor written is the one synced). Returns its name."""
    tmp = namer.name(target)
    for _ in range(100):
        try:
            fd = os.open(tmp, _CREATE, 0o644)
            break
        except FileExistsError:
            tmp = namer.fresh(target)
    else:  # pragma: no cover - 100 random names all taken
        raise OSError(errno.EEXIST, "no temporary name is free", tmp)
    try:
        try:
            os.fchmod(fd, 0o644)  # whatever the umask, as published files are
            _write(fd, data)
            if sync:
                _sync_file(fd, tmp)
        finally:
            os.close(fd)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


#: Pieces a `writev` call is given at most (the usual IOV_MAX).
_WRITEV_MAX = 1024


def _write(fd: int, data: bytes | Pieces | Staged) -> None:
    """Write `data` to `fd`, its pieces gathered by the system from where they are (`os.writev`
    where there is one), whatever it takes in each call."""
    if isinstance(data, Staged):
        _copy(data, fd)
        return
    writev = getattr(os, "writev", None)
    pieces = data.pieces if isinstance(data, Pieces) else [data]
    views = [memoryview(piece) for piece in pieces if piece]
    i = 0
    while i < len(views):
        done = writev(fd, views[i : i + _WRITEV_MAX]) if writev is not None else os.write(fd, views[i])
        if done <= 0:
            raise OSError(errno.EIO, "nothing could be written")
        while i < len(views) and done >= len(views[i]):  # the pieces written whole
            done -= len(views[i])
            i += 1
        if done:  # and the one written in part
            views[i] = views[i][done:]


#: The spools `_copy` reads from, open (path -> descriptor), in the process that writes the tree.
_SPOOLS: dict[str, int] = {}


def _copy(data: Staged, fd: int) -> None:
    """Copy `data` from its spool to `fd`, within the system where it can."""
    source = _SPOOLS.get(data.spool)
    if source is None:
        source = _SPOOLS[data.spool] = os.open(data.spool, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    at, left = data.offset, data.size
    copy = getattr(os, "copy_file_range", None)
    while left > 0:
        done = 0
        if copy is not None:
            try:
                done = copy(source, fd, left, at)
            except OSError as e:  # pragma: no cover - a file system or kernel without it
                if e.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                    raise
                copy = None
        if not done:
            chunk = os.pread(source, min(left, 1 << 20), at)
            if not chunk:
                raise OSError(errno.EIO, "the spool is shorter than recorded", data.spool)
            done = os.write(fd, chunk)
        at += done
        left -= done


def close_spools() -> None:
    """Close the spools `write_tree` read (`_copy`)."""
    while _SPOOLS:
        with contextlib.suppress(OSError):
            os.close(_SPOOLS.popitem()[1])


def _sync_file(fd: int, name: str) -> None:
    """fsync the file open as `fd` (the temporary file `name`)."""
    os.fsync(fd)


#: Threads that write and sync files together; the file system commits their fsyncs in fewer
#: journal commits than one file at a time (at 9,400 files: ~0.5 s against 1 to 2.5 s here).
SYNC_THREADS = 8


def _load_syncfs() -> Callable[[int], int] | None:
    """Linux's syncfs(2) from the C library: every file of one file system to disk in one call."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):  # pragma: no cover - a C library without syncfs
        return None
    function.argtypes, function.restype = [ctypes.c_int], ctypes.c_int

    def syncfs(fd: int) -> int:
        return 0 if function(fd) == 0 else ctypes.get_errno()

    return syncfs


#: syncfs where there is one (None elsewhere): `_stage_all` syncs many files with it.
_syncfs = _load_syncfs()


def _sync_folders(folders: Iterable[str]) -> None:
    """Every file written in `folders` to disk: one syncfs per file system they are on (since Linux
    5.8 it reports the write errors of any file of it). Raises OSError naming the folder."""
    assert _syncfs is not None
    seen: set[int] = set()
    for folder in folders:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
        try:
            device = os.fstat(fd).st_dev
            if device in seen:
                continue
            seen.add(device)
            failed = _syncfs(fd)
            if failed:
                raise OSError(failed, os.strerror(failed), folder)
        finally:
            os.close(fd)


def _stage_all(jobs: list[tuple[str, str, bytes | Pieces | Staged]], namer: _Namer) -> dict[str, str]:
    """Write and sync every (relative path, target, bytes) of `jobs` to a temporary file; relative
    path -> temporary name. Every file is on disk before this returns, so before any is renamed.
    Many files are written one after the other, then synced by one syncfs per file system (9,400
    fsyncs cost ~1 to 2.5 s of journal commits here); where there is no syncfs, each is synced
    from a few threads (open, write and fsync release the GIL). Raises the OSError of a file that
    failed, with its relative path in `filename` (or the folder's, for a failed syncfs), once none
    is being written any more; the temporary files made are then removed."""
    staged: dict[str, str] = {}
    many = len(jobs) >= 2 * SYNC_THREADS

    def one(job: tuple[str, str, bytes | Pieces | Staged]) -> None:
        relative, target, data = job
        try:
            staged[relative] = _stage(target, data, namer, sync=not (many and _syncfs))
        except OSError as e:
            e.filename = relative
            raise

    try:
        if not many or _syncfs is not None:
            for job in jobs:
                one(job)
            if many:
                _sync_folders(dict.fromkeys(target.rpartition("/")[0] or "/" for _, target, _ in jobs))
        else:
            from concurrent.futures import ThreadPoolExecutor  # ~6 ms to import, for many files only

            with ThreadPoolExecutor(SYNC_THREADS) as pool:
                for _ in pool.map(one, jobs):
                    pass
    except BaseException:
        for tmp in staged.values():
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    return staged


class Spool:
    """Where a process puts the bytes of files for another one to write (`Staged`): one file in
    the output folder `folder`, `.jobfeed-spool.<8 characters>.tmp` (`_SPOOL`), per process and
    build (`build`, a token of the caller's), appended to. Files made one by one over seconds,
    in two processes at once, cost the file system far more than the same files made at once
    (its journal and its folders' locks: ~3 s of processor time at 10,000 pages): the spool is
    one file, and `write_tree` makes the files in one go. A spool a killed run left is removed by
    the next `write_tree` into the folder; the caller removes its own (`remove_spools`)."""

    _open: ClassVar[dict[tuple[int, str], tuple[str, int, list[int]]]] = {}
    _failed: ClassVar[dict[tuple[int, str], str]] = {}  # the spools that could not be made, and why

    @classmethod
    def put(cls, folder: str, build: str, data: bytes) -> Staged:
        """Append `data` to this process's spool of `build` in `folder`; OutputError when it
        cannot be (asked once per process and build)."""
        key = (os.getpid(), build)
        found = cls._open.get(key)
        if key in cls._failed:
            raise OutputError(cls._failed[key])
        if found is None:
            for old in [k for k in cls._open if k[0] == key[0]]:  # an earlier build's: done with
                with contextlib.suppress(OSError):
                    os.close(cls._open.pop(old)[1])
            try:
                os.makedirs(folder, exist_ok=True)
                path = f"{Path(folder).resolve()}/.jobfeed-spool.{secrets.token_hex(4)}.tmp"
                fd = os.open(path, _CREATE, 0o600)
            except OSError as e:
                cls._failed[key] = f"cannot write in {folder}: {e.strerror or e}"
                raise OutputError(cls._failed[key]) from e
            found = cls._open[key] = (path, fd, [0])
        path, fd, end = found
        at = end[0]
        try:
            _write(fd, data)
        except OSError as e:
            raise OutputError(f"cannot write {path}: {e.strerror or e}") from e
        end[0] += len(data)
        return Staged(path, at, len(data), hashlib.sha256(data).hexdigest())


def remove_spools(files: Iterable[Content]) -> None:
    """Remove the spools of the `Staged` among `files` (once the tree is written, or not)."""
    close_spools()
    for key in [k for k in Spool._open if k[0] == os.getpid()]:  # this process's own
        with contextlib.suppress(OSError):
            os.close(Spool._open.pop(key)[1])
    for spool in {data.spool for data in files if isinstance(data, Staged)}:
        with contextlib.suppress(OSError):
            os.unlink(spool)


def replace_file(path: Path, data: bytes | Pieces) -> bool:
    """Write a cache file: a temporary file renamed over `path`, so it is whole or absent, but not
    synced (a cache lost in a crash only costs speed). False when it cannot be written."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            _write(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        tmp = None
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` through a temporary file and a rename; False when already identical."""
    return bool(write_tree(path.parent, {path.name: data}, check_inside=False)[0])


def write_tree(
    folder: Path,
    files: Mapping[str, Content],
    *,
    check_inside: bool = True,
    known: Known | None = None,
    stamps: dict[str, Stamp] | None = None,
) -> tuple[list[str], list[str]]:
    """Write every changed file of `files` (relative path -> bytes); returns (written, unchanged).

    Two phases: every changed file is first written to a temporary file and synced; only when all
    of them are on disk are they renamed into place. A full disk or an unwritable folder therefore
    leaves the previous files all intact, never a mix of old and new. A run killed while writing or
    renaming leaves each file whole, old or new (a brand-new file is there whole, or not at all);
    temporary files a killed run left are removed first.

    A file is unchanged when it has the size of the new bytes and holds them: `known` may say so
    from its stamp (`Stamp`) without reading it, else it is read and compared. `stamps`, when
    given, is filled with the stamp of every file of `files` once written (relative path ->).
    """
    if check_inside:
        located = _locate(folder, sorted(files))
    else:
        located = {}
        for relative in sorted(files):
            target = str(folder / relative)
            try:
                located[relative] = (target, os.lstat(target))
            except OSError:
                located[relative] = (target, None)
    spools = {data.spool for data in files.values() if isinstance(data, Staged)}
    remove_stale((target for target, _ in located.values()), keep=spools)
    changed: list[str] = []
    for relative, (target, info) in located.items():
        data = files[relative]
        if isinstance(data, OnDisk):
            if info is None or stamp_of(info) != data.stamp:
                raise OutputError(
                    f"{located[relative][0]} changed while jobfeed was building; nothing was written, "
                    "run the build again"
                )
            if stamps is not None:
                stamps[relative] = data.stamp
            continue
        if info is not None and stat.S_ISREG(info.st_mode) and info.st_size == len(data):
            stamp = stamp_of(info)
            if known is not None and known(relative, stamp, data):
                if stamps is not None:
                    stamps[relative] = stamp
                continue
            if _unchanged(target, info, data):
                if stamps is not None:
                    stamps[relative] = stamp
                continue
        changed.append(relative)
    staged: dict[str, str] = {}
    current = ""
    made: set[str] = set()
    try:
        jobs: list[tuple[str, str, bytes | Pieces | Staged]] = []
        for current in changed:
            target = located[current][0]
            parent = target.rpartition("/")[0] or "/"
            if parent not in made:  # one mkdir per folder, not per file
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            data = files[current]
            assert not isinstance(data, OnDisk)  # left alone above
            jobs.append((current, target, data))
        try:
            staged = _stage_all(jobs, _Namer())
        except OSError as e:
            current = str(e.filename)
            raise
        finally:
            close_spools()
        for relative in changed:
            current = relative
            os.replace(staged.pop(relative), located[relative][0])
    except OSError as e:
        where = located[current][0] if current in located else str(folder / current)
        raise OutputError(f"cannot write {where}: {e.strerror or e}; the previous file is intact") from e
    finally:
        for tmp in staged.values():
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    if stamps is not None:  # as the files are now, renamed (a rename sets the change time)
        for relative in changed:
            with contextlib.suppress(OSError):
                stamps[relative] = stamp_of(os.lstat(located[relative][0]))
    done = set(changed)
    return changed, [r for r in located if r not in done]


#: Largest `published.json` read: a few hundred bytes a role.
_CLAIMS_MAX = 64 * 1_048_576
_READ_PLAIN = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
)


def read_claims(folder: str | Path) -> Claims:
    """What the last build into `folder` published (`published.json`): nothing when there is no
    such plain file, as on a first build."""
    try:
        fd = os.open(Path(folder) / CLAIMS_FILE, _READ_PLAIN)
    except OSError:
        return Claims()
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _CLAIMS_MAX:
            return Claims()
        return Claims.from_json(os.read(fd, info.st_size))
    except OSError:
        return Claims()
    finally:
        os.close(fd)


def remove_files(folder: Path, relatives: Iterable[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Delete the files `relatives` of `folder` (never a path outside it, never a folder), then each
    of their folders that this left empty. Returns (removed, [(relative, why) that could not be]);
    a file already gone counts as removed."""
    root = folder.resolve()
    removed: list[str] = []
    failed: list[tuple[str, str]] = []
    parents: set[Path] = set()
    for relative in sorted(relatives):
        head, _, name = relative.rpartition("/")
        parent = (root / head).resolve() if head else root
        if name in ("", ".", "..") or not parent.is_relative_to(root):
            raise OutputError(f"refusing to remove {relative!r}: it is outside {folder}")
        target = parent / name  # a symbolic link is removed, not what it points to
        try:
            if target.is_dir() and not target.is_symlink():
                failed.append((relative, "it is a folder now"))
                continue
            os.unlink(target)
        except FileNotFoundError:
            pass
        except OSError as e:
            failed.append((relative, e.strerror or str(e)))
            continue
        removed.append(relative)
        parents.add(target.parent)
    for parent in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        while parent != root and parent.is_relative_to(root):
            try:
                parent.rmdir()  # only when empty
            except OSError:
                break
            parent = parent.parent
    return removed, failed
