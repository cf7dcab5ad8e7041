"""Webhook secrets kept out of everything jobfeed prints, logs or stores: the one place they are
found in a URL (`secrets_of`) and replaced by `***` (`redact`).

A webhook URL's path and query are its secret (Slack's `/services/T…/B…/token`, Mattermost's
`/hooks/<id>`), and they turn up in error messages, in the job summary of the Action and in library
logs.

"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit


def secrets_of(url: str) -> list[str]:
    """The parts of a webhook URL that must never be shown: the URL itself, its path and its tokens."""
    secrets = [url, url.rstrip("/")]
    try:
        parts = urlsplit(url)
        path, query, password = parts.path, parts.query, parts.password
    except ValueError:  # `http://[::1/…`: no URL to read, but its secrets all the same
        rest = url.partition("://")[2]
        secrets.append(rest)  # host, user and password included
        path, _, query = ("/" + rest.partition("/")[2] if "/" in rest else "").partition("?")
        password = None
    if path not in ("", "/"):
        secrets.append(path)
        secrets.extend(segment for segment in path.split("/") if len(segment) >= 6)
    if query:
        secrets.append(query)
    if password:
        secrets.append(password)
    return sorted({s for s in secrets if s}, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str], *, shortest: int = 1) -> str:
    """`text` with every secret at least `shortest` characters long replaced by `***`, the longest
    first, so that none is half-removed."""
    for secret in sorted({s for s in secrets if len(s) >= shortest}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


# --- library logs: urllib3 logs every request line at DEBUG (`"POST /services/T…/B…/token
# HTTP/1.1" 200`). jobfeed never turns DEBUG on, but a program that imports it (or a
# `logging.basicConfig(level=logging.DEBUG)` added while debugging) would print it. A filter on
# the loggers of urllib3 and requests replaces every known secret by `***` in their records.

LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager", "requests", "apprise")


class SecretFilter(logging.Filter):
    """Rewrites a record whose message holds a secret; never drops a record."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_FILTER = SecretFilter()


def hide_in_logs(secrets: Iterable[str]) -> None:
    """From now on, `secrets` show as `***` in what urllib3 and requests log."""
    _FILTER.secrets.update(s for s in secrets if s)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
