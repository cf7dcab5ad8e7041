"""Run a composite action's steps on this machine the way a GitHub runner does (for the tests).

What the runner does and this module copies: each `run:` step is written to a file and executed with
`bash --noprofile --norc -eo pipefail FILE` in GITHUB_WORKSPACE; `${{ }}` in `env:` and `with:`
values and in `if:` conditions are evaluated against `inputs` and `steps`; each step gets fresh
GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ENV and GITHUB_PATH files, read back after it; a failed
step fails the job and only `always()` steps still run; the action's outputs are evaluated at the end.
`uses:` steps (setup-python) are not run: the caller gives their outputs instead.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

_TOKEN = re.compile(
    r"\s*(?:(?P<op>==|!=|&&|\|\||!|\(|\))|'(?P<str>(?:[^']|'')*)'|(?P<num>\d+)|(?P<name>[A-Za-z_][\w.-]*))"
)
_STATUS_FUNCTIONS = re.compile(r"\b(success|failure|always|cancelled)\(\)")


@dataclasses.dataclass
class Step:
    name: str
    id: str
    outcome: str  # success, failure or skipped
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class ActionRun:
    steps: list[Step]
    outputs: dict[str, str]
    summary: str

    @property
    def succeeded(self) -> bool:
        return all(s.outcome != "failure" for s in self.steps)

    @property
    def log(self) -> str:
        return "".join(f"## {s.name}\n{s.stdout}{s.stderr}" for s in self.steps)

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)


def parse_output_file(text: str) -> dict[str, str]:
    """`name=value` lines and `name<<DELIMITER` blocks, as GITHUB_OUTPUT and GITHUB_ENV hold them."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            values[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        if line:
            name, value = line.split("=", 1)
            values[name] = value
        i += 1
    return values


class Expression:
    """The part of GitHub's expression language that action.yml uses."""

    def __init__(self, text: str, context: Mapping[str, Any]) -> None:
        self.tokens: list[tuple[str, Any]] = []
        pos, text = 0, text.strip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(f"cannot read expression {text!r} at {pos}")
            pos = m.end()
            if m.group("op"):
                self.tokens.append(("op", m.group("op")))
            elif m.group("str") is not None:
                self.tokens.append(("value", m.group("str").replace("''", "'")))
            elif m.group("num"):
                self.tokens.append(("value", m.group("num")))
            elif m.group("name"):
                self.tokens.append(("name", m.group("name")))
        self.context = context
        self.pos = 0

    def evaluate(self) -> Any:
        value = self._or()
        if self.pos != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.pos]}")
        return value

    def _peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, op: str) -> bool:
        if self._peek() == ("op", op):
            self.pos += 1
            return True
        return False

    def _or(self) -> Any:
        value = self._and()
        while self._take("||"):
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._not()
        while self._take("&&"):
            right = self._not()
            value = right if truthy(value) else value
        return value

    def _not(self) -> Any:
        if self._take("!"):
            return not truthy(self._not())
        left = self._primary()
        for op in ("==", "!="):
            if self._take(op):
                right = self._primary()
                same = str(left or "").lower() == str(right or "").lower()
                return same if op == "==" else not same
        return left

    def _primary(self) -> Any:
        if self._take("("):
            value = self._or()
            if not self._take(")"):
                raise ValueError("missing )")
            return value
        kind, token = self.tokens[self.pos]
        self.pos += 1
        if kind == "value":
            return token
        if kind != "name":
            raise ValueError(f"unexpected {token!r}")
        if self._take("("):
            if not self._take(")"):
                raise ValueError("functions with arguments are not supported")
            return self.context["functions"][token]()
        if token in ("true", "false"):
            return token == "true"
        value: Any = self.context
        for part in token.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return value


def truthy(value: Any) -> bool:
    return value not in (None, False, "", 0)


def substitute(text: str, context: Mapping[str, Any]) -> str:
    def one(m: re.Match[str]) -> str:
        value = Expression(m.group(1), context).evaluate()
        return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)

    return re.sub(r"\$\{\{(.*?)\}\}", one, str(text))


