"""`jobfeed list`: where each role stands, open roles first, as a table or JSON.

Pure: a Catalog and the site's settings in, rows and text out. Colours are click styles, which
click.echo strips when stdout is not a terminal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import click

from jobfeed.config import Config
from jobfeed.core.dates import Moment
from jobfeed.core.lifecycle import Catalog, Role, State

#: Order of the groups in the table: open roles first, then the ones still to come, then the rest.
_GROUP = {State.OPEN: 0, State.SCHEDULED: 1, State.FILLED: 2, State.CLOSED: 2, State.EXPIRED: 2}
_COLOUR = {
    State.OPEN: "green",
    State.SCHEDULED: "cyan",
    State.EXPIRED: "yellow",
    State.FILLED: "blue",
    State.CLOSED: "red",
}
HEADERS = ("STATE", "ID", "ROLE", "TEAM", "CONTRACT", "DEADLINE", "DAYS LEFT")


@dataclasses.dataclass(frozen=True)
class Row:
    id: str
    state: State
    role: str
    team: str
    contract: str
    opened: Moment | None
    deadline: Moment | None
    days_left: int | None  # open and scheduled roles with a deadline only
    path: str

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "state": str(self.state),
            "role": self.role,
            "team": self.team or None,
            "contract": self.contract or None,
            "opened": self.opened.isoformat() if self.opened else None,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "days_left": self.days_left,
            "path": self.path,
        }


def days_left(deadline: Moment | None, now: dt.datetime, config: Config) -> int | None:
    """Whole days from today (in the site's time zone) to the deadline's day; 0 on the last day."""
    if deadline is None:
        return None
    return (deadline.day - now.astimezone(config.tz).date()).days


def rows(catalog: Catalog, config: Config, include_all: bool = False) -> list[Row]:
    """Open roles by nearest deadline (none last), then scheduled ones, then with `include_all`
    the filled, closed and expired ones, newest opened first."""
    chosen: list[tuple[tuple[int, int, float, int], Role]] = []
    for index, role in enumerate(catalog.roles):
        group = _GROUP[role.state]
        if group == 2 and not include_all:
            continue
        deadline = role.posting.deadline
        if group < 2 and deadline is not None:
            key = (group, 0, deadline.end.timestamp(), index)
        else:
            key = (group, 1, 0.0, index)
        chosen.append((key, role))
    out = []
    for _, role in sorted(chosen, key=lambda pair: pair[0]):
        p = role.posting
        left = days_left(p.deadline, catalog.now, config) if _GROUP[role.state] < 2 else None
        out.append(Row(p.id, role.state, p.role, p.team, p.contract, p.opened, p.deadline, left, p.path))
    return out


def as_json(found: list[Row]) -> str:
    return json.dumps([row.as_dict() for row in found], ensure_ascii=False, indent=2)


def _deadline_text(deadline: Moment | None) -> str:
    if deadline is None:
        return "-"
    return deadline.day.isoformat() if deadline.all_day else deadline.at.strftime("%Y-%m-%d %H:%M")


def table(found: list[Row], config: Config) -> list[str]:
    """Aligned lines, header first; states coloured, deadlines within `closing_soon_days` in yellow."""
    cells = [
        (
            str(r.state),
            r.id,
            r.role,
            r.team or "-",
            r.contract or "-",
            _deadline_text(r.deadline),
            "-" if r.days_left is None else str(r.days_left),
        )
        for r in found
    ]
    widths = [max(len(c[i]) for c in [HEADERS, *cells]) for i in range(len(HEADERS))]

    def line(values: tuple[str, ...], styles: list[dict[str, object]]) -> str:
        padded = []
        for i, value in enumerate(values):
            text = value if i == len(values) - 1 else value.ljust(widths[i])
            padded.append(click.style(text, **styles[i]) if styles[i] else text)  # type: ignore[arg-type]
        return "  ".join(padded).rstrip()

    out = [line(HEADERS, [{"bold": True}] * len(HEADERS))]
    for row, values in zip(found, cells, strict=True):
        styles: list[dict[str, object]] = [{} for _ in HEADERS]
        styles[0] = {"fg": _COLOUR[row.state]}
        if row.days_left is not None and row.days_left <= config.closing_soon_days:
            styles[5] = styles[6] = {"fg": "yellow", "bold": True}
        out.append(line(values, styles))
    return out


def summary(found: list[Row], include_all: bool) -> str:
    """The line under the table (or instead of it when there is no role to show)."""
    counts: dict[str, int] = {}
    for row in found:
        counts[str(row.state)] = counts.get(str(row.state), 0) + 1
    if not found:
        return "No roles." if include_all else "No open or scheduled roles (`jobfeed list --all` shows all)."
    text = ", ".join(f"{n} {state}" for state, n in counts.items())
    return text if include_all else text + " (`--all` adds filled, closed and expired ones)"
