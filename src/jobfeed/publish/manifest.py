"""What `jobfeed build` wrote in the output folder, so that the next build can take back what it no longer produces.

`<out>/.jobfeed-manifest.json` lists the files the build wrote, the roles it published (with the
page of each) and the pages kept as tombstones. It lives in the output folder, not beside the
cache: the cache is not committed and may be deleted at any time, while the output folder is what
the Action commits and deploys. A manifest lost with the cache would leave the pages of removed
roles online for good; kept with the files it describes, it moves, is committed and is restored
with them. It holds nothing that is not public already (file names and role ids).

Pure, but for `read_manifest`: the previous manifest, what this build produces and the day in,
the tombstones to write, the files to remove and the next manifest out. Nothing in it depends on
the day but the tombstones' dates, so a later day on which nothing changed writes the same bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from jobfeed.core.dates import days_after
from jobfeed.errors import OutputError
from jobfeed.output import is_safe_path

#: The manifest's name in the output folder.
MANIFEST = ".jobfeed-manifest.json"
VERSION = 1
ABOUT = (
    "The files jobfeed build wrote in this folder: the next build removes those it no longer "
    "produces, and keeps every other file. Written by jobfeed; do not edit."
)


@dataclasses.dataclass(frozen=True)
class Manifest:
    files: tuple[str, ...] = ()  # every file written, sorted, relative to the output folder
    roles: Mapping[str, str] = dataclasses.field(default_factory=dict)  # published role -> its page, or ""
    tombstones: Mapping[str, str] = dataclasses.field(default_factory=dict)  # page -> day its role went

    def dumps(self) -> bytes:
        data = {
            "about": ABOUT,
            "version": VERSION,
            "files": list(self.files),
            "roles": dict(sorted(self.roles.items())),
            "tombstones": dict(sorted(self.tombstones.items())),
        }
        return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _damaged(path: Path, why: str) -> OutputError:
    return OutputError(
        f"{path}: {why}; restore it with 'git checkout -- {path}', or delete it (the next build then "
        "removes none of the files it wrote before); nothing was written"
    )


def read_manifest(out: Path) -> Manifest | None:
    """The manifest of the output folder `out`; None when there is none (a first build)."""
    path = out / MANIFEST
    try:
        raw = json.loads(path.read_bytes())
    except (FileNotFoundError, NotADirectoryError):  # no manifest, or no folder yet
        return None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise _damaged(path, f"cannot read the build manifest ({e})") from e
    if not isinstance(raw, dict) or raw.get("version") != VERSION:
        raise _damaged(path, "not a build manifest this jobfeed reads")
    files, roles, tombstones = raw.get("files"), _texts(raw.get("roles")), _texts(raw.get("tombstones"))
    if not (
        isinstance(files, list)
        and all(isinstance(f, str) and is_safe_path(f) for f in files)
        and roles is not None
        and tombstones is not None
        and all(is_safe_path(p) for p in tombstones)
    ):
        raise _damaged(path, "the build manifest is damaged")
    return Manifest(tuple(sorted(files)), roles, tombstones)


#: What jobfeed writes at the top of its pages and feeds (`head.html`, feedgen's generator).
_MARKS = (
    b'<meta name="generator" content="jobfeed ',
    b'<generator uri="https://github.com/jobfeed/jobfeed"',
    b"<generator>jobfeed</generator>",
)
#: How much of a file's start the marks are looked for in.
_HEAD = 4096


def adopt(out: Path) -> Manifest | None:
    """For an output folder built before the manifest existed: its pages and feeds that jobfeed
    wrote, known by the generator mark they carry, so that the first build with a manifest takes
    back those it no longer produces (a removed posting's page becomes a tombstone). Other files
    are not listed, so never touched. None when there is no such file."""
    found: list[str] = []
    for path in sorted(out.rglob("*")) if out.is_dir() else []:
        if path.suffix not in (".html", ".xml") or path.is_symlink() or not path.is_file():
            continue
        try:
            with path.open("rb") as f:
                head = f.read(_HEAD)
        except OSError:
            continue
        relative = path.relative_to(out).as_posix()
        if any(mark in head for mark in _MARKS) and is_safe_path(relative):
            found.append(relative)
    if not found:
        return None
    # The roles of those pages are not known: each page stands for its own role.
    pages = {f"{MANIFEST}:{f}": f for f in found if f.endswith(".html") and f != "index.html"}
    return Manifest(tuple(found), pages, {})


def _texts(value: Any) -> dict[str, str] | None:
    """`value` when it maps text to text, else None."""
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return {str(k): v for k, v in value.items()}
    return None


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one build does to the output folder beyond writing what it produces."""

    tombstones: tuple[str, ...]  # pages to write as tombstones
    stale: tuple[str, ...]  # files written before and produced no more: to remove
    manifest: Manifest


def tombstones_end(manifest: Manifest, tombstone_days: int) -> list[dt.date]:
    """The days on which the tombstones of `manifest` go (`settle` removes them then)."""
    found = []
    for since in manifest.tombstones.values():
        try:
            found.append(days_after(dt.date.fromisoformat(since), tombstone_days))
        except ValueError:
            continue  # settle dates it to the build's day: kept until then, never stored as is
    return found


def settle(
    previous: Manifest | None,
    produced: Collection[str],
    roles: Mapping[str, str],
    today: dt.date,
    tombstone_days: int,
    unreadable: Collection[str] = (),
) -> Outcome:
    """The tombstones, the removals and the next manifest, for a build that produces the files
    `produced` and publishes `roles` (role id -> its page, or "") on `today`.

    A page of the previous build that no role has any more becomes a tombstone dated `today`, and
    stays one until `tombstone_days` have passed (0: it is removed at once). Only files the
    previous manifest lists are ever removed. The roles `unreadable` (their file failed to load
    this time) keep their previous page as it is: a broken file is not a removed role.
    """
    before = previous or Manifest()
    held = {
        role: page
        for role, page in before.roles.items()
        if role in unreadable and role not in roles and page and page not in produced
    }
    roles = {**roles, **held}
    produced = {*produced, *held.values()}
    kept: dict[str, str] = {}
    if tombstone_days > 0:
        pages = set(roles.values())
        gone = {
            page: today.isoformat()
            for role, page in before.roles.items()
            if page and roles.get(role) != page and page not in pages
        }
        for page, since in {**before.tombstones, **gone}.items():
            if page in produced or page in pages:
                continue  # a role (or a file) has the address again
            try:
                day = dt.date.fromisoformat(since)
            except ValueError:
                day = today
            if today < days_after(day, tombstone_days):
                kept[page] = before.tombstones.get(page, since)
    files = {*produced, *kept}
    stale = tuple(sorted(f for f in before.files if f not in files and f != MANIFEST))
    manifest = Manifest(tuple(sorted(files)), dict(roles), kept)
    return Outcome(tuple(sorted(kept)), stale, manifest)
