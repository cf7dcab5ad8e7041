"""Issue 16's settings one by one: `[teams]` (inline and from an untrusted folder), link placeholders,
`[fields] apply_url` and `ignore`, `[facets]`, `[postes] midnight_deadline` and `opened_from_name`,
the typo hint for rare keys only, and the load cache keyed on all of them."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from jobfeed.config import Config, config_from_dict, config_problems
from jobfeed.core.identity import chat_link, link_of
from jobfeed.core.lifecycle import State, classify
from jobfeed.core.postings import load_postings
from jobfeed.errors import ConfigError
from jobfeed.teams import MAX_FILE_SIZE, MAX_NAME

BASE = {"site": {"url": "https://jobs.example.org/"}}


def conf(**sections: Any) -> Config:
    return config_from_dict({**BASE, **sections})


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- configuration errors name what is wrong


@pytest.mark.parametrize(
    ("link", "named"),
    [
        ("{site_url}{annee}/{name}.html", "{annee}"),
        ("{site_url}{field}/x.html", "{field}"),
        ("{site_url}{year:>4}/x.html", "{year:>4}"),
        ("{site_url}{slug!r}.html", "{slug!r}"),
    ],
)
def test_an_unknown_placeholder_in_the_link_is_a_configuration_error_naming_it(link: str, named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        conf(postes={"link": link})
    assert f"[postes] link {link!r} has the placeholder {named}" in str(caught.value)
    assert "{year}, {month}, {day}, {name}, {field:KEY}" in str(caught.value)


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        (
            {"teams": {"folder": "x"}},
            "unknown key 'folder' in [teams]; known: name_key, names, source, url_key",
        ),
        ({"teams": {"names": {"a": {"nom": "A"}}}}, "unknown key 'nom' in [teams.names.a]; known: name, url"),
        ({"teams": {"names": {"a": {"name": "A", "url": "ftp://a"}}}}, "url must start with https://"),
        ({"facets": {"fields": "domaines", "x": 1}}, "unknown key 'x' in [facets]"),
        ({"facets": {"fields": ["opened"]}}, "'opened' is a canonical field without per-value feeds"),
        ({"facets": {"fields": ["postes"]}}, "'postes' and 'a folder jobfeed writes' would share the folder"),
        ({"facets": {"fields": ["ids"]}}, "'ids' is a name jobfeed keeps for itself"),
        ({"fields": {"ignore": [1]}}, '[fields] ignore must be a list of keys, e.g. ["contacts"]'),
        ({"postes": {"midnight_deadline": "minuit"}}, 'midnight_deadline must be "whole-day"'),
        ({"postes": {"opened_from_name": "yes"}}, "[postes] opened_from_name must be true or false"),
    ],
)
def test_bad_settings_are_configuration_errors(sections: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        conf(**sections)
    assert message in str(caught.value)


def test_the_defaults_do_not_change() -> None:
    config = Config()
    assert config.facets == ("team", "contract")
    assert config.midnight_deadline == "whole-day" and not config.opened_from_name
    assert config.fields["apply_url"] == () and config.ignored_keys == () and config.teams == {}


# --- [teams]


def test_team_names_inline_win_over_the_folder_and_an_unknown_id_is_said_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "_startups", "a.md", "---\ntitle: Alpha\nlink: https://alpha.example/\n---\nTexte\n")
    write(tmp_path / "_startups", "b.yml", "title: Bêta\n")
    config = conf(
        teams={"source": "_startups", "url_key": "link", "names": {"b": "Bravo"}},
        fields={"team": ["startups", "startup"]},
    )
    assert {k: (t.name, t.url) for k, t in config.teams.items()} == {
        "a": ("Alpha", "https://alpha.example/"),
        "b": ("Bravo", ""),
    }
    postes = tmp_path / "postes"
    write(postes, "1.md", "---\nrole: Un\nstartups: [a, z]\ncontact: x@y.fr\nposte_ouvert: 2024-01-01\n---\n")
    write(postes, "2.md", "---\nrole: Deux\nstartup: z\ncontact: x@y.fr\nposte_ouvert: 2024-01-01\n---\n")
    loaded = load_postings(postes, config)
    assert [(p.team, p.teams, p.team_ids) for p in loaded.postings] == [
        ("Alpha, z", ("Alpha", "z"), ("a", "z")),
        ("z", ("z",), ("z",)),
    ]
    assert [str(p) for p in loaded.problems] == [
        f"{postes / '1.md'}:3: warning: team 'z' has no name in [teams] (inline or its source folder); "
        "it is shown as 'z': add it, or correct the id"
    ]


def test_a_team_folder_is_untrusted_bounded_and_its_problems_are_shown_by_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    teams = tmp_path / "teams"
    write(
        teams,
        "evil.md",
        '---\ntitle: "<script>alert(1)</script>\\u0007\\nX"\nlink: javascript:alert(1)\n---\n',
    )
    write(teams, "long.md", "---\ntitle: " + "L" * 1000 + "\n---\n")
    write(
        teams, "huge.md", "---\ntitle: Énorme\n" + "# x\n" * MAX_FILE_SIZE + "---\n"
    )  # never closed in 64 KiB
    write(teams, "broken.yml", "title: [unclosed\n")
    write(teams, "list.md", "---\ntitle: [a, b]\n---\n")
    os.mkfifo(teams / "fifo.md")
    (teams / "link.md").symlink_to("/etc/passwd")
    config = conf(teams={"source": "teams", "url_key": "link"})
    assert config.teams["evil"].name == "<script>alert(1)</script> X"  # one line; escaped where shown
    assert config.teams["evil"].url == ""
    assert config.teams["long"].name == "L" * MAX_NAME
    assert set(config.teams) == {"evil", "long"}
    said = sorted(
        (Path(p.path).name, p.message) for p in config_problems(config) if "[pages" not in p.message
    )
    assert said == [
        (name, "no 'title' to name this team; its id is shown instead")
        for name in ("broken.yml", "fifo.md", "huge.md", "link.md", "list.md")
    ]
    missing = conf(teams={"source": "nowhere"})
    assert missing.teams == {}
    assert [p.message for p in config_problems(missing) if "[pages" not in p.message] == [
        "[teams] source 'nowhere' is not a folder; team ids are shown as they are"
    ]


# --- links, apply addresses, dates


def load_one(tmp_path: Path, config: Config, name: str, front: str) -> Any:
    postes = tmp_path / "postes"
    write(postes, name, f"---\n{front}\n---\nTexte\n")
    loaded = load_postings(postes, config)
    assert len(loaded.postings) == 1, loaded.problems
    return loaded.postings[0], loaded.problems


def test_field_values_are_url_encoded_in_the_link(tmp_path: Path) -> None:
    config = conf(postes={"link": "{site_url}{field:startup}/{year}-{month}-{day}/{name}?ref={field:ref}"})
    posting, _ = load_one(
        tmp_path,
        config,
        "2022-03-14-designer ux.md",
        "role: R\nstartup: ../../a b/?#\nref: javascript:alert(1)\nposte_ouvert: 2022-05-06",
    )
    assert link_of(posting, config) == (
        "https://jobs.example.org/..%2F..%2Fa%20b%2F%3F%23/2022-05-06/designer%20ux?ref=javascript%3Aalert%281%29"
    )


def test_a_link_that_would_run_a_script_falls_back_on_the_default_address(tmp_path: Path) -> None:
    config = conf(postes={"link": "javascript:{field:x}"})
    posting, _ = load_one(tmp_path, config, "a.md", "role: R\nx: alert(1)")
    assert link_of(posting, config) == "https://jobs.example.org/postes/a.html"


def test_apply_url_is_kept_only_as_a_web_address(tmp_path: Path) -> None:
    config = conf(fields={"apply_url": ["externalURL"]}, pages={"postings": False})
    posting, problems = load_one(tmp_path, config, "a.md", "role: R\nexternalURL: https://p.example/1")
    assert (link_of(posting, config), chat_link(posting, config)) == ("https://p.example/1",) * 2
    assert not [p for p in problems if "no contact" in p.message]
    bad, problems = load_one(tmp_path / "b", config, "b.md", "role: R\nexternalURL: javascript:alert(1)")
    assert bad.apply_url == "" and link_of(bad, config) == "https://jobs.example.org/postes/b.html"
    assert "externalURL must be an https:// address to apply at; ignored" in [p.message for p in problems]


def test_the_file_names_day_opens_the_role_only_when_asked(tmp_path: Path) -> None:
    front = "role: R\ncontact: a@b.fr"
    plain, _ = load_one(tmp_path / "1", conf(), "2022-03-14-x.md", front)
    assert plain.opened is None
    named, _ = load_one(tmp_path / "2", conf(postes={"opened_from_name": True}), "2022-03-14-x.md", front)
    assert named.opened is not None and named.opened.isoformat() == "2022-03-14" and named.opened.all_day
    keyed, _ = load_one(
        tmp_path / "3",
        conf(postes={"opened_from_name": True}),
        "2022-03-14-x.md",
        front + "\ndate: 2022-04-01",
    )
    assert keyed.opened.isoformat() == "2022-04-01"


@pytest.mark.parametrize(("rule", "open_at_noon"), [("whole-day", True), ("instant", False)])
def test_midnight_deadline(tmp_path: Path, rule: str, open_at_noon: bool) -> None:
    config = conf(postes={"midnight_deadline": rule})
    posting, _ = load_one(
        tmp_path, config, "a.md", "role: R\nposte_ouvert: 2022-01-01\nposte_ferme: 2022-02-22T23:00:00.000Z"
    )
    noon = dt.datetime(2022, 2, 23, 11, 0, tzinfo=dt.UTC)
    state = classify([posting], noon).roles[0].state
    assert (state is State.OPEN) is open_at_noon
    day, _ = load_one(
        tmp_path / "d", config, "d.md", "role: R\nposte_ouvert: 2022-01-01\nposte_ferme: 2022-02-23"
    )
    assert classify([day], noon).roles[0].state is State.OPEN  # a day is a whole day either way


# --- the typo hint: for a key rare in the folder


def test_the_typo_hint_is_only_for_keys_rare_in_the_folder_or_not_ignored(tmp_path: Path) -> None:
    postes = tmp_path / "postes"
    for i in range(4):
        write(
            postes,
            f"{i}.md",
            f"---\nrole: R{i}\ncontact: a@b.fr\ncontacts: [x]\nposte_ouvert: 2024-01-01\n---\n",
        )
    write(postes, "t.md", "---\nrole: T\ncontat: a@b.fr\nposte_ouvert: 2024-01-01\n---\n")
    said = [p.message for p in load_postings(postes, conf()).problems]
    assert said == [
        "no contact; add 'contact: <e-mail or web address to apply>'",
        "unknown key 'contat', did you mean 'contrat'?",
    ]
    write(postes, "4.md", "---\nrole: R\ncontact: a@b.fr\nposte_ouvert: 2024-01-01\ncontrats: x\n---\n")
    said = [p.message for p in load_postings(postes, conf(fields={"ignore": ["contrats"]})).problems]
    assert not [m for m in said if "contrats" in m]


# --- the load cache keys on what these settings change


def test_the_load_cache_follows_team_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jobfeed._incremental.loading import load_all

    monkeypatch.chdir(tmp_path)
    postes = tmp_path / "postes"
    write(postes, "a.md", "---\nrole: R\nstartup: a\ncontact: a@b.fr\nposte_ouvert: 2024-01-01\n---\n")
    cache = tmp_path / "cache"
    first = load_all(postes, conf(teams={"names": {"a": "Alpha"}}), cache)
    again = load_all(postes, conf(teams={"names": {"a": "Alpha"}}), cache)
    renamed = load_all(postes, conf(teams={"names": {"a": "Aleph"}}), cache)
    assert [p.team for p in first.postings] == [p.team for p in again.postings] == ["Alpha"]
    assert [p.teams for p in again.postings] == [("Alpha",)]
    assert [p.team for p in renamed.postings] == ["Aleph"]


def test_a_deadline_before_the_file_names_day_says_where_that_date_comes_from(tmp_path: Path) -> None:
    postes = tmp_path / "postes"
    write(postes, "2022-03-14-x.md", "---\nrole: R\ncontact: a@b.fr\ndepublication_date: 2022-03-01\n---\n")
    loaded = load_postings(postes, conf(postes={"opened_from_name": True}))
    assert [p.message for p in loaded.problems] == [
        "the deadline (2022-03-01) is before the opening date (2022-03-14, the file name's day); correct one "
        "of them (left out until then)"
    ]


def test_a_channel_may_name_its_teams_by_id() -> None:
    config = conf(
        teams={"names": {"locatio": "DossierFacile"}},
        notify=[{"kind": "slack", "teams": ["locatio", "Autre"]}],
    )
    assert config.channels[0].teams == ("DossierFacile", "Autre")


def test_a_posting_without_the_key_its_link_uses_is_told(tmp_path: Path) -> None:
    config = conf(postes={"link": "{site_url}{field:startup}/{slug}.html"})
    posting, problems = load_one(
        tmp_path, config, "a.md", "role: R\ncontact: a@b.fr\nposte_ouvert: 2024-01-01"
    )
    assert link_of(posting, config) == "https://jobs.example.org//a.html"
    assert [p.message for p in problems] == [
        "[postes] link uses {field:startup}, and this file has no text in 'startup': its address has an empty "
        "part; add 'startup: …'"
    ]


def test_a_facet_of_a_key_with_accents_gets_an_ascii_folder(tmp_path: Path) -> None:
    assert conf(facets={"fields": ["team", "thématiques"]}).facets == ("team", "thématiques")
    from jobfeed.config import facet_folder

    assert [facet_folder(k) for k in ("team", "contract", "thématiques", "Domaines métier")] == [
        "equipes",
        "contrats",
        "thematiques",
        "domaines-metier",
    ]
    with pytest.raises(ConfigError, match="'___' has no letters or digits to name its folder"):
        conf(facets={"fields": ["___"]})
