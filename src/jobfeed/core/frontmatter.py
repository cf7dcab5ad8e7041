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

from jobfeed.errors import Problem, Unloadable

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


# --- The whole front matter: the text split from the body, then read by the fast path or PyYAML.

try:  # libyaml is ~10x faster; the pure-Python loader gives the same results.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class Loader(_BaseLoader):
    """Safe loader that keeps an impossible date (`2024-13-01`) as text, so it is reported by key."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_yaml_timestamp)

#: How many YAML nodes front matter may expand to once aliases are followed (alias bombs).
MAX_NODES = 10_000
_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)


def decode(raw: bytes, shown: str, problems: list[Problem]) -> str:
    try:
        text = raw.decode("utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        problems.append(
            Problem(
                shown,
                line,
                "error",
                f"byte 0x{raw[e.start]:02x} is not UTF-8; save the file as UTF-8",
            )
        )
        raise Unloadable() from e
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split(text: str, shown: str, problems: list[Problem]) -> tuple[str, str, int]:
    """(front matter, body, line of the first front-matter line)."""
    if not text.strip():
        problems.append(Problem(shown, 1, "error", "empty file; start it with '---', 'role: …', '---'"))
        raise Unloadable()
    match = _FRONT.match(text)
    if match is None:
        if text.startswith("---"):
            message = "front matter is not closed; add a line '---' after the last key"
        else:
            message = "no front matter; the file must start with a line '---', then 'role: …', then '---'"
        problems.append(Problem(shown, 1, "error", message))
        raise Unloadable()
    return match.group(1) or "", text[match.end() :], 2


def parse_yaml(
    front: str, first_line: int, shown: str, problems: list[Problem], fast: bool = True
) -> tuple[dict[str, Any], dict[str, int]]:
    """(mapping, line of each key); `fast`: flat `key: value` lines skip PyYAML's node tree."""
    simple = parse_simple(front, Loader) if fast else None
    if simple is not None and 1 + 2 * len(simple[1]) <= MAX_NODES:
        data, keys = simple
    else:
        data, keys = _parse_yaml_nodes(front, first_line, shown, problems)
    lines: dict[str, int] = {}
    for key, index in keys:
        line = first_line + index
        if key in lines:
            problems.append(
                Problem(shown, line, "warning", f"key '{key}' repeats line {lines[key]}; the last one wins")
            )
        lines[key] = line
    return data, lines


def _parse_yaml_nodes(
    front: str, first_line: int, shown: str, problems: list[Problem]
) -> tuple[dict[str, Any], list[tuple[str, int]]]:
    loader = Loader(front)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_size(node, shown, first_line, problems)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as e:
        # An unclosed bracket or quote is noticed lines later: point at where it was opened.
        opened = e.context and ("flow" in e.context or e.context.startswith("while scanning"))
        mark = (e.context_mark if opened else None) or e.problem_mark or e.context_mark
        line = first_line + (mark.line if mark else 0)
        reason = e.problem or "invalid YAML"
        if opened:
            reason = f"{reason} {e.context} that starts here"
        if "mapping values are not allowed" in reason:
            reason += "; if the value contains ': ', put it in quotes"
        problems.append(Problem(shown, line, "error", f"invalid YAML front matter: {reason}"))
        raise Unloadable() from e
    except (yaml.YAMLError, ValueError, OverflowError) as e:
        problems.append(Problem(shown, first_line, "error", f"invalid YAML front matter: {e}"))
        raise Unloadable() from e
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"the single value {str(data)[:40]!r}"
        problems.append(
            Problem(shown, first_line, "error", f"front matter is {kind}; write 'key: value' lines")
        )
        raise Unloadable()
    # A front matter that is only a null ("~", "NULL") has no keys, but a scalar node, not a mapping.
    pairs = node.value if isinstance(node, yaml.MappingNode) else ()
    keys = [(str(key_node.value), key_node.start_mark.line) for key_node, _ in pairs]
    return {str(k): v for k, v in data.items()}, keys


def _check_size(node: yaml.Node, shown: str, first_line: int, problems: list[Problem]) -> None:
    """Refuse front matter whose aliases would expand past MAX_NODES (a 'billion laughs')."""
    count = 0
    stack = [node]
    while stack:
        current = stack.pop()
        count += 1
        if count > MAX_NODES:
            problems.append(
                Problem(
                    shown,
                    first_line,
                    "error",
                    f"front matter expands to more than {MAX_NODES} values (YAML aliases); "
                    "write the values out instead of using '&' anchors and '*' aliases",
                )
            )
            raise Unloadable()
        if isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.append(key)
                stack.append(value)
