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

import re
from typing import Any

import yaml

#: Characters both YAML loaders read as themselves in a scalar: printable, no tab, no line break
#: other than "\n", no byte order mark, no noncharacter U+FFFE/U+FFFF.
_UNSAFE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
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


class _Resolver:
    """PyYAML's implicit typing of plain scalars, from the table and constructors of `loader`."""

    def __init__(self, loader: type[Any]) -> None:
        self.table: dict[str | None, list[tuple[str, re.Pattern[str]]]] = loader.yaml_implicit_resolvers
        self.instance = loader("")
        #: Every value a constructor gives here (None, bool, int, float, date, datetime, str) is
        #: immutable, so one per text is enough.
        self.built: dict[tuple[str, str], Any] = {}

    def tag(self, value: str) -> str:
        """The tag `yaml.resolver.BaseResolver.resolve` gives a plain scalar `value`."""
        resolvers = self.table.get(value[0] if value else "", []) + self.table.get(None, [])
        for tag, regexp in resolvers:
            if regexp.match(value):
                return tag
        return _STR

    def construct(self, tag: str, value: str) -> Any:
        """The value the loader's constructor for `tag` builds from a plain scalar `value`."""
        try:
            return self.built[tag, value]
        except KeyError:
            pass
        built = self.instance.yaml_constructors[tag](self.instance, yaml.ScalarNode(tag, value))
        if len(self.built) < 10_000:
            self.built[tag, value] = built
        return built


_RESOLVERS: dict[type[Any], _Resolver] = {}


def parse_simple(front: str, loader: type[Any]) -> Parsed | None:
    """(mapping, [(key, line index from 0), ...] in file order) of flat front matter, as `loader`
    reads it; None when `front` holds anything else, for the caller to load it with `loader`."""
    if _UNSAFE.search(front):
        return None
    resolver = _RESOLVERS.get(loader) or _RESOLVERS.setdefault(loader, _Resolver(loader))
    mapping: dict[str, Any] = {}
    keys: list[tuple[str, int]] = []
    for index, line in enumerate(front.split("\n")):
        if not line.strip(" ") or line[0] == "#":
            continue
        match = _KEY_LINE.match(line)
        if match is None:
            return None
        key, rest = match.groups()
        # libyaml refuses a key longer than 1,024 characters; a key YAML types (yes, 1, ~) is no str.
        if len(key) > 200 or resolver.tag(key) != _STR:
            return None
        value: Any
        rest = (rest or "").rstrip(" ")
        if not rest:
            value = None
        elif _PLAIN.match(rest):
            tag = resolver.tag(rest)
            if tag == _STR:
                value = rest
            elif tag in _TYPED:
                try:
                    value = resolver.construct(tag, rest)
                except (yaml.YAMLError, ValueError, OverflowError):  # reported as PyYAML words it
                    return None
            else:
                return None
        else:
            quoted = _QUOTED.match(rest)
            if quoted is None:
                return None
            single, double = quoted.groups()
            value = single if single is not None else double
        mapping[key] = value
        keys.append((key, index))
    return mapping, keys
