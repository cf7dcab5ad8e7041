from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bad_inputs import EXPECTED, LONG_NAME, VALID, make_bad_postes
from conftest import ROOT, posting
from jobfeed import Config, config_from_dict, load_postings
from jobfeed.core.markup import render
from jobfeed.core.text import SLUG_MAX, slug_of

PARIS = ZoneInfo("Europe/Paris")


def test_seed_posting_is_read_with_every_field(config: Config) -> None:
    loaded = load_postings(ROOT / "postes", config)
    assert loaded.problems == []
    seed = next(p for p in loaded.postings if p.id == "2022-01-07-charge-deploiement-portefeuille")
    assert seed.role == "Chargé.e de déploiement de portefeuille"
    assert seed.team == "Incubateur des Territoires"
    assert seed.contact == "incubateur@anct.gouv.fr"
    assert seed.contract == "indépendant"
    assert seed.status == "open"
    assert seed.filled is False
    assert seed.application_form is True
    assert seed.opened is not None and seed.opened.all_day
    assert seed.opened.day == dt.date(2022, 1, 7)
    # 2022-02-22T23:00:00.000Z is local midnight in Paris: the whole of 23 February.
    assert seed.deadline is not None and seed.deadline.all_day
    assert seed.deadline.day == dt.date(2022, 2, 23)
    assert seed.deadline.end == dt.datetime(2022, 2, 24, tzinfo=PARIS)
    assert seed.lines == {
        "role": 7,
        "team": 8,
        "contact": 2,
        "contract": 6,
        "opened": 3,
        "deadline": 4,
        "status": 5,
        "filled": 9,
        "application_form": 10,
    }


def test_every_bad_input_is_reported_on_its_line(tmp_path: Path, config: Config) -> None:
    folder = make_bad_postes(tmp_path / "postes")
    loaded = load_postings(folder, config)
    found: dict[str, list[tuple[int, str, str]]] = {}
    for p in loaded.problems:
        found.setdefault(Path(p.path).name, []).append((p.line, p.level, p.message))
    assert set(found) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        got = found[name]
        assert len(got) == len(expected), (name, got)
        for (line, level, words), (got_line, got_level, message) in zip(expected, got, strict=True):
            assert (got_line, got_level) == (line, level), (name, message)
            assert words in message, (name, message)
    assert {Path(p.path).name for p in loaded.postings} == VALID


def test_dates_in_every_form(postes: Path, config: Config) -> None:
    (postes / "a.md").write_text(
        posting(
            poste_ouvert="2020-11-03T11:06:40.248Z",
            poste_ferme="'2024-03-10'",
            mis_a_jour="2024-02-01 10:00:00",
            contact="rh@example.org",
        )
    )
    (postes / "b.md").write_text(
        posting(
            poste_ouvert="'23/02/2022'", poste_ferme="2024-06-30T14:00:00+02:00", contact="rh@example.org"
        )
    )
    loaded = load_postings(postes, config)
    a, b = loaded.postings
    assert a.opened is not None and not a.opened.all_day
    assert a.opened.at == dt.datetime(2020, 11, 3, 12, 6, 40, 248000, tzinfo=PARIS)
    assert a.deadline is not None and a.deadline.all_day and a.deadline.day == dt.date(2024, 3, 10)
    # A date-time without an offset is local time.
    assert a.updated is not None and a.updated.at == dt.datetime(2024, 2, 1, 10, tzinfo=PARIS)
    assert b.opened is not None and b.opened.day == dt.date(2022, 2, 23) and b.opened.all_day
    assert b.deadline is not None and b.deadline.at == dt.datetime(2024, 6, 30, 14, tzinfo=PARIS)
    assert [str(p) for p in loaded.problems] == [
        f"{postes / 'b.md'}:3: warning: poste_ouvert: write the date as 2022-02-23 (YYYY-MM-DD)"
    ]


