"""action.yml run end to end, step by step as a GitHub runner would (see actions_runner.py).

One scenario, run once for the module, in a temporary git repository whose "origin" is a bare
repository, with a webhook server on 127.0.0.1 whose secret path stands for a Slack webhook URL:

1. a fresh checkout with a broken posting: annotations, errors=1, feeds committed and pushed, job failed;
2. the same checkout again, nothing changed: nothing committed, nothing pushed, nothing sent;
3. a recruiter fixes the posting and adds a role: a new checkout announces it and pushes;
4. a role's deadline passes while someone pushes between the checkout and the action's push:
   the push is refused, the action rebases and pushes;
5. another deadline passes with `commit: false`: the feeds change, nothing is committed;
6. the same, with `commit: true`, while someone pushed a hand edit of feeds/atom.xml: the rebase
   conflicts, the action stops with an error and leaves the branch as it was;
7. a workflow whose `postes` input names a folder that does not exist: the build stops before
   writing anything, nothing is announced or committed, and the summary says why.

The Install step (a real `pip install` of this repository into a fresh virtual environment) runs in the
first run only; the later runs reuse its environment, as they share the runner's temporary folder.
The announcement part runs when `jobfeed notify` exists; without it, the action runs with
`notify: false` and those assertions are skipped with the reason.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import os
import secrets
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions_runner import ActionRun, run_action

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BOT = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"


def notify_available() -> bool:
    result = subprocess.run([sys.executable, "-m", "jobfeed", "--help"], capture_output=True, text=True)
    return "notify" in result.stdout


NOTIFY = notify_available()
needs_notify = pytest.mark.skipif(
    not NOTIFY, reason="`jobfeed notify` is not in this checkout yet: the action ran with notify: false"
)

CONFIG = """\
[site]
title = "Offres d'emploi"
url = "https://jobs.example.org/"
timezone = "Europe/Paris"
id_authority = "jobs.example.org,2024"

[pages.location]
locality = "Paris"
country = "FR"

[[notify]]
kind = "slack"
name = "recrutement"
"""

POSTINGS = {
    "postes/designer-ux.md": """\
---
role: Designer UX
equipe: Mon Espace Collectivité
contrat: indépendant
poste_ouvert: 2024-02-01
poste_ferme: 2024-03-05
status: open
contact: design@example.org
---

Concevoir les parcours des collectivités.
""",
    "postes/developpeur-fullstack.md": """\
---
role: Développeur·euse fullstack
equipe: Aides-territoires
contrat: CDD
poste_ouvert: 2024-02-15
status: open
contact: dev@example.org
---

Python, Django, PostgreSQL.
""",
    "postes/data-analyst.md": """\
---
role: Data analyst
equipe: France Services
post_ouvert: 2024-02-20
poste_ferme: 2024-04-T15:00:00.000Z
contact: data@example.org
---

Tableaux de bord.
""",
}

NEW_ROLE = """\
---
role: Chargé·e de mission déploiement
equipe: France Services
contrat: CDD
poste_ouvert: 2024-03-01
poste_ferme: 2024-06-30
status: open
contact: fs@example.org
---

