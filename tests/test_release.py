"""Releases (issue 20): the version in one place, the wheel and sdist that `twine check` passes, and the
wheel installed in a fresh virtual environment outside the repository building an `init`-made site."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import trove_classifiers

from jobfeed._version import __version__
from jobfeed.author.adopt import DEFAULT_ACTION

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_version_is_written_once_and_cited_everywhere() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "jobfeed._version.__version__"}
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## (\d+\.\d+\.\d+) — \d{4}-\d{2}-\d{2}$", changelog, re.MULTILINE)
    assert releases and releases[0] == __version__  # the newest release section is this version
    assert changelog.index("## Unreleased") < changelog.index(f"## {__version__} — ")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f'pip install "jobfeed @ git+https://github.com/jobfeed/jobfeed@v{__version__}"' in readme
    assert f"jobfeed/jobfeed@v{__version__.split('.')[0]}" == DEFAULT_ACTION
    assert f"uses: {DEFAULT_ACTION}" in readme


def test_the_metadata_is_ready_for_the_package_index() -> None:
    project = PYPROJECT["project"]
    assert [c for c in project["classifiers"] if c not in trove_classifiers.classifiers] == []
    assert not any(c.startswith("License ::") for c in project["classifiers"])  # the SPDX `license` says it
    assert project["license"] == "MIT" and (ROOT / "LICENSE").is_file()
    assert {"Homepage", "Changelog", "Issues"} <= set(project["urls"])
    assert {"build", "twine"} <= {re.split(r"[<>=]", d)[0] for d in project["optional-dependencies"]["test"]}


def _tracked_copy(target: Path) -> Path:
    """The repository's files as a fresh clone holds them (what a release is built from)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


@pytest.mark.slow
def test_the_built_wheel_installs_alone_and_builds_an_init_made_site(tmp_path: Path) -> None:
    source = _tracked_copy(tmp_path / "source")
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(source)], check=True, capture_output=True
    )
    wheel = dist / f"jobfeed-{__version__}-py3-none-any.whl"
    sdist = dist / f"jobfeed-{__version__}.tar.gz"
    assert sorted(p.name for p in dist.iterdir()) == sorted([wheel.name, sdist.name])
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2
    names = set(zipfile.ZipFile(wheel).namelist())
    for packaged in (
        "jobfeed/publish/templates/index.html",
        "jobfeed/announce/state.schema.json",
        "jobfeed/author/templates/workflow.yml",
        "jobfeed/author/templates/jobfeed.toml",
        "jobfeed/author/templates/example.md",
        "jobfeed/author/templates/README.md",
    ):
        assert packaged in names, packaged

    # A fresh virtual environment, used from a folder outside the repository.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True, env=env)
    jobfeed = str(venv / "bin" / "jobfeed")
    site = tmp_path / "site"
    site.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([jobfeed, *args], cwd=site, capture_output=True, text=True, env=env)

    version = run("--version")
    assert version.stdout == f"jobfeed, version {__version__}\n"
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import jobfeed; print(jobfeed.__file__)"],
        cwd=site,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    assert where.startswith(str(venv)), where
    init = run(
        "init", "--title", "Offres", "--url", "https://acme.example.org/jobs/", "--timezone", "Europe/Paris",
        "--language", "fr", "--organisation", "Acme", "--locality", "Lyon", "--country", "FR",
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    (site / "postes" / "2026-01-05-dev.md").write_text(
        "---\nrole: Développeuse\nequipe: Produit\ncontrat: CDI\ncontact: rh@example.org\n"
        "poste_ouvert: 2026-01-05\n---\n\nPython.\n",
        encoding="utf-8",
    )
    built = run("build", "--now", "2026-02-01T09:00:00+01:00")
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("1 open, 0 closed, 1 scheduled, 0 skipped;")
    index = (site / "feeds" / "index.html").read_text(encoding="utf-8")
    assert "Développeuse" in index and "<title>Offres" in index
    assert (site / "feeds" / "postes" / "2026-01-05-dev.html").is_file()
