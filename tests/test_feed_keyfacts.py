"""The key facts line at the top of every entry (issue 18): what a reader shows, in the site's language,
and an entry's `updated` that moves when `jobfeed extend` moves the deadline."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import feedparser
from click.testing import CliRunner

from conftest import NOW, posting
from jobfeed import Config, build, config_from_dict
from jobfeed.cli import cli


def site(tmp_path: Path) -> Path:
    postes = tmp_path / "postes"
    postes.mkdir()
    (postes / "2024-02-01-dev.md").write_text(
        posting(
            "Développeur·euse",
            "Nous cherchons **quelqu'un**.\n",
            equipe="Aides-territoires",
            contrat="CDD",
            contact="rh@example.org",
            poste_ouvert="2024-02-01",
            poste_ferme="2024-03-15",
        ),
        encoding="utf-8",
    )
    (postes / "2024-02-02-coach.md").write_text(
        posting("Coach <agile>", "Texte.\n", contact="https://example.org/candidater?a=1&b=2"),
        encoding="utf-8",
    )
    return postes


def entries(out: Path) -> dict[str, list[str]]:
    """Entry title -> its content in atom.xml, rss.xml and feed.json, as feedparser and json read them."""
    atom = feedparser.parse((out / "atom.xml").read_bytes())
    rss = feedparser.parse((out / "rss.xml").read_bytes())
    assert atom.bozo == 0 and rss.bozo == 0
    feed = json.loads((out / "feed.json").read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    for e in atom.entries:
        found.setdefault(e.title, []).append(e.content[0].value)
    for e in rss.entries:
        found[e.title].append(e.content[0].value if "content" in e else e.description)
    for item in feed["items"]:
        found[item["title"]].append(item["content_html"])
    return found


def test_every_entry_starts_with_the_deadline_contract_team_and_how_to_apply(
    tmp_path: Path, config: Config
) -> None:
    postes = site(tmp_path)
    build(config, NOW, postes=postes, out=tmp_path / "out", use_cache=False)
    found = entries(tmp_path / "out")
    dev = found["Développeur·euse — Aides-territoires"]
    assert len(dev) == 3
    for content in dev:
        assert content.startswith(
            "<p><strong>Clôture</strong> : 15 mars 2024 · <strong>Contrat</strong> : CDD · "
            "<strong>Équipe</strong> : Aides-territoires · <strong>Candidater</strong> : "
            '<a href="mailto:rh@example.org?subject=Candidature%20%3A%20D%C3%A9veloppeur%C2%B7euse">'
            "rh@example.org</a></p>"
        ), content
        assert "<strong>quelqu'un</strong>" in content  # the body follows
    coach = found["Coach <agile>"]
    for content in coach:
        assert content.startswith(
            "<p><strong>Clôture</strong> : pas de date de clôture · <strong>Candidater</strong> : "
            '<a href="https://example.org/candidater?a=1&amp;b=2">https://example.org/candidater?a=1&amp;b=2</a></p>'
        ), content


def test_the_line_is_in_the_sites_language(tmp_path: Path) -> None:
    english = config_from_dict(
        {"site": {"url": "https://jobs.example.org/", "language": "en-GB", "id_authority": "x.org,2024"}}
    )
    postes = site(tmp_path)
    build(english, NOW, postes=postes, out=tmp_path / "out", use_cache=False)
    for content in entries(tmp_path / "out")["Développeur·euse — Aides-territoires"]:
        assert content.startswith(
            "<p><strong>Closing date</strong>: 15 March 2024 · <strong>Contract</strong>: CDD · "
            "<strong>Team</strong>: Aides-territoires · <strong>Apply</strong>: "
        ), content


def test_extend_moves_the_entrys_updated_date_from_the_posting_not_the_clock(
    tmp_path: Path, config: Config
) -> None:
    postes = site(tmp_path)
    out = tmp_path / "out"
    build(config, NOW, postes=postes, out=out)
    before = feedparser.parse((out / "atom.xml").read_bytes())
    dev = next(e for e in before.entries if e.title.startswith("Développeur"))
    assert dev.updated == "2024-02-01T00:00:00+01:00"

    config_file = tmp_path / "jobfeed.toml"
    config_file.write_text(
        '[site]\nurl = "https://jobs.example.org/"\nid_authority = "jobs.example.org,2024"\n'
    )
    extended_at = "2024-03-10T14:30:00Z"
    args = ["extend", "dev", "--until", "2024-04-30", "--postes", str(postes), "--config", str(config_file)]
    result = CliRunner().invoke(cli, [*args, "--now", extended_at], prog_name="jobfeed")
    assert result.exit_code == 0, result.output
    assert "added mis_a_jour: 2024-03-10T14:30:00Z" in result.output

    later = dt.datetime(2024, 3, 20, tzinfo=dt.UTC)  # a later build: its clock is not the date
    for when in (later, later + dt.timedelta(days=3)):
        build(config, when, postes=postes, out=out)
        after = feedparser.parse((out / "atom.xml").read_bytes())
        dev = next(e for e in after.entries if e.title.startswith("Développeur"))
        assert dev.updated == "2024-03-10T15:30:00+01:00"
        assert "30 avril 2024" in dev.content[0].value
        feed = json.loads((out / "feed.json").read_text(encoding="utf-8"))
        item = next(i for i in feed["items"] if i["title"].startswith("Développeur"))
        assert item["date_modified"] == "2024-03-10T15:30:00+01:00"
