"""`jobfeed notify`: diff the roles against the state and deliver the events to each chat channel.

The order of the steps is what makes delivery reliable:

1. take the lock next to the state file, so two runs on one machine never both send;
2. load the state, the postings, classify, diff; refuse a mass disappearance unless forced;
3. put the new events in each channel's outbox and save the state, *before* sending anything;
4. send each channel's outbox as a digest, and after every message answered 2xx, mark its
   events delivered and save the state again.

A crash at any point leaves the events pending (at worst, the message in flight is sent again).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jobfeed._incremental.loading import load_all
from jobfeed._incremental.parallel import Pool
from jobfeed.announce.delivery import messages_for, missing_secret, secrets_for
from jobfeed.announce.diff import (
    KINDS,
    REMOVED,
    Event,
    diff,
    disappeared,
    mass_disappearance,
    snapshot_of,
    with_removed,
)
from jobfeed.announce.messages import Message
from jobfeed.announce.redact import redact
from jobfeed.announce.relocate import legacy_state, relocate_state
from jobfeed.announce.routing import Channel, resolve_channels, wants
from jobfeed.announce.state import NotifyState, load_state, roles_in_feed, save_state
from jobfeed.config import Config
from jobfeed.core.identity import chat_link
from jobfeed.core.lifecycle import classify
from jobfeed.core.postings import postings_folder
from jobfeed.core.text import natural_key
from jobfeed.errors import GuardError, LockedError, Problem, StateError
from jobfeed.output import read_claims

if TYPE_CHECKING:  # requests, tenacity and filelock are imported by the runs that send (~60 ms)
    import filelock
    import requests

    from jobfeed.announce.webhooks import RetryPolicy

#: The JSON Feed `jobfeed build` writes next to the default state file.
FEED = "feed.json"


@dataclasses.dataclass
class ChannelReport:
    name: str
    kind: str
    status: str  # delivered | failed | unset | dry-run | nothing
    messages: int = 0
    delivered: int = 0
    pending: int = 0
    error: str | None = None
    payloads: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    #: Delivered messages whose answer was not the usual one (`webhooks.unexpected_answer`).
    warnings: list[str] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "messages": self.messages,
            "delivered": self.delivered,
            "pending": self.pending,
            "error": self.error,
            "warnings": self.warnings,
        }


@dataclasses.dataclass
class NotifyReport:
    now: dt.datetime
    baseline: bool
    last_success: str | None
    open: int
    events: list[Event]
    channels: list[ChannelReport]
    problems: list[Problem] = dataclasses.field(default_factory=list)
    #: With no state file: the roles of the feed next to it, taken as already announced.
    seeded: int = 0
    #: The state's last run when it is later than `now`: nothing was diffed (clock skew).
    skewed: str | None = None
    #: Where the state was moved from, when this run moved it out of the output folder.
    moved_from: str | None = None

    @property
    def failures(self) -> int:
        return sum(c.status == "failed" for c in self.channels)

    @property
    def input_errors(self) -> int:
        return sum(p.is_error for p in self.problems)

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "baseline": self.baseline,
            "last_success": self.last_success,
            "open": self.open,
            "events": [
                {
                    "id": e.id,
                    "kind": e.kind,
                    "role": e.role,
                    "title": e.title,
                    "reason": e.reason,
                    "deadline": e.deadline,
                    "link": e.link,
                }
                for e in self.events
            ],
            "channels": [c.as_dict() for c in self.channels],
            "failures": self.failures,
        }

    def skew_warning(self) -> str:
        return (
            f"the clock ({self.now.isoformat()}) is before the last run ({self.skewed}): nothing was "
            "compared or announced and the known roles are kept; pending events were still delivered"
        )

    def summary(self) -> str:
        lines = []
        if self.seeded:
            lines.append(
                f"no state file: {self.seeded} role(s) listed in the previous feed taken as already "
                "announced (a lost state is a baseline, not new roles)"
            )
        if self.baseline and not self.events:
            lines.append(
                f"baseline recorded: {self.open} open role(s), nothing announced "
                "(run 'jobfeed notify --announce-existing' to announce them)"
            )
        else:
            counts: dict[str, int] = {}
            for e in self.events:
                counts[e.kind] = counts.get(e.kind, 0) + 1
            detail = ", ".join(f"{n} {kind}" for kind, n in counts.items())
            lines.append(f"{len(self.events)} new event(s)" + (f": {detail}" if detail else ""))
        if not self.channels:
            lines.append("no channel: set SLACK_WEBHOOK_URL or MATTERMOST_WEBHOOK_URL, or add [[notify]]")
        for c in self.channels:
            if c.status == "delivered":
                text = f"{c.delivered} message(s) delivered"
            elif c.status == "failed":
                text = f"failed after {c.delivered} of {c.messages} message(s): {c.error}"
            elif c.status == "unset":
                text = f"not sent: {c.error}"
            elif c.status == "dry-run":
                text = f"dry run: {c.messages} message(s) would be sent"
            else:
                text = "nothing to send"
            if c.pending and c.status != "dry-run":
                text += f"; {c.pending} event(s) pending for the next run"
            lines.append(f"{c.name}: {text}")
            lines.extend(f"{c.name}: warning: {warning}" for warning in c.warnings)
        return "\n".join(lines)


def _lock(path: Path) -> filelock.BaseFileLock:
    import filelock

    path.parent.mkdir(parents=True, exist_ok=True)
    return filelock.FileLock(str(path) + ".lock", timeout=0)


def notify(
    config: Config,
    now: dt.datetime,
    *,
    postes: str | Path | None = None,
    state_path: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
    dry_run: bool = False,
    announce_existing: bool = False,
    force: bool = False,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> NotifyReport:
    """Diff, record, deliver; see the module docstring for the order. Dry runs change nothing."""
    path = Path(state_path or config.state_path)
    # The default place changed in 0.2 (relocate): a state left in the output folder moves there.
    legacy = legacy_state(config.out) if state_path is None and not config.state else None
    environ = dict(os.environ) if environ is None else environ
    if dry_run:
        if legacy is not None:
            path, _ = relocate_state(legacy, path, dry_run=True)
        return _run(config, now, path, environ, None, postes, True, announce_existing, force, policy, sleep)
    import filelock

    from jobfeed.announce.webhooks import new_session

    try:
        lock = _lock(path)
        lock.acquire()
    except filelock.Timeout:
        raise LockedError(
            f"{path}: another 'jobfeed notify' is running with this state (lock {path}.lock); "
            "wait for it to finish"
        ) from None
    except OSError as e:  # a read-only or missing folder: found before anything is sent
        raise StateError(
            f"cannot create the lock {path}.lock: {e.strerror or e}; nothing was sent, the state is unchanged"
        ) from e
    own = session is None
    http = new_session() if session is None else session
    try:
        moved = legacy is not None and relocate_state(legacy, path)[1]
        report = _run(
            config, now, path, environ, http, postes, False, announce_existing, force, policy, sleep
        )
        report.moved_from = str(legacy) if moved else None
        return report
    finally:
        if own:
            http.close()
        lock.release()


def _run(
    config: Config,
    now: dt.datetime,
    path: Path,
    environ: Mapping[str, str],
    session: requests.Session | None,
    postes: str | Path | None,
    dry_run: bool,
    announce_existing: bool,
    force: bool,
    policy: RetryPolicy | None,
    sleep: Callable[[float], None],
) -> NotifyReport:
    folder = postings_folder(postes or config.postes)  # a mistyped folder is not "every role removed"
    state = load_state(path)
    recorded = _record(state)
    channels = resolve_channels(config, environ, state.known_channels())
    with Pool() as pool:  # the same loading as build's and check's: cached and parallel
        loaded = load_all(folder, config, config.cache or None, pool, claims=read_claims(config.out))
    catalog = classify(loaded.postings, now)
    current = snapshot_of(catalog, config.closing_soon_days, lambda p: chat_link(p, config))
    previous = state.roles or {}
    if loaded.errors:
        # A posting that failed to load is not a removed role: keep what was known of it.
        for role_id in disappeared(previous, current):
            current[role_id] = previous[role_id]
        current = dict(sorted(current.items()))
    baseline = state.is_baseline
    # No state, but a feed beside it: the roles it lists are public already (a lost state, or a
    # build before the first notify) and are not announced unless asked (--announce-existing);
    # the open roles it does not list were never public, so never announced.
    feed = path.parent / FEED
    if not feed.is_file() and path == Path(config.state_path):  # outside the output folder (0.2)
        feed = Path(config.out) / FEED
    seeded = baseline and not announce_existing and feed.is_file()
    already = roles_in_feed(feed, config.id_authority, path) if seeded else set()
    skewed = _after(state.last_run, now)
    if not baseline and not skewed and not force and mass_disappearance(previous, current):
        gone = disappeared(previous, current)
        known = sum(r.state != REMOVED for r in previous.values())
        raise GuardError(
            f"{len(gone)} of {known} known roles disappeared at once (a wrong --postes, a bad "
            f"merge?); nothing was announced and {path} is unchanged. Check the postings folder, or "
            "run again with --force if these roles were really removed"
        )
    today = now.astimezone(config.tz).date()
    # Every open role's "opened" event: what --announce-existing adds for a channel that has
    # announced nothing yet (a first run, a channel just added), and, for every channel, the roles a
    # silent baseline recorded. Its id is the one the role's announcement always has.
    existing = diff({}, current, today) if announce_existing and not skewed else []
    if skewed:
        # The clock (or --now) is before the last run: diffing would undo what was announced and
        # announce it again later. Keep the known roles; only what is pending is delivered.
        events: list[Event] = []
    elif not baseline:
        current = with_removed(previous, current)
        events = diff(previous, current, today)
    elif announce_existing:
        events = existing
    elif seeded:
        events = [e for e in diff({}, current, today) if e.role not in already]
    else:
        events = []
    last_success = state.last_success
    silent = {e.id: e for e in existing if e.role in set(state.unannounced)}
    announced = {**{e.id: e for e in events}, **silent}
    for channel in channels:
        queued = dict(announced)
        if channel.label not in state.outbox:
            queued.update((e.id, e) for e in existing)
        state.enqueue(channel.label, [e for e in queued.values() if wants(channel.config, e)])
        announced.update(queued)
    if announce_existing and not skewed:
        state.unannounced = []
    elif baseline and not skewed:
        # Every open role recorded without a word, those of a feed beside it too: after a build,
        # they were never announced; after a lost state, nobody asks for them again.
        told = {e.role for e in events}
        state.unannounced = sorted({r for r, role in current.items() if role.state == "open"} - told)
    events = sorted(announced.values(), key=lambda e: (KINDS.index(e.kind), natural_key(e.title), e.role))
    if not skewed:
        state.roles = current
    # The run is recorded only when it changes what the state knows: a run with nothing to
    # announce or deliver leaves the file byte-identical (no daily commit). `last_run` is then the
    # last run that changed it, which is what the clock guard needs: a run dated before it would
    # undo a change already recorded.
    if not skewed and (baseline or _record(state) != recorded):
        state.last_run = now.isoformat()
    if not dry_run:
        save_state(path, state)
    reports = [
        _deliver(channel, state, path, config, session, dry_run, policy, sleep) for channel in channels
    ]
    failed = any(r.status == "failed" for r in reports)
    if not skewed and not dry_run and not failed and (baseline or _record(state) != recorded):
        state.last_success = now.isoformat()
        save_state(path, state)
    report = NotifyReport(now, baseline, last_success, len(catalog.open), events, reports, loaded.problems)
    report.seeded = len(already)
    report.skewed = state.last_run if skewed else None
    return report


def _record(state: NotifyState) -> bytes:
    """What the state knows, without the dates of the runs that recorded it."""
    return dataclasses.replace(state, last_run=None, last_success=None).dumps()


def _after(last_run: str | None, now: dt.datetime) -> bool:
    """Whether the state's last run is later than `now` (a clock gone back, an old --now)."""
    try:
        return last_run is not None and dt.datetime.fromisoformat(last_run) > now
    except (ValueError, TypeError):
        return False


