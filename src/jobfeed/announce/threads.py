"""A role's whole life in one thread, where the platform allows it (Slack and Mattermost with a
token, Discord forum channels, Matrix).

"opened" (or "reopened") posts the thread's root; "closing soon", "deadline changed" and
"closed" are replies to it; when the role closes, the root is edited once to say so. The state
keeps, per channel and role, a `ThreadRecord`: the root's id, the event that posted it, and how far
a "closed" went (`replied`, then `edited`), saved after every step, so that a run killed anywhere
resumes where it stopped: a root recorded is never posted again, a reply recorded never repeated,
and only the call in flight may be repeated (Matrix repeats it idempotently: its transaction id
is the event's).

An event about a role with no root (announced before the channel had threads) starts one.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from typing import Any, Protocol

from jobfeed.announce.messages import Message

#: The events that start a thread; the others reply to it.
ROOT_KINDS = ("opened", "reopened")


@dataclasses.dataclass(frozen=True)
class ThreadMessage(Message):
    """One event for a threaded channel: `payload` is the post (root or reply, the thread's
    reference is added when it is sent), `edit` the root's new content when the role closed."""

    role: str = ""
    kind: str = ""
    edit: dict[str, Any] | None = None


class ThreadAPI(Protocol):
    """A platform's three calls; ids are opaque strings kept in the state (never a secret)."""

    def post(self, payload: dict[str, Any], root: str | None, txn: str) -> str:
        """Post `payload` (a reply in `root`'s thread when given); returns the new message's id."""

    def edit(self, root: str, payload: dict[str, Any], txn: str) -> None:
        """Replace the root message's content with `payload`."""


def txn_id(channel: str, event_id: str, step: str) -> str:
    """A transaction id for one step of one event: the same on every replay, safe in a URL path."""
    digest = hashlib.sha256(f"{channel}\n{event_id}\n{step}".encode()).hexdigest()[:32]
    return f"jobfeed-{step}-{digest}"


def send_threaded(
    api: ThreadAPI,
    message: ThreadMessage,
    threads: dict[str, dict[str, str]],
    channel: str,
    save: Callable[[], None],
) -> None:
    """Deliver one event of a threaded channel; `threads` (the channel's records, role -> record)
    is updated and `save` called after each step the platform confirmed."""
    (event_id,) = message.event_ids
    record = threads.get(message.role)
    if record is not None and record.get("event") == event_id:
        return  # posted as the root by a run that stopped before the outbox was saved
    if record is None or message.kind in ROOT_KINDS:
        root = api.post(message.payload, None, txn_id(channel, event_id, "post"))
        threads[message.role] = {"root": root, "event": event_id}
        save()
        return
    root = record["root"]
    if record.get("replied") != event_id:
        api.post(message.payload, root, txn_id(channel, event_id, "post"))
        if message.edit is None:
            return
        record["replied"] = event_id
        save()
    if message.edit is not None and "edited" not in record:
        api.edit(root, message.edit, txn_id(channel, event_id, "edit"))
        record["edited"] = event_id
        save()
