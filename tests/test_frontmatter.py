"""The fast path for flat front matter gives exactly what PyYAML gives, and is taken when it should.

Every comparison loads the same bytes twice with `load_posting`, with the fast path and with
`fast=False` (PyYAML only), and compares every field of the Posting (`extra` and `lines`
included, by repr so that `1` and `True`, `1.0` and `1`, or two time zones of the same instant
differ), the type of every extra value, and the problems.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bad_inputs import make_bad_postes
from conftest import ROOT
from jobfeed import Config, config_from_dict
from jobfeed.core.frontmatter import MAX_NODES, parse_simple
from jobfeed.core.frontmatter import Loader as _Loader
from jobfeed.core.frontmatter import decode as _decode
from jobfeed.core.frontmatter import split as _split
from jobfeed.core.postings import load_posting, posting_files
from jobfeed.errors import Unloadable

CONFIG = config_from_dict(
    {"site": {"url": "https://jobs.example.org/", "id_authority": "jobs.example.org,2024"}}
)
PATH = Path("postes/2024-01-01-un-poste.md")
DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
PROPERTY = settings(
    max_examples=4000 if DEEP else 600,
    derandomize=not DEEP,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def outcome(raw: bytes, fast: bool, config: Config = CONFIG, path: Path = PATH) -> tuple[Any, ...]:
    posting, problems = load_posting(path, config, raw=raw, fast=fast)
    if posting is None:
        return None, None, problems
    fields = {f.name: getattr(posting, f.name) for f in dataclasses.fields(posting)}
    return repr(fields), {key: type(value) for key, value in posting.extra.items()}, problems


def front_of(raw: bytes) -> str | None:
    """The front matter `load_posting` hands to the YAML reader, None when it gets that far."""
    try:
        return _split(_decode(raw, "", []), "", [])[0]
    except Unloadable:  # not UTF-8, empty, no front matter: reported, never a crash
        return None


def takes_fast_path(raw: bytes) -> bool:
    front = front_of(raw)
    return front is not None and parse_simple(front, _Loader) is not None


def assert_same(raw: bytes, config: Config = CONFIG, path: Path = PATH) -> None:
    assert outcome(raw, True, config, path) == outcome(raw, False, config, path), raw


# Every value an implicit resolver of PyYAML types, in the cases that do and do not count.
RESOLVED = [
    *[
        "yes",
        "Yes",
        "YES",
        "yEs",
        "no",
        "No",
        "NO",
        "true",
        "True",
        "TRUE",
        "tRUE",
        "false",
        "False",
        "FALSE",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "y",
        "Y",
        "n",
        "N",
    ],
    *["~", "null", "Null", "NULL", "nULL", "nulls"],
    *[
        "0",
        "-0",
        "+0",
        "1",
        "-1",
        "+12",
        "012",
        "08",
        "09",
        "0o17",
        "0x1F",
        "0x1g",
        "0b101",
        "0b2",
        "1_000",
        "1__0",
        "_1",
        "1:20",
        "190:20:30",
        "1:60",
        "-1:20",
    ],
    *[
        "1.5",
        ".5",
        "-.5",
        "+.5",
        "1.",
        "1e3",
        "1E3",
        "1.0e+3",
        "1.0e3",
        "6.8523015e+5",
        "1_0.5",
        "190:20:30.15",
        ".inf",
        "-.Inf",
        "+.INF",
        ".nan",
        ".NaN",
        ".NAN",
        ".nAn",
    ],
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "2001-12-14T21:59:43Z",
    "2022-02-22T23:00:00.000Z",
    "2002-12-14T00:00:00.123456789+01:30",
    "2024-13-01",
    "2024-02-30",
    "0000-01-01",
    "2022-04-T15:00:00.000Z",
    "2024-1-5",
    "2024-01-01T25:00:00Z",
    "2024-01-01 10:00:00 +25",
    "<<",
    "=",
    "==",
]
# Quotes, colons, hashes, indicators and characters YAML reads in its own way.
TRICKY = [
    "'single'",
    '"double"',
    "''",
    '""',
    "'it''s'",
    '"tab\\tescaped"',
    '"back\\\\"',
    '"\\u00e9"',
    "'unterminated",
    '"unterminated',
    "'a' b",
    '"a" # c',
    "' spaced '",
    "'a: b # c'",
    "a: b",
    "a:b",
    "http://example.org/x?y=1#z",
    "a:",
    "a #b",
    "a#b",
    "#x",
    "- x",
    "-x",
    "-",
    "--",
    "---",
    "? x",
    "?x",
    ":x",
    ": x",
    "[a, b]",
    "[unclosed",
    "{a: 1}",
    "a [b] {c}",
    "a, b",
    "&anchor x",
    "*alias",
    "a & b * c",
    "!tag x",
    "!!str 1",
    "!!int x",
    "a!b",
    "|",
    ">",
    "|-",
    "%x",
    "@x",
    "`x`",
    "a`b",
    "...",
    "a...",
    "é",
    "Chargé·e",
    "名前",
    "😀",
    "a\u00a0b",
    "a\u3000",
    "\u3000",
    "a\x85b",
    "a\u2028b",
    "a\u2029b",
    "a\ufeffb",
    "a\ufffeb",
    "a\ufdd0b",
    "a\x00b",
    "a\x07b",
    "a\x1b",
    "a\x7f",
    "a\x9fb",
    "a\tb",
    "a\rb",
    "a  b",
    "a%b",
    "a|b>c",
    "a'b",
    'a"b',
    "a\\b",
]
KEY_WORDS = [
    "role",
    "equipe",
    "contact",
    "contrat",
    "poste_ouvert",
    "poste_ferme",
    "mis_a_jour",
    "status",
    "poste_pourvu",
    "airtable_formulaire",
    "id",
    "post_ouvert",
    "rôle",
    "a b",
    "a  b",
    "a-",
    "a.b",
    "a- b",
    "k_1",
    "_k",
    "é",
    "名前",
    "ª",
    "²",
    "٣",
    "ǅ",
    "k ",
    "'k'",
    '"k"',
    "? k",
    "&a k",
    "!t k",
    "*a",
    "k#",
    "k #",
    "a:b",
    "-k",
    ".k",
    "k" * 1030,
    "k" * 201,
    "k" * 200,
]
ALPHABET = (
    "aZé名0179 :#'\"\\-?,[]{}&*!|>%@`~.+_=<\t\x00\x07\x1b\x7f\x85\xa0\u2028\u2029\ufeff\ufffe\r😀\u3000"
)
free_text = st.text(ALPHABET, max_size=10)
keys = st.one_of(st.sampled_from(KEY_WORDS), st.sampled_from(RESOLVED), free_text)
values = st.one_of(
    st.sampled_from(RESOLVED),
    st.sampled_from(TRICKY),
    free_text,
    st.builds(
        "".join, st.lists(st.sampled_from(RESOLVED + TRICKY + [" ", ": ", " #", "'", '"']), max_size=4)
    ),
)
key_value = st.builds(
    lambda key, sep, value, end: f"{key}{sep}{value}{end}",
    keys,
    st.sampled_from([": ", ": ", ":  ", ":", " : ", ":\t", ": \t"]),
    values,
    st.sampled_from(["", "", "", " ", "  ", " # comment", "\t", " #", "#x"]),
)
other_line = st.sampled_from(
    [
        "",
        " ",
        "   ",
        "\u3000",
        " \xa0 ",
        "# comment",
        "#",
        "#: x",
        "  # indented comment",
        "\t# tab",
        "...",
        "--- x",
        "%YAML 1.1",
        "%TAG ! tag:x,2024:",
        "- item",
        "-",
        "  continued text",
        "  key: nested",
        "\tkey: tab",
        " key: indented",
        "key:",
        "? complex",
        ": value",
        "[a, b]",
        "{a: 1}",
        "|",
        "  block text",
        "just text",
        "\ufeffkey: bom",
        "key: &a x",
        "other: *a",
        "<<: *a",
    ]
)
# Front matter as people write it: every line is one the fast path reads.
simple_key = st.from_regex(r"\A[a-zé_][a-zé_0-9]{0,12}( [a-z]{1,5})?\Z").filter(
    lambda k: k.lower() not in {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
)
simple_value = st.one_of(
    st.sampled_from([v for v in RESOLVED if v not in {"<<", "=", "=="}]),
    st.from_regex(r"\A[A-Za-zé·0-9./_()][A-Za-zé·0-9@./_() ,:'-]{0,30}[A-Za-zé0-9)]\Z").filter(
        lambda v: ": " not in v and not v.endswith(":")
    ),
    st.from_regex(r"\A'[^'\n\r\x00-\x1f\x7f-\x9f\ufeff\ufffe\uffff\u2028\u2029\ud800-\udfff]{0,20}'\Z"),
    st.from_regex(r'\A"[^"\\\n\r\x00-\x1f\x7f-\x9f\ufeff\ufffe\uffff\u2028\u2029\ud800-\udfff]{0,20}"\Z'),
    st.just(""),
)
simple_line = st.one_of(
    st.builds(lambda k, v: f"{k}: {v}".rstrip(" ") if v else f"{k}:", simple_key, simple_value),
    st.sampled_from(["", "# commentaire : avec # et 'quotes'", "   "]),
)
simple_lines = st.lists(simple_line, max_size=10)


# Lines the fast path reads with one to three odd ones among them, so that these decide the path.
clean_key_value = st.builds(lambda key, value: f"{key}: {value}", keys, values)
odd_line = st.one_of(clean_key_value, clean_key_value, key_value, other_line)


@st.composite
def mixed_lines(draw: st.DrawFn) -> list[str]:
    found = draw(st.lists(simple_line, max_size=5))
    for line in draw(st.lists(odd_line, min_size=1, max_size=3)):
        found.insert(draw(st.integers(0, len(found))), line)
    return found


lines = mixed_lines()
end_of_line = st.sampled_from(["\n", "\n", "\r\n", "\r"])


@st.composite
def posting_files_bytes(draw: st.DrawFn, lines: st.SearchStrategy[list[str]] = lines) -> bytes:
    eol = draw(end_of_line)
    front = draw(lines)
    if draw(st.booleans()):
        front.insert(draw(st.integers(0, len(front))), "role: Un poste")
    bom = "\ufeff" if draw(st.integers(0, 9)) == 0 else ""
    text = bom + "---" + eol + "".join(line + eol for line in front) + "---" + eol + "Le poste.\n"
    return text.encode("utf-8", "surrogatepass")


def test_generated_front_matter_loads_the_same_with_and_without_the_fast_path() -> None:
    taken: Counter[bool] = Counter()

    @PROPERTY
    @given(posting_files_bytes())
    def check(raw: bytes) -> None:
        taken[takes_fast_path(raw)] += 1
        assert_same(raw)

    check()
    # Neither path may be a vacuous case of the other.
    assert taken[True] >= 60 and taken[False] >= 60, taken


@PROPERTY
@given(posting_files_bytes(simple_lines))
def test_flat_front_matter_takes_the_fast_path_and_loads_the_same(raw: bytes) -> None:
    assert takes_fast_path(raw), raw
    assert_same(raw)


@pytest.mark.parametrize("value", RESOLVED + TRICKY)
def test_every_listed_value_as_a_key_and_as_a_value(value: str) -> None:
    for line in (f"extra: {value}", f"{value}: x", f"role: {value}", f"poste_ouvert: {value}"):
        assert_same(f"---\nrole: R\n{line}\n---\nbody\n".encode(errors="surrogatepass"))


@pytest.mark.parametrize(
    ("line", "value", "kind"),
    [
        ("x: yes", True, bool),
        ("x: Off", False, bool),
        ("x: ~", None, type(None)),
        ("x:", None, type(None)),
        ("x: 0x1F", 31, int),
        ("x: 1:20", 80, int),
        ("x: 1_000", 1000, int),
        ("x: 1.5e3", "1.5e3", str),  # YAML 1.1 floats need a dot and a signed exponent
        ("x: 1.0e+3", 1000.0, float),
        ("x: 2024-02-03", dt.date(2024, 2, 3), dt.date),
        ("x: 2024-13-01", "2024-13-01", str),
        ("x: 'yes'", "yes", str),
        ('x: "a: b # c"', "a: b # c", str),
        ("x: http://example.org/#top", "http://example.org/#top", str),
    ],
)
def test_values_are_typed_as_yaml_types_them(line: str, value: Any, kind: type) -> None:
    front = f"role: R\n{line}\n"
    parsed = parse_simple(front, _Loader)
    assert parsed is not None
    assert parsed[0]["x"] == value and type(parsed[0]["x"]) is kind
    assert parsed[1] == [("role", 0), ("x", 1)]


@pytest.mark.parametrize(
    "front",
    [
        "yes: 1\n",  # the key is True in YAML
        "1: x\n",
        "x: <<\n",
        "x: =\n",
        "x: a # comment\n",
        "x: a: b\n",
        "x: [a]\n",
        "x: &a b\n",
        "x: |\n  text\n",
        "x: a\n  continued\n",
        "x:\n  - a\n",
        "x: 'it''s'\n",
        'x: "tab\\t"\n',
        "x: a\tb\n",
        "x: a\x85b\n",
        "x: \ufeffa\n",
        "x : a\n",
        "...\n",
        "k" * 201 + ": x\n",
        "k" * 1030 + ": x\n",
        "\u3000\n",  # not a blank line for YAML, but a scalar without ':'
        "x: a\n\xa0\n",
    ],
)
def test_anything_else_is_left_to_pyyaml(front: str) -> None:
    assert parse_simple(front, _Loader) is None
    assert_same(f"---\nrole: R\n{front}---\nbody\n".encode())


def test_a_loader_whose_constructor_raises_is_left_to_pyyaml() -> None:
    # jobfeed's loader keeps an impossible date as text; PyYAML's own raises, and the fast path
    # then leaves the front matter to it rather than raise or guess.
    assert parse_simple("x: 2024-13-01\n", yaml.CSafeLoader) is None
    assert parse_simple("x: 2024-12-01\n", yaml.CSafeLoader) == ({"x": dt.date(2024, 12, 1)}, [("x", 0)])


def test_repeated_keys_warn_on_either_path() -> None:
    raw = b"---\nrole: A\nequipe: X\nrole: B\ncontact: a@b.fr\nposte_ouvert: 2024-01-01\n---\nbody\n"
    assert takes_fast_path(raw)
    posting, problems = load_posting(PATH, CONFIG, raw=raw)
    assert posting is not None and posting.role == "B"
    assert [(p.line, p.message) for p in problems] == [(4, "key 'role' repeats line 2; the last one wins")]
    assert_same(raw)


def test_more_keys_than_the_node_limit_go_to_pyyaml_and_are_refused() -> None:
    raw = ("---\nrole: R\n" + "".join(f"k{i}: v\n" for i in range(MAX_NODES // 2)) + "---\n").encode()
    posting, problems = load_posting(PATH, CONFIG, raw=raw)
    assert posting is None and "more than 10000 values" in problems[0].message
    assert_same(raw)


def test_every_file_of_postes_takes_the_fast_path_and_loads_the_same(config: Config) -> None:
    files = posting_files(ROOT / "postes")
    assert len(files) >= 7
    for path in files:
        raw = path.read_bytes()
        assert takes_fast_path(raw), path
        assert_same(raw, config, path)


def test_every_bad_input_loads_the_same(tmp_path: Path, config: Config) -> None:
    folder = make_bad_postes(tmp_path / "postes")
    for path in posting_files(folder):
        if path.is_symlink() or path.stat().st_size > config.max_file_size:
            continue  # refused before the front matter is read
        assert_same(path.read_bytes(), config, path)
    assert takes_fast_path((folder / "bom.md").read_bytes())
    assert not takes_fast_path((folder / "bomb.md").read_bytes())


def test_synthetic_benchmark_postings_take_the_fast_path_and_load_the_same(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import synth
    finally:
        sys.path.remove(str(ROOT / "bench"))
    for path in synth.generate(tmp_path, 300, dt.date(2024, 11, 15)):
        raw = path.read_bytes()
        assert takes_fast_path(raw), path
        assert_same(raw, CONFIG, path)


def test_the_printable_shortcut_finds_every_unsafe_character() -> None:
    """`_unsafe` skips its pattern when the text is printable but for its line breaks: no
    character the pattern finds is printable, so the shortcut never misses one."""
    from jobfeed.core.frontmatter import _unsafe, _unsafe_pattern

    found = [c for c in map(chr, range(0x110000)) if _unsafe_pattern().match(c)]
    assert len(found) == 2117
    assert not any(c.isprintable() for c in found)
    assert all(_unsafe(f"role: a{c}b\nteam: x\n") for c in found)
    assert not _unsafe("role: Chargé·e « data »\u00a0!\nteam: x\n")  # nbsp: not printable, but safe