def _messages(channel: Channel, events: list[Event], config: Config) -> list[Message]:
    return messages_for(channel.config, events, config.site_url)


def _deliver(
    channel: Channel,
    state: NotifyState,
    path: Path,
    config: Config,
    session: requests.Session | None,
    dry_run: bool,
    policy: RetryPolicy | None,
    sleep: Callable[[float], None],
) -> ChannelReport:
    c = channel.config
    pending = state.pending(channel.label)
    messages = _messages(channel, pending, config)
    report = ChannelReport(channel.label, c.kind, "nothing", messages=len(messages), pending=len(pending))
    if dry_run:
        report.status = "dry-run"
        report.payloads = [m.payload for m in messages]
        return report
    if not messages:
        return report
    unset = missing_secret(channel)
    if unset is not None:
        report.status = "unset"
        report.error = f"{unset} is not set"
        return report
    assert session is not None
    from jobfeed.announce.delivery import deliver
    from jobfeed.errors import DeliveryError

    threads = state.threads.setdefault(channel.label, {})
    for message in messages:
        try:
            deliver(
                session,
                channel,
                message,
                threads,
                lambda: save_state(path, state),
                policy=policy,
                sleep=sleep,
                warnings=report.warnings,
            )
        except DeliveryError as e:
            report.status = "failed"
            report.error = redact(str(e), secrets_for(channel))
            break
        state.delivered(channel.label, message.event_ids)
        save_state(path, state)
        report.delivered += 1
    else:
        report.status = "delivered"
    report.pending = len(state.pending(channel.label))
    return report


def send_message(
    channel: Channel,
    message: Message,
    session: requests.Session,
    *,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    warnings: list[str] | None = None,
) -> None:
    """Deliver one message outside any thread to a channel whose secret is set, with the kind's
    retries; raises DeliveryError. `notify --test` (`testmessage`) sends through it: the step
    `notify` delivers with (`delivery.deliver`), with no thread to record."""
    from jobfeed.announce.delivery import deliver

    deliver(session, channel, message, {}, lambda: None, policy=policy, sleep=sleep, warnings=warnings)