def run_action(
    action_dir: Path,
    inputs: Mapping[str, str],
    *,
    workspace: Path,
    runner_temp: Path,
    env: Mapping[str, str],
    uses_outputs: Mapping[str, Mapping[str, str]],
    skip: Mapping[str, str] | None = None,
) -> ActionRun:
    """Run `action_dir/action.yml` with `inputs`; `uses_outputs[id]` stands for a `uses:` step's outputs.

    `skip` maps step ids to a reason: those steps are not run (their earlier effects are reused).
    """
    action = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
    declared = action.get("inputs", {})
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs not declared in action.yml: {unknown}"
    values = {name: str(inputs.get(name, spec.get("default", ""))) for name, spec in declared.items()}
    steps_ctx: dict[str, dict[str, Any]] = {}
    job = {"failed": False}
    context: dict[str, Any] = {
        "inputs": values,
        "steps": steps_ctx,
        "runner": {"temp": str(runner_temp)},
        "functions": {
            "success": lambda: not job["failed"],
            "failure": lambda: job["failed"],
            "always": lambda: True,
            "cancelled": lambda: False,
        },
    }
    base_env = {**env, "GITHUB_WORKSPACE": str(workspace), "GITHUB_ACTION_PATH": str(action_dir)}
    base_env["RUNNER_TEMP"] = str(runner_temp)
    extra_path: list[str] = []
    files = runner_temp / "_runner_files"
    files.mkdir(parents=True, exist_ok=True)
    results: list[Step] = []
    summary = ""
    for index, spec in enumerate(action["runs"]["steps"]):
        name = spec.get("name") or spec.get("uses") or f"step {index}"
        step_id = spec.get("id", f"__{index}")
        condition = str(spec.get("if", "success()"))
        condition = condition.removeprefix("${{").removesuffix("}}")
        if not _STATUS_FUNCTIONS.search(condition):
            condition = f"success() && ({condition})"
        if not truthy(Expression(condition, context).evaluate()):
            result = Step(name, step_id, "skipped")
        elif "uses" in spec:
            assert step_id in uses_outputs, f"give the outputs of the `uses:` step {step_id!r}"
            for value in spec.get("with", {}).values():
                substitute(str(value), context)  # evaluated like the runner does; errors surface here
            result = Step(name, step_id, "success", outputs=dict(uses_outputs[step_id]))
        elif skip and step_id in skip:
            result = Step(name, step_id, "success", stdout=f"(not run: {skip[step_id]})\n")
        else:
            assert spec.get("shell") == "bash", f"step {name!r}: composite run steps need `shell: bash`"
            assert "${{" not in spec["run"], f"step {name!r}: expression inside `run:`"
            paths = {k: files / f"{k.lower()}_{index}" for k in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")}
            paths |= {k: files / f"{k.lower()}_{index}" for k in ("GITHUB_ENV", "GITHUB_PATH")}
            for path in paths.values():
                path.write_text("", encoding="utf-8")
            script = files / f"step_{index}.sh"
            script.write_text(spec["run"], encoding="utf-8")
            step_env = {**base_env, **{k: str(v) for k, v in paths.items()}}
            step_env |= {k: substitute(str(v), context) for k, v in spec.get("env", {}).items()}
            step_env["PATH"] = os.pathsep.join([*extra_path, base_env["PATH"]])
            proc = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=workspace / spec.get("working-directory", "."),
                env=step_env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            outcome = "success" if proc.returncode == 0 else "failure"
            outputs = parse_output_file(paths["GITHUB_OUTPUT"].read_text(encoding="utf-8"))
            result = Step(name, step_id, outcome, proc.returncode, proc.stdout, proc.stderr, outputs)
            summary += paths["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8")
            base_env |= parse_output_file(paths["GITHUB_ENV"].read_text(encoding="utf-8"))
            extra_path = paths["GITHUB_PATH"].read_text(encoding="utf-8").split() + extra_path
        if result.outcome == "failure":
            job["failed"] = True
        steps_ctx[step_id] = {"outputs": result.outputs, "outcome": result.outcome}
        results.append(result)
    outputs = {name: substitute(spec["value"], context) for name, spec in action.get("outputs", {}).items()}
    return ActionRun(results, outputs, summary)
