"""A build with the last build's inputs, at an instant at which they give the same output, writes
nothing and reads no posting.

A build's files are a pure function of its inputs (the posting files, the configuration, the output
folder as the last build left it, jobfeed's code and the libraries it renders with) and of `now`,
which changes them only at the instants `publish/span.py` lists (a role opening or closing, a
day on which a tombstone or a cancelled event goes). After a build, `settled.json` in the cache
folder records all of that: a key of the configuration, the folders, jobfeed's own files (their
bytes) and the libraries' installed versions; the stamp (`output.Stamp`) and sha256 of every
posting file and of every file the build left in the output folder; the span of instants around its
`now` with the same output; and what it reported. The next build first stats the posting files and
the output files (~40 ms at 10,000 postings): when each has its recorded stamp, or else the
recorded bytes (a fresh checkout, as in CI, gives every file a new stamp: those files are read and
hashed), and `now` is in the span, the output folder already holds exactly the files this build
would write, and it reports what the last one did.

Nothing is trusted beyond that. A posting whose last change was too recent for its stamp to stand
for its bytes (`loadcache.RACY_NS`: a change in the same tick of a coarse clock) is read and hashed
every time. The record is removed before a build writes anything, and written after it finished; a
build that met a problem with the output folder itself (a file it may not overwrite, a file it
could not remove) records nothing. With the cache off, nothing of this runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import importlib.util
import os
import re
import stat
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from jobfeed._incremental.loadcache import RACY_NS
from jobfeed._version import __version__
from jobfeed.config import Config, config_key
from jobfeed.core.postings import Posting, is_posting_name
from jobfeed.errors import Problem
from jobfeed.output import Stamp, replace_file, stamp_of

#: Bump when the layout of the record, or what it must cover, changes.
SETTLED_FORMAT = 1
FILE_NAME = "settled.json"

#: The libraries whose output ends up in the files (rendering, sanitizing, templates, YAML, dates),
#: by module and distribution: their installed versions are part of the key.
LIBRARIES = (
    ("cmarkgfm", "cmarkgfm"),
    ("nh3", "nh3"),
    ("markdown", "Markdown"),
    ("jinja2", "Jinja2"),
    ("markupsafe", "MarkupSafe"),
    ("yaml", "PyYAML"),
    ("slugify", "python-slugify"),
    ("orjson", "orjson"),
    ("tzdata", "tzdata"),
)


@dataclasses.dataclass(frozen=True)
class Replay:
    """What the last build reported, to report again."""

    counts: tuple[int, int, int]  # open, closed, scheduled
    skipped: int
    files: list[str]  # every file of the output folder the build produced
    problems: list[Problem]


def _package_digest() -> str:
    """sha256 of every file of jobfeed itself (code, templates, schemas), by path and bytes: a
    change of code changes the output without changing jobfeed's version (~100 files, 2 ms)."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = os.path.join(folder, name)
            digest.update(os.path.relpath(path, root).encode("utf-8", "surrogateescape") + b"\0")
            digest.update(_sha256_of(Path(path)).encode() + b"\0")
    return digest.hexdigest()


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def library_versions() -> list[str]:
    """Each library of `LIBRARIES` as installed: the names of its metadata folders next to it
    (`nh3-0.2.18.dist-info`, `PyYAML-6.0.egg-info`: they carry the version), without importing it."""
    found: list[str] = []
    listed: dict[Path, list[str]] = {}
    for module, distribution in LIBRARIES:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.origin:
            found.append(f"{module}: absent")
            continue
        origin = Path(spec.origin)
        folder = origin.parent.parent if spec.submodule_search_locations else origin.parent
        if folder not in listed:
            try:
                listed[folder] = sorted(os.listdir(folder))
            except OSError:
                listed[folder] = []
        meta = [
            name
            for name in listed[folder]
            if name.endswith((".dist-info", ".egg-info"))
            and _normal(name.split("-")[0]) == _normal(distribution)
        ]
        found.append(f"{module}: {' '.join(meta) or _sha256_of(origin)}")
    return found


