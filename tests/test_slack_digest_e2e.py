"""Issue 21's closing-soon change through `jobfeed notify` and a local Slack (kept out of the
mutation-testing selection: it runs the CLI)."""

from __future__ import annotations

from pathlib import Path

from kinds_site import EARLY, LATER, NOW, KindSite
from notify_fixtures import write_posting
from test_slack_digest import check_with_slack_sdk
from webhook_server import webhook


def test_end_to_end_a_deadline_moved_into_the_window(tmp_path: Path) -> None:
    """Through `jobfeed notify` and a local Slack: the move is announced with "closing soon" and the
    days left, and the next day says nothing more."""
    site = KindSite(tmp_path, "slack")
    with webhook() as server:
        env = {"SLACK_WEBHOOK_URL": server.url}
        write_posting(site.postes, "dev", "Dev", poste_ferme="2024-04-30")
        assert site.run(env=env, now=EARLY).exit_code == 0  # baseline
        write_posting(site.postes, "dev", "Dev", poste_ferme="2024-03-04")
        result = site.run(env=env, now=NOW)
        assert result.exit_code == 0, result.output
        [payload] = server.shown
        check_with_slack_sdk(payload)
        assert payload["text"].split("\n")[0] == "Deadline changed · Closing soon"
        fields = [f["text"] for b in payload["blocks"] for f in b.get("fields", [])]
        assert "Closes on 4 March 2024 (in 3 days)" in fields
        assert site.run(env=env, now=LATER).exit_code == 0
        assert len(server.shown) == 1
