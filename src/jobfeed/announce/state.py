"""The state file between two `jobfeed notify` runs: the roles seen last time and each channel's outbox.

Human-readable JSON with a schema version, written atomically (temporary file, then rename). It
names channels by kind and variable (`slack:SLACK_WEBHOOK_URL`) and never holds a webhook URL.
Read back, it is checked against `state.schema.json` before any of it is used: a hand-edited or
damaged file is a `StateError` that says where and how to recover, never a traceback.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
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
    #: Per channel and role, the thread of a platform that has threads (`announce.threads`): the
    #: root message's id and how far its replies and edit went. Never a secret.
    threads: dict[str, dict[str, dict[str, str]]] = dataclasses.field(default_factory=dict)

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
        threads = {channel: dict(roles) for channel, roles in self.threads.items() if roles}
        if threads:  # absent too until a channel has a thread
            data["threads"] = threads
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
    except RecursionError as e:  # `[[[[…` a hundred thousand deep
        raise StateError(f"{path}: the state file nests too deep to be read; {_recovery(path)}") from e
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
    mismatch = schema_mismatch(raw)
    if mismatch is not None:
        raise StateError(f"{path}: the state file is damaged ({mismatch}); {_recovery(path)}")
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
        threads={
            channel: {role: dict(record) for role, record in roles.items()}
            for channel, roles in raw.get("threads", {}).items()
        },
    )


@functools.cache
def state_schema() -> dict[str, Any]:
    """`state.schema.json`, the JSON Schema of the state file."""
    text = importlib.resources.files("jobfeed.announce").joinpath("state.schema.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": dict,
    "array": list,
    "string": str,
    "null": type(None),
}


def schema_mismatch(value: Any, schema: dict[str, Any] | None = None, where: str = "") -> str | None:
    """Where and how `value` does not match `schema` (default: the state file's), or None.

    The keywords `state.schema.json` uses (type, const, enum, required, properties,
    additionalProperties, items) checked as JSON Schema does (the tests compare the verdicts with
    the jsonschema library's); a few lines here spare every notify run jsonschema's ~70 ms import."""
    schema = state_schema() if schema is None else schema
    at = where or "the top"
    if "const" in schema and not _same(value, schema["const"]):
        return f"{at}: expected {schema['const']!r}"
    if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
        return f"{at}: {value!r} is not one of {', '.join(map(repr, schema['enum']))}"
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(value, name) for name in names):
            return f"{at}: expected {' or '.join(names)}, found {_kind(value)}"
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            if key not in value:
                return f"{at}: '{key}' is missing"
        properties = schema.get("properties", {})
        for key, item in value.items():
            inner = properties.get(key, schema.get("additionalProperties", True))
            if inner is False:
                return f"{at}: unknown key {key!r}"
            if isinstance(inner, dict):
                found = schema_mismatch(item, inner, f"{where} → {key}" if where else key)
                if found is not None:
                    return found
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found = schema_mismatch(item, schema["items"], f"{where} → {index}")
            if found is not None:
                return found
    return None


def _is(value: Any, name: str) -> bool:
    if name == "integer":  # JSON's integers: `true` is not one, `1.0` is (as jsonschema says)
        return not isinstance(value, bool) and (
            isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        )
    return isinstance(value, _TYPES[name])


def _same(value: Any, expected: Any) -> bool:
    """JSON equality: `1` is `1.0`, `true` is not `1`."""
    numbers = (int, float)
    if isinstance(value, numbers) and isinstance(expected, numbers):
        return isinstance(value, bool) == isinstance(expected, bool) and value == expected
    return type(value) is type(expected) and value == expected


def _kind(value: Any) -> str:
    for name, kind in (("true/false", bool), ("integer", int), ("number", float), *_TYPES.items()):
        if isinstance(value, kind):
            return name
    return type(value).__name__  # pragma: no cover - json gives only the kinds above


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


def roles_in_feed(path: str | Path, id_authority: str, state: str | Path | None = None) -> set[str]:
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
            f"{path}: the state file is missing and this feed cannot be read to tell which "
            f"roles were already public ({e}); restore the state with 'git checkout -- "
            f"{state or path.parent / 'state.json'}', or rebuild the feed with 'jobfeed build' first"
        ) from e


def save_state(path: str | Path, state: NotifyState) -> None:
    """Write the state atomically: a crash leaves either the old file or the new one."""
    write_atomic(Path(path), state.dumps())
