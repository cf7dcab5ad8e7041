"""The output folder is what the postings say: removed files, tombstones, the guards (through the CLI)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import posting
from jobfeed.cli import cli
from jobfeed.publish.manifest import MANIFEST

CONFIG = """\
[site]
title = "Offres"
url = "https://jobs.example.org/"
{language}
[pages]
tombstone_days = {days}

[pages.location]
locality = "Paris"
country = "FR"
"""
NOW = "2024-03-01T09:00:00+01:00"


def files_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


class Site:
    def __init__(self, root: Path, days: int = 90, language: str = "") -> None:
        self.root = root
        self.postes = root / "postes"
        self.postes.mkdir(parents=True)
        self.out = root / "feeds"
        self.config = root / "jobfeed.toml"
        self.config.write_text(CONFIG.format(days=days, language=language), encoding="utf-8")

    def add(self, name: str, role: str, **fields: str) -> None:
        values = {"contact": "rh@example.org", "poste_ouvert": "2024-01-15", **fields}
        (self.postes / f"{name}.md").write_text(posting(role, **values), encoding="utf-8")

    def build(self, *args: str, now: str = NOW) -> tuple[int, str, str]:
        common = ["--config", str(self.config), "--postes", str(self.postes), "--out", str(self.out)]
        result = CliRunner().invoke(cli, ["build", *common, "--now", now, "--no-cache", *args])
        return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site(tmp_path)
    site.add("dev", "Développeur·euse", equipe="Aides-territoires", contrat="CDD")
    site.add("design", "Designer", equipe="Mon Espace", contrat="CDD")
    site.add("data", "Data analyst", equipe="Mon Espace", contrat="stage")
    return site


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> dict[str, str]:
    """path -> added / removed / modified."""
    found = {p: "removed" for p in before if p not in after}
    found |= {p: "added" for p in after if p not in before}
    found |= {p: "modified" for p in before if p in after and before[p] != after[p]}
    return dict(sorted(found.items()))


def test_deleting_a_posting_tombstones_its_page_and_removes_its_team_feeds(site: Site) -> None:
    assert site.build()[0] == 0
    (site.out / "CNAME").write_text("jobs.example.org\n", encoding="utf-8")  # the user's own files
    (site.out / "postes" / "notes.html").write_text("<p>à moi</p>\n", encoding="utf-8")
    before = files_of(site.out)
    (site.postes / "dev.md").unlink()
    code, stdout, stderr = site.build(now="2024-03-02T09:00:00+01:00")
    assert code == 0, stderr
    assert stdout.endswith("; 9 file(s) written, 8 unchanged, 2 removed\n")
    after = files_of(site.out)
    assert changed(before, after) == {
        ".jobfeed-manifest.json": "modified",
        "atom.xml": "modified",
        "equipes/aides-territoires.rss.xml": "removed",  # its only role went: the team has no feed
        "equipes/aides-territoires.xml": "removed",
        "feed.json": "modified",
        "feeds.opml": "modified",
        "index.html": "modified",
        "postes/dev.html": "modified",  # now a tombstone
        "published.json": "modified",  # the id is no longer held (issue 19's record)
        "rss.xml": "modified",
        "contrats/cdd.rss.xml": "modified",
        "contrats/cdd.xml": "modified",
    }
    assert after["CNAME"] == b"jobs.example.org\n" and after["postes/notes.html"] == b"<p>\xc3\xa0 moi</p>\n"
    page = after["postes/dev.html"].decode()
    assert "<h1>Ce poste n&#39;est plus en ligne</h1>" in page
    assert '<meta name="robots" content="noindex">' in page
    assert '<a href="../index.html">' in page
    for absent in ("ld+json", "mailto:", "Développeur", "Postuler"):
        assert absent not in page
    manifest = json.loads(after[MANIFEST])
    assert manifest["tombstones"] == {"postes/dev.html": "2024-03-02"}
    assert "dev" not in manifest["roles"] and "CNAME" not in manifest["files"]


def test_renaming_a_posting_moves_its_page_and_tombstones_the_old_address(site: Site) -> None:
    assert site.build()[0] == 0
    before = files_of(site.out)
    (site.postes / "design.md").rename(site.postes / "designer-ux.md")
    code, _, stderr = site.build(now="2024-03-02T09:00:00+01:00")
    assert code == 0, stderr
    after = files_of(site.out)
    assert changed(before, after) == {
        ".jobfeed-manifest.json": "modified",
        "atom.xml": "modified",
        "contrats/cdd.rss.xml": "modified",
        "contrats/cdd.xml": "modified",
        "equipes/mon-espace.rss.xml": "modified",
        "equipes/mon-espace.xml": "modified",
        "feed.json": "modified",
        "index.html": "modified",
        "postes/design.html": "modified",  # a tombstone
        "postes/designer-ux.html": "added",
        "published.json": "modified",  # the new id, from the new name
        "rss.xml": "modified",
    }
    assert b"noindex" in after["postes/design.html"] and b"ld+json" in after["postes/designer-ux.html"]


def test_a_tombstone_stays_unchanged_until_its_days_are_over(tmp_path: Path) -> None:
    site = Site(tmp_path, days=30)
    site.add("dev", "Développeur·euse")
    site.add("design", "Designer")
    assert site.build()[0] == 0
    (site.postes / "dev.md").unlink()
    assert site.build(now="2024-03-02T09:00:00+01:00")[0] == 0
    gone = files_of(site.out)
    assert b"noindex" in gone["postes/dev.html"]
    # Every day until the 30th after the removal: not a byte changes, the manifest included.
    for day in ("2024-03-03", "2024-03-20", "2024-03-31"):
        code, stdout, _ = site.build(now=f"{day}T23:00:00+02:00")
        assert code == 0 and files_of(site.out) == gone, day
        assert " 0 file(s) written" in stdout
    # 30 days after it went, the tombstone goes, and only it (and the manifest).
    code, stdout, _ = site.build(now="2024-04-01T09:00:00+02:00")
    assert code == 0 and stdout.endswith(", 1 removed\n")
    assert changed(gone, files_of(site.out)) == {
        ".jobfeed-manifest.json": "modified",
        "postes/dev.html": "removed",
    }
    assert json.loads((site.out / MANIFEST).read_text())["tombstones"] == {}


def test_a_role_that_comes_back_has_its_page_again(site: Site) -> None:
    assert site.build()[0] == 0
    page = (site.out / "postes" / "dev.html").read_bytes()
    text = (site.postes / "dev.md").read_text()
    (site.postes / "dev.md").unlink()
    assert site.build(now="2024-03-02T09:00:00+01:00")[0] == 0
    (site.postes / "dev.md").write_text(text)
    assert site.build(now="2024-03-03T09:00:00+01:00")[0] == 0
    assert (site.out / "postes" / "dev.html").read_bytes() == page
    assert json.loads((site.out / MANIFEST).read_text())["tombstones"] == {}


def test_tombstone_days_0_removes_the_page_at_once_and_english_sites_say_it_in_english(
    tmp_path: Path,
) -> None:
    now_gone = Site(tmp_path / "a", days=0)
    english = Site(tmp_path / "b", language='language = "en"')
    for site in (now_gone, english):
        site.add("dev", "Developer")
        site.add("design", "Designer")
        assert site.build()[0] == 0
        (site.postes / "dev.md").unlink()
        assert site.build(now="2024-03-02T09:00:00+01:00")[0] == 0
    assert not (now_gone.out / "postes" / "dev.html").exists()
    page = (english.out / "postes" / "dev.html").read_text()
    assert '<html lang="en">' in page and "<h1>This role is no longer online</h1>" in page


def test_files_put_there_by_hand_are_not_touched(site: Site) -> None:
    """Files without jobfeed's mark, there before the first build or added after: never removed."""
    site.out.mkdir()
    (site.out / "postes").mkdir()
    (site.out / "postes" / "old-role.html").write_text("<p>old</p>\n", encoding="utf-8")
    assert site.build()[0] == 0
    (site.postes / "dev.md").unlink()
    assert site.build(now="2024-03-02T09:00:00+01:00")[0] == 0
    assert (site.out / "postes" / "old-role.html").read_text() == "<p>old</p>\n"


