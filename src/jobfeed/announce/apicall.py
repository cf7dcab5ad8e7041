"""One call to a chat platform's JSON API (Slack Web API, Mattermost REST, Discord, Matrix), with
the same bounded retries as the incoming webhooks (`webhooks.post_message`).

Each platform judges its own answers (`Judge`): delivered, or a failure that is transient (retried,
honouring the platform's wait) or permanent (not retried). Tokens and webhook URLs are secrets:
every error is redacted with them and never chained to the requests exception that holds the URL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import requests

from jobfeed.announce import webhooks
from jobfeed.announce.redact import hide_in_logs, redact
from jobfeed.announce.webhooks import USER_AGENT, RetryPolicy, _Attempt, _retry_after, describe, with_retries

#: (status, parsed JSON body or None, body text, headers) -> None when delivered, else the failure.
Judge = Callable[[int, Any, str, Mapping[str, str]], "_Attempt | None"]


def failure(text: str, *, transient: bool, status: int, wait: float = 0.0) -> _Attempt:
    """A failed attempt; the words are the platform's own (its error code and message)."""
    hint = f", retry after {wait:g} s" if wait else ""
    return _Attempt(f"HTTP {status} {text}{hint}", transient=transient, status=status, retry_after=wait)


def http_failure(status: int, text: str, headers: Mapping[str, str]) -> _Attempt:
    """The usual HTTP reading: 429 and 5xx (but 501) are transient, the rest permanent."""
    if status == 429:
        return failure(text, transient=True, status=status, wait=_retry_after(headers.get("Retry-After")))
    if 300 <= status < 400:
        return _Attempt(f"HTTP {status}: the address redirects; set the final one", transient=False)
    return failure(text, transient=500 <= status < 600 and status != 501, status=status)


def short(body: str) -> str:
    return " ".join(body.split())[:200] or "(empty answer)"


def _pace(headers: Mapping[str, str], policy: RetryPolicy, sleep: Callable[[float], None]) -> None:
    """A bucket the answer says is empty (`X-RateLimit-Remaining: 0`, as Discord sends): wait
    `X-RateLimit-Reset-After` seconds (at most the policy's longest wait) before the next call."""
    if headers.get("X-RateLimit-Remaining") == "0":
        wait = _retry_after(headers.get("X-RateLimit-Reset-After"))
        if wait:
            sleep(min(wait, policy.max_wait))


def call(
    session: requests.Session,
    method: str,
    url: str,
    body: dict[str, Any] | None,
    judge: Judge,
    secrets: Iterable[str],
    *,
    headers: Mapping[str, str] | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Send `body` as JSON until `judge` says it was delivered; returns the answer's JSON (None when
    it is not JSON). Raises DeliveryError, redacted."""
    policy = policy or webhooks.DEFAULT_POLICY
    hidden = [s for s in secrets if s]
    hide_in_logs(hidden)
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    sent = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, **(headers or {})}
    answer: list[Any] = [None]

    def attempt() -> None:
        try:
            response = session.request(
                method,
                url,
                data=data,
                headers=sent,
                timeout=(policy.connect_timeout, policy.read_timeout),
                allow_redirects=False,
            )
            text = response.text
        except requests.RequestException as e:
            found: _Attempt | None = describe(e, policy)
        else:
            try:
                parsed = json.loads(text) if text.strip() else None
            except ValueError:
                parsed = None
            found = judge(response.status_code, parsed, text, response.headers)
            if found is None:
                answer[0] = parsed
                _pace(response.headers, policy, sleep)
                return
        assert found is not None
        raise _Attempt(
            redact(str(found), hidden),
            transient=found.transient,
            status=found.status,
            retry_after=min(found.retry_after, policy.budget),
        )

    with_retries(attempt, policy, sleep)
    return answer[0]
