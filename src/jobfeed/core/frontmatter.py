"""A fast path for the front matter nearly every posting has: flat `key: value` lines.

PyYAML's C parser composes a node tree, then its Python constructor builds the values: at 10,000
postings that is most of the cost of loading. `parse_simple` reads front matter made only of

- blank lines (spaces at most) and comments starting in the first column,
- `key: value` lines whose key is a word (letters, digits, `_`, then also `.`, `-` and spaces)
  and whose value is empty, a plain scalar on one line, or a single- or double-quoted scalar with
  no escape or quote inside,

and gives the same mapping as the YAML loader: plain values are typed by PyYAML's own implicit
resolver table and built by the loader's own constructor functions (so `yes` is True, `0x1F` is 31,
`2024-13-01` stays text). Anything else, or any character YAML could treat differently (controls,
tabs, byte order marks, the YAML 1.1 line breaks U+0085/U+2028/U+2029), returns None: the caller
then loads the text with PyYAML, so every result and every error stays what PyYAML gives.
tests/test_frontmatter.py checks this against PyYAML on generated front matter.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml

#: Characters both YAML loaders read as themselves in a scalar: printable, no tab, no line break
#: other than "\n", no byte order mark, no noncharacter U+FFFE/U+FFFF.
_SAFE = "\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff"
#: `key:` then the rest of the line, the key a plain word that cannot start an indicator.
_KEY_LINE = re.compile(r"(\w(?:[\w.\- ]*[\w.\-])?):(?: +(.*))?\Z")
#: A plain scalar on one line: no indicator first ('-' only before a non-space), no ': ' or ' #'
#: inside, no ':' last, no space last.
_PLAIN = re.compile(r"(?![?:,\[\]{}#&*!|>'\"%@`]|- |-\Z)(?!.*(?:: | #|:\Z| \Z)).+\Z")
_QUOTED = re.compile(r"(?:'([^']*)'|\"([^\"\\]*)\") *\Z")
_STR = "tag:yaml.org,2002:str"
#: Tags whose constructors give a plain value; a merge ('<<'), value ('=') or other tag falls back.
_TYPED = frozenset(f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp"))

Parsed = tuple[dict[str, Any], list[tuple[str, int]]]


class _Reader:
    """Reads one `key: value` line as `loader` would: PyYAML's implicit resolver table types plain
    values, and the loader's own constructor functions build them."""

    def __init__(self, loader: type[Any]) -> None:
        table: dict[str | None, list[tuple[str, re.Pattern[str]]]] = loader.yaml_implicit_resolvers
        wildcard = table.get(None, [])
        #: First character of a value -> resolvers to try, in PyYAML's order (no wildcard in its table).
        self.resolvers = {first: [*found, *wildcard] for first, found in table.items() if first is not None}
        self.wildcard = wildcard
        self.instance = loader("")
        #: Line -> (key, value), or None when the line is not one the fast path reads. Most lines
        #: repeat from file to file (`status: open`, `contrat: CDD`); every value is immutable
        #: (None, bool, int, float, date, datetime, str), so a line's value can be shared.
        self.lines: dict[str, tuple[str, Any] | None] = {}

    def tag(self, value: str) -> str:
        """The tag `yaml.resolver.BaseResolver.resolve` gives a plain scalar `value` (not empty)."""
        for tag, regexp in self.resolvers.get(value[0], self.wildcard):
            if regexp.match(value):
                return tag
        return _STR

    def line(self, line: str) -> tuple[str, Any] | None:
        """(key, value) of a `key: value` line the fast path reads, None for any other line."""
        try:
            return self.lines[line]
        except KeyError:
            pass
        found = self._read(line)
        if len(self.lines) < _MAX_LINES:
            self.lines[line] = found
        return found

    def _read(self, line: str) -> tuple[str, Any] | None:
        match = _KEY_LINE.match(line)
        if match is None:
            return None
        key, rest = match.groups()
        # libyaml refuses a key longer than 1,024 characters; a key YAML types (yes, 1, ~) is no str.
        if len(key) > 200 or self.tag(key) != _STR:
            return None
        rest = (rest or "").rstrip(" ")
        if not rest:
            return key, None
        if _PLAIN.match(rest):
            tag = self.tag(rest)
            if tag == _STR:
                return key, rest
            if tag not in _TYPED:
                return None
            node = yaml.ScalarNode(tag, rest)
            try:
                return key, self.instance.yaml_constructors[tag](self.instance, node)
            except (yaml.YAMLError, ValueError, OverflowError):  # reported as PyYAML words it
                return None
        quoted = _QUOTED.match(rest)
        if quoted is None:
            return None
        single, double = quoted.groups()
        return key, single if single is not None else double


_READERS: dict[type[Any], _Reader] = {}
#: Lines remembered per process: a few MB at most.
_MAX_LINES = 50_000


def _unsafe(front: str) -> bool:
    """Whether `front` holds a character that is not `_SAFE`. None of those is printable, and most
    front matter is but for its line breaks: that settles it without the pattern, whose class
    spans Unicode and takes ~6 ms to compile, in every command that loads a file."""
    if front.replace("\n", "").isprintable():
        return False
    return _unsafe_pattern().search(front) is not None


@functools.cache
def _unsafe_pattern() -> re.Pattern[str]:
    return re.compile(f"[^{_SAFE}]")


def parse_simple(front: str, loader: type[Any]) -> Parsed | None:
    """(mapping, [(key, line index from 0), ...] in file order) of flat front matter, as `loader`
    reads it; None when `front` holds anything else, for the caller to load it with `loader`."""
    if _unsafe(front):
        return None
    reader = _READERS.get(loader) or _READERS.setdefault(loader, _Reader(loader))
    mapping: dict[str, Any] = {}
    keys: list[tuple[str, int]] = []
    for index, line in enumerate(front.split("\n")):
        if not line.strip(" ") or line[0] == "#":
            continue
        found = reader.line(line)
        if found is None:
            return None
        key, value = found
        mapping[key] = value
        keys.append((key, index))
    return mapping, keys
