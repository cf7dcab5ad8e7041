"""docs.py: docs/cli.md is the commands' --help, and every command and option has help text."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from jobfeed.cli import cli
from jobfeed.docs import main, missing_help, reference

CLI_MD = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def test_docs_cli_md_is_up_to_date() -> None:
    assert CLI_MD.read_text(encoding="utf-8") == reference(), (
        "docs/cli.md is stale; regenerate it with: python -m jobfeed.docs"
    )


def test_every_command_and_option_has_help() -> None:
    assert missing_help() == []


def test_every_command_is_documented() -> None:
    text = reference()
    for name in cli.list_commands(click.Context(cli)):
        assert f"\n## jobfeed {name}\n\n```text\nUsage: jobfeed {name} [OPTIONS]" in text


def test_a_command_without_help_is_caught() -> None:
    group = click.Group("jobfeed", help="Root.")

    @group.command()
    @click.option("--good", help="Has help.")
    @click.option("--bad")
    def thing(good: str, bad: str) -> None:
        pass

    @group.command()
    def other() -> None:
        """Documented."""

    assert missing_help(group) == ["jobfeed thing", "jobfeed thing --bad"]


def test_check_fails_on_a_stale_file_and_regeneration_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli.md"
    assert main(["--check", "--out", str(out)]) == 1
    assert capsys.readouterr().err == f"{out} is stale; regenerate it with: python -m jobfeed.docs\n"
    assert main(["--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    assert main(["--check", "--out", str(out)]) == 0
    assert main(["--out", str(out)]) == 0
    assert capsys.readouterr().out == f"{out} is up to date\n"
    out.write_text(out.read_text(encoding="utf-8").replace("Show the roles", "Show roles"), encoding="utf-8")
    assert main(["--check", "--out", str(out)]) == 1
