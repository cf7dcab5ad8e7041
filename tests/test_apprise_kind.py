"""The `apprise` channel: the apprise library, pointed by a `json://` URL at a local server, with
the weaker guarantees the README states (sent or not sent; every failure retried, then pending)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from jobfeed.announce import webhooks as channels
from jobfeed.announce.apprise_kind import APPRISE_MAX_BODY, APPRISE_MAX_EVENTS, apprise_messages
from jobfeed.announce.diff import Event
from kinds_site import (
    LATER,
    KindSite,
    assert_nowhere,
    dropped_answer,
    fault_then_recovery,
    kill_mid_digest,
    roles_named,
)
from webhook_server import SECRET_PATH, Fault, Webhook, closed_port_url, webhook

FAST = channels.RetryPolicy(
    attempts=3, first_wait=0.01, max_wait=0.02, budget=5.0, connect_timeout=0.5, read_timeout=0.3
)
SECRETS = [SECRET_PATH, *(p for p in SECRET_PATH.split("/") if len(p) >= 6)]
NOT_SENT = "the service did not take the message (apprise says not sent) after 3 attempts"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channels, "DEFAULT_POLICY", FAST)


def apprise_url(server_url: str) -> str:
    """Apprise's JSON service (it POSTs {"title", "message", …}), with its own short timeouts."""
    return server_url.replace("http://", "json://", 1) + "?cto=0.5&rto=0.3"


def shown(server: Webhook) -> list[str]:
    return [role for payload in server.shown for role in roles_named(payload["message"])]


def test_messages_stay_within_the_smallest_common_limit() -> None:
    events = [
        Event(
            f"r{n}:opened:d",
            "opened",
            f"r{n}",
            f"Role {n:03d} " + "x" * 300,
            "Équipe",
            "CDD",
            f"https://jobs.example.org/r{n}.html",
            "2024-03-05",
        )
        for n in range(120)
    ]
    messages = apprise_messages(events, "en", "https://jobs.example.org/")
    assert len(messages) > 1
    for message in messages:
        assert len(message.payload["body"]) <= APPRISE_MAX_BODY
        assert len(message.event_ids) <= APPRISE_MAX_EVENTS
        assert message.payload["title"].startswith("New roles (")
    assert [r for m in messages for r in roles_named(m.payload["body"])] == [
        f"Role {n:03d}" for n in range(120)
    ]


def test_posting_text_is_inert_and_sent_as_plain_text(tmp_path: Path) -> None:
    site = KindSite(tmp_path, "apprise")
    site.baseline({})
    from notify_fixtures import write_posting

    write_posting(site.postes, "evil", "Role 999 **bold** [x](https://evil.example) @here <b>", team="T")
    with webhook() as server:
        result = site.run(env={"APPRISE_URL": apprise_url(server.url)}, now=LATER)
        assert result.exit_code == 0, result.output
        [payload] = server.shown
        assert payload["type"] == "info"
        assert "**bold**" in payload["message"]  # json:// takes text as it is: nothing to escape there
        assert "@here" not in payload["message"] and "https://evil" not in payload["message"]


ERRORS = {
    "500": (Fault("http", 500, "boom"), NOT_SENT),
    "404": (Fault("http", 404, "no such hook"), NOT_SENT),
    "429": (Fault("http", 429, "slow down", {"Retry-After": "0.01"}), NOT_SENT),
    "hang": (Fault("hang", seconds=0.6), NOT_SENT),
    "no server": (None, NOT_SENT),
}


@pytest.mark.parametrize("fault", list(ERRORS))
def test_after_a_fault_clears_every_event_is_delivered_exactly_once(tmp_path: Path, fault: str) -> None:
    site = KindSite(tmp_path, "apprise")
    answer, error = ERRORS[fault]
    with webhook() as server:
        env = {"APPRISE_URL": apprise_url(server.url)}
        failing = dict(env)
        if answer is None:
            failing["APPRISE_URL"] = apprise_url(closed_port_url())
        else:
            server.fail(answer, sticky=True)
        fault_then_recovery(
            site, env, failing, lambda: shown(server), [*SECRETS, failing["APPRISE_URL"]], error, server.clear
        )


def test_a_dropped_answer_is_sent_again_at_most_one_extra_copy(tmp_path: Path) -> None:
    site = KindSite(tmp_path, "apprise")
    with webhook() as server:
        server.fail(Fault("drop"))
        dropped_answer(
            site, {"APPRISE_URL": apprise_url(server.url)}, lambda: shown(server), lambda: server.requests
        )


def test_no_secret_in_output_state_or_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    site = KindSite(tmp_path, "apprise")
    with webhook() as server:
        env = {"APPRISE_URL": apprise_url(server.url)}
        site.baseline(env)
        site.make_changes()
        server.fail(Fault("http", 500, "boom"))
        result = site.run("--json", env=env, now=LATER)
        assert result.exit_code == 0, result.output
        assert "apprise" in {r.name for r in caplog.records}  # apprise did log, and what it logged is clean
        assert_nowhere(
            [*SECRETS, env["APPRISE_URL"]], result.stdout, result.stderr, site.state_text(), caplog.text
        )


def test_a_url_apprise_does_not_know_is_a_permanent_error(tmp_path: Path) -> None:
    site = KindSite(tmp_path, "apprise")
    site.baseline({})
    site.make_changes()
    result = site.run("--json", env={"APPRISE_URL": "nosuchservice://s3cr3tT0k3nXYZ@host"}, now=LATER)
    assert result.exit_code == 1
    error = json.loads(result.stdout)["channels"][0]["error"]
    assert error.startswith("the variable does not hold an Apprise URL that apprise knows")
    assert "s3cr3tT0k3nXYZ" not in result.output + site.state_text()
    assert site.pending() == 5


def test_without_the_library_the_run_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = KindSite(tmp_path, "apprise")
    site.baseline({})
    site.make_changes()
    monkeypatch.setitem(sys.modules, "apprise", None)  # `import apprise` raises ImportError
    result = site.run("--json", env={"APPRISE_URL": "json://127.0.0.1:9/x"}, now=LATER)
    assert result.exit_code == 1
    error = json.loads(result.stdout)["channels"][0]["error"]
    assert error == "the apprise library is not installed: pip install 'jobfeed[apprise]'"
    assert site.pending() == 5


@pytest.mark.slow
def test_killed_mid_digest_then_run_again(tmp_path: Path) -> None:
    site = KindSite(tmp_path, "apprise")
    with Webhook(delay=0.4) as server:
        url = server.url.replace("http://", "json://", 1)  # apprise's default timeouts: longer than the delay

        def no_delay() -> None:
            server.delay = 0

        kill_mid_digest(
            site,
            {"APPRISE_URL": url},
            lambda: server.requests,
            server.wait_until,
            lambda: server.answered == server.requests,
            lambda: [roles_named(p["message"]) for p in server.received],
            lambda: shown(server),
            no_delay,
            [*SECRETS, url],
            roles=60,
        )