Accompagner les maisons France Services.
"""


class Webhook(http.server.BaseHTTPRequestHandler):
    """Answers like Slack: 200 `ok` on the secret path, 404 `no_service` anywhere else."""

    received: list[tuple[str, bytes]]
    secret_path: str

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append((self.path, body))
        ok = self.path == self.secret_path
        answer = b"ok" if ok else b"no_service"
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclasses.dataclass
class Scenario:
    origin: Path
    runs: list[ActionRun]
    reports: list[dict[str, dict[str, object] | None]]
    heads: list[str]  # origin's main after each run
    received: list[list[tuple[str, bytes]]]  # webhook requests during each run
    url: str
    temp: Path
    race_commit: str
    conflict_commit: str = ""


def git(*args: str, cwd: Path, env: dict[str, str]) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    tmp = tmp_path_factory.mktemp("action")
    home = tmp / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    keep = ("PIP_", "SSL_", "REQUESTS_CA", "CURL_CA", "LANG", "LC_")
    env = {k: v for k, v in os.environ.items() if k.startswith(keep) or "proxy" in k.lower()}
    env |= {
        "HOME": str(home),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    # A recruiter, with an identity of their own; the runner has none: the action must set the bot's.
    recruiter = env | {
        "GIT_AUTHOR_NAME": "Recruiter",
        "GIT_AUTHOR_EMAIL": "recruiter@example.org",
        "GIT_COMMITTER_NAME": "Recruiter",
        "GIT_COMMITTER_EMAIL": "recruiter@example.org",
    }

    secret_path = f"/services/T0000/B0000/{secrets.token_hex(12)}"
    received: list[tuple[str, bytes]] = []
    handler = type("Handler", (Webhook,), {"received": received, "secret_path": secret_path})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}{secret_path}"

    origin = tmp / "origin.git"
    git("init", "--bare", "--quiet", str(origin), cwd=tmp, env=env)
    desk = tmp / "recruiter"
    git("clone", "--quiet", str(origin), str(desk), cwd=tmp, env=env)
    (desk / "jobfeed.toml").write_text(CONFIG, encoding="utf-8")
    for name, text in POSTINGS.items():
        (desk / name).parent.mkdir(exist_ok=True)
        (desk / name).write_text(text, encoding="utf-8")
    git("add", ".", cwd=desk, env=recruiter)
    git("commit", "--quiet", "-m", "Three postings", cwd=desk, env=recruiter)
    git("push", "--quiet", "origin", "HEAD:main", cwd=desk, env=recruiter)

    temp = tmp / "runner-temp"
    temp.mkdir()
    inputs = {"notify": "true" if NOTIFY else "false"}
    result = Scenario(origin, [], [], [], [], url, temp, "")

    def checkout(n: int) -> Path:
        # actions/checkout: a shallow clone of the branch, credentials kept for the push.
        ws = tmp / f"workspace{n}"
        git("clone", "--quiet", "--depth", "1", f"file://{origin}", str(ws), cwd=tmp, env=env)
        return ws

    def run(ws: Path, now: str, first: bool = False, **extra: str) -> None:
        count = len(received)
        sha = git("rev-parse", "HEAD", cwd=ws, env=env)
        run_env = env | {
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_REF_NAME": "main",
            "GITHUB_SHA": sha,
            "GITHUB_REPOSITORY": "example/jobs",
            "GITHUB_SERVER_URL": "https://github.example",
            # From the calling workflow's `env:`: `${{ secrets.SLACK_WEBHOOK_URL }}`.
            "SLACK_WEBHOOK_URL": url,
        }
        skip = None if first else {"install": "installed by the first run in this runner's temp folder"}
        action_run = run_action(
            ROOT,
            inputs | {"now": now} | extra,
            workspace=ws,
            runner_temp=temp,
            env=run_env,
            uses_outputs={"python": {"python-path": sys.executable}, "pip-cache": {}, "jobfeed-cache": {}},
            skip=skip,
        )
        result.runs.append(action_run)
        result.reports.append(
            {name: _read_json(temp / "jobfeed" / f"{name}.json") for name in ("check", "build", "notify")}
        )
        result.heads.append(git("rev-parse", "main", cwd=origin, env=env))
        result.received.append(received[count:])

    try:
        ws1 = checkout(1)
        run(ws1, "2024-03-01T09:00:00+01:00", first=True)
        run(ws1, "2024-03-01T09:00:00+01:00")

        git("pull", "--quiet", "--rebase", "origin", "main", cwd=desk, env=recruiter)
        git("rm", "--quiet", "postes/data-analyst.md", cwd=desk, env=recruiter)
        (desk / "postes/chargee-de-mission.md").write_text(NEW_ROLE, encoding="utf-8")
        git("add", ".", cwd=desk, env=recruiter)
        git("commit", "--quiet", "-m", "New role; remove the broken one", cwd=desk, env=recruiter)
        git("push", "--quiet", "origin", "HEAD:main", cwd=desk, env=recruiter)
        run(checkout(3), "2024-03-02T09:00:00+01:00")

        ws4 = checkout(4)
        git("pull", "--quiet", "--rebase", "origin", "main", cwd=desk, env=recruiter)
        (desk / "NOTES.md").write_text("Pushed while the action was running.\n", encoding="utf-8")
        git("add", "NOTES.md", cwd=desk, env=recruiter)
        git("commit", "--quiet", "-m", "Notes", cwd=desk, env=recruiter)
        git("push", "--quiet", "origin", "HEAD:main", cwd=desk, env=recruiter)
        result.race_commit = git("rev-parse", "HEAD", cwd=desk, env=recruiter)
        run(ws4, "2024-03-10T09:00:00+01:00")  # the Designer's deadline (5 March) announced 4 days late
        # The new role's deadline passes, but the caller asked for no commit.
        run(checkout(5), "2024-07-01T09:00:00+02:00", commit="false")
        # The same change, while someone edits a generated file by hand: the rebase cannot succeed.
        ws6 = checkout(6)
        git("pull", "--quiet", "--rebase", "origin", "main", cwd=desk, env=recruiter)
        (desk / "feeds/atom.xml").write_text("<feed>edited by hand</feed>\n", encoding="utf-8")
        git("commit", "--quiet", "-am", "Hand edit of a generated file", cwd=desk, env=recruiter)
        git("push", "--quiet", "origin", "HEAD:main", cwd=desk, env=recruiter)
        result.conflict_commit = git("rev-parse", "HEAD", cwd=desk, env=recruiter)
        run(ws6, "2024-07-01T09:00:00+02:00")
        run(checkout(7), "2024-07-02T09:00:00+02:00", postes="postez")
        yield result
    finally:
        server.shutdown()
        server.server_close()


def _read_json(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def text_of(body: bytes) -> str:
    """A webhook request's payload as text, whether JSON (maybe with \\u escapes) or `payload=` form."""
    raw = body.decode("utf-8")
    if raw.startswith("payload="):
        raw = urllib.parse.unquote_plus(raw.removeprefix("payload="))
    try:
        return json.dumps(json.loads(raw), ensure_ascii=False)
    except ValueError:
        return raw


