"""Run one job of a workflow on this machine, step by step, the way a GitHub runner does (for the tests).

Built on actions_runner.py: the job's `if:`, each step's `if:`, `env:` and `with:` are evaluated
against `github`, `secrets`, `steps` and `needs`; a step that uses the jobfeed Action runs the
Action's own steps from the folder the `uses:` reference resolves to (as a runner does with
`owner/jobfeed@v0`), with `run_action`. The steps that use GitHub's own services are stood in for,
each by what it does to the job's files: `actions/checkout` by a clone the caller makes,
`actions/upload-pages-artifact` by a copy of its `path` without hidden files (as its v4 does),
`actions/deploy-pages` is never run (its job's `if:` is evaluated, to tell whether it would).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from actions_runner import ActionRun, Expression, run_action, substitute, truthy


@dataclasses.dataclass
class JobRun:
    ran: bool  # false when the job's `if:` was false
    steps: dict[str, str] = dataclasses.field(default_factory=dict)  # step label -> outcome
    action: ActionRun | None = None
    artifact: Path | None = None
    outputs: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return all(outcome != "failure" for outcome in self.steps.values())


_HASH_FILES = re.compile(r"hashFiles\('([^']*)'\)")


def _condition(text: Any, context: Mapping[str, Any]) -> bool:
    condition = str(text if text is not None else "success()").strip()
    condition = condition.removeprefix("${{").removesuffix("}}")
    # hashFiles('path'): '' when no file matches in the workspace (the one function with an
    # argument the workflows use; a plain path, no glob).
    workspace = context.get("workspace")
    condition = _HASH_FILES.sub(
        lambda m: "'hash'" if workspace is not None and (Path(workspace) / m.group(1)).is_file() else "''",
        condition,
    )
    if not any(f in condition for f in ("success()", "failure()", "always()", "cancelled()")):
        condition = f"success() && ({condition})"
    return truthy(Expression(condition, context).evaluate())


def run_job(
    workflow: Mapping[str, Any],
    job_id: str,
    *,
    event: str,
    workspace: Path,
    runner_temp: Path,
    env: Mapping[str, str],
    secrets: Mapping[str, str],
    actions: Mapping[str, Path],
    checkout: Callable[[Mapping[str, Any]], None],
    artifact: Path,
    needs: Mapping[str, Any] | None = None,
    action_uses_outputs: Mapping[str, Mapping[str, str]],
    skip_in_action: Mapping[str, str] | None = None,
) -> JobRun:
    """Run `workflow`'s job `job_id` for `event`; `actions` maps a `uses:` reference to its folder."""
    job = workflow["jobs"][job_id]
    failed = {"job": False}
    steps_ctx: dict[str, dict[str, Any]] = {}
    context: dict[str, Any] = {
        "github": {"event_name": event},
        "secrets": dict(secrets),
        "steps": steps_ctx,
        "needs": dict(needs or {}),
        "workspace": workspace,
        "functions": {
            "success": lambda: not failed["job"],
            "failure": lambda: failed["job"],
            "always": lambda: True,
            "cancelled": lambda: False,
        },
    }
    if not _condition(job.get("if"), context):
        return JobRun(ran=False)
    result = JobRun(ran=True)
    for index, step in enumerate(job["steps"]):
        uses = str(step.get("uses", ""))
        step_id = step.get("id", f"__{index}")
        label = step.get("name") or uses.split("@")[0] or f"step {index}"
        if not _condition(step.get("if"), context):
            steps_ctx[step_id] = {"outcome": "skipped", "outputs": {}}
            result.steps[label] = "skipped"
            continue
        with_ = {k: substitute(str(v), context) for k, v in (step.get("with") or {}).items()}
        step_env = {**env, **{k: substitute(str(v), context) for k, v in (step.get("env") or {}).items()}}
        outputs: dict[str, str] = {}
        if uses.startswith("actions/checkout@"):
            checkout(with_)
            outcome = "success"
        elif uses.startswith("actions/upload-pages-artifact@"):
            source = workspace / with_.get("path", "_site/")
            outcome = "success" if source.is_dir() else "failure"  # tar fails on a missing folder
            if source.is_dir():
                shutil.copytree(source, artifact, ignore=shutil.ignore_patterns(".*"))
                result.artifact = artifact
        elif uses in actions:
            inputs = {k: v for k, v in with_.items()}
            run = run_action(
                actions[uses],
                inputs,
                workspace=workspace,
                runner_temp=runner_temp,
                env=step_env,
                uses_outputs=action_uses_outputs,
                skip=skip_in_action,
            )
            result.action = run
            outputs = dict(run.outputs)
            outcome = "success" if run.succeeded else "failure"
        else:
            raise AssertionError(f"step {label!r}: no stand-in for `uses: {uses}`")
        if outcome == "failure":
            failed["job"] = True
        steps_ctx[step_id] = {"outcome": outcome, "outputs": outputs}
        result.steps[label] = outcome
    result.outputs = {k: substitute(str(v), context) for k, v in (job.get("outputs") or {}).items()}
    return result


def would_run(workflow: Mapping[str, Any], job_id: str, *, event: str, needs: Mapping[str, Any]) -> bool:
    """Whether the job's `if:` lets it run after the jobs it needs (their result and outputs)."""
    context = {
        "github": {"event_name": event},
        "needs": needs,
        "functions": {"success": lambda: True, "always": lambda: True, "cancelled": lambda: False},
    }
    return _condition(workflow["jobs"][job_id].get("if"), context)
