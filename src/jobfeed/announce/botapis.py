"""Slack and Mattermost with a token instead of an incoming webhook: what threads need.

Slack's Web API (`chat.postMessage` with `thread_ts`, `chat.update`, a bot token `xoxb-…` with the
`chat:write` scope) answers 200 with `{"ok": false, "error": "…"}` on failure and 429 with
Retry-After when rate limited. Mattermost's REST API (`POST /api/v4/posts` with `root_id`,
`PUT /api/v4/posts/{id}/patch`, a bot or personal access token) answers 201 with the post, or an
error JSON `{"id": "…", "message": "…"}`. The token is a secret: it only travels in the
Authorization header and is redacted from every error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import requests

from jobfeed.announce.apicall import call, failure, http_failure, short
from jobfeed.announce.webhooks import RetryPolicy, _Attempt, _retry_after
from jobfeed.errors import DeliveryError

SLACK_API = "https://slack.com/api"
#: Slack errors that trying again later may cure; every other `error` is permanent.
SLACK_TRANSIENT = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


def slack_judge(status: int, data: Any, body: str, headers: Mapping[str, str]) -> _Attempt | None:
    if status == 200 and isinstance(data, dict):
        if data.get("ok") is True:
            return None
        error = str(data.get("error") or "unknown_error")[:100]
        return failure(f"Slack error {error}", transient=error in SLACK_TRANSIENT, status=status)
    if status == 200:
        return failure(f"not a Slack answer: {short(body)}", transient=True, status=status)
    return http_failure(status, short(body), headers)


def mattermost_judge(status: int, data: Any, body: str, headers: Mapping[str, str]) -> _Attempt | None:
    if 200 <= status < 300:
        return None
    text = short(body)
    if isinstance(data, dict) and (data.get("message") or data.get("id")):
        text = f"{data.get('message') or ''} ({data.get('id') or ''})".strip()
    if status == 429 and not headers.get("Retry-After") and headers.get("X-Ratelimit-Reset"):
        wait = _retry_after(headers.get("X-Ratelimit-Reset"))
        return failure(text, transient=True, status=status, wait=wait)
    return http_failure(status, text, headers)


class _Token:
    def __init__(
        self,
        session: requests.Session,
        token: str,
        policy: RetryPolicy | None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session, self.token, self.policy, self.sleep = session, token, policy, sleep

    def _call(self, method: str, url: str, body: dict[str, Any], judge: Any) -> Any:
        return call(
            self.session,
            method,
            url,
            body,
            judge,
            [self.token],
            headers={"Authorization": f"Bearer {self.token}"},
            policy=self.policy,
            sleep=self.sleep,
        )


class SlackBot(_Token):
    """`chat.postMessage` and `chat.update` in one channel; ids are message timestamps (`ts`)."""

    def __init__(self, session: requests.Session, token: str, server: str = "", **kwargs: Any) -> None:
        super().__init__(session, token, **kwargs)
        self.api = (server or SLACK_API).rstrip("/")

    def post(self, payload: dict[str, Any], root: str | None, txn: str) -> str:
        body = {**payload, **({"thread_ts": root} if root else {})}
        answer = self._call("POST", f"{self.api}/chat.postMessage", body, slack_judge)
        ts = answer.get("ts") if isinstance(answer, dict) else None
        if not isinstance(ts, str) or not ts:
            raise DeliveryError("Slack answered ok without the message's ts", transient=False)
        return ts

    def edit(self, root: str, payload: dict[str, Any], txn: str) -> None:
        self._call("POST", f"{self.api}/chat.update", {**payload, "ts": root}, slack_judge)


class MattermostBot(_Token):
    """`POST /api/v4/posts` (a reply with `root_id`) and `PUT /api/v4/posts/{id}/patch`."""

    def __init__(self, session: requests.Session, token: str, server: str, **kwargs: Any) -> None:
        super().__init__(session, token, **kwargs)
        self.api = server.rstrip("/") + "/api/v4"

    def post(self, payload: dict[str, Any], root: str | None, txn: str) -> str:
        body = {**payload, **({"root_id": root} if root else {})}
        answer = self._call("POST", f"{self.api}/posts", body, mattermost_judge)
        post_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(post_id, str) or not post_id:
            raise DeliveryError("Mattermost answered without the post's id", transient=False)
        return post_id

    def edit(self, root: str, payload: dict[str, Any], txn: str) -> None:
        self._call("PUT", f"{self.api}/posts/{quote(root, safe='')}/patch", payload, mattermost_judge)
