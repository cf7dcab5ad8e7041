"""One exception tree for everything jobfeed reports, and the Problem record.

`str()` of an error reads ``message: context: cause`` so that the CLI can print it as is.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

Level = Literal["error", "warning"]


class JobfeedError(Exception):
    """Base of every error jobfeed raises on purpose."""


class ConfigError(JobfeedError):
    """`jobfeed.toml` is unreadable or holds a value jobfeed cannot use."""


class OutputError(JobfeedError):
    """A file under the output directory could not be written; what was there is intact."""


class PostingError(JobfeedError):
    """One or more postings are invalid (raised by strict builds)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.level == "error"]
        super().__init__(f"{len(errors)} error(s) in postings; nothing was written")


class FolderMissing(JobfeedError):
    """The postings folder does not exist (or is not a folder): nothing was read or written."""


class PostingChanged(JobfeedError):
    """A posting file changed (or went away) while a command was using it."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"{path} changed while jobfeed was reading it; nothing was written, run the command again"
        )


@dataclasses.dataclass(frozen=True, order=True)
class Problem:
    """Something wrong in one input file, at a line when one is known (1-based)."""

    path: str
    line: int
    level: Level
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.level == "error"


class UsageError(JobfeedError):
    """A command-line option or environment variable has a value jobfeed cannot use (exit 2)."""


# --- jobfeed notify


class StateError(JobfeedError):
    """The state file cannot be read or was written by a newer jobfeed."""


class GuardError(JobfeedError):
    """Too many roles vanished at once: nothing is announced until a person confirms with --force."""


class LockedError(JobfeedError):
    """Another `jobfeed notify` holds the lock of this state file."""


class DeliveryError(JobfeedError):
    """A message was not delivered; `transient` tells whether trying later may succeed."""

    def __init__(self, message: str, *, transient: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status


# --- jobfeed new, close, extend, preview


class EditError(JobfeedError):
    """The file cannot be edited safely; nothing was written."""


class PostingExists(JobfeedError):
    """The file `jobfeed new` would write is already there."""


class RoleNotFound(JobfeedError):
    """No role, or more than one, answers to the name given."""


# --- not JobfeedErrors: raised and caught inside the loader, which reports them on the right line


class DateOutOfRange(ValueError):
    """A date that reads as one but falls outside FIRST_YEAR..LAST_YEAR."""


class Unloadable(Exception):
    """The file cannot become a posting; its problems are already recorded."""
