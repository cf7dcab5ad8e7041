"""Reusing the entries of the feeds the previous build wrote, so a rebuild writes only what changed.

The bytes of a role's entry in atom.xml, rss.xml and feed.json are a pure function of the role
(the posting's fields and its state), of its rendering (body, link, renderer and versions) and of
a few settings; `entry_key` hashes all of them. After a build has written the three feeds, the
index `feeds.json` of the cache folder records, for each feed, where each entry's bytes are (key,
offset, length) and their sha256. The next build reads back, from the feeds on disk, the entry of
every role whose key it finds, checks its sha256, and uses those bytes instead of rendering the
posting and writing the entry again: a rebuild after one change renders and escapes one entry
instead of 10,000. A feed that was edited, restored from git or written by another build simply
fails the checks of the entries that moved, which are then made afresh: nothing is trusted blindly,
and a build that reuses entries writes the same bytes as a cold one (tests/test_splice.py).

The index also records the sha256 of each feed as a whole. A feed that still has it is the file
written, every entry where the index says, and its entries are not hashed one by one. Both whole
digests are worked out in a thread, while the build does something else (hashlib lets go of the
interpreter while it hashes): the new feeds' while they are written, the old ones' while the
postings are classified and keyed.
"""

from __future__ import annotations

import hashlib
import mmap
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from jobfeed._incremental.rendercache import renderer_id
from jobfeed._version import __version__
from jobfeed.config import Config
from jobfeed.core.dates import Moment
from jobfeed.core.identity import entry_id, link_of, name_date
from jobfeed.core.lifecycle import Role
from jobfeed.output import Content, OnDisk, Pieces, Staged, replace_file

#: Bump when what an entry's bytes depend on, or the layout of the index, changes.
SPLICE_FORMAT = 4
FILE_NAME = "feeds.json"
#: The feeds whose entries are recorded, in the order of a `Entries` triple.
FEEDS = ("atom.xml", "rss.xml", "feed.json")

#: Entry id (`feeds.entry_id`) -> its bytes in atom.xml, rss.xml and feed.json.
Entries = dict[str, tuple[bytes, bytes, bytes]]
#: Feed file -> entry id -> (offset, length) of the entry's bytes in that file.
Offsets = dict[str, dict[str, tuple[int, int]]]
#: What the index records of an entry, but where it is: its key and the sha256 of its bytes in
#: each feed (`stamp_of`).
Stamp = tuple[str, tuple[str, str, str]]
#: Entry id -> its stamp.
Stamps = dict[str, Stamp]


def _moment(moment: Moment | None) -> str:
    return "" if moment is None else moment.text


