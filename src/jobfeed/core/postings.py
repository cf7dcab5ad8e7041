"""Loading `postes/*.md`: front matter with line numbers, canonical fields, every problem reported.

`load_postings(folder, config)` never raises on bad input: each file either becomes a `Posting`
or one or more `Problem`s naming the file and the line, and loading goes on with the next file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import errno
import functools
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from jobfeed.config import Config
from jobfeed.core.claims import Claims, settle_ids
from jobfeed.core.dates import EXPECTED, IN_RANGE, Moment, to_moment
from jobfeed.core.frontmatter import decode, parse_yaml, split
from jobfeed.core.nesting import MAX_DEPTH, too_deep
from jobfeed.core.text import clean_text, is_clean, slug_of
from jobfeed.errors import DateOutOfRange, FolderMissing, Problem, Unloadable

SUFFIXES = (".md", ".markdown")
MORE = "<!--more-->"
#: An explicit id is used in URLs and file names: keep it to characters that are safe there.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
_OPEN_WORDS = {"open", "ouvert", "ouverte", "published", "publié", "true", "yes", "oui"}
_CLOSED_WORDS = {"closed", "close", "fermé", "ferme", "fermée", "clos", "false", "no", "non"}
_TRUE = {"true", "yes", "oui", "1"}
#: A FIFO opened without O_NONBLOCK waits for a writer: the build would never end.
_OPEN = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_FALSE = {"false", "no", "non", "0", ""}
#: The longest title a chat header shows whole (Slack's header block: 150 characters).
TITLE_MAX = 150
#: A file name that starts with a day: `2024-02-15-developpeur.md` (the entry's date when the
#: posting has none of its own).
NAME_DAY = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?![0-9])")
#: The most teams one role is in (a list of team ids longer than that is cut).
MAX_TEAMS = 20
#: The longest front-matter value a link takes with {field:KEY}.
LINK_VALUE_MAX = 200
#: How the typo hint starts: `load_postings` drops it for a key most files use.
TYPO = "unknown key"


@dataclasses.dataclass(frozen=True)
class Posting:
    """One role as its file describes it, fields already in canonical form."""

    path: str  # as shown to people: the folder given, then the file name
    id: str
    role: str
    body: str
    team: str = ""
    contact: str = ""
    contract: str = ""
    opened: Moment | None = None
    deadline: Moment | None = None
    updated: Moment | None = None
    status: str = ""  # "open", "closed" or "" when the file says nothing
    filled: bool = False
    application_form: bool = False
    #: every team's display name (`team` joins them), and the ids the file gives (`[teams]` names them)
    teams: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()
    apply_url: str = ""  # an address to apply at on another site (`[fields] apply_url`)
    #: the values `[postes] link` reads with {field:KEY}, by key
    link_values: dict[str, str] = dataclasses.field(default_factory=dict, compare=False)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)
    lines: dict[str, int] = dataclasses.field(default_factory=dict, compare=False)
    digest: str = ""  # sha256 of the file's bytes, which decide the body (caches rely on it)

    @property
    def slug(self) -> str:
        return self.id

    @property
    def summary_markdown(self) -> str | None:
        """The text before `<!--more-->`, when the posting has one."""
        head, sep, _ = self.body.partition(MORE)
        return head.strip() if sep else None

    @property
    def title(self) -> str:
        return f"{self.role} — {self.team}" if self.team else self.role


@dataclasses.dataclass
class Loaded:
    postings: list[Posting]
    problems: list[Problem]
    files: int = 0
    #: ids the previous build published whose file is still there but did not load: still theirs
    held: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def postings_folder(folder: str | Path) -> Path:
    """`folder` when it is a folder; else FolderMissing, naming it, the current directory and the
    option that sets it: a mistyped folder must not publish empty feeds over the real ones."""
    path = Path(folder)
    if path.is_dir():
        return path
    what = "is not a folder" if path.exists() else "does not exist"
    raise FolderMissing(
        f"the postings folder '{folder}' {what} (in {Path.cwd()}); give the right one with --postes "
        "or [postes] dir in jobfeed.toml, or run jobfeed from the folder that holds it; nothing was written"
    )


def is_posting_name(name: str) -> bool:
    """Whether a file of that name in the postings folder is a posting."""
    return name.lower().endswith(SUFFIXES) and not name.startswith(".")


def posting_files(folder: Path) -> list[Path]:
    """The posting files of `folder`, in a stable order."""
    # iterdir makes each path from its name without parsing it again, as `folder / name` does:
    # ~15 ms less at 10,000 files.
    found = [p for p in folder.iterdir() if is_posting_name(p.name)]
    found.sort(key=lambda p: p.name)
    return found


#: `map(func, files)` in order; the build passes one that spreads the files over processes.
FileMapper = Callable[
    [Callable[[Path], "tuple[Posting | None, list[Problem]]"], Sequence[Path]], Iterable[Any]
]


def load_postings(
    folder: str | Path, config: Config, *, map_files: FileMapper | None = None, claims: Claims | None = None
) -> Loaded:
    """Every posting of `folder` and every problem found, in file order. `claims`: what the
    previous build published (`published.json`), whose ids no other file may take."""
    folder = Path(folder)
    problems: list[Problem] = []
    postings: list[Posting] = []
    if not _is_utf8(str(folder)):
        message = "the folder's name is not UTF-8; rename it"
        return Loaded(postings, [Problem(shown_path(folder), 1, "error", message)])
    try:
        files = posting_files(folder)
    except OSError as e:
        problems.append(Problem(str(folder), 1, "error", f"cannot read the folder: {e.strerror}"))
        return Loaded(postings, problems)
    count = len(files)
    files = _usable_names(files, problems)
    load = functools.partial(load_posting, config=config, root=folder)
    results = map_files(load, files) if map_files is not None else map(load, files)
    for posting, found in results:
        problems.extend(found)
        if posting is not None:
            postings.append(posting)
    postings, held = settle_ids(postings, (p.name for p in files), claims or Claims(), problems)
    problems = _without_common_typos(problems, postings)
    problems.extend(unnamed_teams(postings, config))
    return Loaded(postings, problems, count, held)


#: A key in at least this share of the loaded files (and in 3 or more) is the site's own, not a typo.
COMMON_SHARE = 0.5


def _without_common_typos(problems: list[Problem], postings: list[Posting]) -> list[Problem]:
    """`problems` without the typo hint on keys most files use (`contacts` in every file is the
    site's own key, not a misspelt `contact`): the hint is for a key rare in the folder."""
    counts: dict[str, int] = {}
    for posting in postings:
        for key in posting.extra:
            counts[key] = counts.get(key, 0) + 1
    common = {k for k, n in counts.items() if n >= 3 and n >= COMMON_SHARE * len(postings)}
    if not common:
        return problems
    prefixes = tuple(f"{TYPO} '{key}'," for key in common)
    return [p for p in problems if not (p.level == "warning" and p.message.startswith(prefixes))]


def unnamed_teams(postings: Sequence[Posting], config: Config) -> list[Problem]:
    """With a `[teams]` lookup, each team id it does not name, once, on the first file that gives it."""
    if not config.teams:
        return []
    seen: set[str] = set()
    problems = []
    for posting in postings:
        for team_id in posting.team_ids:
            if team_id in config.teams or team_id in seen:
                continue
            seen.add(team_id)
            problems.append(
                Problem(
                    posting.path,
                    posting.lines.get("team", 1),
                    "warning",
                    f"team {team_id!r} has no name in [teams] (inline or its source folder); it is shown "
                    f"as {team_id!r}: add it, or correct the id",
                )
            )
    return problems


def _usable_names(files: list[Path], problems: list[Problem]) -> list[Path]:
    """`files` but those whose name is not UTF-8 (Python holds its bytes as lone surrogates, which
    no output, cache or terminal can write): each is a problem, shown with its bytes escaped."""
    usable = []
    for path in files:
        if _is_utf8(path.name):
            usable.append(path)
        else:
            problems.append(
                Problem(
                    shown_path(path),
                    1,
                    "error",
                    "the file name is not UTF-8; rename the file, e.g. with letters, digits and '-' (skipped)",
                )
            )
    return usable


def _is_utf8(name: str) -> bool:
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_path(path: Path) -> str:
    """`path` as text any output can hold: bytes that are not UTF-8 as `\\xe9`."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def load_posting(
    path: Path, config: Config, root: Path | None = None, raw: bytes | None = None, fast: bool = True
) -> tuple[Posting | None, list[Problem]]:
    """One file -> (Posting or None, its problems). `raw`: the bytes of a plain file (not a
    symbolic link, within the size limit) when the caller has read them already. `fast=False`
    loads every front matter with PyYAML (same results, slower: for tests)."""
    shown = str(path)
    if not shown.isascii() and not _is_utf8(shown):
        shown = shown_path(path)
    problems: list[Problem] = []
    try:
        if raw is None:
            raw = _read(path, root, config.max_file_size, shown, problems)
        text = decode(raw, shown, problems)
        front, body, first_line = split(text, shown, problems)
        mapping, lines = parse_yaml(front, first_line, shown, problems, fast)
        body_line = text.count("\n", 0, len(text) - len(body)) + 1
        posting = _posting(path, shown, mapping, lines, body, body_line, raw, config, problems)
    except Unloadable:
        return None, sorted(problems)
    return posting, sorted(problems)


def body_of(raw: bytes) -> str:
    """The body `load_posting` gives a file of these bytes that loads: for caches that keep the rest."""
    body = split(decode(raw, "", []), "", [])[1]
    return body if is_clean(raw) else clean_text(body)


def _read(path: Path, root: Path | None, limit: int, shown: str, problems: list[Problem]) -> bytes:
    """The bytes of a plain file within the size limit. Anything else the folder may hold (a
    symbolic link that leaves it or loops, a folder, a FIFO, a device, an unreadable file) is a
    problem, never a crash or a wait: the file is opened without blocking, then looked at."""

    def skip(message: str) -> Unloadable:
        problems.append(Problem(shown, 1, "error", message))
        return Unloadable()

    try:
        if path.is_symlink():
            try:
                target = os.path.realpath(path, strict=True)
            except OSError as e:
                if e.errno == errno.ELOOP:
                    raise skip("symbolic link that loops back to itself; remove it (skipped)") from e
                raise
            if not Path(target).is_relative_to(os.path.realpath(root or path.parent)):
                raise skip("symbolic link to a file outside the postings folder; copy the file instead")
        fd = os.open(path, _OPEN)
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise skip("this is a folder, not a posting file; rename it without '.md' (skipped)")
            if not stat.S_ISREG(info.st_mode):
                raise skip("this is not a plain file (a FIFO, socket or device); remove it (skipped)")
            if info.st_size > limit:
                raise skip(
                    f"file is {info.st_size / 1_048_576:.1f} MiB, over the {limit / 1_048_576:.1f} MiB "
                    "limit for a posting; shorten it or raise [postes] max_file_size"
                )
            chunks = []
            while chunk := os.read(fd, max(info.st_size, 65_536)):  # a file that grows meanwhile too
                chunks.append(chunk)
                if sum(map(len, chunks)) > limit:
                    raise skip(f"file grew over the {limit / 1_048_576:.1f} MiB limit while it was read")
            return b"".join(chunks)
        finally:
            os.close(fd)
    except OSError as e:
        raise skip(f"cannot read the file: {e.strerror or e}") from e


def _posting(
    path: Path,
    shown: str,
    mapping: dict[str, Any],
    lines: dict[str, int],
    body: str,
    body_line: int,
    raw: bytes,
    config: Config,
    problems: list[Problem],
) -> Posting:
    field_of_key = config.field_of_key()
    values: dict[str, Any] = {}
    field_lines: dict[str, int] = {}
    several: dict[str, list[tuple[str, Any]]] = {}  # fields given by more than one key
    for field, keys in config.fields.items():
        given = [(key, mapping[key]) for key in keys if key in mapping and mapping[key] is not None]
        if given:
            values[field] = given[0]
            field_lines[field] = lines.get(given[0][0], 1)
        if len(given) > 1:
            several[field] = given
    extra = {k: v for k, v in mapping.items() if k not in field_of_key}
    _warn_typos(extra, lines, field_of_key, mapping, shown, problems, config.ignored_keys)

    def problem(field: str, level: str, message: str) -> None:
        problems.append(Problem(shown, field_lines.get(field, 1), level, message))  # type: ignore[arg-type]

    errors_before = sum(p.is_error for p in problems)
    role = _role(values.get("role"), config, problem)
    out: dict[str, Any] = {}
    if "team" in values:
        _teams(values["team"], config, problem, out)
    for field in ("contact", "contract", "apply_url"):
        if field in values:
            key, value = values[field]
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                out[field] = clean_text(str(value)).strip()
            else:
                problem(field, "warning", f"{key} should be text, not {_kind(value)}; ignored")
    if out.get("apply_url") and not _is_web_address(out["apply_url"]):
        key = values["apply_url"][0]
        problem("apply_url", "warning", f"{key} must be an https:// address to apply at; ignored")
        del out["apply_url"]
    for field in ("opened", "deadline", "updated"):
        if field in values:
            key, value = values[field]
            try:
                moment = to_moment(value, config.tz)
            except DateOutOfRange:
                problem(field, "error", f"date {str(value)!r} for {key} is out of range; write {IN_RANGE}")
                continue
            if moment is None:
                problem(field, "error", f"invalid date {str(value)!r} for {key}, {EXPECTED}")
            else:
                if isinstance(value, str) and "/" in value:
                    problem(
                        field, "warning", f"{key}: write the date as {moment.day.isoformat()} (YYYY-MM-DD)"
                    )
                if field == "deadline" and config.midnight_deadline == "instant" and _has_time(value):
                    moment = Moment(moment.at)  # the site closes at that instant, not at the day's end
                out[field] = moment
    named = _name_day(path, config) if "opened" not in values else None
    if named is not None:
        out["opened"] = named
    if config.link_keys:
        out["link_values"] = {key: _link_value(mapping.get(key)) for key in config.link_keys}
        for key, value in out["link_values"].items():
            if not value:
                problems.append(
                    Problem(
                        shown,
                        lines.get(key, 1),
                        "warning",
                        f"[postes] link uses {{field:{key}}}, and this file has no text in '{key}': "
                        f"its address has an empty part; add '{key}: …'",
                    )
                )
    if "status" in values:
        key, value = values["status"]
        out["status"] = _status(key, value, problem)
    for field in ("filled", "application_form"):
        if field in values:
            key, value = values[field]
            out[field] = _boolean(field, key, value, problem)
    posting_id = _id(path, values.get("id"), problem)
    body = body if is_clean(raw) else clean_text(body)
    deep = too_deep(body, raw)
    if deep is not None:
        problems.append(
            Problem(
                shown,
                body_line + deep - 1,
                "error",
                f"the text nests more than {MAX_DEPTH} levels deep here (quotes, lists, emphasis, links "
                "or HTML elements inside each other); flatten it (skipped)",
            )
        )
    for field, given in several.items():
        _disagreeing(field, given, lines, out, config, shown, problems)
    if sum(p.is_error for p in problems) == errors_before:  # a file left out needs no more advice
        _likely_mistakes(path, out, role, field_lines, config, shown, problems)
    if sum(p.is_error for p in problems) > errors_before:
        raise Unloadable()
    assert role is not None
    return Posting(
        path=shown,
        id=posting_id,
        role=role,
        body=body,
        extra=extra,
        lines=field_lines,
        digest=hashlib.sha256(raw).hexdigest(),
        **out,
    )


def _teams(found: tuple[str, Any], config: Config, problem: Any, out: dict[str, Any]) -> None:
    """One team or a list of them: ids, named by `[teams]` (an id without a name is shown as it is)."""
    key, value = found
    listed = value if isinstance(value, list) else [value]
    ids: list[str] = []
    for item in listed:
        if isinstance(item, (str, int, float)) and not isinstance(item, bool):
            text = clean_text(str(item)).strip()
            if text and text not in ids:
                ids.append(text)
        else:
            problem("team", "warning", f"{key} should be text or a list of texts, not {_kind(item)}; ignored")
            return
    teams = config.teams
    names = tuple(dict.fromkeys(teams[i].name if i in teams else i for i in ids[:MAX_TEAMS]))
    if len(ids) > MAX_TEAMS:
        problem("team", "warning", f"{key} lists {len(ids)} teams; the first {MAX_TEAMS} are kept")
    if names:
        out["team"] = ", ".join(names)
        out["teams"] = names
        out["team_ids"] = tuple(ids[:MAX_TEAMS])


def _is_web_address(url: str) -> bool:
    """An http(s) address on one line: what a button may open (no `javascript:`, no spaces)."""
    return url.lower().startswith(("https://", "http://")) and url.isprintable() and " " not in url


def _has_time(value: Any) -> bool:
    """A date-time as written (`2022-02-22T23:00:00.000Z`), not a day (`2022-02-22`)."""
    if isinstance(value, dt.datetime):
        return True
    return isinstance(value, str) and len(value.strip()) > 10


def _name_day(path: Path, config: Config) -> Moment | None:
    """The day the file name starts with, as a whole day in the site's time zone, when
    `[postes] opened_from_name` is on; else None."""
    found = NAME_DAY.match(path.name) if config.opened_from_name else None
    if found is None:
        return None
    try:
        return to_moment(dt.date(*(int(part) for part in found.groups())), config.tz)
    except (ValueError, DateOutOfRange):
        return None


def _link_value(value: Any) -> str:
    """A front-matter value as `{field:KEY}` writes it (before URL-encoding): text, a number, a day."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (str, int, float, dt.date)):
        return " ".join(clean_text(str(value)).split())[:LINK_VALUE_MAX]
    return ""


def _role(found: tuple[str, Any] | None, config: Config, problem: Any) -> str | None:
    if found is None:
        keys = " or ".join(f"'{k}'" for k in config.fields["role"])
        problem("role", "error", f"no role; add a line 'role: <title of the role>' (key {keys})")
        return None
    key, value = found
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        value = ", ".join(v.strip() for v in value)
    if not isinstance(value, str):
        problem("role", "error", f"{key} must be the title of the role as text, not {_kind(value)}")
        return None
    role = " ".join(clean_text(value).split())
    if not role:
        problem(
            "role", "error", f"{key} is empty; write the title of the role, e.g. '{key}: Développeur·euse'"
        )
        return None
    return role


def _status(key: str, value: Any, problem: Any) -> str:
    word = str(value).strip().lower()
    if isinstance(value, bool):
        return "open" if value else "closed"
    if word in _OPEN_WORDS:
        return "open"
    if word in _CLOSED_WORDS:
        return "closed"
    problem("status", "warning", f"unknown {key} {str(value)!r}, expected 'open' or 'closed'; taken as open")
    return "open"


def _boolean(field: str, key: str, value: Any, problem: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word not in _FALSE:
        problem(field, "warning", f"{key} should be true or false, not {str(value)!r}; taken as false")
    return False


def _id(path: Path, found: tuple[str, Any] | None, problem: Any) -> str:
    if found is None:
        return slug_of(path.stem)
    key, value = found
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not ID_PATTERN.match(text) or ".." in text:
        problem(
            "id",
            "error",
            f"{key} {str(value)!r} is not a usable id; use letters, digits, '-', '_' and '.', "
            "such as 'charge-deploiement-2022'",
        )
        return ""
    return text


def _warn_typos(
    extra: dict[str, Any],
    lines: dict[str, int],
    field_of_key: dict[str, str],
    mapping: dict[str, Any],
    shown: str,
    problems: list[Problem],
    ignored: tuple[str, ...] = (),
) -> None:
    known = list(field_of_key)
    for key in extra:
        if key in ignored:
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
        if not close:
            continue
        if close[0] in mapping:  # renaming it would repeat a key: it is left over
            where = lines.get(close[0], 1)
            message = f"{TYPO} '{key}', and '{close[0]}' is on line {where}; remove it"
        else:
            message = f"{TYPO} '{key}', did you mean '{close[0]}'?"
        problems.append(Problem(shown, lines.get(key, 1), "warning", message))


def _normal(field: str, value: Any, config: Config) -> Any:
    """`value` of `field` as the posting would take it, to compare two keys' values; None when unreadable."""
    try:
        if field in ("opened", "deadline", "updated"):
            moment = to_moment(value, config.tz)
            return moment.isoformat() if moment else None
    except DateOutOfRange:
        return None
    if field == "status":
        return _status("", value, lambda *_: None)
    if field in ("filled", "application_form"):
        return _boolean(field, "", value, lambda *_: None)
    return " ".join(clean_text(str(value)).split())


def _disagreeing(
    field: str,
    given: list[tuple[str, Any]],
    lines: dict[str, int],
    out: dict[str, Any],
    config: Config,
    shown: str,
    problems: list[Problem],
) -> None:
    """Two keys of one field that say different things: a warning on the second, and a closed or
    filled signal wins (`status: open` with `open: false` must not publish the role)."""
    first_key, first = given[0]
    taken = _normal(field, first, config)
    for key, value in given[1:]:
        other = _normal(field, value, config)
        if other is None or taken is None or other == taken:
            continue
        if field == "status" and "closed" in (taken, other):
            decision = "the role is taken as closed: a closed signal wins"
            out["status"] = "closed"
        elif field == "filled" and True in (taken, other):
            decision = "the role is taken as filled: a filled signal wins"
            out["filled"] = True
        else:
            decision = f"{first_key} is used"
        problems.append(
            Problem(
                shown,
                lines.get(key, 1),
                "warning",
                f"{key} {_shown(value)!r} disagrees with {first_key} {_shown(first)!r} on line "
                f"{lines.get(first_key, 1)}; {decision}; keep one of the two keys",
            )
        )


def _shown(value: Any) -> str:
    """A front-matter value as it was most likely written: `false`, not `False`."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _likely_mistakes(
    path: Path,
    out: dict[str, Any],
    role: str | None,
    field_lines: dict[str, int],
    config: Config,
    shown: str,
    problems: list[Problem],
) -> None:
    """What is allowed but most likely a mistake, and the one that cannot be right (a deadline
    before the opening date)."""
    opened, deadline = out.get("opened"), out.get("deadline")
    if opened is not None and deadline is not None and deadline.end_utc <= opened.utc:
        problems.append(
            Problem(
                shown,
                field_lines.get("deadline", 1),
                "error",
                f"the deadline ({deadline.isoformat()}) is before the opening date ({opened.isoformat()}, "
                + (f"line {field_lines['opened']}" if "opened" in field_lines else "the file name's day")
                + "); correct one of them (left out until then)",
            )
        )
    named = opened is not None and "opened" not in field_lines
    if named and not (out.get("deadline") or out.get("updated")):
        assert opened is not None
        key = config.fields["opened"][0] if config.fields["opened"] else "date"
        problems.append(
            Problem(
                shown,
                1,
                "warning",
                f"no date at all: the file name's day, {opened.isoformat()}, is taken as the opening date; "
                f"add '{key}: {opened.isoformat()}' to say so, and a deadline if the role has one",
            )
        )
    if opened is None:
        key = config.fields["opened"][0]
        dated = "its file name's day" if NAME_DAY.match(path.name) else "1970-01-01"
        problems.append(
            Problem(
                shown,
                1,
                "warning",
                f"no opening date; add '{key}: YYYY-MM-DD' (until then its feed entry is dated {dated})",
            )
        )
    if not out.get("contact") and not out.get("apply_url"):  # an apply address is how to apply
        key = config.fields["contact"][0]
        problems.append(
            Problem(shown, 1, "warning", f"no contact; add '{key}: <e-mail or web address to apply>'")
        )
    if role is not None and len(role) > TITLE_MAX:
        problems.append(
            Problem(
                shown,
                field_lines.get("role", 1),
                "warning",
                f"the role's title is {len(role)} characters long; chat headers show {TITLE_MAX} at most "
                "and cut the rest: shorten it",
            )
        )


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty"
    return f"{type(value).__name__} {str(value)[:40]!r}"
