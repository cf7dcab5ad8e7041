"""A role's whole life in one thread: Slack and Mattermost with a token, a Discord forum, Matrix,
against the local stand-in of their APIs (tests/chat_api_server.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from chat_api_server import MATRIX_TOKEN, MATTERMOST_TOKEN, ROOM, SLACK_TOKEN, TOKENS, ChatAPI, api_fault
from jobfeed.announce import webhooks
from jobfeed.announce.state import load_state
from jobfeed.cli import cli
from notify_fixtures import config_toml, write_posting
from webhook_server import Fault

FAST = webhooks.RetryPolicy(
    attempts=3, first_wait=0.01, max_wait=0.02, budget=2.0, connect_timeout=0.5, read_timeout=0.5
)
PLATFORMS = ("slack", "mattermost", "discord", "matrix")
#: The role's life: (date of the run, what its posting says then, the event announced).
LIFE = [
    ("2024-03-01T09:00:00+01:00", {"poste_ferme": "2024-03-20"}, "opened"),
    ("2024-03-14T09:00:00+01:00", {"poste_ferme": "2024-03-20"}, "closing_soon"),
    ("2024-03-15T09:00:00+01:00", {"poste_ferme": "2024-04-30"}, "deadline_changed"),
    ("2024-03-16T09:00:00+01:00", {"poste_ferme": "2024-04-30", "poste_pourvu": "true"}, "closed"),
]


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhooks, "DEFAULT_POLICY", FAST)


def channels_toml(api: ChatAPI, platforms: tuple[str, ...] = PLATFORMS) -> str:
    tables = {
        "slack": f'kind = "slack"\nchannel = "C0JOBS"\nserver = "{api.base}/api"\n',
        "mattermost": f'kind = "mattermost"\nchannel = "chan0000000000000000000000"\nserver = "{api.base}"\n',
        "discord": 'kind = "discord"\nforum = true\n',
        "matrix": f'kind = "matrix"\nchannel = "{ROOM}"\nserver = "{api.base}"\n',
    }
    return "".join(f'[[notify]]\n{tables[p]}language = "en"\n' for p in platforms)


def secrets(api: ChatAPI) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "MATTERMOST_TOKEN": MATTERMOST_TOKEN,
        "DISCORD_WEBHOOK_URL": api.discord_url,
        "MATRIX_ACCESS_TOKEN": MATRIX_TOKEN,
    }


class Site:
    def __init__(self, tmp: Path, api: ChatAPI, platforms: tuple[str, ...] = PLATFORMS) -> None:
        self.postes = tmp / "postes"
        write_posting(self.postes, "role-900", "Other role")  # known from the baseline, never changes
        self.config = config_toml(tmp, channels_toml(api, platforms))
        self.state = tmp / "state" / "state.json"
        self.env = secrets(api)

    def command(self, now: str) -> list[str]:
        return [
            "notify",
            "--config",
            str(self.config),
            "--postes",
            str(self.postes),
            "--state",
            str(self.state),
            "--now",
            now,
        ]

    def run(self, now: str) -> Result:
        return CliRunner().invoke(cli, self.command(now), env=self.env, catch_exceptions=False)

    def step(self, index: int) -> str:
        now, front, _ = LIFE[index]
        write_posting(self.postes, "role-001", "Data engineer @here", contrat="CDI", **front)
        return now

    def spawn(self, now: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, **self.env}
        command = [sys.executable, "-m", "jobfeed", *self.command(now)]
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def assert_one_thread(api: ChatAPI, platform: str, replies: int = 3) -> None:
    [root] = api.roots(platform)
    thread = api.replies(platform, root.id)
    assert len(thread) == replies, [m.content for m in thread]
    assert len(root.edits) == (1 if replies == 3 else 0)


def texts(api: ChatAPI, platform: str) -> list[str]:
    return [json.dumps(m.content, ensure_ascii=False) for m in api.messages if m.platform == platform]


def test_a_role_lives_in_one_thread_on_every_platform(tmp_path: Path) -> None:
    with ChatAPI() as api:
        site = Site(tmp_path, api)
        assert site.run(LIFE[0][0]).exit_code == 0  # the baseline: role-900, silently
        outputs = []
        for index in range(len(LIFE)):
            result = site.run(site.step(index))
            assert result.exit_code == 0, result.output
            outputs.append(result.output)
        for platform in PLATFORMS:
            assert_one_thread(api, platform)
            assert all("Other role" not in t for t in texts(api, platform))
        # the replies, in order, say what happened
        [slack_root] = api.roots("slack")
        headers = [m.content["blocks"][0]["text"]["text"] for m in api.replies("slack", slack_root.id)]
        assert headers == ["Closing soon", "Deadline changed", "Role closed"]
        assert slack_root.content["blocks"][0]["text"]["text"] == "New role"
        assert slack_root.edits[0]["blocks"][0]["text"]["text"] == "Role closed"
        assert slack_root.edits[0]["ts"] == slack_root.id and slack_root.edits[0]["channel"] == "C0JOBS"
        [mm_root] = api.roots("mattermost")
        assert mm_root.content["channel_id"] == "chan0000000000000000000000"
        assert mm_root.edits == [{"message": api.replies("mattermost", mm_root.id)[-1].content["message"]}]
        [forum_post] = api.roots("discord")
        assert forum_post.content["thread_name"] == "Data engineer @\u2060here — Équipe"
        assert forum_post.content["allowed_mentions"] == {"parse": []}
        assert all("thread_name" not in m.content for m in api.replies("discord", forum_post.id))
        [matrix_root] = api.roots("matrix")
        edit = matrix_root.edits[0]
        assert edit["m.relates_to"] == {"rel_type": "m.replace", "event_id": matrix_root.id}
        assert edit["m.new_content"]["body"].startswith("Role closed: ")
        for reply in api.replies("matrix", matrix_root.id):
            assert reply.content["m.relates_to"]["rel_type"] == "m.thread"
            assert reply.content["m.relates_to"]["m.in_reply_to"] == {"event_id": matrix_root.id}
        # the mention of the title notifies nobody anywhere
        for platform in PLATFORMS:
            assert all("@here" not in t for t in texts(api, platform))
        # a run with nothing new sends nothing and leaves the state as it is
        before, requests = site.state.read_bytes(), len(api.requests)
        assert site.run(LIFE[-1][0]).exit_code == 0
        assert site.state.read_bytes() == before and len(api.requests) == requests
    state = site.state.read_text()
    records = json.loads(state)["threads"]
    assert sorted(records) == sorted(f"{p}:{e}" for p, e in zip(PLATFORMS, secrets(api), strict=True))
    assert all(set(r["role-001"]) == {"root", "event", "replied", "edited"} for r in records.values())
    for text in [state, *outputs]:
        for secret in TOKENS:
            assert secret not in text


def test_an_old_state_without_threads_still_loads_and_gains_them(tmp_path: Path) -> None:
    old = {
        "schema_version": 1,
        "last_run": "2024-02-20T09:00:00+01:00",
        "last_success": "2024-02-20T09:00:00+01:00",
        "roles": {"role-900": {"state": "open", "title": "Other role", "team": "Équipe", "contract": "CDD"}},
        "outbox": {},
    }
    with ChatAPI() as api:
        site = Site(tmp_path, api, ("matrix",))
        site.state.parent.mkdir()
        site.state.write_text(json.dumps(old))
        assert site.run(site.step(0)).exit_code == 0
        assert_one_thread(api, "matrix", replies=0)
    assert set(load_state(site.state).threads["matrix:MATRIX_ACCESS_TOKEN"]) == {"role-001"}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_killed_run_adds_no_second_root_and_no_second_reply(tmp_path: Path, platform: str) -> None:
    """SIGKILL while the root is in flight, then while the root's edit is in flight; each replay
    finishes the job with one root, one reply per event and one edit."""
    with ChatAPI() as api:
        site = Site(tmp_path, api, (platform,))
        assert site.run(LIFE[0][0]).exit_code == 0
        hang = Fault("hang", seconds=30)
        for index, faults in ((0, [hang]), (3, [Fault("pass"), hang])):  # the root; the close's edit
            if index == 3:
                for middle in (1, 2):
                    assert site.run(site.step(middle)).exit_code == 0
            api.fail(*faults)
            target = len(api.requests) + len(faults)
            process = site.spawn(site.step(index))
            api.wait_until(lambda p=process, t=target: len(api.requests) >= t or p.poll() is not None, 30)
            assert len(api.requests) == target, process.communicate()
            process.send_signal(signal.SIGKILL)
            process.communicate()
            api.fail()
            replay = site.run(LIFE[index][0])
            assert replay.exit_code == 0, replay.output
        assert_one_thread(api, platform)


@pytest.mark.parametrize(
    ("platform", "status", "transient"),
    [
        ("slack", 201, True),  # 200 {"ok": false, "error": "internal_error"}
        ("slack", 429, True),
        ("slack", 503, True),
        ("slack", 200, False),  # channel_not_found
        ("slack", 401, False),  # invalid_auth
        ("mattermost", 429, True),
        ("mattermost", 500, True),
        ("mattermost", 401, False),
        ("mattermost", 403, False),
        ("discord", 429, True),
        ("discord", 500, True),
        ("discord", 400, False),
        ("discord", 404, False),
        ("matrix", 429, True),
        ("matrix", 502, True),
        ("matrix", 401, False),
        ("matrix", 403, False),
    ],
)
def test_faults_then_recovery(tmp_path: Path, platform: str, status: int, transient: bool) -> None:
    """A transient answer is retried within the run; a permanent one fails the run, keeps the event
    pending, says the platform's own words, and the next run delivers it."""
    with ChatAPI() as api:
        site = Site(tmp_path, api, (platform,))
        assert site.run(LIFE[0][0]).exit_code == 0
        api.fail(api_fault(platform, status))
        first = site.run(site.step(0))
        if transient:
            assert first.exit_code == 0, first.output
        else:
            assert first.exit_code == 1
            assert "1 event(s) pending for the next run" in first.output
            assert not api.roots(platform)
            reason = {
                200: "channel_not_found",
                401: "M_UNKNOWN_TOKEN" if platform == "matrix" else "invalid_auth",
                403: "M_FORBIDDEN" if platform == "matrix" else "You do not have permission",
                400: "Invalid Form Body (code 50035)",
                404: "Unknown Webhook (code 10015)",
            }[status]
            if platform == "mattermost" and status == 401:
                reason = "Invalid or expired session (api.context.session_expired.app_error)"
            assert reason in first.output
            again = site.run(LIFE[0][0])
            assert again.exit_code == 0, again.output
        assert_one_thread(api, platform, replies=0)
        for text in (first.output, site.state.read_text()):
            for secret in TOKENS:
                assert secret not in text


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_lost_answer_repeats_at_most_the_message_in_flight(tmp_path: Path, platform: str) -> None:
    """The root's answer is dropped: the post is retried. Matrix's transaction id makes the retry
    the same event; the others show it at most twice (at-least-once)."""
    with ChatAPI() as api:
        site = Site(tmp_path, api, (platform,))
        assert site.run(LIFE[0][0]).exit_code == 0
        api.fail(Fault("drop"))
        result = site.run(site.step(0))
        assert result.exit_code == 0, result.output
        roots = api.roots(platform)
        assert len(roots) == (1 if platform == "matrix" else 2)
        record = load_state(site.state).threads[site_label(platform)]["role-001"]
        assert record["root"].rpartition("/")[2] == roots[-1].id
        assert site.run(site.step(1)).exit_code == 0
        assert len(api.replies(platform, roots[-1].id)) == 1


def site_label(platform: str) -> str:
    env = {"slack": "SLACK_BOT_TOKEN", "mattermost": "MATTERMOST_TOKEN"}
    return f"{platform}:{env.get(platform, 'DISCORD_WEBHOOK_URL' if platform == 'discord' else 'MATRIX_ACCESS_TOKEN')}"
