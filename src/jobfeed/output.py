"""Writing files under the output folder: atomically, only when their bytes changed, never outside it."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import OutputError


def inside(folder: Path, relative: str) -> Path:
    """`folder/relative`, refusing any path that would leave `folder`."""
    root = folder.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root) or target == root:
        raise OutputError(f"refusing to write {relative!r}: it is outside {folder}")
    return target


#: The temporary files `_stage` makes: `.<name>.<8 random characters>.tmp`.
_STAGED = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp")


def remove_stale(targets: Iterable[Path]) -> list[Path]:
    """Delete the temporary files a killed run left next to `targets`; returns them.

    Only files named as `_stage` names them, for one of `targets`, are touched: one listing of
    each folder, whatever the number of files.
    """
    names: dict[Path, set[str]] = {}
    for target in targets:
        names.setdefault(target.parent, set()).add(target.name)
    removed = []
    for folder, wanted in names.items():
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            found = _STAGED.fullmatch(entry.name)
            if found and found["name"] in wanted and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def _unchanged(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _stage(path: Path, data: bytes) -> str:
    """Write `data` to a synced temporary file next to `path`; returns its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` through a temporary file and a rename; False when already identical."""
    return bool(write_tree(path.parent, {path.name: data}, check_inside=False)[0])


def write_tree(
    folder: Path, files: dict[str, bytes], *, check_inside: bool = True
) -> tuple[list[str], list[str]]:
    """Write every changed file of `files` (relative path -> bytes); returns (written, unchanged).

    Two phases: every changed file is first written to a synced temporary file; only when all of
    them are on disk are they renamed into place. A full disk or an unwritable folder therefore
    leaves the previous files all intact, never a mix of old and new. A run killed while renaming
    leaves each file whole, old or new; temporary files a killed run left are removed first.
    """
    targets = {
        relative: inside(folder, relative) if check_inside else folder / relative
        for relative in sorted(files)
    }
    remove_stale(targets.values())
    changed = [r for r, target in targets.items() if not _unchanged(target, files[r])]
    staged: dict[str, str] = {}
    current = ""
    try:
        for current in changed:
            staged[current] = _stage(targets[current], files[current])
        for relative in changed:
            current = relative
            os.replace(staged.pop(relative), targets[relative])
    except OSError as e:
        raise OutputError(
            f"cannot write {targets[current]}: {e.strerror or e}; the previous file is intact"
        ) from e
    finally:
        for tmp in staged.values():
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    done = set(changed)
    return changed, [r for r in targets if r not in done]
