"""A month of daily runs: the output folder and the state change only on the days a role changes state.

build and notify once a day at 09:00 (Paris), 1 to 31 March 2024, in a git repository, as the
Action's schedule runs them; after each day the changes are committed. Three days have news: on
7 March a role opens (and another enters its last week, which only the state records), on 14
March a deadline has passed, on 21 March a recruiter marks a role filled. Every other day, git
sees nothing to commit.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobfeed.cli import cli

CONFIG = """\
[site]
title = "Offres"
url = "https://jobs.example.org/"

[pages.location]
locality = "Paris"
country = "FR"
"""


def front(**values: str) -> str:
    return "---\n" + "".join(f"{k}: {v}\n" for k, v in values.items()) + "---\n\nUne mission.\n"


POSTINGS = {
    "2024-01-10-developpeur.md": front(
        role="Développeur·euse", equipe="Aides-territoires", contrat="CDD", contact="a@example.org",
        poste_ouvert="2024-01-10", poste_ferme="2024-06-30",
    ),
    "2024-03-07-designer.md": front(
        role="Designer", equipe="Mon Espace", contrat="CDD", contact="b@example.org",
        poste_ouvert="2024-03-07", poste_ferme="2024-05-31",
    ),
    "2024-02-01-stage-data.md": front(
        role="Stagiaire data", equipe="Aides-territoires", contrat="stage", contact="c@example.org",
        poste_ouvert="2024-02-01", poste_ferme="2024-03-13",
    ),
    "2024-01-20-coach.md": front(
        role="Coach produit", equipe="Incubateur", contrat="indépendant", contact="e@example.org",
        poste_ouvert="2024-01-20", poste_pourvu="false",
    ),
    # Ended roles whose pages must not follow the clock either.
    "product-owner.md": front(role="Product owner", equipe="Signaux", status="closed", contact="p@example.org"),
    "2023-05-04-ancien.md": front(role="Ancien poste", equipe="Signaux", status="closed", contact="p@example.org"),
}  # fmt: skip

OPENS, EXPIRES, FILLED = 7, 14, 21  # days of March
FEEDS = ("atom.xml", "rss.xml", "feed.json", "deadlines.ics", "feeds.opml")


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        **{f"GIT_{who}_{what}": value for who in ("AUTHOR", "COMMITTER") for what, value in
           (("NAME", "jobfeed"), ("EMAIL", "bot@example.org"))},
    }  # fmt: skip
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def changed(repo: Path) -> set[str]:
    lines = git(repo, "status", "--porcelain", "--untracked-files=all").splitlines()
    return {line[3:].strip('"') for line in lines}


def run(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output


def allowed(page: str) -> set[str]:
    """What may change on a day one role changes state: its page, the index, the feeds, the
    manifest and the state; the team and contract feeds are feeds too."""
    return {f"feeds/postes/{page}.html", "feeds/index.html", "feeds/.jobfeed-manifest.json", "feeds/published.json", ".jobfeed/state.json"} | {
        f"feeds/{name}" for name in FEEDS
    }  # fmt: skip


def test_a_month_of_daily_runs_changes_files_only_on_the_days_roles_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "site"
    (repo / "postes").mkdir(parents=True)
    (repo / "jobfeed.toml").write_text(CONFIG, encoding="utf-8")
    (repo / ".gitignore").write_text(".jobfeed-cache/\n", encoding="utf-8")
    for name, text in POSTINGS.items():
        (repo / "postes" / name).write_text(text, encoding="utf-8")
    git(repo, "init", "--quiet")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "postings")
    monkeypatch.chdir(repo)
    news: dict[int, set[str]] = {}
    for day in range(1, 32):
        if day == FILLED:  # the recruiter's commit, before the scheduled run
            path = repo / "postes" / "2024-01-20-coach.md"
            path.write_text(path.read_text().replace("poste_pourvu: false", "poste_pourvu: true"))
            git(repo, "commit", "--quiet", "-am", "Coach: pourvu")
        now = dt.datetime(2024, 3, day, 9, tzinfo=dt.timezone(dt.timedelta(hours=1))).isoformat()
        run("build", "--now", now)
        run("notify", "--now", now)
        found = changed(repo)
        if found:
            news[day] = found
            git(repo, "add", "-A")
            git(repo, "commit", "--quiet", "-m", f"jobfeed: {day} March")
    assert sorted(news) == [1, OPENS, EXPIRES, FILLED]  # the first run writes everything

    def facets(found: set[str]) -> set[str]:
        return {p for p in found if p.startswith(("feeds/equipes/", "feeds/contrats/"))}

    opened = news[OPENS]
    assert opened - facets(opened) <= allowed("2024-03-07-designer")
    assert {"feeds/postes/2024-03-07-designer.html", "feeds/index.html", "feeds/atom.xml"} <= opened
    assert facets(opened) == {
        "feeds/contrats/cdd.rss.xml", "feeds/contrats/cdd.xml",
        "feeds/equipes/mon-espace.rss.xml", "feeds/equipes/mon-espace.xml",
    }  # fmt: skip
    expired = news[EXPIRES]
    assert expired - facets(expired) <= allowed("2024-02-01-stage-data")
    assert {"feeds/postes/2024-02-01-stage-data.html", "feeds/index.html", "feeds/atom.xml"} <= expired
    assert facets(expired) == {
        "feeds/contrats/stage.rss.xml", "feeds/contrats/stage.xml",
        "feeds/equipes/aides-territoires.rss.xml", "feeds/equipes/aides-territoires.xml",
    }  # fmt: skip
    filled = news[FILLED]
    assert filled - facets(filled) <= allowed("2024-01-20-coach")
    assert {"feeds/postes/2024-01-20-coach.html", "feeds/index.html", "feeds/atom.xml"} <= filled
    assert facets(filled) == {
        "feeds/contrats/independant.rss.xml", "feeds/contrats/independant.xml",
        "feeds/equipes/incubateur.rss.xml", "feeds/equipes/incubateur.xml",
    }  # fmt: skip
    # The state records each day's news, and only then.
    assert all(".jobfeed/state.json" in news[day] for day in news)
