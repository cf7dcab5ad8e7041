"""`jobfeed preview` shows the exact payload of every new channel kind: the one `jobfeed notify`
then delivers, byte for byte, to a local Teams, webhook, Apprise (json://) and SMTP server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from jobfeed.announce import webhooks as channels
from jobfeed.announce.jsonhook import webhook_schema
from jobfeed.cli import cli
from kinds_site import NOW, VARIABLES
from notify_fixtures import config_toml, write_posting
from smtp_server import SmtpServer
from test_msteams import assert_valid
from webhook_server import webhook

CHANNELS = """
[[notify]]
kind = "teams"
[[notify]]
kind = "webhook"
language = "en"
[[notify]]
kind = "apprise"
[[notify]]
kind = "email"
sender = "Offres <jobs@example.org>"
to = ["equipe@example.org"]
list_unsubscribe = "https://lists.example.org/leave"
"""

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        channels,
        "DEFAULT_POLICY",
        channels.RetryPolicy(attempts=2, first_wait=0.01, max_wait=0.02, budget=2.0),
    )


def test_preview_payloads_are_what_notify_sends(tmp_path: Path) -> None:
    postes = tmp_path / "postes"
    write_posting(postes, "dev", "Développeur·euse <b>@here</b>", team="Équipe", poste_ferme="2024-04-01")
    config = config_toml(tmp_path, CHANNELS)
    clean: dict[str, str | None] = {name: None for name in VARIABLES}
    preview = CliRunner().invoke(
        cli,
        ["preview", "dev", "--json", "--config", str(config), "--postes", str(postes), "--now", NOW],
        env=clean,
    )
    assert preview.exit_code == 0, preview.output
    shown: dict[str, Any] = {m["channel"]: json.loads(m["text"]) for m in json.loads(preview.stdout)["chat"]}
    assert list(shown) == [
        "teams:TEAMS_WEBHOOK_URL",
        "webhook:JOBFEED_WEBHOOK_URL",
        "apprise:APPRISE_URL",
        "email:SMTP_URL",
    ]
    assert_valid(shown["teams:TEAMS_WEBHOOK_URL"])
    assert (
        list(
            jsonschema.Draft202012Validator(webhook_schema()).iter_errors(
                shown["webhook:JOBFEED_WEBHOOK_URL"]
            )
        )
        == []
    )
    text = CliRunner().invoke(
        cli, ["preview", "dev", "--config", str(config), "--postes", str(postes), "--now", NOW], env=clean
    )
    assert (
        "-- email:SMTP_URL --" in text.stdout
        and '"list_unsubscribe": "https://lists.example.org/leave"' in text.stdout
    )

    with webhook() as teams, webhook() as hook, webhook() as apprise, SmtpServer(tmp_path) as smtp:
        teams.ok = (202, "")
        env = {
            **clean,
            "TEAMS_WEBHOOK_URL": teams.url,
            "JOBFEED_WEBHOOK_URL": hook.url,
            "JOBFEED_WEBHOOK_SECRET": "a-signing-secret",
            "APPRISE_URL": apprise.url.replace("http://", "json://", 1),
            "SMTP_URL": smtp.url(),
            "SSL_CERT_FILE": str(smtp.ca_file),
        }
        command = [
            "notify",
            "--config",
            str(config),
            "--postes",
            str(postes),
            "--state",
            str(tmp_path / "s.json"),
        ]
        result = CliRunner().invoke(cli, [*command, "--now", NOW, "--announce-existing"], env=env)
        assert result.exit_code == 0, result.output
        assert teams.shown == [shown["teams:TEAMS_WEBHOOK_URL"]]
        assert hook.shown == [shown["webhook:JOBFEED_WEBHOOK_URL"]]
        [posted] = apprise.shown
        assert (posted["title"], posted["message"]) == (
            shown["apprise:APPRISE_URL"]["title"],
            shown["apprise:APPRISE_URL"]["body"],
        )
        [mail] = smtp.shown
        payload = shown["email:SMTP_URL"]
        assert mail["Subject"] == payload["subject"] and mail["Message-ID"] == payload["message_id"]
        for part in ("plain", "html"):  # SMTP carries lines ending in CRLF
            body = mail.get_body((part,))
            assert body is not None
            assert body.get_content().replace("\r\n", "\n") == payload["text" if part == "plain" else "html"]
        assert mail["List-Unsubscribe"] == "<https://lists.example.org/leave>"
