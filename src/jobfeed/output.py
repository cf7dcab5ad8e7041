"""Writing files under the output folder: atomically, only when their bytes changed, never outside it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import OutputError


def inside(folder: Path, relative: str) -> Path:
    """`folder/relative`, refusing any path that would leave `folder`."""
    root = folder.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root) or target == root:
        raise OutputError(f"refusing to write {relative!r}: it is outside {folder}")
    return target


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` through a temporary file and a rename; False when already identical."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}; the previous file is intact") from e
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return True


def write_tree(folder: Path, files: dict[str, bytes]) -> tuple[list[str], list[str]]:
    """Write every file of `files` (relative path -> bytes); returns (written, unchanged)."""
    targets = {relative: inside(folder, relative) for relative in sorted(files)}
    written: list[str] = []
    unchanged: list[str] = []
    for relative, target in targets.items():
        (written if write_atomic(target, files[relative]) else unchanged).append(relative)
    return written, unchanged
