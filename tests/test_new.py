"""new.py and `jobfeed new`: a posting file that `jobfeed check` passes, never an overwrite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import feedparser
import pytest
import yaml
from click.testing import CliRunner

from jobfeed.author.new import NewRole, posting_text, yaml_scalar
from jobfeed.cli import cli
from jobfeed.config import Config, config_from_dict
from jobfeed.core.postings import load_posting
from roles_folder import NOW

EXPECTED_FILE = """---
role: Développeur·euse back-end
equipe: Aides-territoires
contact: recrutement@example.org
contrat: CDD
poste_ouvert: 2024-03-01
poste_ferme: 2024-04-30
status: open
poste_pourvu: false
---

L'équipe Aides-territoires recrute : **Développeur·euse back-end** (CDD).

<!--more-->

<!--
Décrivez ici le poste en Markdown ; ce commentaire n'est pas publié. Par exemple :

## Missions
- …

## Profil recherché
- …

## Conditions
- …
-->

Pour candidater : recrutement@example.org
"""

OPTIONS = [
    "--role",
    "Développeur·euse back-end",
    "--team",
    "Aides-territoires",
    "--contract",
    "CDD",
    "--contact",
    "recrutement@example.org",
    "--deadline",
    "2024-04-30",
]
CREATED = (
    "Created postes/2024-03-01-developpeur-euse-back-end.md\n"
    "Describe the role in that file, then run `jobfeed check` and `jobfeed preview`.\n"
)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site's folder with its (empty) postings folder, the current directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "postes").mkdir()
    return tmp_path


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin, prog_name="jobfeed")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_new_from_options_writes_a_posting_check_accepts(here: Path) -> None:
    assert invoke("new", *OPTIONS, "--now", NOW) == (0, CREATED)
    path = here / "postes/2024-03-01-developpeur-euse-back-end.md"
    assert path.read_text(encoding="utf-8") == EXPECTED_FILE
    result = CliRunner().invoke(cli, ["check"])
    assert (result.exit_code, result.stderr) == (0, "1 file(s) checked: 0 error(s), 2 warning(s)\n")
    # Nothing to say of the posting; only of the missing configuration (no [site] url, no location).
    assert [line.split(": ")[:3] for line in result.stdout.splitlines()] == [
        ["jobfeed.toml:1", "warning", "no [pages.location]"],
        ["jobfeed.toml:1", "warning", "no [site] url"],
    ]


def test_new_role_is_published_without_the_guidance_comment(here: Path) -> None:
    invoke("new", *OPTIONS, "--now", NOW)
    result = CliRunner().invoke(cli, ["build", "--now", NOW])
    assert result.exit_code == 0, result.output
    feed = feedparser.parse((here / "feeds/atom.xml").read_bytes())
    assert feed.bozo == 0
    [entry] = feed.entries
    assert entry.title == "Développeur·euse back-end — Aides-territoires"
    assert entry.summary == "L'équipe Aides-territoires recrute : Développeur·euse back-end (CDD)."
    assert "Décrivez" not in entry.content[0].value
    assert "recrutement@example.org" in entry.content[0].value


def test_new_asks_for_each_value(here: Path) -> None:
    answers = "Coach agile\nIncubateur\n\nhello@example.org\n2024-02-30\n2024-05-31\n"
    code, out = invoke("new", "--now", NOW, stdin=answers)
    assert (code, out) == (
        0,
        "Role title: Coach agile\n"
        "Team: Incubateur\n"
        "Contract (CDI, CDD, stage, indépendant…): \n"
        "Contact (e-mail or URL to apply): hello@example.org\n"
        "Deadline (YYYY-MM-DD, empty for none): 2024-02-30\n"
        "Error: deadline '2024-02-30' is not a date; "
        "expected YYYY-MM-DD or an ISO 8601 date-time such as 2022-02-22T23:00:00Z\n"
        "Deadline (YYYY-MM-DD, empty for none): 2024-05-31\n"
        "Created postes/2024-03-01-coach-agile.md\n"
        "Describe the role in that file, then run `jobfeed check` and `jobfeed preview`.\n",
    )
    assert (
        (here / "postes/2024-03-01-coach-agile.md")
        .read_text(encoding="utf-8")
        .startswith(
            "---\nrole: Coach agile\nequipe: Incubateur\ncontact: hello@example.org\n"
            "poste_ouvert: 2024-03-01\nposte_ferme: 2024-05-31\nstatus: open\nposte_pourvu: false\n---\n\n"
            "L'équipe Incubateur recrute : **Coach agile**.\n"
        )
    )


def test_new_refuses_to_overwrite(here: Path) -> None:
    invoke("new", *OPTIONS, "--now", NOW)
    path = here / "postes/2024-03-01-developpeur-euse-back-end.md"
    path.write_text(EXPECTED_FILE + "Édité à la main.\n", encoding="utf-8")
    assert invoke("new", *OPTIONS, "--now", NOW) == (
        1,
        "Error: postes/2024-03-01-developpeur-euse-back-end.md already exists; nothing was written. "
        "Edit that file, or choose another --slug\n",
    )
    assert path.read_text(encoding="utf-8").endswith("Édité à la main.\n")
    assert invoke("new", *OPTIONS, "--slug", "back-end-2", "--now", NOW) == (
        0,
        "Created postes/2024-03-01-back-end-2.md\n"
        "Describe the role in that file, then run `jobfeed check` and `jobfeed preview`.\n",
    )


def test_new_refuses_an_id_another_posting_has(here: Path) -> None:
    (here / "postes/ancien.md").write_text("---\nrole: Dev\nid: 2024-03-01-dev\n---\n", encoding="utf-8")
    assert invoke("new", "--role", "Dev", "--now", NOW) == (
        1,
        "Error: postes/ancien.md already has the id '2024-03-01-dev'; choose another --slug\n",
    )
    assert sorted(p.name for p in (here / "postes").iterdir()) == ["ancien.md"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--deadline", "2024-02-15"],
            "the deadline 2024-02-15 is before the opening day 2024-03-01; give a later --deadline",
        ),
        (
            ["--deadline", "demain"],
            "--deadline 'demain' is not a date; expected YYYY-MM-DD or an ISO 8601 date-time such as 2022-02-22T23:00:00Z",
        ),
        (
            ["--opened", "2024-13-01"],
            "--opened '2024-13-01' is not a date; expected YYYY-MM-DD or an ISO 8601 date-time such as 2022-02-22T23:00:00Z",
        ),
    ],
)
def test_new_refuses_unusable_dates(here: Path, args: list[str], message: str) -> None:
    assert invoke("new", "--role", "Dev", *args, "--now", NOW) == (2, f"Error: {message}\n")
    assert list((here / "postes").iterdir()) == []


def test_new_with_an_opening_day_and_another_folder(here: Path) -> None:
    code, out = invoke("new", "--role", "Dev", "--opened", "2024-04-02", "--postes", "offres", "--now", NOW)
    # A folder named with --postes is created, and said so.
    assert (code, out.splitlines()[:2]) == (
        0,
        ["Created the postings folder offres", "Created offres/2024-04-02-dev.md"],
    )
    posting, problems = load_posting(here / "offres/2024-04-02-dev.md", Config())
    assert [p.message for p in problems] == ["no contact; add 'contact: <e-mail or web address to apply>'"]
    assert posting is not None and posting.opened is not None
    assert posting.opened.day == dt.date(2024, 4, 2)


def test_new_uses_the_keys_the_site_maps_and_its_language(here: Path) -> None:
    (here / "jobfeed.toml").write_text(
        '[site]\nlanguage = "en"\n[fields]\nrole = ["title"]\nteam = ["startup"]\nstatus = ["open"]\n'
        'deadline = ["depublication_date"]\nopened = ["date"]\n',
        encoding="utf-8",
    )
    assert (
        invoke("new", "--role", "Designer", "--team", "Aides", "--deadline", "2024-04-30", "--now", NOW)[0]
        == 0
    )
    text = (here / "postes/2024-03-01-designer.md").read_text(encoding="utf-8")
    assert text.startswith(
        "---\ntitle: Designer\nstartup: Aides\ndate: 2024-03-01\ndepublication_date: 2024-04-30\n"
        "open: true\nposte_pourvu: false\n---\n\nThe Aides team is hiring: **Designer**.\n"
    )
    result = CliRunner().invoke(cli, ["check"])
    assert (result.exit_code, result.stderr) == (0, "1 file(s) checked: 0 error(s), 3 warning(s)\n")
    assert "postes/2024-03-01-designer.md:1: warning: no contact; add 'contact: " in result.stdout


@pytest.mark.parametrize(
    "text",
    ["Data: NLP", "true", "2024", "#1 du recrutement", "'quoted'", "Dev & Ops", "  espaces", "null", "a\nb"],
)
def test_yaml_scalar_reads_back_as_written(text: str) -> None:
    assert yaml.safe_load(f"k: {yaml_scalar(text)}") == {"k": text}


def test_posting_text_without_optional_values() -> None:
    config = config_from_dict({})
    assert posting_text(NewRole(role="Dev"), config, dt.date(2024, 3, 1)).splitlines()[:8] == [
        "---",
        "role: Dev",
        "poste_ouvert: 2024-03-01",
        "status: open",
        "poste_pourvu: false",
        "---",
        "",
        "Nous recrutons : **Dev**.",
    ]


def test_new_with_a_missing_config_file(here: Path) -> None:
    assert invoke("new", "--role", "Dev", "--config", "absent.toml", "--now", NOW) == (
        1,
        "Error: absent.toml: no such configuration file\n",
    )
