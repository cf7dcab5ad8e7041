"""The first steps are forgiving (issue 20): `new` keeps the answers and shows its defaults, writes only
into a postings folder it can name; a missing folder names the current directory and --postes; a role
is found by any unique part of its id or title; `extend` says "still open" and local times; typos in
jobfeed.toml get "did you mean"."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from jobfeed.cli import cli
from jobfeed.config import config_from_dict
from jobfeed.errors import ConfigError

NOW = "2024-03-01T09:00:00Z"  # 10:00 in Paris


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin, prog_name="jobfeed")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site with three roles, as the current directory."""
    monkeypatch.chdir(tmp_path)
    postes = tmp_path / "postes"
    postes.mkdir()
    roles = {
        "2024-01-15-developpeur-fullstack": ("Développeur·euse fullstack", "Aides-territoires", ""),
        "2024-02-01-chargee-de-mission": (
            "Chargé·e de mission",
            "France Services",
            "poste_ferme: 2024-05-31\n",
        ),
        "2024-02-10-coach-produit": ("Coach produit", "Territoires d'innovation", ""),
    }
    for stem, (role, team, extra) in roles.items():
        (postes / f"{stem}.md").write_text(
            f"---\nrole: {role}\nequipe: {team}\ncontact: rh@example.org\nposte_ouvert: 2024-01-01\n{extra}"
            "---\nTexte.\n",
            encoding="utf-8",
        )
    return tmp_path


# --- new -------------------------------------------------------------------------------------------


def test_a_past_deadline_is_asked_again_and_the_answers_are_kept(site: Path) -> None:
    answers = "Coach agile\nIncubateur\nCDD\nhello@example.org\n2024-02-15\n2024-05-31\n"
    code, out = invoke("new", "--now", NOW, stdin=answers)
    assert (code, out) == (
        0,
        "Role title: Coach agile\n"
        "Team: Incubateur\n"
        "Contract (CDI, CDD, stage, indépendant…): CDD\n"
        "Contact (e-mail or URL to apply): hello@example.org\n"
        "Deadline (YYYY-MM-DD, empty for none): 2024-02-15\n"
        "Error: the deadline 2024-02-15 is before the opening day 2024-03-01; give a later date\n"
        "Deadline (YYYY-MM-DD, empty for none): 2024-05-31\n"
        "Created postes/2024-03-01-coach-agile.md\n"
        "Describe the role in that file, then run `jobfeed check` and `jobfeed preview`.\n",
    )
    text = (site / "postes/2024-03-01-coach-agile.md").read_text(encoding="utf-8")
    assert "equipe: Incubateur\ncontact: hello@example.org\ncontrat: CDD\n" in text
    assert "poste_ferme: 2024-05-31\n" in text


def test_a_deadline_before_a_given_opening_day_is_asked_again(site: Path) -> None:
    answers = "Coach\n\n\n\n2024-04-01\n\n"
    code, out = invoke("new", "--opened", "2024-04-02", "--now", NOW, stdin=answers)
    assert code == 0, out
    assert "Error: the deadline 2024-04-01 is before the opening day 2024-04-02; give a later date\n" in out
    assert "--deadline" not in out  # no option was used: the message does not ask for one
    assert (site / "postes/2024-04-02-coach.md").is_file()


def test_every_default_is_shown_and_an_empty_answer_keeps_it(site: Path) -> None:
    code, out = invoke(
        "new",
        "--team",
        "Aides",
        "--contract",
        "CDD",
        "--deadline",
        "2024-06-30",
        "--now",
        NOW,
        stdin="Dev\n\n\n\n\n",
    )
    assert code == 0, out
    assert out.startswith(
        "Role title: Dev\n"
        "Team [Aides]: \n"
        "Contract (CDI, CDD, stage, indépendant…) [CDD]: \n"
        "Contact (e-mail or URL to apply): \n"
        "Deadline (YYYY-MM-DD, empty for none) [2024-06-30]: \n"
        "Created postes/2024-03-01-dev.md\n"
    )
    text = (site / "postes/2024-03-01-dev.md").read_text(encoding="utf-8")
    assert "equipe: Aides\ncontrat: CDD\n" in text and "poste_ferme: 2024-06-30\n" in text


def test_new_inside_the_postings_folder_writes_nothing_and_says_where_to_run(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site / "postes")
    before = sorted(p.name for p in (site / "postes").iterdir())
    code, out = invoke("new", "--now", NOW, stdin="Dev\n\n\n\n\n")
    assert (code, out) == (
        1,
        f"Error: the postings folder 'postes' does not exist (in {site / 'postes'}); this folder looks like "
        f"a postings folder itself: run jobfeed from {site}, or give --postes .; nothing was written\n",
    )  # and nothing was asked
    assert sorted(p.name for p in (site / "postes").iterdir()) == before
    code, out = invoke("new", "--role", "Dev", "--postes", ".", "--now", NOW)
    assert (code, out.splitlines()[0]) == (0, "Created 2024-03-01-dev.md")


def test_new_elsewhere_does_not_create_a_postings_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = invoke("new", "--role", "Dev", "--now", NOW)
    assert (code, out) == (
        1,
        f"Error: the postings folder 'postes' does not exist (in {tmp_path}); create it (mkdir postes), "
        "give the postings folder with --postes, or run jobfeed from the folder that holds it; "
        "nothing was written\n",
    )
    assert list(tmp_path.iterdir()) == []


def test_new_creates_the_folder_a_configuration_names_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jobfeed.toml").write_text('[postes]\ndir = "offres"\n', encoding="utf-8")
    code, out = invoke("new", "--role", "Dev", "--now", NOW)
    assert code == 0
    assert out.splitlines()[:2] == ["Created the postings folder offres", "Created offres/2024-03-01-dev.md"]


