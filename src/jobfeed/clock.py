"""The one place jobfeed reads the wall clock: `--now`, else SOURCE_DATE_EPOCH, else now."""

from __future__ import annotations

import datetime as dt
import os

from jobfeed.core.dates import IN_RANGE, parse_now, utc_in_range
from jobfeed.errors import DateOutOfRange, UsageError


def resolve_now(option: str | None, environ: dict[str, str] | None = None) -> dt.datetime:
    environ = dict(os.environ) if environ is None else environ
    if option:
        try:
            return parse_now(option)
        except DateOutOfRange:
            raise UsageError(f"--now {option!r} is out of range; give {IN_RANGE}") from None
        except ValueError:
            raise UsageError(
                f"--now {option!r} is not an ISO 8601 date-time; write e.g. 2024-03-01T09:00:00+01:00"
            ) from None
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            seconds = int(epoch)
        except ValueError:
            raise UsageError(f"SOURCE_DATE_EPOCH {epoch!r} is not a number of seconds since 1970") from None
        try:
            return utc_in_range(dt.datetime.fromtimestamp(seconds, dt.UTC))
        except (ValueError, OverflowError, OSError):
            raise UsageError(
                f"SOURCE_DATE_EPOCH {epoch!r} is out of range; give the seconds of {IN_RANGE}"
            ) from None
    return dt.datetime.now(dt.UTC)
