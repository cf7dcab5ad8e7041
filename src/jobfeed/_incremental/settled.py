"""A build with the last build's inputs, at an instant at which they give the same output, writes
nothing and reads no posting.

A build's files are a pure function of its inputs (the posting files, the configuration, the output
folder as the last build left it, jobfeed's code and the libraries it renders with) and of `now`,
which changes them only at the instants `publish/span.py` lists (a role opening or closing, a
day on which a tombstone or a cancelled event goes). After a build, `settled.json` in the cache
folder records all of that: a key of the configuration, the folders and the code; the stamp of
every posting file (`output.Stamp`); the stamp of every file it left in the output folder; the
span of instants around its `now` with the same output; and what it reported. The next build
first stats the posting files and the output files (~40 ms at 10,000 postings): when every stamp
is the recorded one and `now` is in the span, the output folder already holds exactly the files
this build would write, and it reports what the last one did (the scheduled run of the Action on
a day on which no role changed, a rebuild with nothing changed).

Nothing is trusted beyond that. A posting whose last change is too recent for its stamp to stand
for its bytes (`loadcache.RACY_NS`: a change in the same tick of a coarse clock) is recorded with
the sha256 of the bytes the build read (`Posting.digest`), and read and hashed again before
anything is replayed. The record is removed before a build writes anything, and written after
it finished; a build that met a problem with the output folder itself (a file it may not
overwrite, a file it could not remove) records nothing. With the cache off, nothing of this runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import importlib.util
import os
import stat
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from jobfeed._incremental.loadcache import RACY_NS
from jobfeed._version import __version__
from jobfeed.config import Config
from jobfeed.core.postings import SUFFIXES, Posting
from jobfeed.errors import Problem
from jobfeed.output import Stamp, replace_file, stamp_of

#: Bump when the layout of the record, or what it must cover, changes.
SETTLED_FORMAT = 1
FILE_NAME = "settled.json"

#: The libraries whose output ends up in the files (rendering, sanitizing, templates, YAML, dates):
#: an upgrade rewrites their files, whose stamps are part of the key.
LIBRARIES = ("cmarkgfm", "nh3", "markdown", "jinja2", "markupsafe", "yaml", "slugify", "orjson", "tzdata")


@dataclasses.dataclass(frozen=True)
class Replay:
    """What the last build reported, to report again."""

    counts: tuple[int, int, int]  # open, closed, scheduled
    skipped: int
    files: list[str]  # every file of the output folder the build produced
    problems: list[Problem]


def _package_stamps() -> list[Any]:
    """The stamp of every file of jobfeed itself (code, templates, schemas) and of the libraries'
    entry files: a change of code changes the output without changing jobfeed's version."""
    found: list[Any] = []
    root = Path(__file__).resolve().parent.parent
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = os.path.join(folder, name)
            found.append([os.path.relpath(path, root), *_stamp(path)])
    for library in LIBRARIES:
        spec = importlib.util.find_spec(library)
        origin = spec.origin if spec is not None else None
        found.append([library, *(_stamp(origin) if origin else ())])
    return found


def _stamp(path: str) -> Stamp | tuple[()]:
    try:
        return stamp_of(os.stat(path))
    except OSError:
        return ()


