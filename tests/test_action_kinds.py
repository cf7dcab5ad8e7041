"""The Action's job summary hides the new channel kinds' secrets too: the SMTP password (encoded or
not), an Apprise URL's token (its host), and the generic webhook's signing secret."""

from __future__ import annotations

from pathlib import Path

from jobfeed.github_action import _channel_variables, hide_secrets, webhook_secrets


def test_the_new_kinds_secrets_are_hidden_in_the_summary(tmp_path: Path) -> None:
    config = tmp_path / "jobfeed.toml"
    config.write_text(
        '[[notify]]\nkind = "email"\nsender = "a@example.org"\nto = ["b@example.org"]\n'
        '[[notify]]\nkind = "apprise"\n[[notify]]\nkind = "webhook"\n',
        encoding="utf-8",
    )
    names = _channel_variables(str(config))
    assert names == ["SMTP_URL", "APPRISE_URL", "JOBFEED_WEBHOOK_URL", "JOBFEED_WEBHOOK_SECRET"]
    environ = {
        "SMTP_URL": "smtps://jobs%40example.org:p%40ss%2Fw0rd-long@smtp.example.org:465",
        "APPRISE_URL": "ntfys://Topic-Secret-4711",
        "JOBFEED_WEBHOOK_URL": "https://hooks.example.org/n8n/7f3a9c2e41",
        "JOBFEED_WEBHOOK_SECRET": "whsec-7f3a9c2e-signing",
    }
    found = webhook_secrets(environ, names)
    text = (
        "login p@ss/w0rd-long refused; ntfy topic Topic-Secret-4711 unknown; "
        "POST /n8n/7f3a9c2e41 signed with whsec-7f3a9c2e-signing; p%40ss%2Fw0rd-long"
    )
    hidden = hide_secrets(text, found)
    for secret in (
        "p@ss/w0rd-long",
        "p%40ss%2Fw0rd-long",
        "Topic-Secret-4711",
        "7f3a9c2e41",
        "whsec-7f3a9c2e-signing",
    ):
        assert secret not in hidden, hidden
    assert hidden.startswith("login *** refused; ntfy topic *** unknown")
