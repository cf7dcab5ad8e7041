"""The layout's import rules (import-linter) and no dead code (vulture), with proof that each check can fail.

The rules are the contracts of [tool.importlinter] in pyproject.toml; vulture's settings are in
[tool.vulture], and tests/vulture_whitelist.py lists the names used where vulture cannot see it.
Both tools run in a subprocess: the copy of the package made below is also called `jobfeed`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
# no logo, no cache folder written into the work tree, no colours or wrapping in the report
LINT_ARGS = ["--no-cache", "--no-logo"]
QUIET_ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}


def lint_imports(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(LINT_IMPORTS) if LINT_IMPORTS.exists() else "lint-imports", *args, *LINT_ARGS]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=QUIET_ENV, timeout=120)


def vulture(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "vulture", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_import_contracts_are_kept() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


# One module that breaks each contract, and the line lint-imports must print for it.
PROBES = {
    "core/_probe.py": ("import jobfeed.publish\n", "jobfeed.core._probe -> jobfeed.publish (l.1)"),
    "announce/_probe.py": ("import jobfeed.author\n", "jobfeed.announce._probe -> jobfeed.author (l.1)"),
    "publish/_probe.py": ("from jobfeed import Config\n", "jobfeed.publish._probe -> jobfeed (l.1)"),
    "author/_probe.py": (
        "import jobfeed._incremental\n",
        "jobfeed.author._probe -> jobfeed._incremental (l.1)",
    ),
}


def test_import_contracts_catch_a_broken_rule(tmp_path: Path) -> None:
    """A copy of the package with one offending module per contract, checked with the real contracts."""
    shutil.copytree(
        ROOT / "src" / "jobfeed", tmp_path / "jobfeed", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for path, (code, _) in PROBES.items():
        (tmp_path / "jobfeed" / path).write_text(code, encoding="utf-8")
    # lint-imports puts its working folder first on sys.path: the copy is the `jobfeed` it reads
    done = lint_imports(tmp_path, "pyproject.toml")
    report = done.stdout + done.stderr
    assert done.returncode == 1, report
    for _, line in PROBES.values():
        assert line in report, report


def test_no_dead_code() -> None:
    done = vulture(ROOT)  # paths and min_confidence from pyproject.toml
    assert done.returncode == 0, (
        "vulture found dead code (or see tests/vulture_whitelist.py):\n" + done.stdout
    )


def test_dead_code_is_found(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text(
        "def used() -> int:\n    return 1\n\n\ndef forgotten() -> int:\n    return 2\n\n\nprint(used())\n",
        encoding="utf-8",
    )
    done = vulture(tmp_path, "module.py", "--min-confidence", "60")
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stdout == "module.py:5: unused function 'forgotten' (60% confidence)\n"
    # and a whitelist like tests/vulture_whitelist.py is what silences it
    whitelist = tmp_path / "whitelist.py"
    whitelist.write_text("from vulture.whitelist_utils import Whitelist\n\n_ = Whitelist()\n_.forgotten\n")
    done = vulture(tmp_path, "module.py", "whitelist.py", "--min-confidence", "60")
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_error_is_one_tree_in_errors_py_and_exported() -> None:
    """One errors.py: every exception class jobfeed defines is there (private ones, which never leave
    their module, aside), and every JobfeedError is exported by `import jobfeed`."""
    import ast
    import inspect

    import jobfeed
    import jobfeed.errors

    package = Path(jobfeed.__file__).parent
    elsewhere = []
    for path in package.rglob("*.py"):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                if bases & {
                    "Exception",
                    "ValueError",
                    "JobfeedError",
                    "ClickException",
                } or node.name.endswith("Error"):
                    elsewhere.append(f"{path.relative_to(package)}: {node.name}")
    assert elsewhere == []
    errors = {
        name
        for name, value in vars(jobfeed.errors).items()
        if inspect.isclass(value) and issubclass(value, jobfeed.JobfeedError)
    }
    assert len(errors) >= 13
    assert errors <= set(jobfeed.__all__)
