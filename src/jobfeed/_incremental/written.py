"""What the last build wrote in the output folder, so that the next one knows, without opening
them, the files whose bytes it writes again.

`written.json` in the cache folder records, for each file of the output folder the build
produced, its stamp as the system gives it (size, modification and change times in nanoseconds,
inode: `output.Stamp`, taken right after the build renamed it into place), the sha256 of its bytes and, for a role's page, the key of the inputs it was made
from (`pagecache.py`). A file whose stamp is the one recorded has not been
written since (a write or a replacement changes its change time, which no program can set back,
or its inode), so when the new bytes have
the recorded sha256 it is left alone without being read: a rebuild of a 10,000-posting board then
opens none of its ~9,400 files, where reading them back cost one open and one read each.

Nothing is trusted beyond that: a file whose stamp differs (edited, restored by git, written by
another build, a record from another output folder or version) is read and compared as without
the record, and a damaged record is ignored. The one thing the stamp cannot tell is a file written
by another program in the same tick of the clock as jobfeed wrote it (between the rename and the
stamp, microseconds apart). (On Windows the change time is the creation time: a write in place
to the same size within a tick is not seen there.) Hashing the new bytes costs less
than reading the files (~0.1 s for 285 MB); in a first build it runs in a thread while they are
written.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import orjson

from jobfeed._version import __version__
from jobfeed.output import Content, OnDisk, Pieces, Staged, Stamp, replace_file, stamp_of

#: Bump when the layout of the record changes.
WRITTEN_FORMAT = 1
FILE_NAME = "written.json"


def digest_of(data: Content) -> str:
    """sha256 of the bytes, taken from their pieces as they are."""
    if isinstance(data, OnDisk | Staged):
        return data.digest
    h = hashlib.sha256()
    for piece in data.pieces if isinstance(data, Pieces) else (data,):
        h.update(piece)
    return h.hexdigest()


class Written:
    """The record of what the last build wrote in `out`, kept in the cache folder `cache`."""

    def __init__(self, cache: Path, out: Path) -> None:
        self.path = cache / FILE_NAME
        self.where = str(out.resolve())
        self.records = self._read()
        self.digests: dict[str, str] = {}
        #: file -> the key of what it was made from, when the maker gives one (`pagecache.py`)
        self.keys: dict[str, str] = {}
        #: the sha256 of a file's new bytes when another part worked it out (`splice.Splice.digest`)
        self.shared: Callable[[str], str | None] = lambda relative: None
        self._thread: threading.Thread | None = None

    def _read(self) -> dict[str, list[Any]]:
        try:
            raw = orjson.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        if not (
            isinstance(raw, dict)
            and raw.get("format") == WRITTEN_FORMAT
            and raw.get("version") == __version__
            and raw.get("out") == self.where
            and isinstance(raw.get("files"), dict)
        ):
            return {}
        return {
            relative: record
            for relative, record in raw["files"].items()
            if isinstance(record, list)
            and len(record) == 6
            and all(isinstance(n, int) for n in record[:4])
            and isinstance(record[4], str)
            and isinstance(record[5], str)
        }

    def prepare(self, files: Mapping[str, Content]) -> None:
        """With nothing recorded (a first build), hash `files` in a thread while they are written."""
        if not self.records:
            self._thread = threading.Thread(target=self._digest_all, args=(files,), daemon=True)
            self._thread.start()

    def _digest_all(self, files: Mapping[str, Content]) -> None:
        self.digests.update((relative, digest_of(data)) for relative, data in list(files.items()))

    def known(self, relative: str, stamp: Stamp, data: Content) -> bool:
        """Whether the file at `relative`, whose stamp is `stamp`, holds `data`: it is the file the
        last build wrote (same stamp) and `data` are the bytes written then (same sha256)."""
        record = self.records.get(relative)
        if record is None or (record[0], record[1], record[2], record[3]) != stamp:
            return False
        return bool(self._digest(relative, data) == record[4])

    def _digest(self, relative: str, data: Content) -> str:
        found = self.digests.get(relative) or self.shared(relative)
        if found is None:
            found = digest_of(data)
        self.digests[relative] = found
        return found

    def kept(self, relative: str, key: str, path: str) -> OnDisk | None:
        """The file at `relative` (`path`) as it is, when the last build made it from the inputs of
        `key` and nothing wrote it since (its stamp is the one recorded); else None."""
        record = self.records.get(relative)
        if record is None or record[5] != key or not key:
            return None
        try:
            info = os.lstat(path)
        except OSError:
            return None
        stamp = stamp_of(info)
        if not stat.S_ISREG(info.st_mode) or (record[0], record[1], record[2], record[3]) != stamp:
            return None
        return OnDisk(stamp, record[4])

    def save(self, files: Mapping[str, Content], stamps: Mapping[str, Stamp]) -> None:
        """Record `files` as written, with their `stamps` (`output.write_tree`'s). A record that
        cannot be written only costs speed."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        records = {}
        for relative, data in files.items():
            stamp = stamps.get(relative)
            if stamp is not None:
                records[relative] = [*stamp, self._digest(relative, data), self.keys.get(relative, "")]
        if records == self.records:
            return
        self.records = records  # as this build left the files (`settled.py` takes their sha256)
        raw = {"format": WRITTEN_FORMAT, "version": __version__, "out": self.where, "files": records}
        replace_file(self.path, orjson.dumps(raw))
