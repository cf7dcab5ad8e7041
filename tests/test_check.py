"""`jobfeed check` says everything `jobfeed build` says, with the same text, and the likely mistakes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from jobfeed.cli import cli

NOW = "2024-03-01T09:00:00+01:00"
CONFIG = """\
[site]
title = "Offres"

[pages]
form_url = "https://forms.example.org/{id}"
"""
LONG = "Chargé·e de mission " + "très " * 30 + "longue"

POSTINGS = {
    # a deadline before the opening date: an error on the deadline's line
    "avant.md": "---\nrole: Avant\ncontact: a@example.org\nposte_ouvert: 2024-03-10\nposte_ferme: 2024-02-01\n---\n",
    # no opening date
    "sans-date.md": "---\nrole: Sans date\ncontact: a@example.org\n---\n",
    # two keys of one field that disagree: the closed signal wins
    "desaccord.md": (
        "---\nrole: Désaccord\ncontact: a@example.org\nposte_ouvert: 2024-01-05\nstatus: open\nopen: false\n---\n"
    ),
    # no contact
    "sans-contact.md": "---\nrole: Sans contact\nposte_ouvert: 2024-01-05\n---\n",
    # a title longer than a chat header
    "long.md": f"---\nrole: {LONG}\ncontact: a@example.org\nposte_ouvert: 2024-01-05\n---\n",
    # the typo of a key that the file has already: remove it
    "typo.md": "---\nrole: Typo\ncontact: a@example.org\nposte_ouvert: 2024-01-05\npost_ouvert: 2024-01-06\n---\n",
    # two contracts that would share a feed: build used to be the only one to say so
    "freelance-a.md": (
        "---\nrole: Freelance A\ncontact: a@example.org\nposte_ouvert: 2024-01-01\ncontrat: Indépendant\n---\n"
    ),
    "freelance-b.md": (
        "---\nrole: Freelance B\ncontact: a@example.org\nposte_ouvert: 2024-01-02\ncontrat: indépendant\n---\n"
    ),
}


def site(tmp_path: Path) -> tuple[Path, Path]:
    postes = tmp_path / "postes"
    postes.mkdir()
    for name, text in POSTINGS.items():
        (postes / name).write_text(text, encoding="utf-8")
    config = tmp_path / "jobfeed.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return postes, config


def test_check_says_each_likely_mistake_once_on_its_line_and_build_says_the_same(tmp_path: Path) -> None:
    postes, config = site(tmp_path)
    common = ["--config", str(config), "--postes", str(postes), "--now", NOW]
    checked = CliRunner().invoke(cli, ["check", *common, "--out", str(tmp_path / "feeds")])
    assert checked.exit_code == 1  # the deadline before the opening date is an error
    p = f"{postes}/"
    assert checked.stdout.splitlines() == [
        f"{config}:1: warning: no [site] url: the feeds' links are relative, which RSS forbids and many "
        'feed readers cannot follow; set url = "https://…/" in [site], the address the output folder is '
        "published at",
        f"{config}:4: warning: no [pages.location]: search engines (Google for Jobs) want the place of "
        'work in each page\'s JobPosting; add [pages.location] with locality = "…" and country = "FR" '
        "(and remote = true when the roles can be remote)",
        f"{p}avant.md:5: error: the deadline (2024-02-01) is before the opening date (2024-03-10, line 4); "
        "correct one of them (left out until then)",
        f"{p}desaccord.md:6: warning: open 'false' disagrees with status 'open' on line 5; the role is "
        "taken as closed: a closed signal wins; keep one of the two keys",
        # two spellings of one contract and no record of who published its feed: both are errors
        f"{p}freelance-a.md:5: error: contract 'Indépendant' and 'indépendant' would share the feed "
        "contrats/independant.xml, which neither published; write them the same if they are one contract, "
        "or give them distinct names; its roles are left out of the contract feeds",
        f"{p}freelance-b.md:5: error: contract 'indépendant' and 'Indépendant' would share the feed "
        "contrats/independant.xml, which neither published; write them the same if they are one contract, "
        "or give them distinct names; its roles are left out of the contract feeds",
        f"{p}long.md:2: warning: the role's title is {len(LONG)} characters long; chat headers show 150 "
        "at most and cut the rest: shorten it",
        f"{p}sans-contact.md:1: warning: no contact; add 'contact: <e-mail or web address to apply>'",
        f"{p}sans-date.md:1: warning: no opening date; add 'poste_ouvert: YYYY-MM-DD' (until then its "
        "feed entry is dated 1970-01-01)",
        f"{p}typo.md:5: warning: unknown key 'post_ouvert', and 'poste_ouvert' is on line 4; remove it",
    ]
    assert checked.stderr == "8 file(s) checked: 3 error(s), 7 warning(s)\n"

    built = CliRunner().invoke(cli, ["build", *common, "--out", str(tmp_path / "feeds"), "--json"])
    assert built.exit_code == 0, built.output
    assert built.stderr.splitlines() == checked.stdout.splitlines()  # the same lines, in the same order
    report = json.loads(built.stdout)
    assert [f"{x['path']}:{x['line']}: {x['level']}: {x['message']}" for x in report["problems"]] == (
        checked.stdout.splitlines()
    )
    # `status: open` with `open: false` is not published.
    feed = json.loads((tmp_path / "feeds" / "feed.json").read_text(encoding="utf-8"))
    titles = sorted(item["title"] for item in feed["items"])
    assert "Désaccord" not in titles and "Avant" not in titles
    assert titles == sorted(["Sans date", "Sans contact", LONG, "Typo", "Freelance A", "Freelance B"])


def test_a_clean_folder_and_configuration_have_nothing_to_say(tmp_path: Path) -> None:
    postes = tmp_path / "postes"
    postes.mkdir()
    (postes / "a.md").write_text(
        "---\nrole: A\ncontact: a@example.org\nposte_ouvert: 2024-01-05\nstatus: open\nopen: true\n---\n",
        encoding="utf-8",
    )
    config = tmp_path / "jobfeed.toml"
    config.write_text(
        '[site]\nurl = "https://jobs.example.org/"\n[pages.location]\nremote = true\n', encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["check", "--config", str(config), "--postes", str(postes)])
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "",
        "1 file(s) checked: 0 error(s), 0 warning(s)\n",
    )