def entry_key(role: Role, config: Config) -> str:
    """sha256 of everything an entry's bytes depend on (see `feeds._atom_entry`, `_rss_item` and
    `_json_item_text`): the rendering's inputs, the posting's fields, the state, the settings."""
    posting = role.posting
    parts = [
        str(SPLICE_FORMAT),
        __version__,
        renderer_id(config.markdown),  # the renderer and the versions of its libraries
        link_of(posting, config),  # relative links in the body are resolved against it
        config.id_authority,
        config.author or config.title,
        config.language,  # the key facts line (publish.keyfacts) is in the site's language
        config.pages.form_url,
        str(posting.application_form),
        posting.id,
        posting.role,
        posting.team,
        posting.contact,
        posting.contract,
        _moment(posting.opened),
        _moment(posting.deadline),
        _moment(posting.updated),
        str(name_date(posting)),  # the entry's date when the posting has none
        str(role.state),
        # The file's sha256 stands for the body cut from it (a tenth of the cost at 10,000
        # postings); a posting made otherwise, without one, gives its body.
        f"file:{posting.digest}" if posting.digest else f"body:{posting.body}",
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _digest(data: bytes | memoryview | mmap.mmap) -> str:
    return hashlib.sha256(data).hexdigest()


#: Bytes hashed at once when hashing pieces in a thread (`_digest_content`).
_BATCH = 1 << 20


def _digest_content(data: Content) -> str:
    """sha256 of `data`. Pieces are hashed in batches of about a megabyte: hashlib lets go of the
    interpreter for each call, and a thread that took it back 11,000 times in a few milliseconds
    (one call per entry) kept the thread writing the feeds waiting for it (~0.2 s at 10,000)."""
    if isinstance(data, OnDisk | Staged):  # the feeds are always made (never kept as they are)
        return data.digest
    if not isinstance(data, Pieces):
        return _digest(data)
    digest, batch, size = hashlib.sha256(), [], 0
    for piece in data.pieces:
        batch.append(piece)
        size += len(piece)
        if size >= _BATCH:
            digest.update(b"".join(batch))
            batch, size = [], 0
    digest.update(b"".join(batch))
    return digest.hexdigest()


def stamp_of(role: Role, config: Config, texts: tuple[bytes, bytes, bytes]) -> Stamp:
    """The stamp of `role`'s entries `texts`: worked out where they are written (a worker
    process), so that the index of a cold build costs the main process no hashing."""
    return entry_key(role, config), (_digest(texts[0]), _digest(texts[1]), _digest(texts[2]))


class Splice:
    """The index `folder/feeds.json` of the feeds written in `out`."""

    def __init__(self, folder: str | Path, out: str | Path) -> None:
        self.path = Path(folder) / FILE_NAME
        self.out = Path(out)
        self._where = str(self.out.resolve())
        self.reused = 0
        #: feed -> entry id -> sha256 of the entry reused, already checked: not hashed again
        self.digests: dict[str, dict[str, str]] = {}
        self._saved = b""
        #: feed -> sha256 of the whole file, as the index records it (`_read`)
        self._files: dict[str, str] = {}
        self.records = self._read()
        #: the feeds on disk whose whole sha256 is the one recorded (`check_files`)
        self._intact: set[str] = set()
        #: feed -> sha256 of the feed being written (`digest_files`), for `save`
        self._written: dict[str, str] = {}
        self._thread: threading.Thread | None = None

    def _read(self) -> dict[str, dict[str, list[object]]]:
        """Feed -> key -> [offset, length, sha256]; empty when the index is missing, damaged or for
        another output folder or version. The index is a header line, then its body, whose sha256
        the header gives: a damaged body is refused whole, so that what it records of each feed,
        the places of the entries and the sha256 of the file, were recorded together."""
        try:
            self._saved = self.path.read_bytes()
            head, _, body = self._saved.partition(b"\n")
            header, index = orjson.loads(head), None
            if isinstance(header, dict) and header.get("sha256") == _digest(body):
                index = orjson.loads(body)
        except (OSError, ValueError):
            return {}
        if (
            index is None  # not a header, or not the body it was written with
            or header.get("format") != SPLICE_FORMAT
            or header.get("version") != __version__
            or header.get("out") != self._where
            or not isinstance(index, dict)
            or not isinstance(index.get("feeds"), dict)
        ):
            return {}
        files = index.get("files")
        if isinstance(files, dict):
            self._files = {name: digest for name, digest in files.items() if isinstance(digest, str)}
        return {name: found for name, found in index["feeds"].items() if isinstance(found, dict)}

    def check_files(self) -> None:
        """Start checking, in a thread, which feeds on disk are whole the ones the index recorded;
        `reuse` waits for it. Start no process in between: a thread is running."""
        if self._files and self._thread is None:
            self._thread = threading.Thread(target=self._check_files, daemon=True)
            self._thread.start()

    def _check_files(self) -> None:
        for name, digest in self._files.items():
            try:
                with (
                    open(self.out / name, "rb") as f,
                    mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as feed,
                ):
                    if _digest(feed) == digest:
                        self._intact.add(name)
            except (OSError, ValueError):  # missing, unreadable or empty: its entries fail their checks
                pass

    def digest_files(self, files: Mapping[str, Content]) -> None:
        """Start hashing, in a thread, the feeds about to be written (`files`) for `save`, which
        waits for it: the thread hashes while this one writes them."""
        self._join()
        if all(name in files for name in FEEDS):
            self._thread = threading.Thread(target=self._digest_files, args=(files,), daemon=True)
            self._thread.start()

    def _digest_files(self, files: Mapping[str, Content]) -> None:
        self._written = {name: _digest_content(files[name]) for name in FEEDS}

    def digest(self, name: str) -> str | None:
        """The sha256 of the feed `name` being written (`digest_files`), once worked out; None for
        another file, or when it is not hashed."""
        if name not in FEEDS:
            return None
        self._join()
        return self._written.get(name)

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def reuse(self, keys: Mapping[str, str]) -> Entries:
        """Entry id -> the bytes of its entry in the three feeds, for each of `keys` (id -> key)
        whose entry is found, whole and unchanged, in all three feeds on disk."""
        self._join()  # `check_files`
        if not all(name in self.records for name in FEEDS) or not keys:
            return {}
        found: dict[str, list[bytes]] = {role_id: [] for role_id in keys}
        sha256 = hashlib.sha256
        for name in FEEDS:
            records, digests = self.records[name], self.digests.setdefault(name, {})
            intact = name in self._intact  # the file written: its entries are where they were
            try:  # mapped, not read: only the entries' bytes are copied (~60 MB at 10,000 postings)
                with (
                    open(self.out / name, "rb") as f,
                    mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as feed,
                ):
                    for role_id in list(found):
                        record: Any = records.get(keys[role_id])
                        try:  # [offset, length, sha256 of the bytes], as `save` wrote it
                            offset, length, digest = record
                            data = feed[offset : offset + length] if offset >= 0 else b""
                            whole = len(data) == length > 0 and (intact or sha256(data).hexdigest() == digest)
                        except (TypeError, ValueError):
                            whole = False
                        if whole:
                            found[role_id].append(data)
                            digests[role_id] = digest
                        else:
                            del found[role_id]  # one feed without it: made afresh for all three
            except (OSError, ValueError):  # missing, unreadable, or empty (which mmap refuses)
                return {}
        entries = {role_id: (d[0], d[1], d[2]) for role_id, d in found.items()}
        self.reused = len(entries)
        return entries

    def known(self, role_id: str, digests: tuple[str, str, str]) -> None:
        """The sha256 of entry `role_id`'s bytes in each feed, from `stamp_of`: not hashed again."""
        for name, digest in zip(FEEDS, digests, strict=True):
            self.digests.setdefault(name, {})[role_id] = digest

    def save(self, files: Mapping[str, Content], offsets: Offsets, keys: Mapping[str, str]) -> None:
        """Record where each entry of `keys` is in the feeds just written (`files`, as on disk).
        An index that cannot be written only costs speed."""
        self._join()  # `digest_files`
        feeds: dict[str, dict[str, list[object]]] = {}
        for name in FEEDS:
            data, where = files.get(name), offsets.get(name, {})
            if data is None or isinstance(data, OnDisk | Staged):
                return
            known = self.digests.get(name, {})
            view: memoryview | None = None  # the feed's bytes, joined if an entry is not known
            found = feeds[name] = {}
            for role_id, (start, length) in where.items():
                if role_id in keys:
                    digest = known.get(role_id)
                    if digest is None:
                        if view is None:
                            view = memoryview(bytes(data))
                        digest = _digest(view[start : start + length])
                    found[keys[role_id]] = [start, length, digest]
        whole = {name: self._written[name] for name in FEEDS if name in self._written}
        index: dict[str, object] = {"feeds": feeds}
        if len(whole) == len(FEEDS):
            index["files"] = whole
        body = orjson.dumps(index)  # hex digests and numbers: no large text keeps a UTF-8 copy (cache.py)
        header = {
            "format": SPLICE_FORMAT,
            "version": __version__,
            "out": self._where,
            "sha256": _digest(body),
        }
        raw = orjson.dumps(header) + b"\n" + body
        if raw != self._saved and replace_file(self.path, raw):
            self._saved = raw


def keys_of(roles: Sequence[Role], config: Config) -> dict[str, str]:
    """Entry id (`feeds.entry_id`, what the feeds' functions key entries by) -> `entry_key`."""
    return {entry_id(role.posting, config): entry_key(role, config) for role in roles}
