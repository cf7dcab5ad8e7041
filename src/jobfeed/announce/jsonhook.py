"""Events -> a generic JSON webhook (n8n, Zapier, a team's own service), signed. Pure but `signature`.

The body follows `webhook.schema.json`, shipped in the package and versioned (`version: 1`). Each
POST carries at most `WEBHOOK_MAX_EVENTS` events and three headers:

- `X-Jobfeed-Signature-256: sha256=<hex>`: HMAC-SHA256 of the exact body bytes with the channel's
  secret (the scheme GitHub uses for its webhooks), so a receiver knows the body came from jobfeed;
- `X-Jobfeed-Delivery`: the payload's `delivery`, the same for the same events on every retry;
- `X-Jobfeed-Schema`: the schema's version.

Delivery is at least once: a receiver ignores an event id it has already seen. Event text is sent
as written in the posting: the receiver escapes it for wherever it shows it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

from jobfeed.announce.diff import Event
from jobfeed.announce.messages import Message

SCHEMA_VERSION = 1
WEBHOOK_MAX_EVENTS = 100
SIGNATURE_HEADER = "X-Jobfeed-Signature-256"
_FIELDS = (
    "id",
    "kind",
    "role",
    "name",
    "team",
    "contract",
    "link",
    "deadline",
    "previous_deadline",
    "reason",
    "days_left",
)


def event_record(event: Event) -> dict[str, Any]:
    record = {name: getattr(event, name) for name in _FIELDS}
    record["title"] = event.title
    return dict(sorted(record.items()))


def delivery_id(ids: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(ids).encode("utf-8")).hexdigest()[:32]


def webhook_messages(events: Sequence[Event], site_url: str = "") -> list[Message]:
    """The events in POSTs of at most WEBHOOK_MAX_EVENTS, in announcement order."""
    messages = []
    for start in range(0, len(events), WEBHOOK_MAX_EVENTS):
        chunk = events[start : start + WEBHOOK_MAX_EVENTS]
        ids = tuple(e.id for e in chunk)
        payload = {
            "version": SCHEMA_VERSION,
            "delivery": delivery_id(ids),
            "site": site_url,
            "events": [event_record(e) for e in chunk],
        }
        messages.append(Message(payload, ids))
    return messages


def signature(secret: str, body: bytes) -> str:
    """`sha256=<hex>`: what a receiver recomputes from the raw body and compares in constant time."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signer(secret: str, payload: dict[str, Any]) -> Callable[[bytes], dict[str, str]]:
    """The headers of one POST of `payload`, from the exact bytes that are sent."""

    def sign(body: bytes) -> dict[str, str]:
        return {
            SIGNATURE_HEADER: signature(secret, body),
            "X-Jobfeed-Delivery": str(payload.get("delivery", "")),
            "X-Jobfeed-Schema": str(SCHEMA_VERSION),
        }

    return sign


def webhook_schema() -> dict[str, Any]:
    """The published schema of the payload (`jobfeed/announce/webhook.schema.json`)."""
    text = resources.files("jobfeed.announce").joinpath("webhook.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
