"""`jobfeed init` (author/adopt.py): a team's repository set up around its postings, never overwritten."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from jobfeed.author.adopt import DEFAULT_ACTION, SiteAnswers, checked, render_config
from jobfeed.cli import cli
from jobfeed.config import load_config

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = [
    "--title", "Offres d'emploi", "--url", "https://jobs.example.org", "--timezone", "Europe/Paris",
    "--language", "fr", "--organisation", "Acme", "--locality", "Lyon", "--country", "fr", "--year", "2026",
]  # fmt: skip
FILES = ["jobfeed.toml", ".github/workflows/jobfeed.yml", "README.md", "postes/exemple.md", ".gitignore"]


def init(*args: str, input: str | None = None) -> Result:
    env = {"SOURCE_DATE_EPOCH": "1795000000"}  # 18 November 2026
    return CliRunner().invoke(cli, ["init", *args], input=input, env=env, catch_exceptions=False)


def test_this_repository_s_config_is_what_init_writes_for_it() -> None:
    answers = SiteAnswers(
        title="Offres d'emploi — démonstration jobfeed",
        description="Les postes ouverts des équipes de l'Incubateur des Territoires (démonstration)",
        url="https://jobfeed.github.io/jobfeed/",
        timezone="Europe/Paris",
        language="fr",
        organisation="Incubateur des Territoires",
        street="20 avenue de Ségur",
        locality="Paris",
        postal_code="75007",
        country="FR",
        year=2024,
    )
    assert render_config(checked(answers)) == (ROOT / "jobfeed.toml").read_text(encoding="utf-8")


def test_init_writes_a_site_that_checks_and_builds(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = init(str(site), *OPTIONS)
    assert result.exit_code == 0, result.output
    assert result.output == "".join(f"wrote {name}\n" for name in FILES)
    config = load_config(site / "jobfeed.toml")
    assert (config.title, config.site_url, config.author) == (
        "Offres d'emploi",
        "https://jobs.example.org/",
        "Acme",
    )
    assert config.id_authority == "jobs.example.org,2026"
    assert (config.pages.location.locality, config.pages.location.country) == ("Lyon", "FR")
    assert (site / ".gitignore").read_text(
        encoding="utf-8"
    ) == "# jobfeed\n.jobfeed-cache/\n.jobfeed/*.lock\n"
    example = (site / "postes/exemple.md").read_text(encoding="utf-8")
    assert "poste_ouvert: 2026-11-18\nstatus: closed\n" in example  # never announced, never open
    workflow = yaml.safe_load((site / ".github/workflows/jobfeed.yml").read_text(encoding="utf-8"))
    assert (
        [s.get("uses") for s in workflow["jobs"]["publish"]["steps"]][1]
        == DEFAULT_ACTION
        == "jobfeed/jobfeed@v0"
    )
    readme = (site / "README.md").read_text(encoding="utf-8")
    assert "<https://jobs.example.org/>" in readme and "jobfeed new" in readme
    runner = CliRunner()
    config_arg = ["--config", str(site / "jobfeed.toml"), "--postes", str(site / "postes")]
    checked_run = runner.invoke(cli, ["check", *config_arg])
    assert checked_run.exit_code == 0 and "0 error(s), 0 warning(s)" in checked_run.output, checked_run.output
    built = runner.invoke(cli, ["build", *config_arg, "--out", str(site / "feeds"), "--no-cache"])
    assert built.exit_code == 0, built.output
    assert (site / "feeds/index.html").is_file() and (site / "feeds/atom.xml").is_file()


def test_init_never_overwrites_and_force_rewrites_the_workflow_only(tmp_path: Path) -> None:
    assert init(str(tmp_path), *OPTIONS).exit_code == 0
    workflow, readme = tmp_path / ".github/workflows/jobfeed.yml", tmp_path / "README.md"
    original = workflow.read_text(encoding="utf-8")
    for path in (workflow, readme, tmp_path / "jobfeed.toml"):
        path.write_text("# edited by the team\n", encoding="utf-8")
    again = init(str(tmp_path), *OPTIONS, "--title", "Autre titre")
    assert again.exit_code == 0
    assert "wrote" not in again.output and "kept jobfeed.toml (already there" in again.output
    assert workflow.read_text(encoding="utf-8") == "# edited by the team\n"
    forced = init(str(tmp_path), *OPTIONS, "--force")
    assert forced.exit_code == 0
    assert "wrote .github/workflows/jobfeed.yml\n" in forced.output
    assert workflow.read_text(encoding="utf-8") == original
    assert readme.read_text(encoding="utf-8") == "# edited by the team\n"
    assert (tmp_path / "jobfeed.toml").read_text(encoding="utf-8") == "# edited by the team\n"
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8").count(".jobfeed-cache/") == 1


def test_init_in_a_folder_of_postings_keeps_them_and_configures_around_them(tmp_path: Path) -> None:
    (tmp_path / "offres").mkdir()
    posting = tmp_path / "offres" / "2024-01-02-dev.md"
    posting.write_text("---\nrole: Dev\nequipe: A\ncontact: a@b.fr\n---\n\nTexte.\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("node_modules/\n.jobfeed-cache/", encoding="utf-8")
    result = init(str(tmp_path), *OPTIONS, "--postes", "offres/", "--out", "public")
    assert result.exit_code == 0, result.output
    assert "kept the 1 posting(s) already in the postings folder" in result.output
    assert sorted(p.name for p in (tmp_path / "offres").iterdir()) == ["2024-01-02-dev.md"]
    assert (load_config(tmp_path / "jobfeed.toml").postes, load_config(tmp_path / "jobfeed.toml").out) == (
        "offres",
        "public",
    )
    workflow = (tmp_path / ".github/workflows/jobfeed.yml").read_text(encoding="utf-8")
    assert '- "offres/**"' in workflow and "path: public\n" in workflow
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == (
        "node_modules/\n.jobfeed-cache/\n# jobfeed\n.jobfeed/*.lock\n"
    )


def test_an_existing_config_decides_the_folders_of_the_workflow(tmp_path: Path) -> None:
    (tmp_path / "jobfeed.toml").write_text(
        '[postes]\ndir = "jobs"\n[build]\nout = "site"\n', encoding="utf-8"
    )
    result = init(str(tmp_path), *OPTIONS)
    assert result.exit_code == 0, result.output
    workflow = (tmp_path / ".github/workflows/jobfeed.yml").read_text(encoding="utf-8")
    assert '- "jobs/**"' in workflow and "path: site\n" in workflow
    assert (tmp_path / "jobs" / "exemple.md").is_file()


def test_init_asks_again_until_an_answer_is_right(tmp_path: Path) -> None:
    answers = "\n".join(
        [
            "",  # title: the default
            "jobs.example.org",  # not a URL
            "https://jobs.example.org/offres",
            "Europe/Pariss",  # no such zone
            "",  # Europe/Paris
            "",  # fr
            "Acme",
            "Lyon",
            "France",  # not a code
            "fr",
        ]
    )
    result = init(str(tmp_path), input=answers + "\n")
    assert result.exit_code == 0, result.output
    assert "is not an http(s) address of a folder; write where the site will be served" in result.output
    assert "unknown time zone 'Europe/Pariss'; write an IANA name such as Europe/Paris" in result.output
    assert "the country 'FRANCE' is not a two-letter ISO 3166 code" in result.output
    assert "Site title [Offres d'emploi]: " in result.output and "Time zone [Europe/Paris]: " in result.output
    config = load_config(tmp_path / "jobfeed.toml")
    assert (config.site_url, config.timezone, config.pages.location.country) == (
        "https://jobs.example.org/offres/",
        "Europe/Paris",
        "FR",
    )
    assert config.id_authority == f"jobs.example.org,{dt.datetime.fromtimestamp(1795000000, dt.UTC).year}"


def test_a_wrong_option_is_a_usage_error_that_writes_nothing(tmp_path: Path) -> None:
    result = init(str(tmp_path), *OPTIONS, "--postes", "../elsewhere")
    assert result.exit_code == 2
    assert (
        "Error: the postings folder '../elsewhere' must be a relative path inside the repository"
        in result.output
    )
    assert list(tmp_path.iterdir()) == []


def test_a_file_in_the_way_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "postes").write_text("not a folder\n", encoding="utf-8")
    result = init(str(tmp_path), *OPTIONS)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {tmp_path / 'postes'}: cannot write it (")
    assert "written before: jobfeed.toml, .github/workflows/jobfeed.yml, README.md;" in result.output
    assert "run 'jobfeed init' again, it keeps what is there" in result.output
    assert (tmp_path / "postes").read_text(encoding="utf-8") == "not a folder\n"
