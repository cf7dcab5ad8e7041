"""A cache of rendered postings on disk, keyed by what the rendering depends on.

Rendering Markdown and sanitizing the HTML is most of a build's work; a posting whose text, link
and renderer did not change renders the same, so a rebuild reads it back instead. The entries live
in one file, `render.jsonl` of the cache folder, one JSON object a line, and each entry carries its
own key and a checksum of its content: an entry that is truncated, edited, from another version or
for another key is detected, ignored and rendered again, never trusted. (One file rather than one
file per entry: creating 4,000 small files cost more than rendering them on the test machine.)
A build that rendered only a few postings appends their entries to the file (a 10,000-posting
board's file is ~18 MB: rewriting it for one changed posting cost more than the rendering); once the
entries no build uses make up more than a quarter of the file, or a line is found damaged, the file
is rewritten atomically (temporary file, then rename) with the entries that build used, so it never
grows much beyond the postings it serves. An append cut short leaves at worst a damaged last line,
which the next build detects, ignores and drops.

The folder (default `.jobfeed-cache/`) is safe to delete at any time, to keep out of git and to
restore between CI runs (e.g. with actions/cache): a cold build and a warm one write the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from jobfeed._version import __version__
from jobfeed.core.markup import Rendered
from jobfeed.core.postings import Posting
from jobfeed.output import Pieces, replace_file

#: An entry: a rendering, its line as `line` made it, or a line of the file not decoded yet (a view
#: of the file's bytes, `lazy`).
Entry = Rendered | bytes | memoryview

#: Bump when the layout of an entry or what a key covers changes: every old entry becomes a miss.
#: 3: the summary, with a checksum of its own, before the content (`LazyRendered` reads it alone).
CACHE_FORMAT = 3
FILE_NAME = "render.jsonl"


@functools.cache
def renderer_id(renderer: str) -> str:
    """The renderer setting and the versions of everything whose output ends up in an entry: the
    cmark-gfm library that renders (markup.py calls it directly), nh3, and Python-Markdown when it
    renders. Asked of the libraries themselves: importlib.metadata cost ~40 ms a build to import
    and read."""
    import nh3

    versions = [f"cmark-gfm={_cmark_version()}", f"nh3={_version(nh3, 'nh3')}"]
    if renderer == "python-markdown":
        import markdown

        versions.append(f"markdown={_version(markdown, 'markdown')}")
    return " ".join([renderer, *versions])


def _cmark_version() -> str:
    """The version of the cmark-gfm library cmarkgfm is built with, such as "0.29.0.gfm.13"."""
    from cmarkgfm import cmark

    return str(cmark._cmark.ffi.string(cmark._cmark.lib.cmark_version_string()).decode())


def _version(module: object, package: str) -> str:
    """`module.__version__`, else the installed package's version."""
    version = getattr(module, "__version__", None)
    if isinstance(version, str):
        return version
    from importlib import metadata  # pragma: no cover - the versions required have __version__

    return metadata.version(package)  # pragma: no cover


def render_key(posting: Posting, link: str, renderer: str) -> str:
    """sha256 of everything a rendering depends on: the body, the link (relative links are resolved
    against it), the renderer and library versions, jobfeed's version and the cache format. The
    body is known by the sha256 of the file's bytes, which decide it (`Posting.digest`), when there
    is one: a lazy posting's body is then not read (`lazy.py`), ~0.1 ms a posting."""
    body = f"sha256:{posting.digest}" if posting.digest else f"body:{posting.body}"
    parts = [str(CACHE_FORMAT), __version__, renderer_id(renderer), link, body]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _checksum(key: str, content: str, summary: str) -> str:
    return hashlib.sha256("\0".join((key, content, summary)).encode("utf-8", "surrogatepass")).hexdigest()


def _summary_checksum(key: str, summary: str) -> str:
    return hashlib.sha256(f"{key}\0summary\0{summary}".encode("utf-8", "surrogatepass")).hexdigest()


