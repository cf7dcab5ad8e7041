"""The state file between two `jobfeed notify` runs: the roles seen last time and each channel's outbox.

Human-readable JSON with a schema version, written atomically (temporary file, then rename). It
names channels by kind and variable (`slack:SLACK_WEBHOOK_URL`) and never holds a webhook URL.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jobfeed.announce.diff import Event, RoleSnapshot, Snapshot
from jobfeed.errors import StateError
from jobfeed.output import write_atomic

SCHEMA_VERSION = 1


@dataclasses.dataclass
class NotifyState:
    """What one run leaves for the next; `roles` is None before the first run (no baseline yet)."""

    roles: Snapshot | None = None
    outbox: dict[str, list[Event]] = dataclasses.field(default_factory=dict)
    last_run: str | None = None
    last_success: str | None = None
    #: Roles a silent baseline recorded open without announcing them: `--announce-existing`
    #: announces those still open, once.
    unannounced: list[str] = dataclasses.field(default_factory=list)

    @property
    def is_baseline(self) -> bool:
        return self.roles is None

    def known_channels(self) -> list[str]:
        """Every channel that ever had an outbox: an empty outbox marks a channel all caught up."""
        return sorted(self.outbox)

    def pending(self, channel: str) -> list[Event]:
        return list(self.outbox.get(channel, []))

    def enqueue(self, channel: str, events: Iterable[Event]) -> None:
        """Add `events` to the channel's outbox; an event already pending under the same id is replaced."""
        queue = self.outbox.setdefault(channel, [])
        for event in events:
            queue[:] = [e for e in queue if e.id != event.id]
            queue.append(event)

    def delivered(self, channel: str, ids: Iterable[str]) -> None:
        done = set(ids)
        self.outbox[channel] = [e for e in self.outbox.get(channel, []) if e.id not in done]

    def as_dict(self) -> dict[str, Any]:
        roles = self.roles or {}
        data: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "last_run": self.last_run,
            "last_success": self.last_success,
            "roles": {role_id: roles[role_id].as_dict() for role_id in sorted(roles)},
            "outbox": {
                channel: [e.as_dict() for e in events] for channel, events in sorted(self.outbox.items())
            },
        }
        if self.unannounced:  # absent otherwise: the states written before it stay as they were
            data["unannounced"] = sorted(self.unannounced)
        return data

    def dumps(self) -> bytes:
        return (json.dumps(self.as_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _recovery(path: Path) -> str:
    return (
        f"restore it with 'git checkout -- {path}', or delete it to start again "
        "with a silent baseline (pending announcements are then lost)"
    )


def load_state(path: str | Path) -> NotifyState:
    """The state at `path`; an empty state (first run) when the file does not exist."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return NotifyState()
    except (OSError, UnicodeDecodeError) as e:
        raise StateError(f"{path}: cannot read the state file: {e}; {_recovery(path)}") from e
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise StateError(f"{path}: the state file is not valid JSON ({e}); {_recovery(path)}") from e
    return state_from_dict(raw, path)


def state_from_dict(raw: Any, path: Path) -> NotifyState:
    if not isinstance(raw, dict):
        raise StateError(f"{path}: the state file is not a JSON object; {_recovery(path)}")
    version = raw.get("schema_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        raise StateError(
            f"{path}: written by a newer jobfeed (state schema {version}, this one reads "
            f"{SCHEMA_VERSION}); upgrade jobfeed with 'pip install -U jobfeed'"
        )
    if version != SCHEMA_VERSION:
        raise StateError(f"{path}: unknown state schema_version {version!r}; {_recovery(path)}")
    try:
        roles = {str(k): RoleSnapshot.from_dict(v) for k, v in _mapping(raw.get("roles", {})).items()}
        outbox = {
            str(channel): [Event.from_dict(e) for e in _list(events)]
            for channel, events in _mapping(raw.get("outbox", {})).items()
        }
        for snapshot in roles.values():
            if not isinstance(snapshot.state, str) or not isinstance(snapshot.title, str):
                raise TypeError("a role without state or title")
        for events in outbox.values():
            for event in events:
                if not isinstance(event.id, str) or not isinstance(event.kind, str):
                    raise TypeError("an event without id or kind")
    except (TypeError, AttributeError) as e:
        raise StateError(f"{path}: the state file is damaged ({e}); {_recovery(path)}") from e
    return NotifyState(
        roles=roles,
        outbox=outbox,
        last_run=_text_or_none(raw.get("last_run")),
        last_success=_text_or_none(raw.get("last_success")),
        unannounced=[r for r in raw.get("unannounced", []) if isinstance(r, str)]
        if isinstance(raw.get("unannounced", []), list)
        else [],
    )


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, found {type(value).__name__}")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, found {type(value).__name__}")
    return value


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def roles_in_feed(path: str | Path, id_authority: str) -> set[str]:
    """Ids of the roles the JSON Feed at `path` lists (empty when there is no such file).

    A state file that is missing while the feed next to it lists roles was lost (deleted, not
    committed); those roles were already public, so a baseline is seeded with them rather than
    announcing them all again. Items whose id is not `tag:<id_authority>:<role id>` are ignored.
    """
    path = Path(path)
    try:
        items = json.loads(path.read_text(encoding="utf-8")).get("items", [])
        prefix = f"tag:{id_authority}:"
        return {
            item["id"][len(prefix) :]
            for item in _list(items)
            if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"].startswith(prefix)
        }
    except FileNotFoundError:
        return set()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError, TypeError) as e:
        raise StateError(
            f"{path}: the state file next to it is missing and this feed cannot be read to tell which "
            f"roles were already public ({e}); restore the state with 'git checkout -- "
            f"{path.parent / 'state.json'}', or rebuild the feed with 'jobfeed build' first"
        ) from e


def save_state(path: str | Path, state: NotifyState) -> None:
    """Write the state atomically: a crash leaves either the old file or the new one."""
    write_atomic(Path(path), state.dumps())
