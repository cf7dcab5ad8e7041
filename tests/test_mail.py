"""The `email` channel against a real SMTP server on 127.0.0.1 (aiosmtpd): STARTTLS and TLS, login,
a text and an HTML part, List-Unsubscribe, one message per run and recipient list, SMTP's own
transient (4xx) and permanent (5xx) answers, and the password never shown."""

from __future__ import annotations

import collections
import json
import logging
import os
import signal
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import html5lib
import pytest

from jobfeed.announce import webhooks as channels
from jobfeed.announce.diff import Event
from jobfeed.announce.mail import email_messages
from kinds_site import LATER, NOW, VARIABLES, KindSite, assert_nowhere, fault_then_recovery, roles_named
from notify_fixtures import write_posting
from smtp_server import PASSWORD, Reply, SmtpServer, free_port

FAST = channels.RetryPolicy(
    attempts=3, first_wait=0.01, max_wait=0.02, budget=2.0, connect_timeout=0.5, read_timeout=0.3
)
CHANNEL = """sender = "Offres <jobs@example.org>"
to = ["equipe@lists.example.org", "rh@example.org"]
list_unsubscribe = "mailto:equipe-leave@lists.example.org?subject=unsubscribe"
"""
SECRETS = [PASSWORD, quote(PASSWORD, safe="")]

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channels, "DEFAULT_POLICY", FAST)


def env_of(server: SmtpServer, password: str = PASSWORD) -> dict[str, str]:
    return {"SMTP_URL": server.url(password), "SSL_CERT_FILE": str(server.ca_file)}


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def shown(server: SmtpServer) -> list[str]:
    return [role for m in server.shown for role in roles_named(text_of(m))]


def test_the_digest_has_a_text_and_an_html_part_and_posting_text_is_inert() -> None:
    evil = 'Dév <script>alert(1)</script> <a href="https://evil.example">x</a> @here www.evil.example'
    events = [
        Event(
            "a:opened:d",
            "opened",
            "a",
            evil,
            "Équipe",
            "CDD",
            "https://jobs.example.org/a.html",
            "2024-03-05",
        ),
        Event("b:closed:d", "closed", "b", "Gone", link="https://jobs.example.org/b.html", reason="filled"),
    ]
    [message] = email_messages(
        events,
        "fr",
        sender="Offres <jobs@example.org>",
        to=["x@example.org"],
        site_url="https://jobs.example.org/",
    )
    payload = message.payload
    assert payload["subject"] == "Nouveau poste · Poste fermé"
    assert "https://jobs.example.org/a.html" in payload["text"] and "b.html" not in payload["text"]
    document = html5lib.parse(payload["html"], namespaceHTMLElements=False)
    assert document.findall(".//script") == []
    assert [a.get("href") for a in document.iter("a")] == [
        "https://jobs.example.org/a.html",
        "https://jobs.example.org/",
    ]
    for text in (payload["text"], payload["html"]):
        assert "@here" not in text and "www.evil" not in text and "https://evil" not in text
    assert "list_unsubscribe" not in payload


