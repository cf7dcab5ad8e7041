"""preview.py and `jobfeed preview`: the entry exactly as `jobfeed build` writes it; nothing sent."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from jobfeed.author.preview import ATOM
from jobfeed.cli import cli
from roles_folder import NOW, make_site


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_site(tmp_path)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "--now", NOW], prog_name="jobfeed")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def built_entry_and_item(root: Path, entry_id: str) -> tuple[str, dict[str, object]]:
    """The entry of `entry_id` in the feeds `jobfeed build` wrote, serialized like preview does."""
    tree = etree.fromstring((root / "feeds/atom.xml").read_bytes())
    [entry] = [e for e in tree.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}id") == entry_id]
    etree.indent(entry, space="  ")
    entry.tail = None
    items = json.loads((root / "feeds/feed.json").read_text(encoding="utf-8"))["items"]
    [item] = [i for i in items if i["id"] == entry_id]
    return etree.tostring(entry, encoding="unicode", pretty_print=True), item


def test_preview_of_an_open_role_is_what_build_writes(site: Path, tmp_path: Path) -> None:
    code, out = invoke("preview", "developpeur")
    assert code == 0
    assert not (tmp_path / "feeds").exists()  # preview writes nothing
    assert CliRunner().invoke(cli, ["build", "--now", NOW]).exit_code == 0
    entry, item = built_entry_and_item(tmp_path, "tag:example.org,2024:2024-01-15-developpeur-fullstack")
    assert out == "\n".join(
        [
            "Développeur·euse fullstack — Aides-territoires",
            "id 2024-01-15-developpeur-fullstack, postes/2024-01-15-developpeur-fullstack.md, open; "
            "in the feeds now",
            "",
            "Link:     https://example.org/jobs/postes/2024-01-15-developpeur-fullstack.html",
            "Team:     Aides-territoires",
            "Contract: CDD",
            "Opened:   2024-01-15",
            "Deadline: 2024-03-05 (4 day(s) left)",
            "Contact:  dev@example.org",
            "Summary:  Aides-territoires recrute un·e développeur·euse.",
            "",
            "== Atom entry, as in feeds/atom.xml (rss.xml carries the same) ==",
            entry.rstrip(),
            "",
            "== JSON Feed item, as in feeds/feed.json ==",
            json.dumps(item, ensure_ascii=False, indent=2),
            "",
        ]
    )
    assert '<link href="https://example.org/jobs/postes/2024-01-15-developpeur-fullstack.html"/>' in entry


def test_preview_json(site: Path) -> None:
    code, out = invoke("preview", "chargee", "--json")
    assert code == 0
    data = json.loads(out)
    assert {k: data[k] for k in ("id", "path", "state", "in_feeds", "link", "chat")} == {
        "id": "2024-02-01-chargee-de-mission",
        "path": "postes/2024-02-01-chargee-de-mission.md",
        "state": "open",
        "in_feeds": True,
        "link": "https://example.org/jobs/postes/2024-02-01-chargee-de-mission.html",
        "chat": [],
    }
    assert data["atom_entry"].startswith(
        '<entry xmlns="http://www.w3.org/2005/Atom">\n  <id>tag:example.org,2024:'
    )
    assert data["json_feed_item"]["_jobfeed"]["deadline"] == "2024-04-30"


def test_preview_of_a_role_not_in_the_feeds(site: Path) -> None:
    code, out = invoke("preview", "coach")
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == (
        "id 2024-05-01-coach-produit, postes/2024-05-01-coach-produit.md, scheduled; "
        "not in the feeds: the role is scheduled (only open roles are published)"
    )
    assert "== Atom entry, as it would be in feeds/atom.xml (rss.xml carries the same) ==" in lines
    code, out = invoke("preview", "stage")
    assert out.splitlines()[7] == "Deadline: 2023-10-01"  # no "days left" once past


def test_preview_shows_the_exact_chat_payload_of_each_channel(site: Path, tmp_path: Path) -> None:
    from jobfeed import load_config
    from jobfeed.author.preview import preview
    from jobfeed.author.resolve import resolve

    (tmp_path / "jobfeed.toml").write_text(
        '[[notify]]\nkind = "mattermost"\nname = "recrutement"\n[[notify]]\nkind = "slack"\nlanguage = "en"\n',
        encoding="utf-8",
    )
    code, out = invoke("preview", "developpeur")
    assert code == 0
    _, _, chat = out.partition("\n\n== Chat messages, the exact payloads (nothing is sent) ==\n")
    assert chat.startswith("-- recrutement --\n{")
    mattermost_text, _, slack_text = chat.partition("\n-- slack:SLACK_WEBHOOK_URL --\n")
    mattermost = json.loads(mattermost_text.removeprefix("-- recrutement --\n"))
    slack = json.loads(slack_text)
    assert "Développeur" in mattermost["text"]
    assert slack["blocks"][0]["type"] == "header" and "Développeur" in slack["text"]
    # Exactly what notify's renderer makes for an "opened" event of this role.
    config = load_config(tmp_path / "jobfeed.toml")
    shown = preview(resolve("developpeur", config, None), config, dt.datetime.fromisoformat(NOW))
    assert [json.loads(m.text) for m in shown.messages] == [mattermost, slack]
    assert "WEBHOOK_URL=" not in out and "http://127" not in out


def test_preview_follows_notify_s_routing(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A channel whose filters leave the role out shows nothing, as notify would send nothing; a
    default channel shows only when its variable is set (the rules of announce/routing.py)."""
    (tmp_path / "jobfeed.toml").write_text(
        '[[notify]]\nkind = "mattermost"\nname = "fs"\nteams = ["France Services"]\n'
        '[[notify]]\nkind = "slack"\nname = "at"\nteams = ["aides-TERRITOIRES", "Aides-territoires"]\n',
        encoding="utf-8",
    )
    code, out = invoke("preview", "developpeur")
    assert code == 0
    assert "-- at --" in out and "-- fs --" not in out
    (tmp_path / "jobfeed.toml").unlink()
    monkeypatch.delenv("SLACK_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("MATTERMOST_WEBHOOK_URL", raising=False)
    assert "== Chat messages" not in invoke("preview", "developpeur")[1]
    monkeypatch.setenv("MATTERMOST_WEBHOOK_URL", "http://127.0.0.1:9/hooks/abcdefgh")
    code, out = invoke("preview", "developpeur")
    assert "-- mattermost:MATTERMOST_WEBHOOK_URL --" in out and "-- slack" not in out
    assert "abcdefgh" not in out


def test_preview_of_an_unknown_role(site: Path) -> None:
    assert invoke("preview", "nobody") == (
        1,
        "Error: no role 'nobody'; the roles are:\n"
        "  2023-01-10-product-owner          postes/2023-01-10-product-owner.md\n"
        "  2023-06-01-designer-ux            postes/2023-06-01-designer-ux.md\n"
        "  2023-09-01-stage-data             postes/2023-09-01-stage-data.md\n"
        "  2024-01-15-developpeur-fullstack  postes/2024-01-15-developpeur-fullstack.md\n"
        "  2024-02-01-chargee-de-mission     postes/2024-02-01-chargee-de-mission.md\n"
        "  2024-02-10-charge-deploiement     postes/2024-02-10-charge-deploiement.md\n"
        "  2024-05-01-coach-produit          postes/2024-05-01-coach-produit.md\n",
    )
    code, out = invoke("preview")
    assert code == 2
    assert out.endswith("Error: Missing argument 'ROLE'.\n")