def test_a_folder_built_before_the_manifest_is_taken_back(site: Site) -> None:
    """An older jobfeed wrote no manifest: the first build with one recognises the pages and feeds
    that carry jobfeed's generator mark, and takes back those it no longer produces."""
    assert site.build()[0] == 0
    (site.out / MANIFEST).unlink()  # as an older jobfeed left it
    (site.out / "notes.html").write_text("<!doctype html><title>à moi</title>\n", encoding="utf-8")
    (site.postes / "dev.md").unlink()  # deleted while no manifest was kept
    before = files_of(site.out)
    code, _, stderr = site.build(now="2024-03-02T09:00:00+01:00")
    assert code == 0, stderr
    after = files_of(site.out)
    assert b"noindex" in after["postes/dev.html"] and b"noindex" not in before["postes/dev.html"]
    assert "equipes/aides-territoires.xml" not in after and "equipes/aides-territoires.rss.xml" not in after
    assert after["notes.html"] == before["notes.html"]
    manifest = json.loads(after[MANIFEST])
    assert manifest["tombstones"] == {"postes/dev.html": "2024-03-02"}
    assert "notes.html" not in manifest["files"]


def test_a_missing_postings_folder_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build", "--postes", "postez", "--now", NOW])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the postings folder 'postez' does not exist (in {tmp_path}); give the right one with "
        "--postes or [postes] dir in jobfeed.toml, or run jobfeed from the folder that holds it; "
        "nothing was written\n"
    )
    assert os.listdir(tmp_path) == []  # neither feeds/ nor .jobfeed-cache/
    result = CliRunner().invoke(cli, ["check", "--postes", "postez"])
    assert result.exit_code == 1 and "the postings folder 'postez' does not exist" in result.stderr
    assert os.listdir(tmp_path) == []