def inputs_key(config: Config, postes: Path, out: Path) -> str:
    """sha256 of what, besides the posting files and `now`, decides the output: the configuration
    (without the chat channels, which no file shows), the folders, jobfeed and its libraries."""
    tz = Path("/usr/share/zoneinfo") / config.timezone  # the system's rules come before tzdata's
    parts = [
        str(SETTLED_FORMAT),
        __version__,
        sys.version,
        repr(dataclasses.replace(config, channels=())),
        str(postes.resolve()),
        str(out.resolve()),
        repr(_package_stamps()),
        repr(_stamp(str(tz))),
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def posting_stamps(folder: Path) -> dict[str, Stamp | None]:
    """The stamp of every posting file of `folder` (`postings.posting_files`' choice), by name;
    None for one that is not a plain file (never trusted)."""
    found: dict[str, Stamp | None] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if not name.lower().endswith(SUFFIXES) or name.startswith("."):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                found[name] = None
                continue
            found[name] = stamp_of(info) if stat.S_ISREG(info.st_mode) else None
    return found


def _sha256_of(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


class Settled:
    """The record of the last build into `out` from `postes`, kept in the cache folder `cache`."""

    def __init__(self, cache: Path, postes: Path, out: Path, config: Config) -> None:
        self.path = cache / FILE_NAME
        self.postes, self.out = postes, out
        self.key = inputs_key(config, postes, out)
        self.checked = time.time_ns()  # before any posting is stamped or read
        self.postings = posting_stamps(postes)

    def replay(self, now: dt.datetime, strict: bool = False) -> Replay | None:
        """What the last build reported, when this build would write exactly what it wrote;
        else None."""
        try:
            raw = orjson.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return None
        try:
            return self._replay(raw, now, strict)
        except (KeyError, TypeError, ValueError, AttributeError):  # a damaged record: build
            return None

    def _replay(self, raw: Any, now: dt.datetime, strict: bool) -> Replay | None:
        if raw.get("format") != SETTLED_FORMAT or raw["key"] != self.key:
            return None
        start, end = raw["span"]
        if (start is not None and now < dt.datetime.fromisoformat(start)) or (
            end is not None and now >= dt.datetime.fromisoformat(end)
        ):
            return None
        report = raw["report"]
        problems = [Problem(p["path"], p["line"], p["level"], p["message"]) for p in report["problems"]]
        if strict and report["errors"]:
            return None  # --strict refuses them: the build says so, and writes nothing
        postings = raw["postings"]
        if set(postings) != set(self.postings):
            return None
        for name, (size, modified, changed, inode, digest) in postings.items():
            if self.postings[name] != (size, modified, changed, inode):
                return None
            if digest and _sha256_of(self.postes / name) != digest:
                return None
        for relative, recorded in raw["outputs"].items():
            try:
                info = os.lstat(self.out / relative)
            except OSError:
                return None
            if not stat.S_ISREG(info.st_mode) or list(stamp_of(info)) != recorded:
                return None
        opened, closed, scheduled = report["counts"]
        return Replay((opened, closed, scheduled), report["skipped"], report["files"], problems)

    def forget(self) -> None:
        """Remove the record, before the build writes anything."""
        with contextlib.suppress(OSError):
            self.path.unlink()

    def remember(
        self,
        span: tuple[dt.datetime | None, dt.datetime | None],
        postings: Iterable[Posting],
        outputs: Mapping[str, Stamp],
        replay: Replay,
    ) -> None:
        """Record this build: `outputs` are the stamps of the files it left in the output folder
        (by path relative to it), `replay` what it reported. Nothing is recorded when a posting
        changed too recently for its stamp to be trusted and no digest of its bytes is known (a
        file that did not load), or when a posting is not a plain file."""
        digests = {os.path.basename(p.path): p.digest for p in postings}
        recorded: dict[str, list[Any]] = {}
        for name, stamp in self.postings.items():
            if stamp is None:
                return
            digest = ""
            if not 0 < stamp[2] < self.checked - RACY_NS:
                digest = digests.get(name, "")
                if not digest:
                    return
            recorded[name] = [*stamp, digest]
        start, end = span
        raw = {
            "format": SETTLED_FORMAT,
            "version": __version__,
            "key": self.key,
            "span": [start.isoformat() if start else None, end.isoformat() if end else None],
            "postings": recorded,
            "outputs": {relative: list(stamp) for relative, stamp in sorted(outputs.items())},
            "report": {
                "counts": list(replay.counts),
                "skipped": replay.skipped,
                "files": replay.files,
                "problems": [dataclasses.asdict(p) for p in replay.problems],
                "errors": any(p.is_error for p in replay.problems),
            },
        }
        replace_file(self.path, orjson.dumps(raw))
