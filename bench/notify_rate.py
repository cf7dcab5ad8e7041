"""How many messages, and how long, to announce 1,000 role changes to a rate-limited webhook.

Builds 1,000 postings, records a baseline, then changes all of them: 500 new roles open, 300
close (filled) and 200 get a new deadline. `jobfeed notify` then delivers the events to a local
server on 127.0.0.1 that answers like Slack or Mattermost and accepts one message a second
(429 with Retry-After otherwise), with jobfeed's production retry policy.

    python bench/notify_rate.py            # both platforms
    python bench/notify_rate.py slack
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from jobfeed.announce.notify import notify  # noqa: E402
from jobfeed.config import Config  # noqa: E402
from notify_fixtures import write_posting  # noqa: E402
from webhook_server import Webhook  # noqa: E402

DAY1 = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
DAY2 = DAY1 + dt.timedelta(days=1)


def run(platform: str) -> tuple[int, int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        postes = Path(tmp) / "postes"
        state = Path(tmp) / "state.json"
        config = Config(site_url="https://jobs.example.org/")
        for n in range(500):
            write_posting(
                postes,
                f"role-{n:04d}",
                f"Rôle numéro {n:04d}",
                team=f"Équipe {n % 17}",
                poste_ferme="2024-09-30",
            )
        notify(config, DAY1, postes=postes, state_path=state, environ={})  # the silent baseline
        for n in range(500, 1000):
            write_posting(postes, f"role-{n:04d}", f"Rôle numéro {n:04d}", team=f"Équipe {n % 17}")
        for n in range(300):
            write_posting(
                postes,
                f"role-{n:04d}",
                f"Rôle numéro {n:04d}",
                team=f"Équipe {n % 17}",
                poste_ferme="2024-09-30",
                poste_pourvu="true",
            )
        for n in range(300, 500):
            write_posting(
                postes,
                f"role-{n:04d}",
                f"Rôle numéro {n:04d}",
                team=f"Équipe {n % 17}",
                poste_ferme="2024-10-31",
            )
        env = {"slack": "SLACK_WEBHOOK_URL", "mattermost": "MATTERMOST_WEBHOOK_URL"}[platform]
        with Webhook(per_second=1.0) as server:
            start = time.monotonic()
            report = notify(config, DAY2, postes=postes, state_path=state, environ={env: server.url})
            seconds = time.monotonic() - start
        [channel] = report.channels
        assert channel.status == "delivered", channel.error
        return len(report.events), len(server.shown), seconds


def main() -> None:
    platforms = sys.argv[1:] or ["slack", "mattermost"]
    for platform in platforms:
        events, messages, seconds = run(platform)
        print(f"{platform}: {events} events -> {messages} messages in {seconds:.1f} s (server: 1 message/s)")


if __name__ == "__main__":
    main()
