"""Skips that name what is missing, and `JOBFEED_REQUIRE_ALL=1`, under which any skip is a failure.

On a machine with Python alone, the tests that need Debian's `chromium` or Node.js skip with a one-line
reason, so that the README's test command passes there. `.ci/run` installs both and exports
`JOBFEED_REQUIRE_ALL=1`: there a test that skips, for whatever reason, fails with that reason, so CI
runs every test or says which one it did not. `tests/conftest.py` registers the hook below.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

REQUIRE_ALL = "JOBFEED_REQUIRE_ALL"


def require_all() -> bool:
    return os.environ.get(REQUIRE_ALL) == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not (report.skipped and require_all()) or hasattr(report, "wasxfail"):
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    reason = reason.removeprefix("Skipped: ")
    report.outcome = "failed"
    report.longrepr = f"skipped under {REQUIRE_ALL}=1 (.ci/run runs every test): {reason}"
