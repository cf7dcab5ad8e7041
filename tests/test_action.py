"""jobfeed.github_action: the outputs and the job summary from the reports, and its two commands."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from jobfeed.action_summary import (
    Reports,
    cell,
    day,
    link,
    notify_failure,
    outputs,
    stale_warning,
    summary_markdown,
)
from jobfeed.github_action import (
    cli,
    feeds_changed,
    github_output,
    hide_secrets,
    last_error,
    read_report,
    webhook_secrets,
)

CHECK = {
    "files": 3,
    "errors": 1,
    "warnings": 1,
    "problems": [
        {"path": "postes/a b.md", "line": 4, "level": "warning", "message": "unknown key 'post_ouvert'"},
        {"path": "postes/a b.md", "line": 5, "level": "error", "message": "invalid date '2024-04-T15'"},
    ],
}

BUILD = {
    "now": "2024-03-06T09:00:00+01:00",
    "open": 2,
    "closed": 1,
    "scheduled": 0,
    "skipped": 1,
    "written": ["atom.xml"],
    "unchanged": ["feed.json", "rss.xml"],
    "problems": CHECK["problems"],
}


def event(kind: str, role: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"tag:jobs,2024:{role}",
        "kind": kind,
        "role": role,
        "title": extra.pop("title", f"{role} — Équipe"),
        "reason": extra.pop("reason", None),
        "deadline": extra.pop("deadline", None),
        "link": extra.pop("link", f"https://jobs.example.org/postes/{role}.html"),
    }


NOTIFY = {
    "now": "2024-03-06T09:00:00+01:00",
    "baseline": False,
    "last_success": "2024-03-05T09:00:00+01:00",
    "open": 2,
    "events": [
        event("opened", "dev", deadline="2024-03-31T23:59:59+02:00"),
        event("reopened", "pm"),
        event("closing_soon", "ops", deadline="2024-03-08T17:30:00+01:00"),
        event("closed", "ux", reason="expired", title="Designer | UX — *Mon* Espace"),
        event("closed", "data", reason="filled"),
        event("deadline_changed", "qa", deadline="2024-04-02"),
    ],
    "channels": [
        {
            "name": "recrutement",
            "kind": "slack",
            "status": "delivered",
            "messages": 3,
            "delivered": 3,
            "pending": 0,
            "error": None,
            "warnings": [],
        },
        {
            "name": "communauté",
            "kind": "mattermost",
            "status": "failed",
            "messages": 2,
            "delivered": 0,
            "pending": 2,
            "error": "HTTP 500 from mattermost",
        },
        {
            "name": "annonces",
            "kind": "slack",
            "status": "unset",
            "messages": 0,
            "delivered": 0,
            "pending": 0,
            "error": None,
            "warnings": [],
        },
    ],
    "failures": 1,
}


def full() -> Reports:
    return Reports(check=CHECK, build=BUILD, notify=NOTIFY, notify_status="1", changed=True)


def test_outputs_count_this_run_s_events() -> None:
    assert outputs(full()) == {
        "opened": "2",
        "closed": "2",
        "closing-soon": "1",
        "errors": "1",
        "changed": "true",
    }


def test_outputs_without_notify_or_check() -> None:
    reports = Reports(build=BUILD, notify_enabled=False)
    assert outputs(reports) == {
        "opened": "0",
        "closed": "0",
        "closing-soon": "0",
        "errors": "1",  # from the build report's problems
        "changed": "false",
    }
    assert outputs(Reports())["errors"] == "0"


def test_summary_of_a_full_run() -> None:
    text = summary_markdown(full(), source_url="https://github.com/o/r/blob/abc")
    assert text.startswith("## jobfeed\n\n**2 open roles** · 2 opened · 1 closing soon · 2 closed")
    assert "· 1 error in postings · 1 warning · feeds changed\n" in text
    assert "[!WARNING]" not in text  # the previous run was yesterday
    assert (
        "### Opened\n\n| Role |  | Deadline |\n|---|---|---|\n"
        "| [dev — Équipe](https://jobs.example.org/postes/dev.html) | new | 2024-03-31 |\n"
        "| [pm — Équipe](https://jobs.example.org/postes/pm.html) | reopened | — |\n"
    ) in text
    assert "### Closing soon\n\n| Role | Deadline |\n|---|---|\n| [ops — Équipe]" in text
    assert "| 2024-03-08 17:30 |" in text
    assert (
        "| [Designer \\| UX — \\*Mon\\* Espace](https://jobs.example.org/postes/ux.html) | deadline passed |"
        in text
    )
    assert "| [data — Équipe](https://jobs.example.org/postes/data.html) | filled |" in text
    assert "### Deadline changed" in text and "| 2024-04-02 |" in text
    assert "| recrutement | slack | ✅ delivered | 3 | 3 | 0 |  |" in text
    assert "| communauté | mattermost | ❌ failed | 2 | 0 | 2 | HTTP 500 from mattermost |" in text
    assert "| annonces | slack | ⚠️ webhook not set | 0 | 0 | 0 |  |" in text
    assert (
        "| [postes/a b.md:5](https://github.com/o/r/blob/abc/postes/a%20b.md#L5) | error "
        "| invalid date '2024-04-T15' |"
    ) in text
    # Sections come in a fixed order, tables are followed by a blank line.
    order = ["### Opened", "### Closing soon", "### Closed", "### Deadline changed", "### Announcements"]
    assert [text.index(h) for h in order] == sorted(text.index(h) for h in order)
    assert "|\n\n### Closing soon" in text


def test_summary_when_notify_is_off_or_gave_nothing() -> None:
    off = summary_markdown(Reports(check=CHECK, build=BUILD, notify_enabled=False))
    assert "Announcements are off (`notify: false`)." in off
    assert "**2 open roles** · 1 error in postings" in off  # no event counts without notify
    silent = summary_markdown(Reports(check=CHECK, build=BUILD, notify_status="1"))
    assert "`jobfeed notify` gave no report (exit status 1)" in silent
    nothing = summary_markdown(Reports())
    assert "No check report: the check step did not run." in nothing


def test_summary_of_a_baseline_with_no_channel() -> None:
    baseline = dict(NOTIFY, baseline=True, events=[], channels=[], last_success=None)
    text = summary_markdown(Reports(check={"problems": []}, build=BUILD, notify=baseline))
    assert "First run: the roles open now were recorded as the starting point" in text
    assert "No channel is configured (`[[notify]]` in `jobfeed.toml`)." in text
    assert "### Problems in postings" not in text and "0 errors in postings" in text


def test_stale_warning() -> None:
    """A deadline announced days after it passed shows a stopped schedule (the date of the previous
    run is not known: jobfeed commits nothing on a day without news)."""
    late = dict(NOTIFY, events=[event("closed", "ux", reason="expired", deadline="2024-02-20")])
    warning = stale_warning(late)
    assert warning is not None
    assert warning.startswith(
        "1 role(s) announced as closed in this run had passed their deadline days before "
        "(the first on 2024-02-20, 14 days ago)"
    )
    assert "60 days" in warning
    text = summary_markdown(Reports(notify=late))
    assert f"> [!WARNING]\n> {warning}\n" in text
    assert stale_warning(late, days=30) is None
    # Ended at midnight on 3 March: 3 days and 9 hours before the run.
    assert stale_warning(dict(NOTIFY, events=[event("closed", "a", reason="expired", deadline="2024-03-02")]))
    assert not stale_warning(
        dict(NOTIFY, events=[event("closed", "a", reason="expired", deadline="2024-03-03")])
    )
    timed = event("closed", "a", reason="expired", deadline="2024-03-03T08:59:00+01:00")
    assert stale_warning(dict(NOTIFY, events=[timed]))
    # A role filled long after its opening, or a run after a long quiet spell: nothing late.
    assert stale_warning(dict(NOTIFY, last_success="2024-01-01T00:00:00+00:00")) is None
    assert (
        stale_warning(dict(NOTIFY, events=[event("closed", "a", reason="filled", deadline="2024-01-01")]))
        is None
    )
    assert stale_warning(dict(NOTIFY, now="yesterday")) is None
    assert stale_warning(None) is None


def test_notify_failure_says_what_happened() -> None:
    assert notify_failure(Reports(notify=NOTIFY, notify_status="0")) == ""
    failed = notify_failure(Reports(notify=NOTIFY, notify_status="1"))  # the mattermost channel failed
    assert failed.startswith("jobfeed notify could not deliver every message") and "pending" in failed
    delivered = dict(NOTIFY, channels=[NOTIFY["channels"][0]])
    assert notify_failure(Reports(notify=delivered, notify_status="1")) == ""  # errors in postings
    guard = "7 of 8 known roles disappeared at once (a wrong --postes, a bad merge?); nothing was announced"
    stopped = notify_failure(Reports(notify=None, notify_status="1", notify_error=guard))
    assert stopped == f"jobfeed notify stopped before announcing anything: {guard}"
    assert "pending" not in stopped


def test_summary_of_a_build_that_stopped() -> None:
    error = "the postings folder 'postez' does not exist (in /w); give the right one with --postes"
    text = summary_markdown(Reports(check=None, build=None, build_error=error))
    assert "### The build stopped\n\n> the postings folder 'postez' does not exist (in /w)" in text
    assert "Nothing was written, announced or committed." in text


def test_last_error(tmp_path: Path) -> None:
    path = tmp_path / "build.err"
    path.write_text("postes/a.md:1: warning: no contact\nError: first\nError: the last one\n")
    assert last_error(path) == "the last one"
    assert last_error(tmp_path / "absent") == "" and last_error(None) == ""


def test_cell_and_link_escape_markdown() -> None:
    assert cell("a|b *c* [d](e) <b>x</b>\nnext") == ("a\\|b \\*c\\* \\[d\\](e) \\<b\\>x\\</b\\> next")
    assert link("t", "javascript:alert(1)") == "t"
    assert link("t", "https://x.org/a b(c)") == "[t](https://x.org/a%20b%28c%29)"
    assert link("t", None) == "t"


def test_day() -> None:
    assert day("2024-03-05T00:00:00+01:00") == "2024-03-05"
    assert day("2024-03-05T23:59:59+01:00") == "2024-03-05"
    assert day("2024-03-05T17:30:00+01:00") == "2024-03-05 17:30"
    assert day("2024-03-05") == "2024-03-05"
    assert day(None) == "—"
    assert day("soon") == "soon"


def test_read_report_tolerates_missing_and_broken_files(tmp_path: Path) -> None:
    assert read_report(None) is None
    assert read_report(tmp_path / "missing.json") is None
    (tmp_path / "empty.json").write_text("", encoding="utf-8")
    assert read_report(tmp_path / "empty.json") is None
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    assert read_report(tmp_path / "list.json") is None
    (tmp_path / "ok.json").write_text('{"open": 1}', encoding="utf-8")
    assert read_report(tmp_path / "ok.json") == {"open": 1}


def test_github_output_uses_heredocs_for_multiline_values() -> None:
    assert github_output({"a": "1", "b": "x y"}) == "a=1\nb=x y\n"
    text = github_output({"m": "one\ntwo"})
    first, value, delimiter = text.splitlines()[0], text.splitlines()[1:3], text.splitlines()[3]
    assert first == f"m<<{delimiter}" and value == ["one", "two"] and delimiter.startswith("EOF_")


def test_redact_and_webhook_secrets() -> None:
    environ = {
        "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/secret123",
        "TEAM_HOOK": "https://chat.example.org/hooks/abcdefgh",
        "HOME": "/root",
        "EMPTY_WEBHOOK_URL": "",
    }
    found = webhook_secrets(environ, ["TEAM_HOOK"])
    assert sorted(found) == sorted([environ["SLACK_WEBHOOK_URL"], environ["TEAM_HOOK"]])
    text = f"failed: {environ['SLACK_WEBHOOK_URL']} and {environ['TEAM_HOOK']} in /root"
    assert hide_secrets(text, found) == "failed: *** and *** in /root"
    # their paths and tokens too, but nothing shorter than 8 characters (T, B, /root stay)
    text = "POST /services/T/B/secret123: token secret123 refused for /hooks/abcdefgh on T and B"
    assert hide_secrets(text, found) == "POST ***: token *** refused for *** on T and B"


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_feeds_changed_asks_git(tmp_path: Path) -> None:
    git("init", "-q", cwd=tmp_path)
    (tmp_path / "feeds").mkdir()
    assert feeds_changed(["feeds", "feeds/state.json"], None, tmp_path) is False
    (tmp_path / "feeds" / "atom.xml").write_text("<feed/>", encoding="utf-8")
    assert feeds_changed(["feeds", "feeds/state.json"], None, tmp_path) is True
    (tmp_path / "other.txt").write_text("x", encoding="utf-8")
    assert feeds_changed(["elsewhere"], None, tmp_path) is False


def test_feeds_changed_outside_git_falls_back_on_the_build_report(tmp_path: Path) -> None:
    assert feeds_changed(["feeds"], {"written": ["atom.xml"]}, tmp_path) is True
    assert feeds_changed(["feeds"], {"written": []}, tmp_path) is False
    assert feeds_changed([""], {"written": ["atom.xml"]}, tmp_path) is True


def test_prepare_resolves_folders_from_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    Path("site.toml").write_text('[postes]\ndir = "offres"\n[build]\nout = "public"\n', encoding="utf-8")
    result = runner.invoke(cli, ["prepare", "--config", "site.toml", "--output", "out"])
    assert result.exit_code == 0, result.output
    assert Path("out").read_text(encoding="utf-8") == (
        "postes=offres\nfeeds=public\nstate=.jobfeed/state.json\nnotify=true\ncommit=true\ndry-run=false\n"
        "announce-existing=false\nforce=false\ncache=.jobfeed-cache\n"
    )
    Path("jobfeed.toml").write_text('[announce]\nstate = "data/state.json"\n', encoding="utf-8")
    env = {"INPUT_FEEDS": "site/feeds", "INPUT_NOTIFY": "False", "INPUT_DRY_RUN": " TRUE "}
    env |= {"INPUT_ANNOUNCE_EXISTING": "true", "INPUT_FORCE": "false"}
    result = runner.invoke(cli, ["prepare", "--output", "out2"], env=env)
    assert result.exit_code == 0, result.output
    assert Path("out2").read_text(encoding="utf-8") == (
        "postes=postes\nfeeds=site/feeds\nstate=data/state.json\nnotify=false\ncommit=true\ndry-run=true\n"
        "announce-existing=true\nforce=false\ncache=.jobfeed-cache\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--commit", "yes"], "Error: input 'commit' must be true or false, not 'yes'"),
        (["--config", "missing.toml"], "Error: missing.toml: no such configuration file"),
    ],
)
def test_prepare_rejects_bad_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["prepare", "--output", "out", *args])
    assert result.exit_code == 1
    assert result.output.strip() == message
    assert not Path("out").exists()


def test_summarize_writes_outputs_and_summary(tmp_path: Path) -> None:
    for name, report in (("check", CHECK), ("build", BUILD)):
        (tmp_path / f"{name}.json").write_text(json.dumps(report), encoding="utf-8")
    stale = dict(
        NOTIFY, events=[*NOTIFY["events"], event("closed", "old", reason="expired", deadline="2024-02-01")]
    )
    stale["channels"] = [
        dict(NOTIFY["channels"][1], error="POST https://hooks.example/services/abcdefgh failed")
    ]
    (tmp_path / "notify.json").write_text(json.dumps(stale), encoding="utf-8")
    args = [
        "summarize",
        *("--check", str(tmp_path / "check.json"), "--build", str(tmp_path / "build.json")),
        *("--notify", str(tmp_path / "notify.json"), "--notify-status", "1"),
        *("--feeds", str(tmp_path / "not-a-repo"), "--output", str(tmp_path / "out")),
        *("--summary", str(tmp_path / "summary.md")),
    ]
    env = {
        "SLACK_WEBHOOK_URL": "https://hooks.example/services/abcdefgh",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_SHA": "abc",
        "INPUT_CONFIG": "",
    }
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out").read_text(encoding="utf-8") == (
        "opened=2\nclosed=3\nclosing-soon=1\nerrors=1\nchanged=true\n"  # not a repo: build wrote atom.xml
        "notify-failure=jobfeed notify could not deliver every message (see the Announce step); the "
        "undelivered ones stay pending in the state and are retried on the next run\n"
    )
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "(https://github.com/o/r/blob/abc/postes/a%20b.md#L5)" in summary
    assert "abcdefgh" not in summary
    assert "| communauté | mattermost | ❌ failed | 2 | 0 | 2 | POST *** failed |" in summary
    assert "[!WARNING]" in summary
    assert result.output.splitlines()[0].startswith("::warning title=jobfeed::1 role(s) announced as closed")
    assert result.output.splitlines()[-1] == "opened=2, closed=3, closing-soon=1, errors=1, changed=true"
    written = (tmp_path / "out").read_text(encoding="utf-8")
    assert "notify-failure=jobfeed notify could not deliver every message" in written


def test_summarize_with_notify_disabled_ignores_a_stale_report(tmp_path: Path) -> None:
    (tmp_path / "notify.json").write_text(json.dumps(NOTIFY), encoding="utf-8")
    args = ["summarize", "--notify", str(tmp_path / "notify.json"), "--notify-disabled"]
    args += ["--output", str(tmp_path / "out"), "--summary", str(tmp_path / "summary.md")]
    result = CliRunner().invoke(cli, args, env={"INPUT_CONFIG": ""})
    assert result.exit_code == 0, result.output
    assert "opened=0\n" in (tmp_path / "out").read_text(encoding="utf-8")
    assert "Announcements are off" in (tmp_path / "summary.md").read_text(encoding="utf-8")


def test_summarize_prints_the_summary_without_github(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["summarize"], env={"GITHUB_OUTPUT": None, "GITHUB_STEP_SUMMARY": None, "INPUT_CONFIG": ""}
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("## jobfeed\n")


def test_a_platform_s_warning_about_a_delivered_message_is_in_the_summary() -> None:
    notify = {**NOTIFY, "channels": [dict(c) for c in NOTIFY["channels"]]}
    notify["channels"][0]["warnings"] = ["unexpected answer from slack: 200 *ok_with_warnings*"]
    reports = Reports(check=CHECK, build=BUILD, notify=notify, notify_status="1", changed=True)
    text = summary_markdown(reports)
    assert (
        "Warnings from the chat platforms:\n\n"
        "- recrutement: unexpected answer from slack: 200 \\*ok\\_with\\_warnings\\*\n"
    ) in text
    assert "Warnings from the chat platforms" not in summary_markdown(full())
