"""Problems as people and machines read them: plain lines, GitHub annotations, JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from jobfeed.errors import Problem

FORMATS = ("text", "github", "json")
#: What must not reach a terminal or a CI log as it is: C0 and C1 controls (a newline would start a
#: line of its own, such as a forged `::error` workflow command; ESC starts terminal sequences)
#: and Unicode's line and paragraph separators.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match[0]
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def printable(text: str) -> str:
    """`text` on one line as it can be printed: each control character as an escape (`\\n`, `\\x1b`)."""
    return text if text.isprintable() else _CONTROLS.sub(_escape, text)


def text_line(problem: Problem) -> str:
    """`path:line: level: message`, with every value printable."""
    return f"{printable(problem.path)}:{problem.line}: {problem.level}: {printable(problem.message)}"


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
    line = github_annotation if fmt == "github" else text_line
    return "\n".join(line(p) for p in problems)


def tally(problems: list[Problem], files: int) -> str:
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    return f"{files} file(s) checked: {errors} error(s), {warnings} warning(s)"
