"""`[teams]` of `jobfeed.toml`: team ids -> display names (and addresses), inline or from a folder.

A Jekyll or Hugo site keeps its teams as another collection: `_startups/locatio.md` whose front
matter says `title: DossierFacile`. That folder is read once, when the configuration is, and is
untrusted like the postings: the number of files, each file's size and each name's length are
bounded, names are made plain one-line text, addresses are kept only when they are http(s); what
cannot be read is a warning (shown by `check`), never a crash.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from jobfeed.errors import Problem

#: At most this many files are read from `[teams] source`.
MAX_FILES = 5000
#: Bytes read of each file: a team's front matter is a few lines.
MAX_FILE_SIZE = 65_536
#: The longest display name kept (longer ones are cut).
MAX_NAME = 200
SUFFIXES = (".md", ".markdown", ".yml", ".yaml")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclasses.dataclass(frozen=True)
class TeamSource:
    """Where `[teams]` reads names from: a folder, the key of the name and of the address."""

    folder: str
    name_key: str = "title"
    url_key: str = ""


def plain_name(value: Any) -> str:
    """A display name as one line of text: control and format characters out, spaces collapsed, bounded."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in str(value))
    return " ".join(text.split())[:MAX_NAME]


def http_url(value: Any) -> str:
    """`value` when it is an http(s) address on one line, else ''."""
    if not isinstance(value, str):
        return ""
    url = value.strip()
    ok = url.startswith(("https://", "http://")) and url.isprintable() and " " not in url
    return url if ok and len(url) <= 2000 else ""


def read_folder(source: TeamSource, where: str) -> tuple[dict[str, tuple[str, str]], list[Problem]]:
    """id (the file name without extension) -> (name, url) of every team file of the folder, and
    a warning for each file that gives no name. A missing folder is a warning too."""
    folder = Path(source.folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        message = f"[teams] source {source.folder!r} is not a folder; team ids are shown as they are"
        return {}, [Problem(where, 1, "warning", message)]
    try:
        names = sorted(
            n for n in os.listdir(folder) if n.lower().endswith(SUFFIXES) and not n.startswith(".")
        )
    except OSError as e:
        return {}, [
            Problem(where, 1, "warning", f"[teams] source {source.folder!r}: cannot read: {e.strerror}")
        ]
    if len(names) > MAX_FILES:
        problems.append(
            Problem(
                where,
                1,
                "warning",
                f"[teams] source has {len(names)} files; only the first {MAX_FILES} are read",
            )
        )
    found: dict[str, tuple[str, str]] = {}
    for name in names[:MAX_FILES]:
        path = folder / name
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        data = _front_matter(path)
        team = plain_name(data.get(source.name_key)) if data is not None else ""
        if not team:
            problems.append(
                Problem(
                    shown, 1, "warning", f"no '{source.name_key}' to name this team; its id is shown instead"
                )
            )
            continue
        url = http_url(data.get(source.url_key)) if data is not None and source.url_key else ""
        found[Path(name).stem] = (team, url)
    return found, problems


def _front_matter(path: Path) -> dict[str, Any] | None:
    """The YAML mapping of a team file (its front matter for Markdown), None when there is none."""
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        with path.open("rb") as f:
            text = f.read(MAX_FILE_SIZE).decode("utf-8", "replace")
    except OSError:
        return None
    if path.suffix.lower() in (".md", ".markdown"):
        lines = text.splitlines()
        if not lines or lines[0].strip() != "---":
            return None
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "...")), None)
        if end is None:
            return None
        text = "\n".join(lines[1:end])
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None
