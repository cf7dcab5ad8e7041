"""Webhook secrets kept out of library logs.

urllib3 logs every request line at DEBUG (`"POST /services/T…/B…/token HTTP/1.1" 200`), and the
path of a webhook URL is its secret. jobfeed never turns DEBUG on, but a program that imports it
(or a `logging.basicConfig(level=logging.DEBUG)` added while debugging) would print it. A filter on
the loggers of urllib3 and requests replaces every known secret by `***` in their records.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager", "requests")


class SecretFilter(logging.Filter):
    """Rewrites a record whose message holds a secret; never drops a record."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        clean = message
        for secret in sorted(self.secrets, key=len, reverse=True):
            clean = clean.replace(secret, "***")
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