def test_field_mapping_for_another_community(postes: Path) -> None:
    config = config_from_dict({"fields": {"contract": ["type_contrat"]}})
    (postes / "a.md").write_text(
        "---\ntitle: Designer\nstartup: Démarches simplifiées\nopen: false\n"
        "date: 2024-01-05\ndepublication_date: 2024-02-01\ntype_contrat: CDI\nlayout: poste\n"
        "contact: rh@example.org\n---\nTexte\n"
    )
    (postes / "b.md").write_text(
        "---\nroles: [Développeur, Designer]\nopen: true\ndate: 2024-01-05\ncontact: rh@example.org\n---\n"
    )
    loaded = load_postings(postes, config)
    assert loaded.problems == []
    a, b = loaded.postings
    assert (a.role, a.team, a.status, a.contract) == ("Designer", "Démarches simplifiées", "closed", "CDI")
    assert a.opened is not None and a.opened.day == dt.date(2024, 1, 5)
    assert a.deadline is not None and a.deadline.day == dt.date(2024, 2, 1)
    assert a.extra == {"layout": "poste"}
    assert (b.role, b.status) == ("Développeur, Designer", "open")


def test_unknown_keys_are_kept_and_typos_flagged(postes: Path, config: Config) -> None:
    (postes / "a.md").write_text(
        posting(post_ouvert="2024-01-01", layout="poste", equpe="X", contact="rh@example.org")
    )
    loaded = load_postings(postes, config)
    extra = {"post_ouvert": dt.date(2024, 1, 1), "layout": "poste", "equpe": "X"}
    assert loaded.postings[0].extra == extra
    assert [(p.line, p.message) for p in loaded.problems] == [
        # The typo leaves the posting without an opening date: both are said.
        (
            1,
            "no opening date; add 'poste_ouvert: YYYY-MM-DD' (until then its feed entry is dated 1970-01-01)",
        ),
        (3, "unknown key 'post_ouvert', did you mean 'poste_ouvert'?"),
        (5, "unknown key 'equpe', did you mean 'equipe'?"),
    ]


def test_control_characters_are_removed(postes: Path, config: Config) -> None:
    # C1 controls and noncharacters are HTML5 parse errors (found by the pages property test).
    role = '"Dev\\x07 ops\\x1b\\x80\\x9f\\uFDD0"'
    (postes / "a.md").write_text(posting(role=role, body="Texte\x0b avec\x00 con\x85trôle\U0001fffe\n"))
    (p,) = load_postings(postes, config).postings
    assert p.role == "Dev ops"
    assert p.body.strip() == "Texte avec contrôle"


def test_accented_names_slug_as_python_slugify_does_with_unidecode_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """slug_of folds accented letters with the transliteration python-slugify uses: with the
    backend named (python-slugify 9), text-unidecode's even when Unidecode is installed."""
    import sys
    import types

    from jobfeed.core import text as postings

    fake = types.ModuleType("unidecode")
    fake.unidecode = lambda text: text.encode("ascii", "replace").decode().replace("?", "q")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "unidecode", fake)
    postings._latin_fold.cache_clear()
    try:
        for name in ("2022-01-07 Chargé·e d'études", "Œuvre ß ĳ déploiement", "naïve façade"):
            assert slug_of(name) == postings._slugified(name)
    finally:
        postings._latin_fold.cache_clear()


def test_clean_text_takes_printable_text_as_it_is_because_it_removes_no_printable_character() -> None:
    from jobfeed.core.text import _XML_INVALID, clean_text

    removed = [c for c in map(chr, range(0x110000)) if _XML_INVALID.match(c)]
    assert len(removed) == 2176
    assert not any(c.isprintable() for c in removed)  # controls, surrogates and noncharacters
    assert {clean_text(f"a{c}b") for c in removed} == {"ab"}
    assert clean_text("Chargé·e — «\u00a0x\u00a0»") == "Chargé·e — «\u00a0x\u00a0»"


def test_c1_controls_and_noncharacters_alone_are_removed(postes: Path, config: Config) -> None:
    # Without an ASCII control beside them they were kept in the body, and the summary written
    # from the text before <!--more--> carried them into every feed and page.
    (postes / "a.md").write_text(posting(body="Texte con\x85trôle\ufdd0 ici.\n<!--more-->\nSuite.\n"))
    (p,) = load_postings(postes, config).postings
    assert p.body.strip() == "Texte contrôle ici.\n<!--more-->\nSuite."
    assert render(p, "https://example.org/a.html").summary == "Texte contrôle ici."


