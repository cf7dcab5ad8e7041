"""The state of each role at an instant `now`: a pure function of the postings and the clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
from collections.abc import Iterable

from jobfeed.core.postings import Posting


class State(enum.StrEnum):
    SCHEDULED = "scheduled"
    FILLED = "filled"
    CLOSED = "closed"
    EXPIRED = "expired"
    OPEN = "open"

    def __str__(self) -> str:
        return self.value


def state_of(posting: Posting, now: dt.datetime) -> State:
    """The role's state at `now`: the first that applies of scheduled (opens after `now`), filled,
    closed, expired (the deadline has passed; a day-only deadline runs to the end of that day),
    else open. The README's "Lifecycle" table says the same."""
    return _state(posting, now.astimezone(dt.UTC))


def state_changes(posting: Posting) -> list[dt.datetime]:
    """The instants at which the posting's state can change (`state_of` compares `now` with these
    and with nothing else): its opening, and the end of its deadline. Between two of them, every
    role keeps its state (`publish/span.py`)."""
    found = []
    if posting.opened is not None:
        found.append(posting.opened.utc)
    if posting.deadline is not None:
        found.append(posting.deadline.end_utc)
    return found


def _state(posting: Posting, now: dt.datetime) -> State:
    """`state_of` with `now` in UTC: instants compared in UTC, as Python compares aware datetimes
    of different zones, without converting each posting's dates again (10,000 postings)."""
    if posting.opened is not None and posting.opened.utc > now:
        return State.SCHEDULED
    if posting.filled:
        return State.FILLED
    if posting.status == "closed":
        return State.CLOSED
    if posting.deadline is not None and posting.deadline.end_utc <= now:
        return State.EXPIRED
    return State.OPEN


@dataclasses.dataclass(frozen=True)
class Role:
    posting: Posting
    state: State

    @property
    def id(self) -> str:
        return self.posting.id

    @property
    def is_open(self) -> bool:
        return self.state is State.OPEN


def _newest_first(role: Role) -> tuple[bool, float, str]:
    """Newest opened first, roles without an opening date after every dated one, then by id."""
    opened = role.posting.opened
    return (opened is None, -opened.timestamp if opened else 0.0, role.id)


@dataclasses.dataclass(frozen=True)
class Catalog:
    """Every role with its state at `now`, newest opened first, then by id."""

    now: dt.datetime
    roles: tuple[Role, ...]

    @functools.cached_property
    def open(self) -> tuple[Role, ...]:
        """The open roles: asked for five times a build, over every role."""
        return tuple(r for r in self.roles if r.is_open)

    @property
    def closed(self) -> list[Role]:
        return [r for r in self.roles if r.state in (State.FILLED, State.CLOSED, State.EXPIRED)]

    @property
    def scheduled(self) -> list[Role]:
        return [r for r in self.roles if r.state is State.SCHEDULED]

    def get(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.id == role_id), None)


def classify(postings: Iterable[Posting], now: dt.datetime) -> Catalog:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    utc = now.astimezone(dt.UTC)
    roles = sorted((Role(p, _state(p, utc)) for p in postings), key=_newest_first)
    return Catalog(now=now, roles=tuple(roles))