def test_most_roles_vanishing_at_once_writes_nothing_unless_forced(tmp_path: Path) -> None:
    site = Site(tmp_path)
    for n in range(8):
        site.add(f"role-{n}", f"Role {n}")
    assert site.build()[0] == 0
    before = files_of(site.out)
    for n in range(5):  # 5 of 8: more than half, and at least 5
        (site.postes / f"role-{n}.md").unlink()
    code, stdout, stderr = site.build(now="2024-03-02T09:00:00+01:00")
    assert code == 1 and stdout == ""
    assert stderr == (
        f"Error: 5 of the 8 roles the previous build published in {site.out} have no posting any more "
        "(a wrong --postes, a bad merge?); nothing was written. Check the postings folder, or run "
        "again with --force if these roles were really removed\n"
    )
    assert files_of(site.out) == before
    # An empty folder too: all of them would go.
    code, _, _ = site.build()
    (site.postes / "role-5.md").unlink()
    assert files_of(site.out) == before
    code, stdout, stderr = site.build("--force", now="2024-03-02T09:00:00+01:00")
    assert code == 0, stderr
    assert sorted(p for p in files_of(site.out) if p.startswith("postes/")) == [
        f"postes/role-{n}.html" for n in range(8)
    ]
    assert len(json.loads((site.out / MANIFEST).read_text())["tombstones"]) == 6


def test_fewer_than_five_roles_may_all_go(tmp_path: Path) -> None:
    site = Site(tmp_path)
    for n in range(4):
        site.add(f"role-{n}", f"Role {n}")
    assert site.build()[0] == 0
    for n in range(4):
        (site.postes / f"role-{n}.md").unlink()
    code, stdout, _ = site.build(now="2024-03-02T09:00:00+01:00")
    assert code == 0 and "0 open" in stdout


def test_a_damaged_manifest_stops_the_build(site: Site) -> None:
    assert site.build()[0] == 0
    before = files_of(site.out)
    (site.out / MANIFEST).write_text('{"version": 1, "files": ["../../etc/passwd"], "roles": {}}')
    before[MANIFEST] = (site.out / MANIFEST).read_bytes()
    (site.postes / "dev.md").unlink()
    code, _, stderr = site.build(now="2024-03-02T09:00:00+01:00")
    assert code == 1 and "the build manifest is damaged" in stderr
    assert f"git checkout -- {site.out / MANIFEST}" in stderr
    assert files_of(site.out) == before


def test_a_posting_that_fails_to_load_keeps_its_page(site: Site) -> None:
    """A broken file (a bad merge) is not a removed role: its page stays as it was, not a tombstone;
    the role is left out of the feeds and the index, as any invalid posting is."""
    assert site.build()[0] == 0
    page = (site.out / "postes" / "dev.html").read_bytes()
    (site.postes / "dev.md").write_text("---\nrole: [\n---\n", encoding="utf-8")
    code, _, stderr = site.build(now="2024-03-02T09:00:00+01:00")
    assert code == 0 and "dev.md:3: error: invalid YAML" in stderr
    assert (site.out / "postes" / "dev.html").read_bytes() == page
    assert "Développeur" not in (site.out / "index.html").read_text()
    manifest = json.loads((site.out / MANIFEST).read_text())
    assert manifest["tombstones"] == {} and manifest["roles"]["dev"] == "postes/dev.html"
    (site.postes / "dev.md").unlink()  # then really removed: a tombstone
    assert site.build(now="2024-03-03T09:00:00+01:00")[0] == 0
    assert b"noindex" in (site.out / "postes" / "dev.html").read_bytes()


def test_a_file_of_the_user_s_is_never_overwritten(site: Site) -> None:
    """A new role's page would go where the user keeps a page of their own: the file stays, the
    build says why the role's page is not written."""
    assert site.build()[0] == 0
    mine = site.out / "postes" / "apropos.html"
    mine.write_text("<p>Qui sommes-nous ?</p>\n", encoding="utf-8")
    site.add("apropos", "À propos")
    code, _, stderr = site.build(now="2024-03-02T09:00:00+01:00")
    assert code == 0
    assert mine.read_text(encoding="utf-8") == "<p>Qui sommes-nous ?</p>\n"
    assert f"{mine}:1: error: jobfeed did not write this file and leaves it as it is" in stderr
    manifest = json.loads((site.out / MANIFEST).read_text())
    assert "postes/apropos.html" not in manifest["files"] and manifest["roles"]["apropos"] == ""
    (site.postes / "apropos.md").unlink()  # the role goes: nothing of the user's is tombstoned
    assert site.build(now="2024-03-03T09:00:00+01:00")[0] == 0
    assert mine.read_text(encoding="utf-8") == "<p>Qui sommes-nous ?</p>\n"
