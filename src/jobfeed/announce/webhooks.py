"""Posting one message to a Slack or Mattermost incoming webhook, with bounded retries.

A message counts as delivered when the platform answers 2xx: the body is `ok` from Slack and
Mattermost, and anything else (`{"ok":true}` from newer endpoints) is delivered with a warning,
never sent again (the platform showed it). Transient
failures (no connection, a timeout, a dropped connection, 429, 5xx but 501) are retried with
exponential backoff, honouring Retry-After, within a time budget; permanent ones (Slack 400, 403,
404, 410; Mattermost 400 for an invalid hook, 501) are not retried. A post whose answer was lost is
retried too: the platform may have shown it, so a duplicate is possible, a loss is not.

The webhook URL is a secret: it never appears in an error. Errors from requests (whose text holds
the URL) are described in jobfeed's own words and redacted, and never chained.
"""

from __future__ import annotations

import dataclasses
import email.utils
import json
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import requests
import tenacity

from jobfeed.announce.redact import hide_in_logs, redact, secrets_of
from jobfeed.errors import DeliveryError

USER_AGENT = "jobfeed (+https://github.com/jobfeed/jobfeed)"


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one message: attempts, backoff and a total time budget, in seconds."""

    attempts: int = 6
    first_wait: float = 1.0
    max_wait: float = 30.0
    budget: float = 120.0
    connect_timeout: float = 5.0
    read_timeout: float = 20.0


#: The policy of `post_message` when none is given: about two minutes at most per message.
DEFAULT_POLICY = RetryPolicy()


class _Attempt(Exception):
    """One failed attempt, already described and redacted."""

    def __init__(self, message: str, *, transient: bool, status: int | None = None, retry_after: float = 0.0):
        super().__init__(message)
        self.transient = transient
        self.status = status
        self.retry_after = retry_after


def _platform_error(kind: str, body: str) -> str:
    """The platform's own error text: Slack's `invalid_token`, Mattermost's JSON `message` and `id`."""
    body = body.strip()
    if kind == "teams":
        from jobfeed.announce.teams import teams_error

        text = teams_error(body)
        if text:
            return text
    if kind == "mattermost" and body.startswith("{"):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            message, error_id = str(data.get("message") or ""), str(data.get("id") or "")
            text = f"{message} ({error_id})" if message and error_id else message or error_id
            if text:
                return text
    return " ".join(body.split())[:200] or "(empty answer)"


def _retry_after(value: str | None) -> float:
    """Retry-After in seconds, from a number or an HTTP date; 0 when absent or unreadable."""
    if not value:
        return 0.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, when.timestamp() - time.time())


def outcome_of(status: int, body: str, kind: str, retry_after: str | None = None) -> _Attempt | None:
    """None when delivered (2xx, see `unexpected_answer`); otherwise the failure, transient or permanent."""
    if 200 <= status < 300:
        return None
    text = _platform_error(kind, body)
    if status == 429:
        wait = _retry_after(retry_after)
        hint = f", retry after {wait:g} s" if wait else ""
        return _Attempt(f"HTTP 429 {text}{hint}", transient=True, status=status, retry_after=wait)
    if (500 <= status < 600 and status != 501) or (status == 408 and kind == "webhook"):
        return _Attempt(f"HTTP {status} {text}", transient=True, status=status)
    if 300 <= status < 400:
        return _Attempt(
            f"HTTP {status}: the webhook URL redirects; set the final URL", transient=False, status=status
        )
    return _Attempt(f"HTTP {status} {text}", transient=False, status=status)


def unexpected_answer(status: int, body: str, kind: str) -> str | None:
    """A warning for a delivered message whose answer is not the usual `ok`, else None (Slack and
    Mattermost only: Teams answers 202 with no body, a generic webhook whatever it likes)."""
    if kind not in ("slack", "mattermost"):
        return None
    if 200 <= status < 300 and body.strip() != "ok":
        return f"HTTP {status} with the answer {_platform_error(kind, body)!r} instead of 'ok'; taken as delivered"
    return None


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


