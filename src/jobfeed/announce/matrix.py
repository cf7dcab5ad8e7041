"""Matrix (Element, Tchap): `m.notice` events through the client-server API, one thread per role.

`PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}` with an access token in the
Authorization header (never in the URL). Each event carries a plain `body` and an HTML
`formatted_body` (`org.matrix.custom.html`), escaped, with mentions neutralised and an empty
`m.mentions` (nobody is mentioned on purpose). The transaction id is derived from jobfeed's event
id, so a send repeated after a lost answer is the same event on the server, not a second one.
Replies are `m.thread` relations to the root; the root's edit is an `m.replace` event.

Answers: 200 `{"event_id": …}`; errors `{"errcode": …, "error": …}`: M_LIMIT_EXCEEDED (429, with
`retry_after_ms`) and 5xx are transient; M_FORBIDDEN, M_UNKNOWN_TOKEN, M_MISSING_TOKEN, M_NOT_FOUND,
M_TOO_LARGE and the other 4xx are permanent.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import requests

from jobfeed.announce.apicall import call, failure, http_failure, short
from jobfeed.announce.diff import Event
from jobfeed.announce.messages import _clip, details, heading, is_web_link, neutralise_mentions
from jobfeed.announce.webhooks import RetryPolicy, _Attempt, _retry_after
from jobfeed.errors import DeliveryError

FORMAT = "org.matrix.custom.html"
#: jobfeed's own cap on a posting's text in one event (a Matrix event is at most 65,536 bytes).
MAX_TEXT = 1000


def _inert(text: str) -> str:
    return neutralise_mentions(" ".join(_clip(text, MAX_TEXT).split()))


def notice(event: Event, language: str) -> dict[str, Any]:
    """The `m.notice` content of one event: a plain body and its HTML twin."""
    title, head, said = _inert(event.title), heading(event.kind, 1, language), details(event, language)
    contract = _inert(event.contract)
    link = event.link if event.kind != "closed" and is_web_link(event.link) else ""
    plain = [f"{head}: {title}", " · ".join(p for p in (contract, said) if p)]
    shown = html.escape(title)
    if link:
        plain.append(link)
        shown = f'<a href="{html.escape(link, quote=True)}">{shown}</a>'
    if event.kind == "closed":
        shown = f"<del>{shown}</del>"
    rich = f"<strong>{html.escape(head)}</strong>: {shown}<br>" + html.escape(
        " · ".join(p for p in (contract, said) if p)
    )
    return {
        "msgtype": "m.notice",
        "body": "\n".join(plain),
        "format": FORMAT,
        "formatted_body": rich,
        "m.mentions": {},
    }


def in_thread(content: dict[str, Any], root: str) -> dict[str, Any]:
    return {
        **content,
        "m.relates_to": {
            "rel_type": "m.thread",
            "event_id": root,
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": root},
        },
    }


def replacing(content: dict[str, Any], root: str) -> dict[str, Any]:
    """An `m.replace` edit of `root` whose new content is `content`."""
    new = {k: v for k, v in content.items() if k != "m.relates_to"}
    return {
        **new,
        "body": "* " + new["body"],
        "formatted_body": "* " + new["formatted_body"],
        "m.new_content": new,
        "m.relates_to": {"rel_type": "m.replace", "event_id": root},
    }


def matrix_judge(status: int, data: Any, body: str, headers: Mapping[str, str]) -> _Attempt | None:
    if status == 200 and isinstance(data, dict) and isinstance(data.get("event_id"), str):
        return None
    if status == 200:
        return failure(f"not a Matrix answer: {short(body)}", transient=True, status=status)
    code = str(data.get("errcode", "")) if isinstance(data, dict) else ""
    text = f"{code}: {str(data.get('error', ''))[:200]}" if code and isinstance(data, dict) else short(body)
    if status == 429 or code == "M_LIMIT_EXCEEDED":
        wait = data.get("retry_after_ms") if isinstance(data, dict) else None
        seconds = wait / 1000 if isinstance(wait, (int, float)) and not isinstance(wait, bool) else 0.0
        seconds = seconds or _retry_after(headers.get("Retry-After"))
        return failure(text, transient=True, status=status, wait=seconds)
    return http_failure(status, text, headers)


class MatrixRoom:
    """One room of one homeserver; a message's id is its Matrix event id (`$…`)."""

    def __init__(
        self,
        session: requests.Session,
        token: str,
        server: str,
        room: str,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session, self.token, self.policy, self.sleep = session, token, policy, sleep
        rooms = f"{server.rstrip('/')}/_matrix/client/v3/rooms/{quote(room, safe='')}"
        self.send_url = f"{rooms}/send/m.room.message/"

    def _send(self, content: dict[str, Any], txn: str) -> str:
        answer = call(
            self.session,
            "PUT",
            self.send_url + quote(txn, safe=""),
            content,
            matrix_judge,
            [self.token],
            headers={"Authorization": f"Bearer {self.token}"},
            policy=self.policy,
            sleep=self.sleep,
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("event_id"), str):
            raise DeliveryError(
                "the homeserver answered without an event_id", transient=False
            )  # pragma: no cover
        return str(answer["event_id"])

    def post(self, payload: dict[str, Any], root: str | None, txn: str) -> str:
        return self._send(in_thread(payload, root) if root else payload, txn)

    def edit(self, root: str, payload: dict[str, Any], txn: str) -> None:
        self._send(replacing(payload, root), txn)
