"""listing.py and `jobfeed list`: states, deadlines and days left, open roles first."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobfeed.author.listing import days_left, rows
from jobfeed.cli import cli
from jobfeed.config import Config
from jobfeed.core.dates import Moment
from jobfeed.core.lifecycle import classify
from jobfeed.core.postings import load_postings
from roles_folder import NOW, make_site

HEADER = "STATE      ID                                ROLE                        TEAM                        CONTRACT     DEADLINE    DAYS LEFT"
OPEN_ROWS = [
    "open       2024-01-15-developpeur-fullstack  Développeur·euse fullstack  Aides-territoires           CDD          2024-03-05  4",
    "open       2024-02-01-chargee-de-mission     Chargé·e de mission         France Services             CDI          2024-04-30  60",
    "open       2024-02-10-charge-deploiement     Chargé.e de déploiement     Incubateur des Territoires  indépendant  -           -",
    "scheduled  2024-05-01-coach-produit          Coach produit               Incubateur des Territoires  indépendant  2024-06-30  121",
]
CLOSED_ROWS = [
    "expired    2023-09-01-stage-data             Stagiaire data              Incubateur des Territoires  stage        2023-10-01  -",
    "filled     2023-06-01-designer-ux            Designer UX                 Mon Espace Collectivité     CDD          2023-07-15  -",
    "closed     2023-01-10-product-owner          Product owner               Signaux Faibles             indépendant  -           -",
]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_site(tmp_path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_list_shows_open_then_scheduled_roles(site: Path) -> None:
    code, out, err = run("list", "--now", NOW)
    assert (code, err) == (0, "")
    assert out == "\n".join(
        [HEADER, *OPEN_ROWS, "", "3 open, 1 scheduled (`--all` adds filled, closed and expired ones)", ""]
    )


def test_list_all_adds_filled_closed_and_expired(site: Path) -> None:
    code, out, _ = run("list", "--all", "--now", NOW)
    assert code == 0
    assert out == "\n".join(
        [HEADER, *OPEN_ROWS, *CLOSED_ROWS, "", "3 open, 1 scheduled, 1 expired, 1 filled, 1 closed", ""]
    )


def test_list_json_for_scripts(site: Path) -> None:
    code, out, _ = run("list", "--json", "--now", NOW)
    assert code == 0
    data = json.loads(out)
    assert [r["id"] for r in data] == [
        "2024-01-15-developpeur-fullstack",
        "2024-02-01-chargee-de-mission",
        "2024-02-10-charge-deploiement",
        "2024-05-01-coach-produit",
    ]
    assert data[1] == {
        "id": "2024-02-01-chargee-de-mission",
        "state": "open",
        "role": "Chargé·e de mission",
        "team": "France Services",
        "contract": "CDI",
        "opened": "2024-02-01",
        "deadline": "2024-04-30",
        "days_left": 60,
        "path": "postes/2024-02-01-chargee-de-mission.md",
    }
    code, out, _ = run("list", "--json", "--all", "--now", NOW)
    assert [(r["state"], r["days_left"]) for r in json.loads(out)][4:] == [
        ("expired", None),
        ("filled", None),
        ("closed", None),
    ]


def test_colours_only_when_asked_for_a_terminal(site: Path) -> None:
    plain = CliRunner().invoke(cli, ["list", "--now", NOW])
    assert "\x1b[" not in plain.output
    coloured = CliRunner().invoke(cli, ["list", "--now", NOW], color=True)
    lines = coloured.output.splitlines()
    assert lines[1].startswith("\x1b[32mopen     \x1b[0m  2024-01-15-developpeur-fullstack")
    # 4 days left is within closing_soon_days (7): deadline and days left in bold yellow.
    assert lines[1].endswith("\x1b[33m\x1b[1m2024-03-05\x1b[0m  \x1b[33m\x1b[1m4\x1b[0m")
    assert lines[2].endswith("2024-04-30  60")
    assert lines[4].startswith("\x1b[36mscheduled\x1b[0m")


def test_empty_folder_and_broken_files(site: Path) -> None:
    for path in site.iterdir():
        path.unlink()
    code, out, err = run("list", "--now", NOW)
    assert (code, out, err) == (0, "No open or scheduled roles (`jobfeed list --all` shows all).\n", "")
    (site / "broken.md").write_text("no front matter\n", encoding="utf-8")
    code, out, err = run("list", "--all", "--now", NOW)
    assert (code, out) == (0, "No roles.\n")
    assert err == "1 file(s) left out because of errors; run `jobfeed check`\n"


def test_list_reads_other_folders_and_configs(tmp_path: Path) -> None:
    postes = make_site(tmp_path)
    (tmp_path / "other.toml").write_text("[announce]\nclosing_soon_days = 2\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["list", "--postes", str(postes), "--config", str(tmp_path / "other.toml"), "--now", NOW],
        color=True,
    )
    assert result.exit_code == 0
    assert "\x1b[33m" not in result.output.splitlines()[1]  # 4 days is no longer "closing soon"
    result = CliRunner().invoke(cli, ["list", "--now", "yesterday", "--postes", str(postes)])
    assert result.exit_code == 2
    assert result.output == (
        "Error: --now 'yesterday' is not an ISO 8601 date-time; write e.g. 2024-03-01T09:00:00+01:00\n"
    )


def test_days_left_counts_days_in_the_site_time_zone() -> None:
    config = Config()
    deadline = Moment(dt.datetime(2024, 3, 2, tzinfo=config.tz), all_day=True)
    # 23:30 UTC on 1 March is already 2 March in Paris: the last day.
    assert days_left(deadline, dt.datetime(2024, 3, 1, 23, 30, tzinfo=dt.UTC), config) == 0
    assert days_left(deadline, dt.datetime(2024, 3, 1, 22, 30, tzinfo=dt.UTC), config) == 1
    assert days_left(None, dt.datetime(2024, 3, 1, tzinfo=dt.UTC), config) is None


def test_rows_without_a_deadline_come_last_among_open_roles(tmp_path: Path) -> None:
    postes = make_site(tmp_path)
    config = Config()
    loaded = load_postings(postes, config)
    found = rows(classify(loaded.postings, dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)), config)
    assert [(r.id, str(r.state)) for r in found] == [
        ("2024-01-15-developpeur-fullstack", "open"),
        ("2024-02-01-chargee-de-mission", "open"),
        ("2024-02-10-charge-deploiement", "open"),
        ("2024-05-01-coach-produit", "scheduled"),
    ]


def test_list_of_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["list", "--postes", str(tmp_path / "nope"), "--now", NOW])
    assert (result.exit_code, result.output) == (
        1,
        f"Error: the postings folder '{tmp_path / 'nope'}' does not exist (in {Path.cwd()}); give the right "
        "one with --postes or [postes] dir in jobfeed.toml, or run jobfeed from the folder that holds it; "
        "nothing was written\n",
    )