def describe(error: requests.RequestException, policy: RetryPolicy) -> _Attempt:
    """A requests exception in words that never hold the URL."""
    text = str(error)
    if isinstance(error, requests.ConnectTimeout):
        return _Attempt(f"cannot connect within {policy.connect_timeout:g} s", transient=True)
    if isinstance(error, requests.ReadTimeout):
        return _Attempt(f"no answer within {policy.read_timeout:g} s", transient=True)
    if isinstance(error, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        if "RemoteDisconnected" in text or "Connection aborted" in text or "reset by peer" in text:
            return _Attempt("the connection was dropped before the answer came", transient=True)
        match = _ERRNO.search(text)
        reason = match.group(1).strip() if match else type(error).__name__
        return _Attempt(f"cannot connect: {reason}", transient=True)
    if isinstance(
        error,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ),
    ):
        return _Attempt("the variable does not hold an http(s) URL", transient=False)
    return _Attempt(f"request failed: {type(error).__name__}", transient=True)


def _wait(policy: RetryPolicy) -> Callable[[tenacity.RetryCallState], float]:
    backoff = tenacity.wait_exponential(multiplier=policy.first_wait, max=policy.max_wait)

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = error.retry_after if isinstance(error, _Attempt) else 0.0
        return max(retry_after, backoff(state))

    return wait


def with_retries(
    attempt: Callable[[], None],
    policy: RetryPolicy,
    sleep: Callable[[float], None],
    secrets: Sequence[str] = (),
) -> int:
    """Run `attempt` until it returns: a transient `_Attempt` is tried again after an exponential
    backoff (or its Retry-After, when longer), within the policy's attempts and time budget. The
    number of attempts; else DeliveryError with the last failure and that number, redacted. Every
    kind's delivery retries through it."""
    attempts = 0

    def counted() -> None:
        nonlocal attempts
        attempts += 1
        attempt()

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.attempts) | tenacity.stop_before_delay(policy.budget),
        wait=_wait(policy),
        retry=tenacity.retry_if_exception(lambda e: isinstance(e, _Attempt) and e.transient),
        sleep=sleep,
        reraise=True,
    )
    try:
        retrying(counted)
    except _Attempt as failure:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        message = redact(f"{failure}{tries}", list(secrets))
        raise DeliveryError(message, transient=failure.transient, status=failure.status) from None
    return attempts


def post_message(
    session: requests.Session,
    url: str,
    payload: dict[str, Any],
    kind: str,
    *,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    warnings: list[str] | None = None,
    sign: Callable[[bytes], dict[str, str]] | None = None,
) -> int:
    """Post `payload` until it is delivered; returns the number of attempts. Raises DeliveryError.
    An unexpected answer to a delivered message is added to `warnings`, redacted. `sign` gives
    extra headers from the exact bytes sent (the generic webhook's signature)."""
    policy = policy or DEFAULT_POLICY
    secrets = secrets_of(url)
    hide_in_logs(secrets)
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    if sign is not None:
        headers.update(sign(data))

    def attempt() -> None:
        try:
            response = session.post(
                url,
                data=data,
                headers=headers,
                timeout=(policy.connect_timeout, policy.read_timeout),
                allow_redirects=False,
            )
            body = response.text
        except requests.RequestException as e:
            failure = describe(e, policy)
        else:
            found = outcome_of(response.status_code, body, kind, response.headers.get("Retry-After"))
            if found is None:
                warning = unexpected_answer(response.status_code, body, kind)
                if warning is not None and warnings is not None:
                    warnings.append(redact(warning, secrets))
                return
            failure = found
        raise _Attempt(
            redact(str(failure), secrets),
            transient=failure.transient,
            status=failure.status,
            retry_after=failure.retry_after,
        )

    return with_retries(attempt, policy, sleep)


def new_session() -> requests.Session:
    """The production session: requests' defaults (proxies from the environment) and jobfeed's User-Agent."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session
