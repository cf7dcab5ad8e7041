"""`jobfeed close` and `jobfeed extend`: decide the front-matter edits, make them, report the outcome.

The decisions are pure (`close_values`, `extend_values`); `close_role` and `extend_role` make the
edit through `edit.edit_file` and read the file back to say what state the role is now in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from jobfeed.author.edit import Change, Value, edit_file
from jobfeed.config import Config
from jobfeed.core.dates import Moment, parse_day
from jobfeed.core.lifecycle import State, state_of
from jobfeed.core.postings import Posting, load_posting
from jobfeed.errors import JobfeedError, UsageError


@dataclasses.dataclass(frozen=True)
class Outcome:
    posting: Posting  # as read back after the edit
    changes: tuple[Change, ...]
    state: State
    was: State | None = None  # the state before the edit
    deadline: str = ""  # the new deadline in words, in the site's time zone (`extend`)

    def lines(self) -> list[str]:
        if not self.changes:
            return [f"{self.posting.path}: nothing to change; {self.posting.id} is {self.state}"]
        verb = "is still" if self.state == self.was else "is now"
        until = f", until {self.deadline}" if self.deadline else ""
        return [str(c) for c in self.changes] + [f"{self.posting.id} {verb} {self.state}{until}"]


def close_values(how: str) -> list[tuple[str, Value]]:
    """--filled sets `filled: true`; --closed sets `status: closed` (or `open: false`)."""
    if how == "filled":
        return [("filled", True)]
    if how == "closed":
        return [("status", "closed")]
    raise UsageError(f"close how? {how!r}; use --filled or --closed")


def _line(posting: Posting, field: str) -> str:
    return f"{posting.path}:{posting.lines.get(field, 1)}"


def extend_values(posting: Posting, until: Moment, now: dt.datetime, reopen: bool) -> list[tuple[str, Value]]:
    """The deadline, and with `reopen` what else keeps the role from being open.

    A filled or closed role is not reopened silently: without `reopen` this is an error that says
    why and what to run.
    """
    if until.end <= now:
        local = now.astimezone(until.at.tzinfo)  # the site's time zone, as the deadline is read
        raise UsageError(
            f"--until {until.isoformat()} is already past (it is now {local:%Y-%m-%d %H:%M} "
            f"{local.tzname()}); "
            "give a later date, or close the role with `jobfeed close`"
        )
    if posting.opened is not None and until.end <= posting.opened.at:
        raise UsageError(
            f"--until {until.isoformat()} is before the role opens ({posting.opened.isoformat()}); "
            "give a later date"
        )
    blockers: list[tuple[str, str, Value]] = []
    if posting.filled:
        blockers.append(("filled", f"filled ({_line(posting, 'filled')})", False))
    if posting.status == "closed":
        blockers.append(("status", f"closed ({_line(posting, 'status')})", "open"))
    if blockers and not reopen:
        why = " and ".join(text for _, text, _ in blockers)
        raise JobfeedError(
            f"{posting.id} is {why}; a new deadline alone would not publish it again. "
            "Run the same command with --reopen to reopen it, or leave it as it is"
        )
    values: list[tuple[str, Value]] = [("deadline", until.isoformat())]
    values += [(field, value) for field, _, value in blockers]
    if posting.deadline is None or posting.deadline.isoformat() != until.isoformat() or blockers:
        # The posting's own date of change: the feeds move the entry's `updated` to it, so that
        # readers show the new deadline (a build never dates an entry with its clock).
        values.append(("updated", now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")))
    return values


def _apply(posting: Posting, values: list[tuple[str, Value]], config: Config, now: dt.datetime) -> Outcome:
    path = Path(posting.path)
    edit = edit_file(path, values, config, shown=posting.path)
    after, problems = load_posting(path, config)
    if after is None:  # pragma: no cover - edit_file verifies the YAML before writing
        raise JobfeedError(f"{posting.path}: the file no longer loads: {problems[0]}")
    after = dataclasses.replace(after, path=posting.path)
    deadline = ""
    if after.deadline is not None and any(field == "deadline" for field, _ in values):
        end = after.deadline.end.astimezone(config.tz)
        deadline = (
            f"{end:%Y-%m-%d %H:%M} {end.tzname()}"
            if not after.deadline.all_day
            else (f"the end of {after.deadline.day.isoformat()} ({end.tzname()})")
        )
    return Outcome(after, edit.changes, state_of(after, now), state_of(posting, now), deadline)


def close_role(posting: Posting, how: str, config: Config, now: dt.datetime) -> Outcome:
    return _apply(posting, close_values(how), config, now)


def extend_role(
    posting: Posting, until_text: str, config: Config, now: dt.datetime, reopen: bool = False
) -> Outcome:
    until = parse_day(until_text, config.tz, "--until")
    return _apply(posting, extend_values(posting, until, now, reopen), config, now)
