"""Issue 16's board in a real headless Chromium: a role in two teams is found under each team's
filter, a topic facet is listed, team sections link to the team's address, contrast holds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser

from jobfeed.cli import cli
from test_browser import DESKTOP, WORST_CONTRAST, browser, visible_roles, visit
from test_jekyll import FIXTURE, T1

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="Debian's chromium is not installed (apt-get install -y chromium); .ci/run installs it",
)
__all__ = ["browser"]  # the module's Chromium, shared with test_browser's fixture


def test_a_role_of_two_teams_under_each_teams_filter(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURE, tmp_path / "site")
    monkeypatch.chdir(tmp_path / "site")
    result = CliRunner().invoke(cli, ["build", "--now", T1, "--out", "out"])
    assert result.exit_code == 0, result.output
    index = tmp_path / "site" / "out" / "index.html"
    for scheme in ("light", "dark"):
        v = visit(browser, index, DESKTOP, scheme)
        page = v.page
        assert page.get_by_role("link", name="DossierFacile").first.get_attribute("href") == (
            "https://dossierfacile.example/"
        )
        for team in ("DossierFacile", "Service National Universel"):
            page.get_by_label(f"{team} (").check()
            assert "Product owner" in visible_roles(page), team
        page.get_by_label("Aides-territoires (").check()
        assert "Product owner" not in visible_roles(page)
        assert page.get_by_role("heading", name="Par domaines").is_visible()
        ratio, tag, text = page.evaluate(WORST_CONTRAST)
        assert ratio >= 4.5, (scheme, ratio, tag, text)
        v.assert_clean(index.as_uri())