class RenderCache:
    """Rendered postings in `folder/render.jsonl`, one self-validating entry a line. `lazy`: each
    line is kept as it is read, known by the key it starts with, and decoded only when used
    (`get_lazy`): a rebuild after one change uses the renderings of the roles shown in the index
    and the calendar, not of the ~9,000 pages kept as they are (`pagecache.py`)."""

    def __init__(self, folder: str | Path, *, lazy: bool = False) -> None:
        self.folder = Path(folder)
        self.lazy = lazy
        self.path = self.folder / FILE_NAME
        self.hits = 0
        self.rejected = 0  # lines found but corrupt or not matching their key
        self.repeated = 0  # lines whose key a later line has too (appended by a build that did not read)
        self._entries: dict[str, Entry] | None = None
        # entries put by this build, in order: a rendering, or its line already encoded (`line`)
        self._added: dict[str, Entry] = {}

    @property
    def entries(self) -> dict[str, Entry]:
        """Every entry: the file's, read on first use, and those put since."""
        if self._entries is None:
            self._entries = self._read()
            for key in [key for key in self._added if key in self._entries]:
                del self._added[key]  # already in the file
            self._entries.update(self._added)
        return self._entries

    def _read(self) -> dict[str, Entry]:
        entries: dict[str, Entry] = {}
        try:
            raw = self.path.read_bytes()
        except OSError:
            return entries
        view, start, size = memoryview(raw), 0, len(raw)
        while start < size:  # line by line, without copying them (`splitlines` copied ~45 MB)
            end = raw.find(b"\n", start)
            end = size if end < 0 else end
            # a last line without its end (an append cut short) is checked now: it is rewritten
            key = _key_at(raw, start, end) if self.lazy and end < size else None
            if key is not None:  # checked when decoded (`LazyRendered`)
                self.repeated += key in entries
                entries[key] = view[start:end]
            elif raw[start:end].strip():
                found = _decode(raw[start:end])
                if found is None:
                    self.rejected += 1
                else:
                    self.repeated += found[0] in entries
                    entries[found[0]] = found[1]
            start = end + 1
        return entries

    def get(self, key: str) -> Rendered | None:
        """The entry for `key`, or None when there is no sound one."""
        rendered = self.entries.get(key)
        if isinstance(rendered, (bytes, memoryview)):  # a line, put by this build or not decoded yet
            found = _decode(rendered)
            rendered = found[1] if found else None
        if rendered is not None:
            self.hits += 1
        return rendered

    def get_lazy(self, key: str, fallback: Callable[[], Rendered]) -> Rendered | None:
        """The entry for `key`, as `get` gives it, but a line not decoded yet is decoded when its
        rendering is first used; a line found unsound then gives `fallback()` (the rendering made
        afresh), and the sound line is appended for the next build. None when there is no entry."""
        rendered = self.entries.get(key)
        if isinstance(rendered, (bytes, memoryview)):
            self.hits += 1
            return LazyRendered(self, key, rendered, fallback)
        return self.get(key)

    def repair(self, key: str, rendered: Rendered) -> None:
        """Append the entry of a line found unsound once the build had saved the cache (a later
        line wins over an earlier one with the same key). Only costs speed when it cannot."""
        self.rejected += 1
        try:
            with open(self.path, "ab+") as f:
                line, end = _encode(key, rendered), f.seek(0, os.SEEK_END)
                if end and f.seek(end - 1) >= 0 and f.read(1) != b"\n":
                    line = b"\n" + line  # after a line an append left cut short: a line of its own
                f.write(line)
        except OSError:
            pass

    def put(self, key: str, rendered: Rendered | bytes) -> None:
        """Add an entry: a rendering, or the line `line` made of it (where it was rendered); the
        file is not read for it when nothing has read it yet."""
        if self._entries is None or key not in self._entries:
            self._added[key] = rendered
        if self._entries is not None:
            self._entries[key] = rendered

    def save(self, keep: Iterable[str]) -> None:
        """Record the new entries; rewrite the file with only those of `keep` (the ones the build
        used) when the others make up more than a quarter of it or a line was damaged. A build
        that did not read the file (it rendered only a few postings) appends its entries. A cache
        that cannot be written only costs speed, never the build."""
        try:
            if self._entries is None:
                if self._added:
                    self.folder.mkdir(parents=True, exist_ok=True)
                    lines = b"".join(_encode(key, rendered) for key, rendered in self._added.items())
                    with open(self.path, "ab+") as f:
                        end = f.seek(0, os.SEEK_END)
                        if end and f.seek(end - 1) >= 0 and f.read(1) != b"\n":
                            lines = b"\n" + lines  # after a line an append left cut short: a line of our own
                        f.write(lines)
                self._added = {}
                return
            wanted = [key for key in dict.fromkeys(keep) if key in self._entries]
            stale = len(self._entries) - len(wanted) + self.repeated
            if not (self._added or stale or self.rejected):
                return
            if self.rejected or stale > len(wanted) // 4 or not self.path.exists():
                self._rewrite(wanted)
            elif self._added:
                with open(self.path, "ab") as f:
                    f.write(b"".join(_encode(key, rendered) for key, rendered in self._added.items()))
        except OSError:
            pass
        self._added = {}

    def _rewrite(self, keys: list[str]) -> None:
        replace_file(self.path, Pieces([_encode(key, self.entries[key]) for key in keys]))


#: How a line starts, as `line` (orjson) and `_encode` (json) write it: the key follows.
_STARTS = (b'{"key":"', b'{"key": "')
_HEX = frozenset(b"0123456789abcdef")