def show(scenario: Scenario, rev: str, path: str) -> str:
    return subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=scenario.origin, capture_output=True, text=True, check=True
    ).stdout


def files_at(scenario: Scenario, rev: str) -> set[str]:
    out = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", rev],
        cwd=scenario.origin,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.splitlines())


def test_steps_ran_as_expected(scenario: Scenario) -> None:
    first = scenario.runs[0]
    for run in scenario.runs[:5]:
        failed = [s.name for s in run.steps if s.outcome == "failure"]
        assert failed in ([], ["Fail on errors"]), run.log
    assert first.step("Install jobfeed").outcome == "success", first.log
    assert first.step("Announce").outcome == ("success" if NOTIFY else "skipped")


def test_annotations_on_the_broken_posting(scenario: Scenario) -> None:
    log = scenario.runs[0].step("Check the postings").stdout
    assert "::warning file=postes/data-analyst.md,line=4,title=jobfeed::unknown key 'post_ouvert'" in log
    assert "::error file=postes/data-analyst.md,line=5,title=jobfeed::invalid date '2024-04-T15" in log
    final = scenario.runs[0].step("Fail on errors")
    assert final.outcome == "failure"
    assert "::error title=jobfeed::1 error(s) in the postings" in final.stdout
    # notify exited 1 for the same invalid posting: nothing failed to be delivered, and it says so.
    assert "pending" not in final.stdout and "notify" not in final.stdout
    # Once the posting is removed, the run succeeds.
    assert scenario.runs[2].succeeded, scenario.runs[2].log
    assert "::error" not in scenario.runs[2].step("Check the postings").stdout


