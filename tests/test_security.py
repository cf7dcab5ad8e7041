"""The threat model of SECURITY.md: its table names only tests that exist, plus the attacks no other
module's tests cover (link spoofing in chat, YAML tags that run code, symlinks out of postes/, redirects)."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import cmarkgfm
import pytest
import requests

from conftest import ROOT
from jobfeed import build, config_from_dict, load_postings
from jobfeed.announce.diff import Event
from jobfeed.announce.messages import mattermost_messages, slack_messages
from jobfeed.announce.webhooks import RetryPolicy, post_message
from jobfeed.errors import DeliveryError
from webhook_server import SECRET_PATH, Fault, webhook

SECURITY = ROOT / "SECURITY.md"
TEST_REFERENCE = re.compile(r"`(tests/(test_\w+)\.py)::(test_\w+)(\[[^\]`]*\])?`")
CONFIG = config_from_dict(
    {"site": {"url": "https://jobs.example.org/", "id_authority": "jobs.example.org,2024"}}
)
NOW = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)


def table_rows(text: str) -> list[str]:
    """The rows of the threat table: lines starting with `|` after the `## Threats` heading."""
    section = text.split("\n## Threats", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return rows[2:]  # without the header and its separator


def test_every_test_named_in_security_md_exists() -> None:
    text = SECURITY.read_text(encoding="utf-8")
    rows = table_rows(text)
    assert len(rows) >= 20
    for row in rows:
        assert TEST_REFERENCE.search(row), f"a threat without a test: {row}"
    references = TEST_REFERENCE.findall(text)
    missing = []
    for path, module_name, function, _ in references:
        assert (ROOT / path).is_file(), path
        module = importlib.import_module(module_name)
        if not callable(getattr(module, function, None)):
            missing.append(f"{path}::{function}")
    assert missing == []


def test_the_table_check_catches_a_missing_test() -> None:
    """The check above can fail: a reference to a test that does not exist is noticed."""
    module = importlib.import_module("test_security")
    assert getattr(module, "test_that_does_not_exist", None) is None
    row = "| x | `tests/test_security.py::test_that_does_not_exist` |"
    [(_, module_name, function, _)] = TEST_REFERENCE.findall(row)
    assert not callable(getattr(importlib.import_module(module_name), function, None))


# --- link spoofing in chat ----------------------------------------------------------------------

EVIL = "evil.example"
SPOOFS = [
    "[https://jobs.example.org/postes/dev.html](https://evil.example/phish)",
    "<https://evil.example/phish|https://jobs.example.org/postes/dev.html>",
    "[Postuler](javascript:alert(1)) ![x](https://evil.example/pixel.png)",
    "<https://evil.example/phish> https://evil.example/phish",
]


def spoofed(text: str) -> Event:
    return Event(
        id="dev:opened:2024-03-01",
        kind="opened",
        role="dev",
        name=text,
        team=text,
        contract=text,
        link="https://jobs.example.org/postes/dev.html",
        deadline="2024-03-15",
    )


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.targets += [v or "" for k, v in attrs if k in ("href", "src")]


@pytest.mark.parametrize("text", SPOOFS)
def test_mattermost_text_links_only_to_the_role_page(text: str) -> None:
    """The message as Markdown renders it (cmark-gfm, autolinks on): no link or image but the role's."""
    [message] = mattermost_messages([spoofed(text)], "fr")
    links = Links()
    links.feed(cmarkgfm.github_flavored_markdown_to_html(message.payload["text"]))
    assert set(links.targets) <= {"https://jobs.example.org/postes/dev.html"}
    assert all(EVIL not in target for target in links.targets)


def slack_links(value: Any) -> list[str]:
    """Every URL a Slack payload would open: `url` fields and `<target|text>` in mrkdwn texts."""
    found: list[str] = []
    if isinstance(value, dict):
        if isinstance(value.get("url"), str):
            found.append(value["url"])
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            found += [m.split("|")[0] for m in re.findall(r"<([^>]+)>", value["text"])]
        for v in value.values():
            found += slack_links(v)
    elif isinstance(value, list):
        for v in value:
            found += slack_links(v)
    return found


@pytest.mark.parametrize("text", SPOOFS)
def test_slack_payload_links_only_to_the_role_page(text: str) -> None:
    [message] = slack_messages([spoofed(text)], "fr", "https://jobs.example.org/")
    payload = message.payload
    assert payload["mrkdwn"] is False
    assert all(EVIL not in url for url in slack_links(payload["blocks"])), slack_links(payload["blocks"])
    raw = json.dumps(payload, ensure_ascii=False)
    assert "<https://evil" not in raw  # Slack's link syntax is escaped as &lt;…&gt;


# --- hostile files in postes/ --------------------------------------------------------------------


def test_yaml_tags_that_would_run_code_are_refused(tmp_path: Path) -> None:
    postes = tmp_path / "postes"
    postes.mkdir()
    pwned = tmp_path / "pwned"
    (postes / "a.md").write_text(
        f'---\nrole: !!python/object/apply:os.system ["touch {pwned}"]\n---\nx\n', encoding="utf-8"
    )
    (postes / "b.md").write_text("---\nrole: !!python/name:os.system\n---\nx\n", encoding="utf-8")
    loaded = load_postings(postes, CONFIG)
    assert loaded.postings == [] and not pwned.exists()
    assert [(Path(p.path).name, p.line) for p in loaded.errors] == [("a.md", 2), ("b.md", 2)]
    assert all("could not determine a constructor for the tag" in p.message for p in loaded.errors)


def test_a_symlink_out_of_postes_is_never_read_into_the_feeds(tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\nrole: SECRET-ROLE\n---\nSECRET-BODY\n", encoding="utf-8")
    postes = tmp_path / "postes"
    postes.mkdir()
    (postes / "a.md").symlink_to(secret)
    (postes / "inside.md").write_text("---\nrole: Inside\n---\nx\n", encoding="utf-8")
    (postes / "b.md").symlink_to(postes / "inside.md")  # a link that stays inside is fine
    report = build(CONFIG, NOW, postes=postes, out=tmp_path / "feeds")
    assert [Path(p.path).name for p in report.problems if p.is_error] == ["a.md"]
    for path in (tmp_path / "feeds").rglob("*"):
        if path.is_file():
            assert b"SECRET" not in path.read_bytes(), path


# --- the webhook -----------------------------------------------------------------------------------

FAST = RetryPolicy(
    attempts=2, first_wait=0.01, max_wait=0.02, budget=1.0, connect_timeout=0.5, read_timeout=0.5
)


def test_a_redirecting_webhook_is_not_followed(tmp_path: Path) -> None:
    """A 30x could send the payload (and, through Referer or logs, the secret) to another host."""
    with webhook() as elsewhere, webhook() as server, requests.Session() as session:
        server.fail(Fault("http", 307, "", {"Location": elsewhere.url + "/stolen"}), sticky=True)
        with pytest.raises(DeliveryError) as error:
            post_message(session, server.url, {"text": "x"}, "slack", policy=FAST, sleep=lambda s: None)
        assert elsewhere.requests == 0
    assert SECRET_PATH not in str(error.value) and str(error.value).startswith("HTTP 307")