def test_a_run_sends_one_message_per_recipient_list_over_starttls(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    site = KindSite(tmp_path, "email", CHANNEL)
    with SmtpServer(tmp_path) as server:
        env = env_of(server)
        site.baseline(env)
        expected = site.make_changes()
        result = site.run("--json", env=env, now=LATER)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["channels"][0]["status"] == "delivered"
        [message] = server.shown
        assert server.logins == [True]
        assert server.envelopes == [("jobs@example.org", ["equipe@lists.example.org", "rh@example.org"])]
        assert message["From"] == "Offres <jobs@example.org>"
        assert message["List-Unsubscribe"] == "<mailto:equipe-leave@lists.example.org?subject=unsubscribe>"
        assert message["Message-ID"].endswith("@example.org>")
        assert set(roles_named(text_of(message))) == expected
        assert set(roles_named(html_of(message))) == expected
        assert_nowhere([*SECRETS, server.url()], result.stdout, result.stderr, site.state_text(), caplog.text)


def test_implicit_tls(tmp_path: Path) -> None:
    site = KindSite(tmp_path, "email", CHANNEL)
    with SmtpServer(tmp_path, implicit_tls=True) as server:
        env = env_of(server)
        assert env["SMTP_URL"].startswith("smtps://")
        site.baseline(env)
        expected = site.make_changes()
        assert site.run(env=env, now=LATER).exit_code == 0
        assert set(shown(server)) == expected and server.logins == [True]


def test_a_server_whose_certificate_is_not_trusted_gets_nothing(tmp_path: Path) -> None:
    site = KindSite(tmp_path, "email", CHANNEL)
    with SmtpServer(tmp_path) as server:
        site.baseline(env_of(server))
        site.make_changes()
        result = site.run("--json", env={"SMTP_URL": server.url()}, now=LATER)
        assert result.exit_code == 1
        error = json.loads(result.stdout)["channels"][0]["error"]
        assert error == "the server's TLS certificate is not valid: unable to get local issuer certificate"
        assert server.requests == 0 and server.logins == [] and site.pending() == 5


ERRORS = {
    "451": (
        Reply("reply", "451 4.3.0 Mail server temporarily rejected message"),
        "SMTP 451 4.3.0 Mail server temporarily rejected message after 3 attempts",
    ),
    "421": (
        Reply("reply", "421 4.7.0 Try again later, closing connection"),
        "SMTP 421 4.7.0 Try again later, closing connection after 3 attempts",
    ),
    "452": (
        Reply("rcpt", "452 4.5.3 Too many recipients"),
        "every recipient was refused: equipe@lists.example.org: 452 4.5.3 Too many recipients; rh@example.org: 452 4.5.3 Too many recipients after 3 attempts",
    ),
    "550": (
        Reply("rcpt", "550 5.1.1 User unknown"),
        "every recipient was refused: equipe@lists.example.org: 550 5.1.1 User unknown; rh@example.org: 550 5.1.1 User unknown",
    ),
    "554": (Reply("reply", "554 5.7.1 Message rejected as spam"), "SMTP 554 5.7.1 Message rejected as spam"),
    "535": (None, "SMTP 535 5.7.8 Authentication credentials invalid"),
    "hang": (Reply("hang", seconds=1.5), "no answer within 0.8 s after 3 attempts"),
    "no server": (None, "cannot connect: Connection refused after 3 attempts"),
}


@pytest.mark.parametrize("fault", list(ERRORS))
def test_after_a_fault_clears_every_event_is_delivered_exactly_once(tmp_path: Path, fault: str) -> None:
    site = KindSite(tmp_path, "email", CHANNEL)
    reply, error = ERRORS[fault]
    with SmtpServer(tmp_path) as server:
        env = env_of(server)
        failing = dict(env)
        if fault == "535":
            failing = env_of(server, "not-the-" + PASSWORD)
        elif fault == "no server":
            failing["SMTP_URL"] = server.url().replace(f":{server.port}", f":{free_port()}")
        else:
            assert reply is not None
            server.fail(reply, sticky=True)
        fault_then_recovery(
            site, env, failing, lambda: shown(server), [*SECRETS, "not-the-"], error, server.clear
        )


def test_a_dropped_answer_sends_the_digest_again_once(tmp_path: Path) -> None:
    site = KindSite(tmp_path, "email", CHANNEL)
    with SmtpServer(tmp_path) as server:
        server.fail(Reply("drop"))
        env = env_of(server)
        site.baseline(env)
        expected = site.make_changes()
        result = site.run(env=env, now=LATER)
        assert result.exit_code == 0, result.output
        counts = collections.Counter(shown(server))
        assert set(counts) == expected and set(counts.values()) == {2}
        first, second = server.shown
        assert first["Message-ID"] == second["Message-ID"]  # the copy can be recognised
        assert site.run(env=env, now=LATER).exit_code == 0 and server.requests == 2


def test_without_the_variable_nothing_is_sent_and_events_wait(tmp_path: Path) -> None:
    site = KindSite(tmp_path, "email", CHANNEL)
    with SmtpServer(tmp_path) as server:
        site.baseline(env_of(server))
        site.make_changes()
        result = site.run("--json", now=LATER)
        [channel] = json.loads(result.stdout)["channels"]
        assert channel["status"] == "unset" and channel["error"] == "SMTP_URL is not set"
        assert site.pending() == 5


def test_a_channel_without_sender_or_recipients_is_a_config_error(tmp_path: Path) -> None:
    site = KindSite(tmp_path, "email", 'to = ["x@example.org"]\n')
    result = site.run(now=LATER)
    assert result.exit_code == 1
    assert "[[notify]] #1: an email channel needs sender = " in result.stderr


@pytest.mark.slow
def test_killed_while_the_digest_is_in_flight_then_run_again(tmp_path: Path) -> None:
    """SIGKILL while the server holds the run's one message; the next run sends it again: nothing
    lost, the in-flight message (here, every role) shown twice at most."""
    site = KindSite(tmp_path, "email", CHANNEL)
    for n in range(300):
        write_posting(site.postes, f"role-{n:03d}", f"Role {n:03d} " + "x" * 120)
    with SmtpServer(tmp_path, delay=0.5) as server:
        env = {**{k: v for k, v in os.environ.items() if k not in VARIABLES}, **env_of(server)}
        command = [sys.executable, "-m", "jobfeed", *site.command(NOW, "--announce-existing")]
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        server.wait_until(lambda: server.requests >= 1 or process.poll() is not None, 30)
        assert server.requests == 1, process.communicate()
        process.send_signal(signal.SIGKILL)
        out, err = process.communicate()
        assert process.returncode == -signal.SIGKILL
        assert server.wait_until(lambda: server.answered == server.requests, 10)
        assert site.pending() == 300  # not answered before the kill: still pending
        server.delay = 0
        rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
    counts = collections.Counter(shown(server))
    assert set(counts) == {f"Role {n:03d}" for n in range(300)} and set(counts.values()) == {2}
    assert len(server.shown) == 2 and site.pending() == 0
    assert_nowhere(SECRETS, out.decode(), err.decode(), rerun.stdout, rerun.stderr, site.state_text())


@pytest.mark.parametrize(
    "url", ["http://user:S3cretPass@smtp.example.org", "smtp://user:S3cretPass@host:port"]
)
def test_a_variable_that_is_not_an_smtp_url_is_reported_without_itself(tmp_path: Path, url: str) -> None:
    site = KindSite(tmp_path, "email", CHANNEL)
    site.baseline({})
    site.make_changes()
    result = site.run("--json", env={"SMTP_URL": url}, now=LATER)
    assert result.exit_code == 1
    error = json.loads(result.stdout)["channels"][0]["error"]
    assert error.startswith("the variable does not hold an SMTP URL")
    assert_nowhere(["S3cretPass", url], result.stdout, result.stderr, site.state_text())
    assert site.pending() == 5


def test_a_huge_run_is_split_only_past_the_limit() -> None:
    from jobfeed.announce.mail import EMAIL_MAX_EVENTS

    events = [
        Event(f"r{n}:closed:d", "closed", f"r{n}", f"Role {n:04d}", reason="expired")
        for n in range(2 * EMAIL_MAX_EVENTS + 1)
    ]
    messages = email_messages(events, "en", sender="a@example.org", to=["b@example.org"])
    assert [len(m.event_ids) for m in messages] == [EMAIL_MAX_EVENTS, EMAIL_MAX_EVENTS, 1]
    assert len({m.payload["message_id"] for m in messages}) == 3
    assert (
        len(email_messages(events[:EMAIL_MAX_EVENTS], "en", sender="a@example.org", to=["b@example.org"]))
        == 1
    )
