import logging

import pytest
import requests

from jobfeed.announce.webhooks import RetryPolicy, post_message
from webhook_server import SECRET_PATH, http_fault, webhook

FAST = RetryPolicy(
    attempts=3, first_wait=0.01, max_wait=0.02, budget=2.0, connect_timeout=0.5, read_timeout=0.5
)


def test_urllib3_debug_log_shows_each_request_but_never_the_webhook(caplog: pytest.LogCaptureFixture) -> None:
    """With DEBUG on (as a program embedding jobfeed might do), urllib3 logs every request line."""
    caplog.set_level(logging.DEBUG)
    with webhook() as server, requests.Session() as session:
        server.fail(http_fault("slack", 503))  # one retry: two request lines
        assert (
            post_message(session, server.url, {"text": "x"}, "slack", policy=FAST, sleep=lambda s: None) == 2
        )
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    assert sum('"POST *** HTTP/1.1"' in line for line in lines) == 2, lines
    for secret in [server.url, SECRET_PATH, *(p for p in SECRET_PATH.split("/") if len(p) >= 6)]:
        assert secret not in caplog.text