def test_repeated_key_warns_and_last_wins(postes: Path, config: Config) -> None:
    (postes / "a.md").write_text(
        "---\nrole: A\nequipe: X\nequipe: Y\ncontact: a@b.fr\ndate: 2024-01-01\n---\n"
    )
    loaded = load_postings(postes, config)
    assert loaded.postings[0].team == "Y"
    assert [str(p) for p in loaded.problems] == [
        f"{postes / 'a.md'}:4: warning: key 'equipe' repeats line 3; the last one wins"
    ]


@pytest.mark.parametrize(
    ("value", "status"),
    [("open", "open"), ("closed", "closed"), ("Fermé", "closed"), ("true", "open"), ("false", "closed")],
)
def test_status_words(postes: Path, config: Config, value: str, status: str) -> None:
    (postes / "a.md").write_text(posting(status=value))
    assert load_postings(postes, config).postings[0].status == status


def test_slugs_are_ascii_short_and_unique() -> None:
    assert slug_of("2022-01-07 Chargé·e d'études") == "2022-01-07-charge-e-d-etudes"
    long_a, long_b = slug_of(LONG_NAME[:-3] + "a"), slug_of(LONG_NAME[:-3] + "b")
    assert len(long_a) <= SLUG_MAX and long_a.isascii()
    assert long_a != long_b


def test_missing_folder_is_a_problem_not_a_crash(tmp_path: Path, config: Config) -> None:
    loaded = load_postings(tmp_path / "nope", config)
    assert loaded.postings == []
    assert [p.message for p in loaded.problems] == ["cannot read the folder: No such file or directory"]


def test_clean_text_removes_exactly_what_the_xml_invalid_pattern_matches() -> None:
    """The UTF-8 pre-check never lets an invalid character through: every code point of the BMP,
    and the noncharacters and their neighbours in every plane, alone and inside accented text."""
    from jobfeed.core.text import _XML_INVALID, clean_text

    points = list(range(0x10000))
    for plane in range(0, 0x110000, 0x10000):
        points += [plane + 0xFFFD, plane + 0xFFFE, plane + 0xFFFF, plane + 0xFFBE, plane + 0xFFBF]
    points = [p for p in points if p <= 0x10FFFF]
    removed = 0
    for point in points:
        char = chr(point)
        for text in (char, f"Équipe « données »\u00a0{char}¿ fin", f"{char}{char}é"):
            expected = _XML_INVALID.sub("", text)
            assert clean_text(text) == expected, hex(point)
        removed += clean_text(char) == ""
    assert removed == len([p for p in points if _XML_INVALID.fullmatch(chr(p))]) > 2000


def test_keys_of_one_field_that_disagree(postes: Path, config: Config) -> None:
    (postes / "a.md").write_text(
        "---\nrole: A\ntitle: B\ncontact: a@b.fr\nposte_ouvert: 2024-01-05\ndate: 2024-01-06\n---\n"
    )
    (postes / "b.md").write_text(  # the same thing said twice: nothing to say
        "---\nrole: B\ncontact: a@b.fr\nposte_ouvert: 2024-01-05\ndate: '2024-01-05'\nstatus: closed\nopen: false\n---\n"
    )
    loaded = load_postings(postes, config)
    a, b = loaded.postings
    assert (a.role, a.opened.isoformat() if a.opened else None) == ("A", "2024-01-05")
    assert b.status == "closed"
    assert [(Path(p.path).name, p.line, p.message) for p in loaded.problems] == [
        ("a.md", 3, "title 'B' disagrees with role 'A' on line 2; role is used; keep one of the two keys"),
        (
            "a.md",
            6,
            "date '2024-01-06' disagrees with poste_ouvert '2024-01-05' on line 5; poste_ouvert is used; "
            "keep one of the two keys",
        ),
    ]


def test_a_filled_signal_wins(postes: Path) -> None:
    config = config_from_dict({"fields": {"filled": ["poste_pourvu", "pourvu"]}})
    (postes / "a.md").write_text(
        "---\nrole: A\ncontact: a@b.fr\nposte_ouvert: 2024-01-05\nposte_pourvu: false\npourvu: oui\n---\n"
    )
    loaded = load_postings(postes, config)
    assert loaded.postings[0].filled is True
    assert [p.message for p in loaded.problems] == [
        "pourvu 'oui' disagrees with poste_pourvu 'false' on line 5; the role is taken as filled: a filled "
        "signal wins; keep one of the two keys"
    ]