def _key_at(raw: bytes, start: int, end: int) -> str | None:
    """The key the line `raw[start:end]` starts with (64 hex digits), not checked yet; None for
    another start."""
    for prefix in _STARTS:
        if raw.startswith(prefix, start, end):
            at = start + len(prefix)
            key = raw[at : at + 64]
            if len(key) == 64 and raw.startswith(b'"', at + 64, end) and _HEX.issuperset(key):
                return key.decode("ascii")
    return None


class LazyRendered(Rendered):
    """A rendering read from a line of the cache, decoded and checked (`_decode`) on first use of
    its content or summary; `key` is its render key (`render_key`), known without decoding."""

    def __init__(
        self, cache: RenderCache, key: str, line: bytes | memoryview, fallback: Callable[[], Rendered]
    ) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "_source", (cache, line, fallback))

    def __getattr__(self, name: str) -> Any:
        if name not in ("content", "summary"):
            raise AttributeError(name)
        if name == "summary":  # the index and the calendar show it: read alone, not the content
            summary = _summary_of(self.key, self.__dict__["_source"][1])
            if summary is not None:
                object.__setattr__(self, "summary", summary)
                return summary
        cache, line, fallback = self.__dict__.pop("_source")
        found = _decode(line)
        if found is not None and found[0] == self.key:
            rendered = found[1]
        else:
            rendered = fallback()
            cache.repair(self.key, rendered)
        object.__setattr__(self, "content", rendered.content)
        object.__setattr__(self, "summary", rendered.summary)
        return getattr(self, name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Rendered):
            return NotImplemented
        return (self.content, self.summary) == (other.content, other.summary)

    __hash__ = Rendered.__hash__

    def __repr__(self) -> str:
        return f"Rendered(content={self.content!r}, summary={self.summary!r})"

    def __reduce__(self) -> tuple[type[Rendered], tuple[str, str]]:
        return Rendered, (self.content, self.summary)


def line(key: str, rendered: Rendered) -> bytes:
    """The line of the entry `key` -> `rendered`, encoded by orjson: for the worker processes that
    render, whose renderings do not stay (see `_encode`); the parent then only writes it."""
    try:
        return orjson.dumps(_entry(key, rendered)) + b"\n"
    except orjson.JSONEncodeError:  # a lone surrogate
        return _encode(key, rendered)


def _encode(key: str, rendered: Entry) -> bytes:
    if isinstance(rendered, memoryview):  # a line as read, not decoded
        return bytes(rendered) + b"\n"
    if isinstance(rendered, bytes):  # as `line` made it
        return rendered
    # json, not orjson: orjson reads a str's UTF-8 through CPython, which keeps that UTF-8 in the
    # str for as long as it lives: 40 MiB more at 10,000 postings, whose renderings stay in use.
    return json.dumps(_entry(key, rendered), ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\n"


def _entry(key: str, rendered: Rendered) -> dict[str, object]:
    return {  # in this order: `_summary_of` reads what comes before the content
        "key": key,
        "format": CACHE_FORMAT,
        "summary": rendered.summary,
        "summary_sha256": _summary_checksum(key, rendered.summary),
        "content": rendered.content,
        "sha256": _checksum(key, rendered.content, rendered.summary),
    }


#: Where the content starts in a line, as orjson (`line`) and json (`_encode`) write it. Inside a
#: JSON string a quote is always escaped, so the first of these is where the summary's part ends.
_CONTENT = (b',"content":', b', "content": ')
#: The bytes of a line read to find its summary (SUMMARY_MAX characters, escaped as JSON, fit).
_HEAD = 8192


def _summary_of(key: str, line: bytes | memoryview) -> str | None:
    """The summary of the entry `key` from the part of its line before the content, checked
    against its own checksum; None when it cannot be told so (then the whole line is decoded)."""
    start = bytes(line[:_HEAD])  # the summary is at most SUMMARY_MAX characters: it is there
    for mark in _CONTENT:
        end = start.find(mark)
        if end >= 0:
            break
    else:
        return None
    try:
        head = orjson.loads(start[:end] + b"}")
    except ValueError:
        return None
    if not isinstance(head, dict) or head.get("key") != key or head.get("format") != CACHE_FORMAT:
        return None
    summary = head.get("summary")
    if not isinstance(summary, str) or head.get("summary_sha256") != _summary_checksum(key, summary):
        return None
    return summary


def _decode(line: bytes | memoryview) -> tuple[str, Rendered] | None:
    try:
        entry = orjson.loads(line)
    except ValueError:  # orjson.JSONDecodeError, invalid UTF-8 included
        return None
    if not isinstance(entry, dict) or entry.get("format") != CACHE_FORMAT:
        return None
    key, content, summary = entry.get("key"), entry.get("content"), entry.get("summary")
    if not (isinstance(key, str) and isinstance(content, str) and isinstance(summary, str)):
        return None
    if entry.get("sha256") != _checksum(key, content, summary):
        return None
    return key, Rendered(content=content, summary=summary)