def inputs_key(config: Config, postes: Path, out: Path) -> str:
    """sha256 of what, besides the posting files and `now`, decides the output: the configuration
    (without the chat channels, which no file shows), the folders, jobfeed and its libraries, and
    the system's rules of the site's time zone (which come before tzdata's)."""
    parts = [
        str(SETTLED_FORMAT),
        __version__,
        sys.version,
        config_key(config),
        str(postes.resolve()),
        str(out.resolve()),
        _package_digest(),
        *library_versions(),
        _sha256_of(Path("/usr/share/zoneinfo") / config.timezone),
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def posting_stamps(folder: Path) -> dict[str, Stamp | None]:
    """The stamp of every posting file of `folder` (`postings.posting_files`' choice), by name;
    None for one that is not a plain file (never trusted)."""
    found: dict[str, Stamp | None] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if not is_posting_name(name):
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


def _same(path: str, stamp: Stamp | None, recorded: list[Any]) -> bool:
    """Whether the file at `path`, of stamp `stamp`, holds what the record says: [size, modified,
    changed, inode, sha256, recent]. Its stamp stands for its bytes unless the file had changed too
    recently when they were recorded (`recent`); else its bytes are hashed."""
    size, modified, changed, inode, digest, recent = recorded
    if stamp == (size, modified, changed, inode) and not recent:
        return True
    return bool(digest) and stamp is not None and stamp[0] == size and _sha256_of(Path(path)) == digest


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
        moved = False  # a file with the same bytes and another stamp (a fresh checkout)
        postes, out = f"{self.postes}/", f"{self.out}/"  # (10,000 pathlib paths: 0.1 s)
        for name, recorded in postings.items():
            if not _same(postes + name, self.postings[name], recorded):
                return None
            moved = moved or self.postings[name] != tuple(recorded[:4])
        outputs: dict[str, Stamp] = {}
        for relative, recorded in raw["outputs"].items():
            try:
                info = os.lstat(out + relative)
            except OSError:
                return None
            outputs[relative] = stamp_of(info)
            if not stat.S_ISREG(info.st_mode) or not _same(out + relative, outputs[relative], recorded):
                return None
            moved = moved or outputs[relative] != tuple(recorded[:4])
        if moved:  # the same bytes under new stamps: recorded with them, for the next build
            self._write(
                raw,
                {n: r[4] for n, r in postings.items()},
                outputs,
                {o: r[4] for o, r in raw["outputs"].items()},
            )
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
        digests: Mapping[str, str],
        replay: Replay,
    ) -> None:
        """Record this build: `outputs` are the stamps of the files it left in the output folder
        (by path relative to it), `digests` their sha256, `replay` what it reported. Nothing is
        recorded when a posting is not a plain file, or changed too recently for its stamp to be
        trusted and its bytes' sha256 is not known (a file that did not load)."""
        read = {os.path.basename(p.path): p.digest for p in postings}
        raw = {
            "format": SETTLED_FORMAT,
            "version": __version__,
            "key": self.key,
            "span": [t.isoformat() if t else None for t in span],
            "report": {
                "counts": list(replay.counts),
                "skipped": replay.skipped,
                "files": replay.files,
                "problems": [dataclasses.asdict(p) for p in replay.problems],
                "errors": any(p.is_error for p in replay.problems),
            },
        }
        self._write(raw, read, outputs, digests)

    def _write(
        self,
        raw: dict[str, Any],
        read: Mapping[str, str],
        outputs: Mapping[str, Stamp],
        digests: Mapping[str, str],
    ) -> None:
        """Write the record `raw` with the postings' and the outputs' stamps and sha256 (`read`,
        `digests`: by name, by relative path)."""
        postings: dict[str, list[Any]] = {}
        trusted = self.checked - RACY_NS
        for name, stamp in self.postings.items():
            if stamp is None:
                return
            digest = read.get(name, "")
            recent = not 0 < stamp[2] < trusted
            if recent and not digest:
                return
            postings[name] = [*stamp, digest, recent]
        written = {
            relative: [*stamp, digests.get(relative, ""), False] for relative, stamp in outputs.items()
        }
        data = {**raw, "postings": postings, "outputs": written}
        replace_file(self.path, orjson.dumps(data, option=orjson.OPT_SORT_KEYS))
