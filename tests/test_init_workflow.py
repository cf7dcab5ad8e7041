"""The workflow `jobfeed init` writes: actionlint, zizmor (auditor persona) and GitHub's schema, and its shape.

The linters and their proofs that they report are in test_workflows.py; they run here on the
generated file, for the default answers and for other folders and branches.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from jobfeed.author.adopt import DEFAULT_ACTION, SiteAnswers, checked, render_workflow
from test_workflows import PINNED, _runs, _uses, actionlint, check_jsonschema, zizmor

__all__ = ["actionlint"]  # the fixture, imported to be used here

ANSWERS = SiteAnswers(
    title="Offres",
    url="https://acme.example.org/jobs/",
    timezone="Europe/Paris",
    language="fr",
    organisation="Acme",
    locality="Lyon",
    country="FR",
    year=2026,
)
VARIANTS = {
    "default": ANSWERS,
    "other folders": SiteAnswers(
        **{**ANSWERS.__dict__, "postes": "offres", "out": "site/public", "branch": "trunk"}
    ),
}


@pytest.fixture(params=list(VARIANTS), scope="module")
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated") / ".github" / "workflows"
    folder.mkdir(parents=True)
    path = folder / "jobfeed.yml"
    path.write_text(render_workflow(checked(VARIANTS[request.param])), encoding="utf-8")
    return path


def test_actionlint_finds_nothing(actionlint: Any, generated: Path) -> None:
    assert actionlint(generated) == []


def test_zizmor_finds_nothing(generated: Path) -> None:
    code, findings = zizmor(generated)
    assert findings == [] and code == 0


def test_the_schema_accepts_it(generated: Path) -> None:
    result = check_jsonschema("vendor.github-workflows", generated)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_action_is_pinned_but_jobfeed_s_major_tag(generated: Path) -> None:
    text = generated.read_text(encoding="utf-8")
    uses = _uses(yaml.safe_load(text))
    assert uses.count(DEFAULT_ACTION) == 2
    for use in set(uses) - {DEFAULT_ACTION}:
        assert PINNED.match(use), use
        assert re.search(rf"uses: {re.escape(use)} # v\d+\.\d+\.\d+\n", text), use
    assert {u.split("@")[0] for u in uses} == {
        "actions/checkout",
        "jobfeed/jobfeed",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    }
    assert [r for r in _runs(yaml.safe_load(text)) if "${{" in r] == []


def test_push_and_schedule_publish_and_pull_requests_only_look(generated: Path) -> None:
    workflow = yaml.safe_load(generated.read_text(encoding="utf-8"))
    on = workflow[True]
    assert set(on) == {"push", "pull_request", "schedule", "workflow_dispatch"}
    assert workflow["permissions"] == {}
    publish, deploy, pull = (workflow["jobs"][j] for j in ("publish", "deploy", "pull-request"))
    assert publish["if"] == "github.event_name != 'pull_request'"
    assert publish["permissions"] == {"contents": "write"}
    checkout, action, upload = publish["steps"]
    assert checkout["uses"].startswith("actions/checkout@") and "with" not in checkout  # pushes back
    # every channel kind's default variable, each from the secret of its name (issue 21's kinds too)
    from jobfeed.config import CHANNEL_ENV

    variables = {*CHANNEL_ENV.values(), "JOBFEED_WEBHOOK_SECRET"}
    assert action["env"] == {v: f"${{{{ secrets.{v} }}}}" for v in variables} and "with" not in action
    answers = VARIANTS["default" if "offres/**" not in str(on) else "other folders"]
    assert upload["with"] == {"path": answers.out}
    assert on["push"]["branches"] == [answers.branch]
    assert on["push"]["paths"] == [f"{answers.postes}/**", "jobfeed.toml", ".github/workflows/jobfeed.yml"]
    assert deploy["needs"] == "publish" and deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert pull["if"] == "github.event_name == 'pull_request'" and pull["permissions"] == {"contents": "read"}
    assert pull["steps"][0]["with"] == {"persist-credentials": False}
    assert (
        pull["steps"][1]["with"] == {"dry-run": "true", "commit": "false"} and "env" not in pull["steps"][1]
    )
    assert "secrets" not in yaml.safe_dump(pull)
