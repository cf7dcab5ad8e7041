import time
import traceback

import pytest
import requests

from jobfeed.announce.redact import redact, secrets_of
from jobfeed.announce.webhooks import RetryPolicy, outcome_of, post_message, unexpected_answer
from jobfeed.errors import DeliveryError
from webhook_server import SECRET_PATH, Fault, closed_port_url, http_fault, webhook

FAST = RetryPolicy(
    attempts=4, first_wait=0.01, max_wait=0.05, budget=3.0, connect_timeout=0.5, read_timeout=0.3
)
PAYLOAD = {"text": "hello"}
SECRET_PARTS = [p for p in SECRET_PATH.split("/") if len(p) >= 6] + [SECRET_PATH]


def assert_no_secret(text: str, url: str) -> None:
    for secret in [url, *SECRET_PARTS]:
        assert secret not in text


def fail_of(url: str, kind: str, sleeps: list[float] | None = None) -> DeliveryError:
    with requests.Session() as session, pytest.raises(DeliveryError) as info:
        post_message(
            session,
            url,
            PAYLOAD,
            kind,
            policy=FAST,
            sleep=(sleeps.append if sleeps is not None else time.sleep),
        )
    error = info.value
    full = "".join(traceback.format_exception(error))
    assert_no_secret(full, url)
    assert_no_secret(repr(error.__context__), url)
    return error


def test_delivered_on_200_ok() -> None:
    with webhook() as server, requests.Session() as session:
        assert post_message(session, server.url, PAYLOAD, "slack", policy=FAST) == 1
        assert server.shown == [PAYLOAD]


@pytest.mark.parametrize(
    ("platform", "status", "text"),
    [
        ("slack", 400, "HTTP 400 invalid_payload"),
        ("slack", 403, "HTTP 403 invalid_token"),
        ("slack", 404, "HTTP 404 no_service"),
        ("slack", 410, "HTTP 410 channel_is_archived"),
        ("mattermost", 400, "HTTP 400 Invalid webhook. (web.incoming_webhook.invalid.app_error)"),
        (
            "mattermost",
            501,
            "HTTP 501 Incoming webhooks have been disabled by the system admin. "
            "(web.incoming_webhook.disabled.app_error)",
        ),
    ],
)
def test_permanent_failures_are_not_retried(platform: str, status: int, text: str) -> None:
    with webhook() as server:
        server.fail(http_fault(platform, status), sticky=True)
        error = fail_of(server.url, platform)
        assert str(error) == text
        assert not error.transient and error.status == status
        assert server.requests == 1


@pytest.mark.parametrize(
    ("platform", "status"), [("slack", 500), ("slack", 503), ("mattermost", 500), ("mattermost", 503)]
)
def test_transient_failures_are_retried_then_delivered(platform: str, status: int) -> None:
    sleeps: list[float] = []
    with webhook() as server, requests.Session() as session:
        server.fail(http_fault(platform, status), http_fault(platform, status))
        attempts = post_message(session, server.url, PAYLOAD, platform, policy=FAST, sleep=sleeps.append)
        assert attempts == 3 and server.shown == [PAYLOAD]
        assert sleeps == [0.01, 0.02]  # exponential backoff


def test_retry_after_is_honoured() -> None:
    sleeps: list[float] = []
    with webhook() as server, requests.Session() as session:
        server.fail(Fault("http", 429, "rate_limited", {"Retry-After": "2"}))
        assert post_message(session, server.url, PAYLOAD, "slack", policy=FAST, sleep=sleeps.append) == 2
        assert sleeps == [2.0]


def test_retry_after_beyond_the_budget_gives_up_at_once() -> None:
    sleeps: list[float] = []
    with webhook() as server:
        server.fail(Fault("http", 429, "rate_limited", {"Retry-After": "3600"}), sticky=True)
        error = fail_of(server.url, "slack", sleeps)
        assert error.transient and "HTTP 429 rate_limited, retry after 3600 s" in str(error)
        assert sleeps == [] and server.requests == 1


def test_persistent_5xx_stops_after_the_attempts() -> None:
    with webhook() as server:
        server.fail(http_fault("slack", 503), sticky=True)
        error = fail_of(server.url, "slack", [])
        assert str(error) == "HTTP 503 service_unavailable after 4 attempts"
        assert server.requests == FAST.attempts


def test_dropped_answer_is_retried_so_the_post_may_show_twice() -> None:
    with webhook() as server, requests.Session() as session:
        server.fail(Fault("drop"))
        assert (
            post_message(session, server.url, PAYLOAD, "mattermost", policy=FAST, sleep=lambda s: None) == 2
        )
        assert server.shown == [PAYLOAD, PAYLOAD]


@pytest.mark.parametrize(
    ("fault", "text"),
    [
        (Fault("drop"), "the connection was dropped before the answer came after 4 attempts"),
        (Fault("hang", seconds=0.6), "no answer within 0.3 s after 4 attempts"),
    ],
)
def test_connection_faults_are_transient_and_redacted(fault: Fault, text: str) -> None:
    with webhook() as server:
        server.fail(fault, sticky=True)
        error = fail_of(server.url, "slack", [])
        assert str(error) == text and error.transient


def test_no_server_at_all() -> None:
    url = closed_port_url()
    error = fail_of(url, "slack", [])
    assert str(error) == "cannot connect: Connection refused after 4 attempts"


def test_bounded_time_with_real_sleeps() -> None:
    policy = RetryPolicy(attempts=100, first_wait=0.05, max_wait=0.1, budget=0.5, read_timeout=0.3)
    with webhook() as server, requests.Session() as session:
        server.fail(http_fault("slack", 500), sticky=True)
        start = time.monotonic()
        with pytest.raises(DeliveryError):
            post_message(session, server.url, PAYLOAD, "slack", policy=policy)
        assert time.monotonic() - start < 0.5 + policy.read_timeout + 0.5


def test_a_url_that_is_not_a_url_is_reported_without_itself() -> None:
    url = "hooks.example.org/services/T0SECRETTEAM/s3cr3tT0k3nXYZ"
    error = fail_of(url, "slack")
    assert str(error) == "the variable does not hold an http(s) URL"


def test_redact_and_classify() -> None:
    url = "https://hooks.slack.com/services/T0SECRETTEAM/B0SECRETHOOK/s3cr3tT0k3nXYZ"
    text = f"failed on {url} and /services/T0SECRETTEAM/B0SECRETHOOK/s3cr3tT0k3nXYZ and s3cr3tT0k3nXYZ"
    assert redact(text, secrets_of(url)) == "failed on *** and *** and ***"
    assert outcome_of(200, "ok", "slack") is None
    # any 2xx is delivered (the platform showed it): an unexpected answer is only a warning
    assert outcome_of(200, "<html>proxy</html>", "slack") is None
    assert unexpected_answer(200, "<html>proxy</html>", "slack") == (
        "HTTP 200 with the answer '<html>proxy</html>' instead of 'ok'; taken as delivered"
    )
    assert unexpected_answer(200, "ok", "slack") is None and unexpected_answer(400, "x", "slack") is None


@pytest.mark.parametrize(
    ("platform", "status"),
    [("slack", s) for s in (400, 403, 404, 410, 429, 500, 503)]
    + [("mattermost", s) for s in (400, 404, 429, 500, 501, 503)],
)
def test_no_secret_in_any_failure(platform: str, status: int) -> None:
    with webhook() as server:
        server.fail(http_fault(platform, status), sticky=True)
        error = fail_of(server.url, platform, [])  # checks the whole traceback, chained errors included
        assert str(error).startswith(f"HTTP {status} ")
