"""`jobfeed close` and `jobfeed extend` through the CLI: exact output, exit codes, files diffed."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobfeed.cli import cli
from roles_folder import NOW, POSTINGS, make_site

DEV = "postes/2024-01-15-developpeur-fullstack.md"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_site(tmp_path)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "--now", NOW], prog_name="jobfeed")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def diff(name: str) -> list[str]:
    """The changed lines of postes/<name> against what the fixture wrote, as -/+ lines."""
    before = POSTINGS[name].splitlines(keepends=True)
    after = Path("postes", name).read_text(encoding="utf-8").splitlines(keepends=True)
    return [
        line
        for line in difflib.unified_diff(before, after, n=0)
        if line[:1] in "-+" and not line.startswith(("---", "+++"))
    ]


def test_close_filled(site: Path) -> None:
    assert run("close", "developpeur", "--filled") == (
        0,
        f"{DEV}:9: poste_pourvu: false -> true\n2024-01-15-developpeur-fullstack is now filled\n",
    )
    assert diff("2024-01-15-developpeur-fullstack.md") == ["-poste_pourvu: false\n", "+poste_pourvu: true\n"]
    # A second time there is nothing to do, and the file is not touched.
    assert run("close", "developpeur", "--filled") == (
        0,
        f"{DEV}: nothing to change; 2024-01-15-developpeur-fullstack is filled\n",
    )


def test_close_closed_adds_a_missing_key(site: Path) -> None:
    assert run("close", "charge-deploiement", "--closed") == (
        0,
        "postes/2024-02-10-charge-deploiement.md:6: status: open -> closed\n"
        "2024-02-10-charge-deploiement is now closed\n",
    )
    assert run("close", "2024-02-10-charge-deploiement.md", "--filled") == (
        0,
        "postes/2024-02-10-charge-deploiement.md:7: added poste_pourvu: true\n"
        "2024-02-10-charge-deploiement is now filled\n",
    )
    assert diff("2024-02-10-charge-deploiement.md") == [
        "-status: open\n",
        "+status: closed\n",
        "+poste_pourvu: true\n",
    ]


@pytest.mark.parametrize("flags", [[], ["--filled", "--closed"]])
def test_close_needs_exactly_one_way(site: Path, flags: list[str]) -> None:
    assert run("close", "developpeur", *flags) == (
        2,
        "Usage: jobfeed close [OPTIONS] ROLE\nTry 'jobfeed close --help' for help.\n\n"
        "Error: say how the role ends: --filled or --closed (one of them)\n",
    )
    assert diff("2024-01-15-developpeur-fullstack.md") == []


def test_close_unknown_and_ambiguous_roles(site: Path) -> None:
    code, out = run("close", "charge", "--closed")
    assert (code, out) == (
        1,
        "Error: 'charge' matches 2 roles; give more of it:\n"
        "  2024-02-01-chargee-de-mission  postes/2024-02-01-chargee-de-mission.md\n"
        "  2024-02-10-charge-deploiement  postes/2024-02-10-charge-deploiement.md\n",
    )
    code, out = run("close", "ux-designer", "--closed")
    assert (code, out) == (
        1,
        "Error: no role 'ux-designer'; did you mean one of these?\n"
        "  2023-06-01-designer-ux  postes/2023-06-01-designer-ux.md\n",
    )
    code, out = run("close", "--closed")
    assert code == 2
    assert out.endswith("Error: Missing argument 'ROLE'.\n")


def test_close_a_file_that_cannot_be_edited(site: Path) -> None:
    Path("postes/2024-06-01-flow.md").write_text(
        "---\n{role: Dev, status: open}\n---\nCorps.\n", encoding="utf-8"
    )
    assert run("close", "flow", "--closed") == (
        1,
        "Error: postes/2024-06-01-flow.md: front matter is written as {…}; "
        "write one 'key: value' line per key\n",
    )
    assert Path("postes/2024-06-01-flow.md").read_text(encoding="utf-8") == (
        "---\n{role: Dev, status: open}\n---\nCorps.\n"
    )


def test_close_with_another_folder_and_config(tmp_path: Path) -> None:
    postes = make_site(tmp_path)
    code, out = run(
        "close", "stage", "--closed", "--postes", str(postes), "--config", str(tmp_path / "none.toml")
    )
    assert (code, out) == (1, f"Error: {tmp_path / 'none.toml'}: no such configuration file\n")
    code, out = run("close", "stage", "--closed", "--postes", str(postes))
    assert (code, out) == (
        0,
        f"{postes}/2023-09-01-stage-data.md:7: status: open -> closed\n2023-09-01-stage-data is now closed\n",
    )


def test_extend_moves_the_deadline(site: Path) -> None:
    assert run("extend", "stage", "--until", "2024-03-31") == (
        0,
        "postes/2023-09-01-stage-data.md:6: poste_ferme: 2023-10-01 -> 2024-03-31\n"
        "postes/2023-09-01-stage-data.md:9: added mis_a_jour: 2024-03-01T08:00:00Z\n"
        "2023-09-01-stage-data is now open, until the end of 2024-03-31 (CEST)\n",
    )
    # The posting's own date of change moves with its deadline: readers show the entry as updated.
    assert diff("2023-09-01-stage-data.md") == [
        "-poste_ferme: 2023-10-01\n",
        "+poste_ferme: 2024-03-31\n",
        "+mis_a_jour: 2024-03-01T08:00:00Z\n",
    ]
    assert run("extend", "chargee", "--until", "2024-05-15T18:00:00+02:00") == (
        0,
        "postes/2024-02-01-chargee-de-mission.md:7: "
        "poste_ferme: 2024-04-29T22:00:00.000Z -> 2024-05-15T18:00:00+02:00\n"
        "postes/2024-02-01-chargee-de-mission.md:10: added mis_a_jour: 2024-03-01T08:00:00Z\n"
        "2024-02-01-chargee-de-mission is still open, until 2024-05-15 18:00 CEST\n",
    )


def test_extend_adds_a_deadline_to_a_role_without_one(site: Path) -> None:
    assert run("extend", "charge-deploiement", "--until", "2024-04-15") == (
        0,
        "postes/2024-02-10-charge-deploiement.md:7: added poste_ferme: 2024-04-15\n"
        "postes/2024-02-10-charge-deploiement.md:8: added mis_a_jour: 2024-03-01T08:00:00Z\n"
        "2024-02-10-charge-deploiement is still open, until the end of 2024-04-15 (CEST)\n",
    )


def test_extend_does_not_reopen_silently(site: Path) -> None:
    assert run("extend", "designer", "--until", "2024-04-30") == (
        1,
        "Error: 2023-06-01-designer-ux is filled (postes/2023-06-01-designer-ux.md:8); "
        "a new deadline alone would not publish it again. "
        "Run the same command with --reopen to reopen it, or leave it as it is\n",
    )
    assert diff("2023-06-01-designer-ux.md") == []
    assert run("extend", "designer", "--until", "2024-04-30", "--reopen") == (
        0,
        "postes/2023-06-01-designer-ux.md:6: poste_ferme: 2023-07-15 -> 2024-04-30\n"
        "postes/2023-06-01-designer-ux.md:8: poste_pourvu: true -> false\n"
        "postes/2023-06-01-designer-ux.md:9: added mis_a_jour: 2024-03-01T08:00:00Z\n"
        "2023-06-01-designer-ux is now open, until the end of 2024-04-30 (CEST)\n",
    )
    code, out = run("extend", "product-owner", "--until", "2024-04-30")
    assert code == 1
    assert out.startswith("Error: 2023-01-10-product-owner is closed (postes/2023-01-10-product-owner.md:6);")


@pytest.mark.parametrize(
    ("until", "message"),
    [
        (
            "2024-02-29",
            "--until 2024-02-29 is already past (it is now 2024-03-01 09:00 CET); "
            "give a later date, or close the role with `jobfeed close`",
        ),
        (
            "2024-04-31",
            "--until '2024-04-31' is not a date; "
            "expected YYYY-MM-DD or an ISO 8601 date-time such as 2022-02-22T23:00:00Z",
        ),
    ],
)
def test_extend_refuses_unusable_dates(site: Path, until: str, message: str) -> None:
    assert run("extend", "developpeur", "--until", until) == (2, f"Error: {message}\n")
    assert diff("2024-01-15-developpeur-fullstack.md") == []


def test_extend_refuses_a_deadline_before_the_opening(site: Path) -> None:
    assert run("extend", "coach", "--until", "2024-04-01") == (
        2,
        "Error: --until 2024-04-01 is before the role opens (2024-05-01); give a later date\n",
    )


def test_extend_needs_until(site: Path) -> None:
    code, out = run("extend", "coach")
    assert code == 2
    assert out.endswith("Error: Missing option '--until'.\n")


def test_close_in_a_missing_folder_or_on_a_broken_file(site: Path) -> None:
    assert run("close", "x", "--closed", "--postes", "nope") == (
        1,
        f"Error: the postings folder 'nope' does not exist (in {Path.cwd()}); give the right one with "
        "--postes or [postes] dir in jobfeed.toml, or run jobfeed from the folder that holds it; "
        "nothing was written\n",
    )
    Path("postes/casse.md").write_text("---\nequipe: X\nstatus: open\n---\n", encoding="utf-8")
    code, out = run("close", "casse", "--closed")
    assert (code, out) == (
        1,
        "Error: postes/casse.md is not a valid posting; fix it first (`jobfeed check`):\n"
        "  postes/casse.md:1: error: no role; add a line 'role: <title of the role>' "
        "(key 'role' or 'title' or 'roles')\n",
    )
    assert Path("postes/casse.md").read_text(encoding="utf-8") == "---\nequipe: X\nstatus: open\n---\n"
