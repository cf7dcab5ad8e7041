"""A cache of rendered postings on disk, keyed by what the rendering depends on.

Rendering Markdown and sanitizing the HTML is most of a build's work; a posting whose text, link
and renderer did not change renders the same, so a rebuild reads it back instead. Each entry is
one small JSON file that carries its own key and a checksum of its content: an entry that is
truncated, edited, from another version or for another key is detected, ignored and rewritten,
never trusted. Entries are written atomically (temporary file, then rename), so two builds
sharing the folder, or a build killed half-way, leave only whole entries.

The folder (default `.jobfeed-cache/`) is safe to delete at any time, to keep out of git and to
restore between CI runs (e.g. with actions/cache): a cold build and a warm one write the same bytes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from . import __version__
from .markup import Rendered
from .postings import Posting

#: Bump when the layout of an entry or what a key covers changes: every old entry becomes a miss.
CACHE_FORMAT = 1
DEFAULT_DIR = ".jobfeed-cache"
_SUBDIR = "render"


@functools.cache
def renderer_id(renderer: str) -> str:
    """The renderer setting and the versions of everything whose output ends up in an entry."""
    packages = ["cmarkgfm", "nh3"] + (["markdown"] if renderer == "python-markdown" else [])
    versions = []
    for package in packages:
        try:
            versions.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:  # pragma: no cover
            versions.append(f"{package}=?")
    return " ".join([renderer, *versions])


def render_key(posting: Posting, link: str, renderer: str) -> str:
    """sha256 of everything a rendering depends on: the body, the link (relative links are resolved
    against it), the renderer and library versions, jobfeed's version and the cache format."""
    parts = [str(CACHE_FORMAT), __version__, renderer_id(renderer), link, posting.body]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _checksum(key: str, content: str, summary: str) -> str:
    return hashlib.sha256("\0".join((key, content, summary)).encode("utf-8", "surrogatepass")).hexdigest()


class RenderCache:
    """Rendered postings under `folder/render/`, one self-validating JSON file per key."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.root = self.folder / _SUBDIR
        self.hits = 0
        self.misses = 0
        self.rejected = 0  # entries found but corrupt or not matching their key

    def path_of(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Rendered | None:
        """The entry for `key`, or None when missing, unreadable, corrupt or not for this key."""
        try:
            raw = self.path_of(key).read_bytes()
        except OSError:
            self.misses += 1
            return None
        rendered = _decode(raw, key)
        if rendered is None:
            self.rejected += 1
            self.misses += 1
            return None
        self.hits += 1
        return rendered

    def put(self, key: str, rendered: Rendered) -> None:
        """Store an entry atomically; a cache that cannot be written only costs speed, never the build."""
        entry = {
            "format": CACHE_FORMAT,
            "key": key,
            "content": rendered.content,
            "summary": rendered.summary,
            "sha256": _checksum(key, rendered.content, rendered.summary),
        }
        data = json.dumps(entry, ensure_ascii=False).encode("utf-8", "surrogatepass")
        target = self.path_of(key)
        tmp = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{key[:8]}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
            tmp = None
        except OSError:
            pass
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def prune(self, keep: Iterable[str]) -> int:
        """Delete the entries whose key is not in `keep` (postings removed or changed); returns how many."""
        wanted = set(keep)
        removed = 0
        try:
            shards = list(self.root.iterdir())
        except OSError:
            return 0
        for shard in shards:
            with contextlib.suppress(OSError):
                for entry in shard.iterdir():
                    if entry.name.endswith(".json") and entry.name[:-5] in wanted:
                        continue
                    entry.unlink()
                    removed += 1
        return removed


def _decode(raw: bytes, key: str) -> Rendered | None:
    try:
        entry = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("format") != CACHE_FORMAT or entry.get("key") != key:
        return None
    content, summary = entry.get("content"), entry.get("summary")
    if not isinstance(content, str) or not isinstance(summary, str):
        return None
    if entry.get("sha256") != _checksum(key, content, summary):
        return None
    return Rendered(content=content, summary=summary)