def test_outputs(scenario: Scenario) -> None:
    first, second, third, fourth, fifth, *_ = (run.outputs for run in scenario.runs)
    assert first["errors"] == "1" and first["changed"] == "true"
    assert second["errors"] == "1" and second["changed"] == "false"
    assert third["errors"] == "0" and third["changed"] == "true"
    assert fourth["errors"] == "0" and fourth["changed"] == "true"
    assert fifth["errors"] == "0" and fifth["changed"] == "true"
    for outputs, reports in zip((first, second, third, fourth, fifth), scenario.reports[:5], strict=True):
        assert set(outputs) == {"opened", "closed", "closing-soon", "errors", "changed"}
        events = (reports["notify"] or {}).get("events", [])
        assert isinstance(events, list)
        kinds = [e["kind"] for e in events]
        assert outputs["opened"] == str(kinds.count("opened") + kinds.count("reopened"))
        assert outputs["closed"] == str(kinds.count("closed"))
        assert outputs["closing-soon"] == str(kinds.count("closing_soon"))


@needs_notify
def test_outputs_count_the_announced_roles(scenario: Scenario) -> None:
    assert scenario.runs[2].outputs["opened"] == "1"
    assert scenario.runs[3].outputs["closed"] == "1"


def test_summary(scenario: Scenario) -> None:
    first, second, third, fourth, fifth, *_ = (run.summary for run in scenario.runs)
    assert first.startswith("## jobfeed\n")
    assert "**2 open roles**" in first and "1 error in postings" in first and "feeds changed" in first
    assert "### Problems in postings" in first
    link = f"(https://github.example/example/jobs/blob/{_first_checkout(scenario)}/postes/data-analyst.md#L5)"
    assert f"[postes/data-analyst.md:5]{link} | error | invalid date" in first
    assert "Committed the feeds to `main` as " in first
    assert "feeds unchanged" in second and "Committed the feeds" not in second
    assert "**3 open roles**" in third and "### Problems in postings" not in third
    assert "**2 open roles**" in fourth
    assert "**1 open role**" in fifth and "Committed the feeds" not in fifth
    if NOTIFY:
        assert "### Announcements" in first and "| recrutement | slack |" in third
        assert "### Opened" in third and "Chargé·e de mission déploiement — France Services" in third
        assert "### Closed" in fourth and "Designer UX — Mon Espace Collectivité" in fourth
        assert "| deadline passed |" in fourth
        # A deadline announced four days after it passed: the schedule may have stopped.
        warning = "1 role(s) announced as closed in this run had passed their deadline days before "
        assert f"> [!WARNING]\n> {warning}(the first on 2024-03-05, 4 days ago)" in fourth
        assert f"::warning title=jobfeed::{warning}" in scenario.runs[3].log
        assert "[!WARNING]" not in third
    else:
        assert "Announcements are off (`notify: false`)." in first


