"""A cache of loaded postings, so that a rebuild parses only the files that changed.

Loading a file (YAML front matter, dates, checks) is a pure function of its name, its bytes and
the settings that shape a posting (field mapping, time zone, size limit). The cache keeps, per
file, the posting and the problems found, keyed by sha256 of the name and the bytes, in one file
`load.jsonl` of the cache folder. That file carries the settings it was made with and a checksum of
its entries: when either does not match, the whole file is ignored and rebuilt, never trusted.
Symbolic links and files over the size limit are always loaded afresh (their result depends on
more than their bytes). The body is not stored: it is cut again from the bytes, at the offset the
entry records when the body is the file's last bytes as they are (the usual case), else by splitting
the file again.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from jobfeed._incremental.lazy import LazyPosting
from jobfeed._incremental.parallel import in_worker
from jobfeed._version import __version__
from jobfeed.config import Config
from jobfeed.core.dates import Moment
from jobfeed.core.postings import Posting, body_of
from jobfeed.errors import Problem
from jobfeed.output import Pieces, replace_file

Result = tuple[Posting | None, list[Problem]]
Loader = Callable[[Path], Result]
Mapper = Callable[
    ..., list[Any]
]  # (loader, files[, wire=(pack, unpack)]) -> results in order (parallel.Pool.map)

#: 3: dates outside 1970-2200 became errors; postings a format-2 cache holds may no longer load.
#: 4: text nested too deep became an error (issue 19). 5: the likely mistakes of issue 15 and the
#: nesting bound together: a cache made by either alone is not reused.
LOAD_FORMAT = 6
FILE_NAME = "load.jsonl"
#: A file's status is trusted to stand for its bytes only when its last change (ctime) came this
#: long before they were read and hashed: a change in the same tick of a coarse clock (1 or 2 s on
#: some file systems) could leave the status as it was.
RACY_NS = 2_000_000_000
#: Where `st_ctime` is the last change of a file, which every write moves. On Windows it is the
#: file's creation time, which a write in place keeps: every file is read and hashed there.
_CHANGE_TIMES = sys.platform != "win32"
#: What decoding an entry of an unexpected shape raises: a miss, never a crash.
_UNDECODABLE = (KeyError, TypeError, ValueError, IndexError, AttributeError)
#: O_NONBLOCK: a FIFO named `*.md` must not keep the build waiting for a writer.
_READ = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
)


class _Unencodable(Exception):
    """A value the cache cannot write exactly; the file is then simply not cached."""


def fingerprint(config: Config) -> str:
    """What, besides a file's name and bytes, decides what loading it gives."""
    settings = [
        LOAD_FORMAT,
        __version__,
        config.timezone,
        config.max_file_size,
        sorted(config.fields.items()),
        # issue 16: what else decides a loaded posting (team names, keys, rules, link values)
        sorted((key, team.name, team.url) for key, team in config.teams.items()),
        config.ignored_keys,
        config.midnight_deadline,
        config.opened_from_name,
        config.link_keys,
    ]
    return hashlib.sha256(json.dumps(settings).encode()).hexdigest()


