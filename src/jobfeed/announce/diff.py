"""What changed between two runs: snapshots of the roles in, announcement events out. Pure.

A snapshot is what the state file keeps of each role (its state, title, dates, link); `diff`
compares the previous one with the current one and returns the events to announce, each with a
deterministic id `<role id>:<kind>:<date>` so that it is delivered once per channel.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from jobfeed.core.guard import is_mass_disappearance
from jobfeed.core.lifecycle import Catalog, State
from jobfeed.core.postings import Posting
from jobfeed.core.text import natural_key

KINDS = ("opened", "reopened", "deadline_changed", "closing_soon", "closed")
_OPEN = State.OPEN.value
_ENDED = {State.FILLED.value, State.CLOSED.value, State.EXPIRED.value}
#: The state of a role whose file is gone: kept in the snapshot so that a re-added file is "reopened".
REMOVED = "removed"


@dataclasses.dataclass(frozen=True)
class RoleSnapshot:
    """One role as the state file remembers it; `state` is a lifecycle state or REMOVED."""

    state: str
    title: str
    team: str = ""
    contract: str = ""
    link: str = ""
    opened: str | None = None  # Moment.isoformat(): a day, or a local date-time
    deadline: str | None = None
    #: The deadline for which "closing soon" is due or done: set while the deadline is within the window.
    closing_soon: str | None = None
    #: Every team of a role in several (`team` joins them); empty for one team, and then not stored.
    teams: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return _without_teams(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoleSnapshot:
        values: dict[str, Any] = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
        values["teams"] = tuple(values.get("teams", ()))
        return cls(**values)


def _without_teams(data: dict[str, Any]) -> dict[str, Any]:
    """`data` without an empty `teams`: a role in one team is stored as it was before teams existed."""
    if not data.get("teams"):
        del data["teams"]  # asdict gives every field
    else:
        data["teams"] = list(data["teams"])
    return data


Snapshot = dict[str, RoleSnapshot]


@dataclasses.dataclass(frozen=True)
class Event:
    """One thing to announce about one role; self-contained, so it can wait in the outbox."""

    id: str
    kind: str  # one of KINDS
    role: str  # the role's id
    name: str  # the role's title
    team: str = ""
    contract: str = ""
    link: str = ""
    deadline: str | None = None
    previous_deadline: str | None = None
    reason: str | None = None  # for "closed": "filled", "closed", "expired" or "removed"
    teams: tuple[str, ...] = ()  # a role in several teams: each of them (channels filter on any)
    #: For "closing_soon": whole days from the run's day to the deadline's (0: closes today).
    days_left: int | None = None

    @property
    def title(self) -> str:
        return f"{self.name} — {self.team}" if self.team else self.name

    def as_dict(self) -> dict[str, Any]:
        data = _without_teams(dataclasses.asdict(self))
        if data["days_left"] is None:  # only "closing soon" has it: other events are stored as before
            del data["days_left"]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        values: dict[str, Any] = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
        values["teams"] = tuple(values.get("teams", ()))
        return cls(**values)


def snapshot_of(
    catalog: Catalog, closing_soon_days: int, link: Callable[[Posting], str] = lambda p: ""
) -> Snapshot:
    """The snapshot of every role of `catalog` at `catalog.now`."""
    window = dt.timedelta(days=closing_soon_days)
    snapshot: Snapshot = {}
    for role in catalog.roles:
        p = role.posting
        soon = None
        if role.is_open and p.deadline is not None and p.deadline.end - catalog.now <= window:
            soon = p.deadline.isoformat()
        snapshot[role.id] = RoleSnapshot(
            state=role.state.value,
            title=p.role,
            team=p.team,
            contract=p.contract,
            link=link(p),
            opened=p.opened.isoformat() if p.opened else None,
            deadline=p.deadline.isoformat() if p.deadline else None,
            closing_soon=soon,
            teams=p.teams if len(p.teams) > 1 else (),
        )
    return dict(sorted(snapshot.items()))


def event_of(role_id: str, kind: str, day: str, role: RoleSnapshot, **extra: Any) -> Event:
    """The event `kind` of the role `role_id` as `role` describes it; its id is `role:kind:day`."""
    return Event(
        id=f"{role_id}:{kind}:{day}",
        kind=kind,
        role=role_id,
        name=role.title,
        team=role.team,
        contract=role.contract,
        link=role.link,
        deadline=role.deadline,
        teams=role.teams,
        **extra,
    )


def _day(value: str | None, today: dt.date) -> str:
    return value[:10] if value else today.isoformat()


def diff(
    previous: Mapping[str, RoleSnapshot], current: Mapping[str, RoleSnapshot], today: dt.date
) -> list[Event]:
    """The events that take `previous` to `current`, in announcement order.

    `today` is the day of the run in the site's time zone; it dates the events that have no
    date of their own (a closure, a reopening).
    """
    events: list[Event] = []
    for role_id, now in current.items():
        before = previous.get(role_id)
        was = before.state if before else None
        if now.state == _OPEN and was in (None, State.SCHEDULED.value):
            events.append(event_of(role_id, "opened", _day(now.opened, today), now))
        elif now.state == _OPEN and (was in _ENDED or was == REMOVED):
            events.append(event_of(role_id, "reopened", today.isoformat(), now))
        elif now.state == _OPEN and before is not None and before.deadline != now.deadline:
            events.append(
                event_of(
                    role_id,
                    "deadline_changed",
                    _day(now.deadline, today),
                    now,
                    previous_deadline=before.deadline,
                )
            )
            if now.closing_soon and not before.closing_soon:  # moved into the window: say so, once
                events.append(_closing_soon(role_id, now, today))
        elif (
            now.state == _OPEN
            and now.closing_soon
            and (before is None or before.closing_soon != now.closing_soon)
        ):
            events.append(_closing_soon(role_id, now, today))
        elif now.state in _ENDED and was == _OPEN:
            events.append(event_of(role_id, "closed", today.isoformat(), now, reason=now.state))
        elif now.state == REMOVED and was == _OPEN:
            events.append(event_of(role_id, "closed", today.isoformat(), now, reason=REMOVED))
    for role_id, before in previous.items():
        if role_id not in current and before.state == _OPEN:
            events.append(event_of(role_id, "closed", today.isoformat(), before, reason="removed"))
    return sorted(events, key=_order)


def _closing_soon(role_id: str, now: RoleSnapshot, today: dt.date) -> Event:
    """ "Closing soon" for the deadline `now.closing_soon` (set: the callers check it), with the
    whole days left from `today` (0: it closes today; an open role's deadline is never past)."""
    assert now.closing_soon is not None
    day = now.closing_soon[:10]
    left = max(0, (dt.date.fromisoformat(day) - today).days)
    return event_of(role_id, "closing_soon", day, now, days_left=left)


def _order(event: Event) -> tuple[int, tuple[tuple[int, int | str], ...], str]:
    """Kinds in announcement order, then titles in natural order (n°2 before n°10)."""
    return (KINDS.index(event.kind), natural_key(event.title), event.role)


def disappeared(previous: Mapping[str, RoleSnapshot], current: Mapping[str, RoleSnapshot]) -> list[str]:
    """Ids of the roles of `previous` that are not in `current` at all (and were not removed already)."""
    return sorted(k for k, role in previous.items() if k not in current and role.state != REMOVED)


def mass_disappearance(previous: Mapping[str, RoleSnapshot], current: Mapping[str, RoleSnapshot]) -> bool:
    """More than half of the known roles, and at least 5, vanished at once (`core.guard`)."""
    gone = len(disappeared(previous, current))
    known = sum(role.state != REMOVED for role in previous.values())
    return is_mass_disappearance(known, gone)


def with_removed(previous: Mapping[str, RoleSnapshot], current: Mapping[str, RoleSnapshot]) -> Snapshot:
    """`current` plus a REMOVED entry for every public role of `previous` whose file is gone.

    The entry keeps the role's title and link, so the closure can be announced, and tells the next
    runs that the role existed: a file added back is "reopened", not "opened" a second time. A
    scheduled role that is removed was never announced and is simply forgotten.
    """
    snapshot = dict(current)
    for role_id, before in previous.items():
        if role_id not in current and before.state != State.SCHEDULED.value:
            snapshot[role_id] = dataclasses.replace(before, state=REMOVED, closing_soon=None)
    return dict(sorted(snapshot.items()))