def _first_checkout(scenario: Scenario) -> str:
    """The commit the first run checked out: the parent of the bot's first commit."""
    return subprocess.run(
        ["git", "rev-parse", f"{scenario.heads[0]}^"],
        cwd=scenario.origin,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_first_run_pushes_the_feeds_and_the_state(scenario: Scenario) -> None:
    head = scenario.heads[0]
    log = subprocess.run(
        ["git", "log", "-1", "--format=%an <%ae>%n%cn <%ce>%n%s", head],
        cwd=scenario.origin,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert log == [BOT, BOT, "jobfeed: update feeds (0 opened, 0 closed)"]
    files = files_at(scenario, head)
    assert {"feeds/atom.xml", "feeds/rss.xml", "feeds/feed.json"} <= files
    assert (".jobfeed/state.json" in files) == NOTIFY and "feeds/state.json" not in files
    feed = json.loads(show(scenario, head, "feeds/feed.json"))
    assert sorted(item["title"] for item in feed["items"]) == [
        "Designer UX — Mon Espace Collectivité",
        "Développeur·euse fullstack — Aides-territoires",
    ]


def test_second_run_without_change_pushes_nothing(scenario: Scenario) -> None:
    assert scenario.heads[1] == scenario.heads[0]
    assert scenario.runs[1].step("Commit the feeds").outcome == "skipped"
    assert scenario.received[1] == []


def test_push_race_resolved_by_rebase(scenario: Scenario) -> None:
    run = scenario.runs[3]
    commit_step = run.step("Commit the feeds")
    assert commit_step.outcome == "success", run.log
    assert "main moved since the checkout; rebasing (attempt 1 of 5)" in commit_step.stdout
    head = scenario.heads[3]
    parent = subprocess.run(
        ["git", "rev-parse", f"{head}^"], cwd=scenario.origin, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert parent == scenario.race_commit
    files = files_at(scenario, head)
    assert "NOTES.md" in files
    titles = [item["title"] for item in json.loads(show(scenario, head, "feeds/feed.json"))["items"]]
    assert "Designer UX — Mon Espace Collectivité" not in titles
    assert "Chargé·e de mission déploiement — France Services" in titles


def test_commit_false_pushes_nothing(scenario: Scenario) -> None:
    run = scenario.runs[4]
    assert run.outputs["changed"] == "true"
    assert run.step("Commit the feeds").outcome == "skipped"
    assert scenario.heads[4] == scenario.heads[3]


def test_rebase_conflict_stops_with_an_error(scenario: Scenario) -> None:
    run = scenario.runs[5]
    commit_step = run.step("Commit the feeds")
    assert commit_step.outcome == "failure"
    assert "::error title=jobfeed::cannot rebase the feeds commit onto main" in commit_step.stdout
    assert scenario.heads[5] == scenario.conflict_commit
    assert not run.succeeded
    assert "Committed the feeds" not in run.summary


@needs_notify
def test_announcements_reach_the_webhook_once(scenario: Scenario) -> None:
    secret_path = scenario.url.split(":", 2)[2].split("/", 1)[1]
    first, second, third, fourth, fifth, *_ = scenario.received
    assert all(path == "/" + secret_path for run in scenario.received for path, _ in run)
    assert second == []
    # The first run is the baseline: what is open then is recorded, not announced.
    assert not any("Designer UX" in text_of(body) for _, body in first)
    assert any("Chargé·e de mission déploiement" in text_of(body) for _, body in third)
    assert any("Designer UX" in text_of(body) for _, body in fourth)
    # commit: false stops the commit, not the announcements.
    assert any("Chargé·e de mission déploiement" in text_of(body) for _, body in fifth)
    state = json.loads(show(scenario, scenario.heads[3], ".jobfeed/state.json"))
    assert secret_path not in json.dumps(state)


def test_no_webhook_url_anywhere(scenario: Scenario) -> None:
    secret = scenario.url.rsplit("/", 1)[1]
    for run in scenario.runs:
        assert secret not in run.log
        assert secret not in run.summary
        assert all(secret not in value for value in run.outputs.values())
    for report in (scenario.temp / "jobfeed").glob("*"):
        assert secret not in report.read_text(encoding="utf-8"), report
    for kept in (scenario.temp / "_runner_files").glob("*"):
        assert secret not in kept.read_text(encoding="utf-8"), kept
    history = subprocess.run(
        ["git", "log", "--all", "-p", "--format=%H %an %s%n%b"],
        cwd=scenario.origin,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "jobfeed: update feeds" in history
    assert secret not in history


def test_a_wrong_postes_input_writes_announces_and_commits_nothing(scenario: Scenario) -> None:
    run = scenario.runs[6]
    build = run.step("Build the feeds")
    assert build.outcome == "failure"
    assert "Error: the postings folder 'postez' does not exist" in build.stderr
    assert "::error title=jobfeed::the build stopped and wrote nothing" in build.stdout
    for name in ("Announce", "Commit the feeds", "Fail on errors"):
        assert run.step(name).outcome == "skipped", name
    assert run.step("Summarize").outcome == "success"
    assert scenario.heads[6] == scenario.heads[5]  # nothing pushed
    assert scenario.received[6] == []  # nothing announced
    assert run.outputs["changed"] == "false"
    assert "### The build stopped\n\n> the postings folder 'postez' does not exist" in run.summary
    assert "Nothing was written, announced or committed." in run.summary
    assert not run.succeeded
