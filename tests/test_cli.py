from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bad_inputs import EXPECTED, make_bad_postes
from conftest import ROOT, posting
from jobfeed import __version__
from jobfeed.cli import cli

NOW = "2024-03-01T09:00:00+01:00"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version_and_help() -> None:
    assert run("--version") == (0, f"jobfeed, version {__version__}\n", "")
    code, out, _ = run("-h")
    assert code == 0 and "build" in out and "check" in out
    code, out, _ = run("build", "--help")
    assert code == 0 and "Example:" in out


def test_python_dash_m_and_console_script() -> None:
    done = subprocess.run([sys.executable, "-m", "jobfeed", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == f"jobfeed, version {__version__}\n"


def test_build_writes_the_three_feeds_and_prints_a_summary(tmp_path: Path) -> None:
    postes = tmp_path / "postes"
    postes.mkdir()
    (postes / "a.md").write_text(posting("A", poste_ouvert="2024-01-01", contact="a@example.org"))
    (postes / "b.md").write_text(
        posting("B", status="closed", poste_ouvert="2024-01-01", contact="b@example.org")
    )
    (postes / "c.md").write_text("no front matter\n")
    out = tmp_path / "feeds"
    code, stdout, stderr = run("build", "--postes", str(postes), "--out", str(out), "--now", NOW)
    assert code == 0
    assert stdout == "1 open, 1 closed, 1 skipped; 13 file(s) written, 0 unchanged\n"
    assert stderr == (
        f"{postes / 'c.md'}:1: error: no front matter; the file must start with a line '---', "
        "then 'role: …', then '---'\n"
    )
    assert sorted(p.name for p in out.iterdir()) == [
        ".jobfeed-manifest.json",  # what the build wrote, so that the next one removes what it drops
        "atom.xml",
        "deadlines.ics",
        "feed.json",
        "feed.xsl",
        "feeds.opml",
        "history",  # the history feeds: the repository's jobfeed.toml turns them on
        "history.json",
        "history.xml",
        "index.html",
        "postes",
        "published.json",
        "rss.xml",
    ]
    code, stdout, _ = run("build", "--postes", str(postes), "--out", str(out), "--now", NOW)
    assert stdout == "1 open, 1 closed, 1 skipped; 0 file(s) written, 13 unchanged\n"


def test_build_json(tmp_path: Path) -> None:
    postes = tmp_path / "postes"
    postes.mkdir()
    (postes / "a.md").write_text(posting("A", poste_ouvert="2024-01-01", contact="a@example.org"))
    code, stdout, _ = run(
        "build", "--postes", str(postes), "--out", str(tmp_path / "f"), "--now", NOW, "--json"
    )
    assert code == 0
    assert json.loads(stdout) == {
        "now": "2024-03-01T09:00:00+01:00",
        "open": 1,
        "closed": 0,
        "scheduled": 0,
        "skipped": 0,
        "written": [
            "atom.xml",
            "deadlines.ics",
            "feed.json",
            "feed.xsl",
            "feeds.opml",
            "history.json",
            "history.xml",
            "history/events.json",
            "index.html",
            "postes/a.html",
            "published.json",
            "rss.xml",
        ],
        "unchanged": [],
        "removed": [],
        "problems": [],
    }


def test_strict_build_writes_nothing(tmp_path: Path) -> None:
    postes = tmp_path / "postes"
    postes.mkdir()
    (postes / "a.md").write_text(posting("A"))
    (postes / "b.md").write_text("---\nrole: [\n---\n")
    out = tmp_path / "feeds"
    code, stdout, stderr = run("build", "--postes", str(postes), "--out", str(out), "--now", NOW, "--strict")
    assert code == 1 and stdout == ""
    assert stderr.endswith("Error: 1 error(s) in postings; nothing was written\n")
    assert not out.exists()


def test_check_reports_every_bad_input_once_on_its_line(tmp_path: Path) -> None:
    postes = make_bad_postes(tmp_path / "postes")
    code, stdout, stderr = run("check", "--postes", str(postes))
    assert code == 1
    lines = stdout.splitlines()
    assert len(lines) == sum(len(v) for v in EXPECTED.values())
    for name, expected in EXPECTED.items():
        for line, level, words in expected:
            prefix = f"{postes / name}:{line}: {level}: "
            assert any(x.startswith(prefix) and words in x for x in lines), (name, line, words)
    assert "Traceback" not in stdout + stderr
    assert stderr == "23 file(s) checked: 22 error(s), 10 warning(s)\n"


def test_check_github_annotations(tmp_path: Path) -> None:
    postes = tmp_path / "postes"
    postes.mkdir()
    (postes / "a, b.md").write_text(
        posting("A", poste_ferme="2022-04-T15:00:00.000Z", post_ouvert="2024-01-01", contact="a@b.fr")
    )
    code, stdout, _ = run("check", "--postes", str(postes), "--format", "github")
    assert code == 1
    path = str(postes / "a, b.md").replace(",", "%2C").replace(":", "%3A")
    assert stdout.splitlines() == [
        f"::error file={path},line=3,title=jobfeed::invalid date '2022-04-T15:00:00.000Z' for poste_ferme, "
        "expected YYYY-MM-DD or an ISO 8601 date-time such as 2022-02-22T23:00:00Z",
        f"::warning file={path},line=4,title=jobfeed::unknown key 'post_ouvert', did you mean 'poste_ouvert'?",
    ]


def test_check_json_and_warnings_only_exit_zero(tmp_path: Path) -> None:
    postes = tmp_path / "postes"
    postes.mkdir()
    (postes / "a.md").write_text(posting("A", equpe="X", contact="a@b.fr", poste_ouvert="2024-01-01"))
    code, stdout, _ = run("check", "--postes", str(postes), "--format", "json")
    assert code == 0
    assert json.loads(stdout) == {
        "files": 1,
        "errors": 0,
        "warnings": 1,
        "problems": [
            {
                "path": str(postes / "a.md"),
                "line": 3,
                "level": "warning",
                "message": "unknown key 'equpe', did you mean 'equipe'?",
            }
        ],
    }


def test_check_bundled_postes_is_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert run("check") == (0, "", "7 file(s) checked: 0 error(s), 0 warning(s)\n")


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    code, _, stderr = run("build", "--now", "yesterday", "--out", str(tmp_path))
    assert code == 2
    assert (
        stderr
        == "Error: --now 'yesterday' is not an ISO 8601 date-time; write e.g. 2024-03-01T09:00:00+01:00\n"
    )
    assert run("check", "--format", "xml")[0] == 2
    assert run("nope")[0] == 2


def test_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    postes = tmp_path / "postes"
    postes.mkdir()
    (postes / "a.md").write_text(posting("A", poste_ferme="2024-03-01"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1709247600")  # 2024-03-01T00:00+01:00: still open
    assert run("build", "--postes", str(postes), "--out", str(tmp_path / "f"))[1].startswith("1 open")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1709334000")  # 2024-03-02T00:00+01:00: expired
    assert run("build", "--postes", str(postes), "--out", str(tmp_path / "f"))[1].startswith(
        "0 open, 1 closed"
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    assert run("build", "--postes", str(postes), "--out", str(tmp_path / "f"))[0] == 2


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "jobfeed.toml"
    config.write_text('[site]\ntimezone = "Paris"\n')
    code, _, stderr = run("build", "--config", str(config), "--out", str(tmp_path / "f"))
    assert code == 1
    assert (
        stderr == f"Error: {config}: [site] timezone 'Paris' is not an IANA time zone (e.g. 'Europe/Paris')\n"
    )
    config.write_text("[site\n")
    code, _, stderr = run("check", "--config", str(config))
    assert code == 1 and stderr.startswith(f"Error: {config}: invalid TOML: ")
    config.write_text("[sites]\n")
    code, _, stderr = run("check", "--config", str(config))
    assert stderr.startswith(f"Error: {config}: unknown section [sites]")


def test_unwritable_output_is_reported_and_leaves_old_feeds(tmp_path: Path) -> None:
    postes = tmp_path / "postes"
    postes.mkdir()
    (postes / "a.md").write_text(posting("A"))
    blocked = tmp_path / "site"
    blocked.write_text("a file where a folder should be\n")
    code, _, stderr = run("build", "--postes", str(postes), "--out", str(blocked / "feeds"), "--now", NOW)
    assert (code, stderr) == (
        1,
        f"Error: cannot write {blocked}/feeds/atom.xml: Not a directory; the previous file is intact\n",
    )
    assert blocked.read_text() == "a file where a folder should be\n"
    # One output blocked by a folder of the same name: reported by name.
    out = tmp_path / "feeds"
    (out / "rss.xml").mkdir(parents=True)
    code, _, stderr = run("build", "--postes", str(postes), "--out", str(out), "--now", NOW)
    assert (code, stderr) == (
        1,
        f"Error: cannot write {out}/rss.xml: Is a directory; the previous file is intact\n",
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tiny tmpfs needs root")
def test_full_disk_keeps_the_previous_feeds(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True
    ).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        postes = tmp_path / "postes"
        postes.mkdir()
        (postes / "a.md").write_text(posting("A"))
        out = disk / "feeds"
        assert run("build", "--postes", str(postes), "--out", str(out), "--now", NOW)[0] == 0
        before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
        (postes / "b.md").write_text(posting("B", body="x" * 200_000))
        code, _, stderr = run("build", "--postes", str(postes), "--out", str(out), "--now", NOW)
        assert code == 1
        assert "No space left on device; the previous file is intact" in stderr
        assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # no temp file left
    finally:
        subprocess.run(["umount", str(disk)], check=False)


@pytest.mark.parametrize(
    ("code", "status", "stderr"),
    [("None", 0, ""), ("0", 0, ""), ("3", 3, ""), ("'stopped here'", 1, "stopped here\n")],
)
def test_the_command_exits_as_python_would_without_freeing_its_objects(
    code: str, status: int, stderr: str
) -> None:
    """`main` ends the process with os._exit after the exit handlers and a flush of the output:
    the same status, output and handlers as `sys.exit(code)`."""
    script = (
        "import atexit, sys\n"
        "from jobfeed.cli import _exit\n"
        "atexit.register(lambda: print('handler ran', file=sys.stderr))\n"
        "print('unflushed output', end='')\n"
        f"_exit({code})\n"
    )
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as on most machines
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=buffered)
    assert done.returncode == status
    assert done.stdout == "unflushed output"
    assert done.stderr == stderr + "handler ran\n"


def test_a_failing_command_keeps_its_status_and_message(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jobfeed", "check", "--config", str(tmp_path / "none.toml")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "no such configuration file" in done.stderr
