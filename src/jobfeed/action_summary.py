"""The Action's job summary and step outputs: a pure function of the reports of `jobfeed check`,
`jobfeed build` and `jobfeed notify` (`--json`), any of which may be missing. `github_action.py`
reads the files and writes the results; this module only turns reports into Markdown and values."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

#: Warn when the previous successful run is older than this many days (the schedule runs daily).
STALE_DAYS = 3

#: Event kinds of `jobfeed notify --json`, in the order the summary shows them.
OPENED_KINDS = ("opened", "reopened")

_STATUS = {
    "delivered": "✅ delivered",
    "failed": "❌ failed",
    "unset": "⚠️ webhook not set",
    "dry-run": "🧪 dry run, nothing sent",
    "nothing": "— nothing to send",
}

_REASONS = {"filled": "filled", "closed": "closed", "expired": "deadline passed", "removed": "removed"}


@dataclasses.dataclass(frozen=True)
class Reports:
    """What the steps of one run reported; None where a report is missing or unreadable."""

    check: dict[str, Any] | None = None
    build: dict[str, Any] | None = None
    notify: dict[str, Any] | None = None
    notify_enabled: bool = True
    notify_status: str = ""
    changed: bool = False
    #: the last `Error: …` line of a build that stopped (nothing was written nor committed)
    build_error: str = ""
    #: the last `Error: …` line of a notify that stopped without a report
    notify_error: str = ""

    @property
    def problems(self) -> list[dict[str, Any]]:
        source = self.check if self.check is not None else self.build
        return list((source or {}).get("problems", []))

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.get("level") == "error")

    def events(self, *kinds: str) -> list[dict[str, Any]]:
        return [e for e in (self.notify or {}).get("events", []) if e.get("kind") in kinds]

    @property
    def open_roles(self) -> int | None:
        for report in (self.notify, self.build):
            if report is not None and isinstance(report.get("open"), int):
                return int(report["open"])
        return None


def outputs(reports: Reports) -> dict[str, str]:
    """The action's outputs: counts of this run's events, posting errors, and whether files changed."""
    return {
        "opened": str(len(reports.events(*OPENED_KINDS))),
        "closed": str(len(reports.events("closed"))),
        "closing-soon": str(len(reports.events("closing_soon"))),
        "errors": str(reports.errors),
        "changed": "true" if reports.changed else "false",
    }


def notify_failure(reports: Reports) -> str:
    """What to say when `jobfeed notify` exited with an error, as it happened: a delivery failed
    (its events stay pending), or it stopped before announcing anything (its reason)."""
    if reports.notify_status in ("", "0") or not reports.notify_enabled:
        return ""
    notify = reports.notify
    if notify is None:
        reason = reports.notify_error or "it gave no report (see the Announce step)"
        return f"jobfeed notify stopped before announcing anything: {reason}"
    if any(c.get("status") == "failed" for c in notify.get("channels", []) if isinstance(c, dict)):
        return (
            "jobfeed notify could not deliver every message (see the Announce step); the undelivered "
            "ones stay pending in the state and are retried on the next run"
        )
    return ""  # errors in postings: reported on their own


def _parse_instant(text: Any) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _end_of(deadline: Any) -> dt.datetime | None:
    """When a deadline as `jobfeed notify --json` gives it ended: a day ends at the next midnight."""
    moment = _parse_instant(deadline)
    if moment is None:
        return None
    return moment + dt.timedelta(days=1) if len(str(deadline)) == 10 else moment


def stale_warning(notify: Mapping[str, Any] | None, days: int = STALE_DAYS) -> str | None:
    """A warning when this run announced a deadline that passed more than `days` ago: the daily
    runs in between did not happen. (jobfeed makes no commit on a day without news, so the date of
    the previous run is not known; a late announcement is what shows a stopped schedule.)"""
    if not notify:
        return None
    now = _parse_instant(notify.get("now"))
    if now is None:
        return None
    late = sorted(
        (end, str(e.get("deadline"))[:10])
        for e in notify.get("events", [])
        if isinstance(e, dict) and e.get("kind") == "closed" and e.get("reason") == "expired"
        for end in [_end_of(e.get("deadline"))]
        if end is not None and now - end > dt.timedelta(days=days)
    )
    if not late:
        return None
    end, deadline = late[0]
    return (
        f"{len(late)} role(s) announced as closed in this run had passed their deadline days before "
        f"(the first on {deadline}, {(now - end).days} days ago): the scheduled runs in between did not "
        "happen. GitHub disables scheduled workflows after 60 days without activity in the repository "
        "(and jobfeed commits nothing on a day without news); check that the workflow is enabled in the "
        "Actions tab."
    )


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&!#])")


def cell(text: Any) -> str:
    """`text` as literal Markdown inside a table cell: punctuation escaped, on one line."""
    flat = " ".join(str(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def link(text: Any, url: Any) -> str:
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return cell(text)
    safe = urllib.parse.quote(url, safe=":/?#@!$&'*+,;=%~-._")
    return f"[{cell(text)}]({safe})"


def day(text: Any) -> str:
    """An ISO instant as `YYYY-MM-DD`, with the time unless it is the start or the end of the day."""
    if not text:
        return "—"
    moment = _parse_instant(text)
    if moment is None:
        return cell(text)
    if (moment.hour, moment.minute) in ((0, 0), (23, 59)):
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%d %H:%M")


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _headline(reports: Reports) -> str:
    parts = []
    open_roles = reports.open_roles
    if open_roles is not None:
        parts.append(f"**{open_roles} open role{'s' if open_roles != 1 else ''}**")
    if reports.notify is not None:
        parts += [
            f"{len(reports.events(*OPENED_KINDS))} opened",
            f"{len(reports.events('closing_soon'))} closing soon",
            f"{len(reports.events('closed'))} closed",
        ]
    errors, warnings = reports.errors, len(reports.problems) - reports.errors
    parts.append(f"{errors} error{'s' if errors != 1 else ''} in postings")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    parts.append("feeds changed" if reports.changed else "feeds unchanged")
    return " · ".join(parts)


def _events_section(reports: Reports) -> list[str]:
    lines: list[str] = []
    opened = reports.events(*OPENED_KINDS)
    if opened:
        rows = [
            [
                link(e.get("title", e.get("id", "")), e.get("link")),
                "reopened" if e.get("kind") == "reopened" else "new",
                day(e.get("deadline")),
            ]
            for e in opened
        ]
        lines += ["### Opened", "", *_table(["Role", "", "Deadline"], rows)]
    closing = reports.events("closing_soon")
    if closing:
        rows = [[link(e.get("title", ""), e.get("link")), day(e.get("deadline"))] for e in closing]
        lines += ["### Closing soon", "", *_table(["Role", "Deadline"], rows)]
    closed = reports.events("closed")
    if closed:
        rows = [
            [link(e.get("title", ""), e.get("link")), cell(_REASONS.get(e.get("reason") or "", "closed"))]
            for e in closed
        ]
        lines += ["### Closed", "", *_table(["Role", "Why"], rows)]
    moved = reports.events("deadline_changed")
    if moved:
        rows = [[link(e.get("title", ""), e.get("link")), day(e.get("deadline"))] for e in moved]
        lines += ["### Deadline changed", "", *_table(["Role", "New deadline"], rows)]
    return lines


def _channels_section(reports: Reports) -> list[str]:
    if not reports.notify_enabled:
        return ["### Announcements", "", "Announcements are off (`notify: false`).", ""]
    notify = reports.notify
    if notify is None:
        status = f" (exit status {reports.notify_status})" if reports.notify_status else ""
        return [
            "### Announcements",
            "",
            f"`jobfeed notify` gave no report{status}; nothing is known to have been sent. "
            "See the step's log.",
            "",
        ]
    lines = ["### Announcements", ""]
    if notify.get("baseline"):
        lines += [
            "First run: the roles open now were recorded as the starting point and not announced "
            "(`jobfeed notify --announce-existing` announces them).",
            "",
        ]
    channels = notify.get("channels", [])
    if not channels:
        return [*lines, "No channel is configured (`[[notify]]` in `jobfeed.toml`).", ""]
    rows = [
        [
            cell(c.get("name", "")),
            cell(c.get("kind", "")),
            _STATUS.get(c.get("status", ""), cell(c.get("status", ""))),
            str(c.get("messages", 0)),
            str(c.get("delivered", 0)),
            str(c.get("pending", 0)),
            cell(c.get("error") or ""),
        ]
        for c in channels
    ]
    table = _table(["Channel", "Kind", "Result", "Messages", "Delivered", "Pending", "Error"], rows)
    # what a platform said of a delivered message that jobfeed did not expect (already redacted)
    said = [
        f"- {cell(c.get('name', ''))}: {cell(w)}"
        for c in channels
        for w in c.get("warnings") or []
        if isinstance(w, str)
    ]
    return lines + table + (["Warnings from the chat platforms:", "", *said, ""] if said else [])


def _problems_section(reports: Reports, source_url: str) -> list[str]:
    problems = reports.problems
    if reports.check is None and reports.build is None:
        return ["### Problems in postings", "", "No check report: the check step did not run.", ""]
    if not problems:
        return []

    def where(p: dict[str, Any]) -> str:
        text = f"{p.get('path', '')}:{p.get('line', 0)}"
        if not source_url:
            return cell(text)
        path = urllib.parse.quote(str(p.get("path", "")))
        return link(text, f"{source_url}/{path}#L{p.get('line', 0)}")

    rows = [[where(p), cell(p.get("level", "")), cell(p.get("message", ""))] for p in problems]
    return ["### Problems in postings", "", *_table(["Where", "Level", "Problem"], rows)]


def summary_markdown(reports: Reports, *, source_url: str = "", stale_days: int = STALE_DAYS) -> str:
    """The job summary of one run, as Markdown."""
    lines = ["## jobfeed", "", _headline(reports), ""]
    if reports.build_error:
        lines += [
            "### The build stopped",
            "",
            f"> {cell(reports.build_error)}",
            "",
            "Nothing was written, announced or committed.",
            "",
        ]
    warning = stale_warning(reports.notify, stale_days)
    if warning:
        lines += ["> [!WARNING]", f"> {warning}", ""]
    lines += _events_section(reports)
    lines += _channels_section(reports)
    lines += _problems_section(reports, source_url)
    return "\n".join(lines).rstrip("\n") + "\n"
