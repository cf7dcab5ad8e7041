"""Problems as people and machines read them: plain lines, GitHub annotations, JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable

from jobfeed.errors import Problem

FORMATS = ("text", "github", "json")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(problem: Problem) -> str:
    """`::error file=…,line=…,title=jobfeed::message`, as GitHub Actions reads it."""
    return (
        f"::{problem.level} file={_escape_property(problem.path)},line={problem.line},"
        f"title=jobfeed::{_escape_data(problem.message)}"
    )


def format_problems(problems: Iterable[Problem], fmt: str, files: int = 0) -> str:
    problems = sorted(problems)
    if fmt == "json":
        errors = sum(p.is_error for p in problems)
        return json.dumps(
            {
                "files": files,
                "errors": errors,
                "warnings": len(problems) - errors,
                "problems": [
                    {"path": p.path, "line": p.line, "level": p.level, "message": p.message} for p in problems
                ],
            },
            ensure_ascii=False,
            indent=2,
        )
    line = github_annotation if fmt == "github" else str
    return "\n".join(line(p) for p in problems)


def tally(problems: list[Problem], files: int) -> str:
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    return f"{files} file(s) checked: {errors} error(s), {warnings} warning(s)"