class LoadCache:
    """`folder/load.jsonl`: a header line (format, settings, checksum of the rest), a line
    `stat <JSON>` (file name -> its status when its bytes were hashed, and their key), then one
    line per file, `<key> <JSON of (posting, problems)>`.

    A file whose status (size, modification and change times to the nanosecond, inode) is the one
    recorded, and whose last change came well before it was hashed (`RACY_NS`), is not read: its
    entry is used as git uses its index, and the posting's body is read from the file, and checked
    against its sha256, only where it is used (`lazy.LazyPosting`). Any write to a file
    sets its change time, which no program can set back."""

    def __init__(self, folder: str | Path, config: Config) -> None:
        self.path = Path(folder) / FILE_NAME
        self.config = config
        self.fingerprint = fingerprint(config)
        self.stats: dict[str, list[Any]] = {}
        self.entries: dict[bytes, bytes] = self._read()
        self.used: dict[bytes, bytes] = {}
        self.seen: dict[str, list[Any]] = {}  # the `stats` of this run's files
        self.hits = 0
        self.trusted = 0  # hits whose file was not read
        self.changed = False

    def _read(self) -> dict[bytes, bytes]:
        try:
            head, _, body = self.path.read_bytes().partition(b"\n")
            header = json.loads(head)
            if (
                not isinstance(header, dict)
                or header.get("format") != LOAD_FORMAT
                or header.get("settings") != self.fingerprint
                or header.get("sha256") != hashlib.sha256(body).hexdigest()
            ):
                return {}
        except (OSError, ValueError):
            return {}
        if body.startswith(b"stat "):
            line, _, body = body.partition(b"\n")
            try:
                stats = orjson.loads(line[5:])
            except ValueError:  # pragma: no cover - the checksum above covers it
                stats = {}
            self.stats = stats if isinstance(stats, dict) else {}
        return dict(line.split(b" ", 1) for line in body.splitlines() if b" " in line)

    def get(self, key: bytes, raw: bytes | None, path: str = "") -> Result | None:
        """The result of the entry `key`, for the file of bytes `raw` (or None: at `path`, whose
        status stands for them)."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        try:  # orjson: 2.5 times faster than json on these entries; the file is checked, the entry too
            result = _decode_result(orjson.loads(entry), raw, self.config, path)
        except _UNDECODABLE:
            return None
        self.used[key] = entry
        self.hits += 1
        return result

    def put(self, key: bytes, encoded: bytes | None) -> None:
        if encoded is not None:
            self.used[key] = encoded
            self.changed = True

    def trust(self, name: str, limit: int) -> bytes | None:
        """The key recorded for file `name` when its status says it is unchanged, else None."""
        known = self.stats.get(name)
        if known is None or not _CHANGE_TIMES:
            return None
        try:
            info = os.stat(name, follow_symlinks=False)
            size, modified, changed, inode, key, checked = known
            if (
                stat.S_ISREG(info.st_mode)
                and info.st_size <= limit
                and (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
                == (size, modified, changed, inode)
                and 0 < changed < checked - RACY_NS
                and modified > 0  # a file system without times: always read
                and isinstance(key, str)
            ):
                self.seen[name] = known
                return key.encode()
        except (OSError, ValueError, TypeError):
            pass
        return None

    def record(self, name: str, info: os.stat_result, key: bytes, checked: int) -> None:
        """File `name` of status `info` was hashed to `key` after the instant `checked`."""
        self.seen[name] = [
            info.st_size,
            info.st_mtime_ns,
            info.st_ctime_ns,
            info.st_ino,
            key.decode(),
            checked,
        ]

    def save(self) -> None:
        """Keep the entries of this run only (files removed or changed drop out); atomically."""
        if not self.changed and len(self.used) == len(self.entries) and self.seen == self.stats:
            return
        status = b"stat " + orjson.dumps(self.seen) + b"\n"
        entries = b"".join([b"%s %s\n" % pair for pair in self.used.items()])
        digest = hashlib.sha256(status)
        digest.update(entries)  # the body is these two, written as they are (no 10 MB copies)
        header = {"format": LOAD_FORMAT, "settings": self.fingerprint, "sha256": digest.hexdigest()}
        replace_file(self.path, Pieces([json.dumps(header).encode() + b"\n", status, entries]))

    def mapper(self, map_files: Mapper, update: Callable[[int], None] = lambda n: None) -> Mapper:
        """A `map_files` for `load_postings` that loads only the files it has no entry for
        (with `map_files`); `update` counts the files found in the cache."""

        def cached(load: Loader, files: Sequence[Path]) -> list[Result]:
            results: list[Result | None] = [None] * len(files)
            keys: dict[int, bytes] = {}
            raws: dict[int, bytes] = {}
            limit = self.config.max_file_size
            if self.entries:  # else nothing to look up: the workers read the files themselves
                checked = time.time_ns()  # before any file is read
                for i, path in enumerate(files):
                    name = os.fspath(path)  # once: pathlib's str() is not free at 10,000 files
                    key = self.trust(name, limit)
                    if key is not None:
                        results[i] = self.get(key, None, name)
                        if results[i] is not None:
                            keys[i] = key
                            self.trusted += 1
                            continue
                        del self.seen[name]
                    found = _plain_bytes(name, limit)
                    if found is None:
                        continue
                    raw, info = found
                    keys[i], raws[i] = _key(name, raw), raw
                    self.record(name, info, keys[i], checked)
                    results[i] = self.get(keys[i], raw)
                update(len(files) - sum(r is None for r in results))
            missing = [i for i, result in enumerate(results) if result is None]
            work: Any = functools.partial(_load_encoded, load, self.config.max_file_size)
            jobs: Any = [(files[i], raws.get(i), not self.entries, time.time_ns()) for i in missing]
            unpack = functools.partial(_unpack, load, self.config)
            done: Any = map_files(work, jobs, wire=(_pack, unpack))
            for i, (result, encoded, key, _, status) in zip(missing, done, strict=True):
                results[i] = result
                if key is not None and status is not None:  # read and hashed in a worker
                    self.seen[os.fspath(files[i])] = status
                key = keys.get(i, key)
                if key is not None:
                    self.put(key, encoded)
            return [r for r in results if r is not None]  # every slot is filled by now

        return cached


def _plain_bytes(path: str | Path, limit: int) -> tuple[bytes, os.stat_result] | None:
    """The bytes of a plain file within the size limit, and its status before they were read;
    None when it must be loaded afresh (a symbolic link: O_NOFOLLOW refuses to open one)."""
    try:
        fd = os.open(path, _READ)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        raw = os.read(fd, info.st_size + 1)
        return (raw, info) if len(raw) == info.st_size else None  # else it changed while read: afresh
    except OSError:
        return None
    finally:
        os.close(fd)


def _key(path: str | Path, raw: bytes) -> bytes:
    digest = hashlib.sha256(os.fsencode(path) + b"\0")
    digest.update(raw)
    return digest.hexdigest().encode()


def _load_encoded(load: Loader, limit: int, job: tuple[Path, bytes | None, bool, int]) -> LoadedFile:
    """Load one file (from the bytes already read, when given; reading them first when asked)
    and encode the result for the cache. Runs in a worker process when the folder is big, so
    reading and encoding are spread too. `job`: (path, bytes or None, read here, the instant
    before reading)."""
    path, raw, read, checked = job
    key = status = None
    if raw is None and read:
        found = _plain_bytes(path, limit)
        if found is not None:
            raw, info = found
            key = _key(path, raw)
            status = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, key.decode(), checked]
    result = load(path) if raw is None else load(path, raw=raw)  # type: ignore[call-arg]
    try:
        entry = _encode_result(result)
        posting = result[0]
        if posting is not None and raw is not None:
            body = posting.body.encode("utf-8", "surrogatepass")
            if raw.endswith(body):  # the body is the file's last bytes, as is: cut it there again
                entry["body_at"] = len(raw) - len(body)
        encoded = orjson.dumps(entry)
    except (_Unencodable, orjson.JSONEncodeError):  # a lone surrogate, an integer past 64 bits
        return result, None, key, None, status
    return result, encoded, key, raw if in_worker() else None, status  # the bytes go only where packed


#: What `_load_encoded` gives: (result, its cache entry, the key when read there, in a worker
#: process the bytes read (for `_pack`), and the file's status when read there (`LoadCache.stats`)).
LoadedFile = tuple[Result, bytes | None, bytes | None, bytes | None, list[Any] | None]


def _pack(loaded: LoadedFile) -> Any:
    """A loaded file as a worker process sends it back: its cache entry and its bytes instead of
    the posting; decoding them (`_unpack`) costs this process a third of unpickling the posting,
    and shares one Moment per date."""
    (posting, _), entry, key, raw, status = loaded
    if posting is None or entry is None or raw is None:
        return loaded
    return Path(posting.path), entry, key, raw, status, "packed"


def _unpack(load: Loader, config: Config, packed: Any) -> LoadedFile:
    if len(packed) == 5:
        return packed  # type: ignore[no-any-return]
    path, entry, key, raw, status, _ = packed
    try:
        return _decode_result(orjson.loads(entry), raw, config), entry, key, None, status
    except _UNDECODABLE:  # pragma: no cover - an entry just made decodes
        return load(path, raw=raw), None, key, None, status  # type: ignore[call-arg]


# Posting <-> JSON. YAML gives str, int, float, bool, None, date, datetime, lists and mappings
# (whose keys need not be text); each non-JSON value is tagged so that decoding gives it back equal.


def _encode_value(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return {"$float": repr(value)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, list):
        return [_encode_value(v) for v in value]
    if isinstance(value, dict):
        return {"$map": [[_encode_value(k), _encode_value(v)] for k, v in value.items()]}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    raise _Unencodable(type(value).__name__)


def _decode_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode_value(v) for v in value]
    if not isinstance(value, dict):
        return value
    ((tag, data),) = value.items()
    if tag == "$float":
        return float(data)
    if tag == "$datetime":
        return dt.datetime.fromisoformat(data)
    if tag == "$date":
        return dt.date.fromisoformat(data)
    if tag == "$map":
        return {_decode_value(k): _decode_value(v) for k, v in data}
    if tag == "$bytes":
        return base64.b64decode(data)
    raise ValueError(f"unknown tag {tag}")


def _encode_moment(moment: Moment | None) -> Any:
    return None if moment is None else [moment.at.isoformat(), moment.all_day]


@functools.lru_cache(maxsize=8192)
def _moment(at: str, all_day: bool, timezone: str) -> Moment:
    """Postings share their dates: each is read once (Moment is immutable)."""
    return Moment(dt.datetime.fromisoformat(at).astimezone(ZoneInfo(timezone)), all_day)


_MOMENTS = ("opened", "deadline", "updated")
#: Fields that are tuples of text: written as lists, read back as tuples.
_TUPLES = ("teams", "team_ids")


def _encode_result(result: Result) -> dict[str, Any]:
    posting, problems = result
    encoded: dict[str, Any] = {"problems": [[p.path, p.line, p.level, p.message] for p in problems]}
    if posting is not None:
        fields = {name: getattr(posting, name) for name in _ORDER}  # every field but the body
        for name in _TEXT_FIELDS:
            if not isinstance(fields[name], (str, bool)):
                raise _Unencodable(name)
        for name in _MOMENTS:
            fields[name] = _encode_moment(fields[name])
        texts = [*fields["teams"], *fields["team_ids"], *fields["link_values"].values()]
        if not all(isinstance(v, str) for v in texts):
            raise _Unencodable("teams")
        fields["extra"] = _encode_value(fields["extra"])
        encoded["posting"] = fields
    return encoded


#: The fields an entry's posting must have, all of them: it is then made without `Posting.__init__`
#: (`LazyPosting.from_fields`).
_FIELDS = frozenset(f.name for f in dataclasses.fields(Posting))
_ORDER = tuple(f.name for f in dataclasses.fields(Posting) if f.name != "body")
#: The fields an entry stores: all but the body, which is cut from the file's bytes.
_STORED = _FIELDS - {"body"}
#: The fields written as they are: text and true/false.
_TEXT_FIELDS = tuple(sorted(_FIELDS - {*_MOMENTS, *_TUPLES, "extra", "lines", "link_values", "body"}))


def _decode_result(entry: dict[str, Any], raw: bytes | None, config: Config, path: str = "") -> Result:
    """The result `_encode_result` encoded. The file's checksum has proven the entry is the one
    written; what is checked here is that it has the shape this version writes."""
    problems = [
        Problem(str(path), int(line), level, str(message)) for path, line, level, message in entry["problems"]
    ]
    fields = entry.get("posting")
    if fields is None:
        return None, problems
    zone = config.timezone
    for name in _MOMENTS:
        moment = fields[name]
        if moment is not None:
            at, all_day = moment
            fields[name] = _moment(at, bool(all_day), zone)
    extra = fields["extra"]
    fields["extra"] = {} if extra == _NO_EXTRA else _decode_value(extra)
    for name in _TUPLES:
        fields[name] = tuple(map(str, fields[name]))
    if not isinstance(fields["link_values"], dict):
        raise TypeError("link_values")
    if not isinstance(fields["lines"], dict):
        raise TypeError("lines")
    if fields.keys() != _STORED:
        raise KeyError("fields")
    at = entry.get("body_at")
    if not isinstance(at, int) or isinstance(at, bool) or not 0 <= at <= (len(raw) if raw else at):
        if raw is None:
            raise ValueError("the body must be cut from the bytes: read them")
        return LazyPosting.from_fields(fields, body=body_of(raw)), problems
    if raw is None:  # the body is decoded where it is used, from the file's bytes
        return LazyPosting.from_fields(fields, at=at, path=path), problems
    # only the body's bytes are kept: the front matter's would be 5-10% more memory than the text
    return LazyPosting.from_fields(fields, raw=raw[at:]), problems


_NO_EXTRA: dict[str, list[Any]] = {"$map": []}
