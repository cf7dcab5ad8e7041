"""edit.py: one front-matter value changes, every other byte of the file stays as it was."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from pathlib import Path

import pytest

from jobfeed.author.closing import close_values, extend_values
from jobfeed.author.edit import edit_file, set_field
from jobfeed.config import Config, config_from_dict
from jobfeed.core.dates import parse_day
from jobfeed.core.lifecycle import State, state_of
from jobfeed.core.postings import load_posting
from jobfeed.errors import EditError

NOW = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)
MAPPED = config_from_dict(
    {
        "fields": {
            "role": ["title"],
            "team": ["startup"],
            "status": ["open"],
            "deadline": ["depublication_date"],
        }
    }
)

# Each posting as real folders have them. Every one is open at NOW, so each of close --filled,
# close --closed and extend --until applies to it.
FIXTURES: dict[str, bytes] = {
    "seed_keys_in_any_order": (
        b"---\ncontact: incubateur@anct.gouv.fr\nposte_ouvert: 2022-01-07\n"
        b"poste_ferme: 2024-04-22T22:00:00.000Z\nstatus: open\ncontrat: ind\xc3\xa9pendant\n"
        b"role: Charg\xc3\xa9.e de d\xc3\xa9ploiement\nequipe: Incubateur des Territoires\n"
        b"poste_pourvu: false\nairtable_formulaire: true\n\n---\n\nL'Incubateur recrute.\n"
    ),
    "crlf": (
        b"---\r\nrole: Product owner\r\nequipe: Signaux Faibles\r\nposte_ferme: 2024-04-30\r\n"
        b"status: open\r\nposte_pourvu: false\r\n---\r\n\r\nPremier paragraphe.\r\n\r\n- une liste\r\n"
    ),
    "bom_crlf": (
        b"\xef\xbb\xbf---\r\nposte_pourvu: false\r\nrole: Stagiaire\r\nstatus: open\r\n"
        b"poste_ferme: 2024-04-30\r\n---\r\nCorps du texte\r\n"
    ),
    "comments": (
        b"---\n# Fiche de poste, relue le 2024-02-01\nrole: Designer  # titre court\n"
        b"status: open   # passer a closed quand c'est fini\n# dates\nposte_ferme: 2024-04-30 # inclus\n"
        b"poste_pourvu: false # true quand pourvu\n# fin\n---\n\n"
        b"Le corps cite le YAML :\n\n---\nstatus: open\nposte_pourvu: false\n---\n"
    ),
    "quoted": (
        b"---\nrole: 'Data scientist: NLP'\nstatus: \"open\"\nposte_pourvu: 'false'\n"
        b'poste_ferme: "2024-04-30"\n---\nCorps.\n'
    ),
    "missing_keys_block_scalar_last": (
        b"---\nrole: Coach\nresume: |\n  Deux lignes\n  de texte.\n\n# commentaire final\n---\nCorps.\n"
    ),
    "empty_values": (b"---\nrole: Coach\nstatus:   # a decider\nposte_pourvu:\nposte_ferme:\n---\nCorps.\n"),
    "cr_only": b"---\rrole: Ancien Mac\rstatus: open\rposte_pourvu: no\r---\rCorps.\r",
    "repeated_key": b"---\nrole: Dev\nstatus: closed\nstatus: open\nposte_pourvu: false\n---\nCorps.\n",
    "no_final_newline": b"---\nrole: Dev\nstatus: open\n---",
}

# (fixture, operation) -> the exact lines that change: [(old line or None when added, new line)].
EXPECTED: dict[tuple[str, str], list[tuple[bytes | None, bytes]]] = {
    ("seed_keys_in_any_order", "filled"): [(b"poste_pourvu: false\n", b"poste_pourvu: true\n")],
    ("seed_keys_in_any_order", "closed"): [(b"status: open\n", b"status: closed\n")],
    ("seed_keys_in_any_order", "extend"): [
        (b"poste_ferme: 2024-04-22T22:00:00.000Z\n", b"poste_ferme: 2024-06-30\n")
    ],
    ("crlf", "filled"): [(b"poste_pourvu: false\r\n", b"poste_pourvu: true\r\n")],
    ("crlf", "closed"): [(b"status: open\r\n", b"status: closed\r\n")],
    ("crlf", "extend"): [(b"poste_ferme: 2024-04-30\r\n", b"poste_ferme: 2024-06-30\r\n")],
    ("bom_crlf", "filled"): [(b"poste_pourvu: false\r\n", b"poste_pourvu: true\r\n")],
    ("bom_crlf", "closed"): [(b"status: open\r\n", b"status: closed\r\n")],
    ("bom_crlf", "extend"): [(b"poste_ferme: 2024-04-30\r\n", b"poste_ferme: 2024-06-30\r\n")],
    ("comments", "filled"): [
        (b"poste_pourvu: false # true quand pourvu\n", b"poste_pourvu: true # true quand pourvu\n")
    ],
    ("comments", "closed"): [
        (
            b"status: open   # passer a closed quand c'est fini\n",
            b"status: closed   # passer a closed quand c'est fini\n",
        )
    ],
    ("comments", "extend"): [(b"poste_ferme: 2024-04-30 # inclus\n", b"poste_ferme: 2024-06-30 # inclus\n")],
    ("quoted", "filled"): [(b"poste_pourvu: 'false'\n", b"poste_pourvu: 'true'\n")],
    ("quoted", "closed"): [(b'status: "open"\n', b'status: "closed"\n')],
    ("quoted", "extend"): [(b'poste_ferme: "2024-04-30"\n', b'poste_ferme: "2024-06-30"\n')],
    ("missing_keys_block_scalar_last", "filled"): [(None, b"poste_pourvu: true\n")],
    ("missing_keys_block_scalar_last", "closed"): [(None, b"status: closed\n")],
    ("missing_keys_block_scalar_last", "extend"): [(None, b"poste_ferme: 2024-06-30\n")],
    ("empty_values", "filled"): [(b"poste_pourvu:\n", b"poste_pourvu: true\n")],
    ("empty_values", "closed"): [(b"status:   # a decider\n", b"status: closed   # a decider\n")],
    ("empty_values", "extend"): [(b"poste_ferme:\n", b"poste_ferme: 2024-06-30\n")],
    ("cr_only", "filled"): [(b"poste_pourvu: no\r", b"poste_pourvu: true\r")],
    ("cr_only", "closed"): [(b"status: open\r", b"status: closed\r")],
    ("cr_only", "extend"): [(None, b"poste_ferme: 2024-06-30\r")],
    ("repeated_key", "filled"): [(b"poste_pourvu: false\n", b"poste_pourvu: true\n")],
    ("repeated_key", "closed"): [(b"status: open\n", b"status: closed\n")],
    ("repeated_key", "extend"): [(None, b"poste_ferme: 2024-06-30\n")],
    ("no_final_newline", "filled"): [(None, b"poste_pourvu: true\n")],
    ("no_final_newline", "closed"): [(b"status: open\n", b"status: closed\n")],
    ("no_final_newline", "extend"): [(None, b"poste_ferme: 2024-06-30\n")],
}

STATE_AFTER = {"filled": State.FILLED, "closed": State.CLOSED, "extend": State.OPEN}


def split_lines(data: bytes) -> list[bytes]:
    """Lines with their own endings (LF, CRLF or CR), so a changed line ending shows as a change."""
    return re.findall(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", data)


def line_changes(before: bytes, after: bytes) -> list[tuple[bytes | None, bytes]]:
    """Every difference between two files, as (old line or None, new line); fails on anything else."""
    old, new = split_lines(before), split_lines(after)
    out: list[tuple[bytes | None, bytes]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 <= j2 - j1:  # lines changed, then maybe lines added
            out.extend(zip(old[i1:i2], new[j1 : j1 + i2 - i1], strict=True))
            out.extend((None, line) for line in new[j1 + i2 - i1 : j2])
        elif tag == "insert":
            out.extend((None, line) for line in new[j1:j2])
        else:
            raise AssertionError(f"unexpected change {tag}: {old[i1:i2]!r} -> {new[j1:j2]!r}")
    return out


def eol_of(line: bytes) -> bytes:
    return b"\r\n" if line.endswith(b"\r\n") else line[-1:]


def operation_values(name: str, path: Path, config: Config) -> list[tuple[str, bool | str]]:
    if name == "extend":
        posting, problems = load_posting(path, config)
        assert posting is not None, problems
        return extend_values(posting, parse_day("2024-06-30", config.tz, "--until"), NOW, reopen=False)
    return close_values(name)


@pytest.mark.parametrize(("fixture", "operation"), sorted(EXPECTED))
def test_only_the_intended_line_changes(tmp_path: Path, fixture: str, operation: str) -> None:
    config = Config()
    path = tmp_path / "poste.md"
    before = FIXTURES[fixture]
    path.write_bytes(before)
    posting, problems = load_posting(path, config)
    assert posting is not None and state_of(posting, NOW) is State.OPEN, problems

    edit = edit_file(path, operation_values(operation, path, config), config)

    after = path.read_bytes()
    expected = EXPECTED[(fixture, operation)]
    if operation == "extend":  # and the posting's own date of change, added after the last key
        expected = [*expected, (None, b"mis_a_jour: 2024-03-01T09:00:00Z" + eol_of(expected[-1][1]))]
    assert sorted(line_changes(before, after), key=repr) == sorted(expected, key=repr)
    assert len(edit.changes) == (2 if operation == "extend" else 1)
    assert after.startswith(b"\xef\xbb\xbf") == before.startswith(b"\xef\xbb\xbf")
    reread, problems = load_posting(path, config)
    assert reread is not None, problems
    assert state_of(reread, NOW) is STATE_AFTER[operation]
    assert [p for p in problems if p.is_error] == []


def test_no_final_newline_gets_the_key_before_the_closing_line(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_bytes(FIXTURES["no_final_newline"])
    edit_file(path, close_values("filled"), Config())
    assert path.read_bytes() == b"---\nrole: Dev\nstatus: open\nposte_pourvu: true\n---"


def test_change_records_where_and_what(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_bytes(FIXTURES["comments"])
    edit = edit_file(path, close_values("closed"), Config(), shown="postes/p.md")
    assert [str(c) for c in edit.changes] == ["postes/p.md:4: status: open -> closed"]
    path.write_bytes(FIXTURES["missing_keys_block_scalar_last"])
    edit = edit_file(path, close_values("filled"), Config(), shown="postes/p.md")
    assert [str(c) for c in edit.changes] == ["postes/p.md:6: added poste_pourvu: true"]
    path.write_bytes(FIXTURES["empty_values"])
    edit = edit_file(path, [("deadline", "2024-06-30")], Config(), shown="postes/p.md")
    assert [str(c) for c in edit.changes] == ["postes/p.md:5: poste_ferme: (empty) -> 2024-06-30"]


MAPPED_POSTING = (
    b"---\r\ntitle: Product designer\r\nstartup: Aides-territoires\r\nopen: true # visible sur le site\r\n"
    b"depublication_date: 2024-04-30\r\n---\r\nCorps.\r\n"
)


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("closed", [(b"open: true # visible sur le site\r\n", b"open: false # visible sur le site\r\n")]),
        ("filled", [(None, b"poste_pourvu: true\r\n")]),
        (
            "extend",
            [
                (b"depublication_date: 2024-04-30\r\n", b"depublication_date: 2024-06-30\r\n"),
                (None, b"mis_a_jour: 2024-03-01T09:00:00Z\r\n"),
            ],
        ),
    ],
)
def test_edits_the_key_the_site_maps(
    tmp_path: Path, operation: str, expected: list[tuple[bytes | None, bytes]]
) -> None:
    path = tmp_path / "p.md"
    path.write_bytes(MAPPED_POSTING)
    edit_file(path, operation_values(operation, path, MAPPED), MAPPED)
    assert line_changes(MAPPED_POSTING, path.read_bytes()) == expected
    posting, _ = load_posting(path, MAPPED)
    assert posting is not None and state_of(posting, NOW) is STATE_AFTER[operation]


def test_missing_boolean_status_key_is_written_as_false(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_bytes(b"---\ntitle: Dev\n---\n")
    edit_file(path, close_values("closed"), MAPPED)
    assert path.read_bytes() == b"---\ntitle: Dev\nopen: false\n---\n"


def test_reopen_sets_every_blocking_key(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    before = b"---\nrole: Dev\nstatus: closed\nposte_pourvu: true\nposte_ferme: 2024-01-31\n---\nCorps.\n"
    path.write_bytes(before)
    posting, _ = load_posting(path, Config())
    assert posting is not None
    values = extend_values(posting, parse_day("2024-06-30", Config().tz, "--until"), NOW, reopen=True)
    edit_file(path, values, Config())
    assert line_changes(before, path.read_bytes()) == [
        (b"status: closed\n", b"status: open\n"),
        (b"poste_pourvu: true\n", b"poste_pourvu: false\n"),
        (b"poste_ferme: 2024-01-31\n", b"poste_ferme: 2024-06-30\n"),
        (None, b"mis_a_jour: 2024-03-01T09:00:00Z\n"),
    ]


def test_a_null_key_yields_to_the_next_mapped_key_like_the_loader() -> None:
    # The loader skips `status: null` and reads `open: false`; the edit must change the same key.
    text = "---\ntitle: Dev\nstatus: null\nopen: true\n---\n"
    config = config_from_dict({"fields": {"status": ["status", "open"]}})
    new, change = set_field(text, "status", "closed", config, "p.md")
    assert new == "---\ntitle: Dev\nstatus: null\nopen: false\n---\n"
    new, change = set_field(
        "---\nrole: Dev\nposte_ferme: ~ # plus tard\n---\n", "deadline", "2024-06-30", Config(), "p.md"
    )
    assert new == "---\nrole: Dev\nposte_ferme: 2024-06-30 # plus tard\n---\n"
    assert change is not None and str(change) == "p.md:3: poste_ferme: ~ -> 2024-06-30"


def test_an_indented_mapping_gets_an_indented_key() -> None:
    text, change = set_field("---\n  role: Dev\n  status: open\n---\n", "filled", True, Config(), "p.md")
    assert text == "---\n  role: Dev\n  status: open\n  poste_pourvu: true\n---\n"
    assert change is not None and change.line == 4


def test_a_multi_line_value_is_replaced_whole() -> None:
    text = "---\nrole: Dev\nposte_ferme: >-\n  2024-04-30\n\n# dates\nstatus: open\n---\n"
    new, change = set_field(text, "deadline", "2024-06-30", Config(), "p.md")
    assert new == "---\nrole: Dev\nposte_ferme: 2024-06-30\n\n# dates\nstatus: open\n---\n"
    assert change is not None and change.old == ">-\n  2024-04-30"


def test_same_value_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_bytes(FIXTURES["repeated_key"])
    os.utime(path, (1_000_000, 1_000_000))
    edit = edit_file(path, [("filled", False)], Config())
    assert edit.changes == ()
    assert path.stat().st_mtime == 1_000_000
    assert path.read_bytes() == FIXTURES["repeated_key"]


def test_file_mode_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_bytes(FIXTURES["crlf"])
    path.chmod(0o600)
    edit_file(path, close_values("filled"), Config())
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"role: Dev\n", "p.md: no front matter; the file must start with a line '---'"),
        (b"---\nrole: Dev\n", "p.md: front matter is not closed; add a line '---' after the last key"),
        (b"---\nrole: [Dev\n---\n", "p.md: invalid YAML front matter; run `jobfeed check` and fix it first"),
        (b"---\n- role\n---\n", "p.md: front matter is not a list of 'key: value' lines"),
        (
            b"---\n{role: Dev, status: open}\n---\n",
            "p.md: front matter is written as {…}; write one 'key: value' line per key",
        ),
        (b"---\nrole: Dev\xff\n---\n", "p.md: the file is not UTF-8; save it as UTF-8 first"),
    ],
)
def test_files_that_cannot_be_edited_are_left_alone(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "p.md"
    path.write_bytes(content)
    with pytest.raises(EditError) as caught:
        edit_file(path, close_values("closed"), Config(), shown="p.md")
    assert str(caught.value) == message
    assert path.read_bytes() == content


def test_an_edit_that_would_change_other_keys_is_refused() -> None:
    # A status written as a nested mapping: replacing it by a scalar cannot be verified as safe.
    text = "---\nrole: Dev\nstatus:\n  state: open\n  since: 2024-01-01\nposte_pourvu: false\n---\n"
    new, change = set_field(text, "status", "closed", Config(), "p.md")
    assert new == "---\nrole: Dev\nstatus: closed\nposte_pourvu: false\n---\n"
    assert change is not None
    with pytest.raises(EditError, match="cannot edit 'poste_pourvu' safely"):
        set_field(
            "---\nrole: Dev\nposte_pourvu: &a false\nother: *a\n---\n", "filled", True, Config(), "p.md"
        )


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(EditError, match=r"gone\.md: cannot read the file: No such file or directory"):
        edit_file(tmp_path / "gone.md", close_values("filled"), Config(), shown="gone.md")