# --- a missing folder ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["check"],
        ["build"],
        ["notify", "--dry-run"],
        ["list"],
        ["close", "dev", "--filled"],
        ["extend", "dev", "--until", "2024-12-31"],
        ["preview", "dev"],
    ],
)
def test_every_command_names_the_current_directory_and_postes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = invoke(*command, "--now", NOW)
    assert code == 1
    assert out == (
        f"Error: the postings folder 'postes' does not exist (in {tmp_path}); give the right one with "
        "--postes or [postes] dir in jobfeed.toml, or run jobfeed from the folder that holds it; "
        "nothing was written\n"
    )
    assert list(tmp_path.iterdir()) == []


# --- finding a role --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["fullstack", "FULLSTACK", "Développeur", "euse fullstack", "aides-territoires", "developpeur full"],
)
def test_any_unique_part_of_the_id_or_title_finds_the_role(site: Path, query: str) -> None:
    code, out = invoke("close", query, "--filled", "--now", NOW)
    assert (code, out) == (
        0,
        "postes/2024-01-15-developpeur-fullstack.md:6: added poste_pourvu: true\n"
        "2024-01-15-developpeur-fullstack is now filled\n",
    )


def test_an_ambiguous_part_lists_the_candidates(site: Path) -> None:
    code, out = invoke("close", "territoires", "--filled", "--now", NOW)
    assert (code, out) == (
        1,
        "Error: 'territoires' matches 2 roles; give more of it:\n"
        "  2024-01-15-developpeur-fullstack  postes/2024-01-15-developpeur-fullstack.md\n"
        "  2024-02-10-coach-produit          postes/2024-02-10-coach-produit.md\n",
    )
    assert "poste_pourvu" not in (site / "postes/2024-02-10-coach-produit.md").read_text(encoding="utf-8")


def test_a_typo_is_only_suggested(site: Path) -> None:
    code, out = invoke("close", "coach-prodiut", "--filled", "--now", NOW)
    assert code == 1 and out.startswith("Error: no role 'coach-prodiut'; did you mean one of these?\n")


# --- extend ----------------------------------------------------------------------------------------


def test_extend_says_still_open_with_the_local_deadline(site: Path) -> None:
    code, out = invoke("extend", "chargée", "--until", "2024-06-30", "--now", NOW)
    assert (code, out) == (
        0,
        "postes/2024-02-01-chargee-de-mission.md:6: poste_ferme: 2024-05-31 -> 2024-06-30\n"
        "postes/2024-02-01-chargee-de-mission.md:7: added mis_a_jour: 2024-03-01T09:00:00Z\n"
        "2024-02-01-chargee-de-mission is still open, until the end of 2024-06-30 (CEST)\n",
    )


def test_extend_of_an_expired_role_says_now_open(site: Path) -> None:
    code, out = invoke("extend", "chargée", "--until", "2024-07-31", "--now", "2024-06-15T12:00:00Z")
    assert code == 0
    assert out.endswith("2024-02-01-chargee-de-mission is now open, until the end of 2024-07-31 (CEST)\n")


def test_a_past_until_shows_now_in_the_site_s_time_zone(site: Path) -> None:
    code, out = invoke("extend", "coach", "--until", "2024-02-20", "--now", NOW)
    assert (code, out) == (
        2,
        "Error: --until 2024-02-20 is already past (it is now 2024-03-01 10:00 CET); give a later date, "
        "or close the role with `jobfeed close`\n",
    )


# --- jobfeed.toml ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"site": {"titel": "x"}},
            "jobfeed.toml: unknown key 'titel' in [site], did you mean 'title'? known: author, description,",
        ),
        (
            {"sit": {"title": "x"}},
            "jobfeed.toml: unknown section [sit], did you mean [site]? known: announce,",
        ),
        (
            {"notify": [{"kind": "slack", "nmae": "x"}]},
            "jobfeed.toml: [[notify]] #1: unknown key 'nmae', did you mean 'name'? known: channel, contracts,",
        ),
        ({"pages": {"calender": True}}, "unknown key 'calender' in [pages], did you mean 'calendar'? known:"),
        ({"site": {"colour": "x"}}, "jobfeed.toml: unknown key 'colour' in [site]; known: author,"),
        (
            {"fields": {"deadlin": ["x"]}},
            "unknown field 'deadlin' in [fields], did you mean 'deadline'? known: ",
        ),
        (
            {"announce": {"closing_soon_days": "x"}},
            "[announce] closing_soon_days must be a whole number, not 'x'",
        ),
        ({"build": {"out": 3}}, "jobfeed.toml: [build] out must be text, not 3"),
        ({"site": "x"}, "jobfeed.toml: [site] must be a table, not 'x'"),
    ],
)
def test_configuration_mistakes_are_named_with_what_was_meant(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        config_from_dict(raw)
    assert message in str(error.value)


def test_a_configuration_typo_through_the_cli(site: Path) -> None:
    (site / "jobfeed.toml").write_text('[site]\ntitel = "Offres"\n', encoding="utf-8")
    code, out = invoke("check")
    assert code == 1
    assert out.startswith("Error: jobfeed.toml: unknown key 'titel' in [site], did you mean 'title'? known: ")


def test_an_unusable_opening_day_is_refused_before_any_question(site: Path) -> None:
    code, out = invoke("new", "--opened", "2024-13-01", "--now", NOW, stdin="Dev\n\n\n\n\n")
    assert code == 2 and "Role title" not in out
    assert out.startswith("Error: --opened '2024-13-01' is not a date;")
