"""Changing one front-matter value in place, every other byte of the file kept as it was.

A YAML round-trip would re-quote values, re-order keys, or drop comments and the BOM; this is an
exact line edit instead. PyYAML only says where the key and its value are; the value's characters
are replaced (keeping its quotes), or a `key: value` line is added after the last key. Line
endings (LF, CRLF, CR), the BOM, comments and the body are left untouched. The key edited is the
one the file actually uses for the field, following `[fields]` in `jobfeed.toml` (`open: false` on
a site that writes `open:`), and the result is parsed again before anything is written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from pathlib import Path

import yaml

from jobfeed.config import Config
from jobfeed.errors import EditError
from jobfeed.output import write_atomic

_EOL = re.compile(r"\r\n|\r|\n")
_FENCE = re.compile(r"---[ \t]*")
_NULL = "tag:yaml.org,2002:null"
#: Keys that read as a yes/no question: `open: false` closes a role, `open: closed` would read oddly.
_BOOLEAN_STATUS_KEYS = {"open", "ouvert", "published", "publié", "publie", "visible"}

Value = bool | str


@dataclasses.dataclass(frozen=True)
class Change:
    """One key set in a file: where, what it said before (None when added) and what it says now."""

    path: str
    key: str
    line: int  # 1-based line of the key in the new file
    old: str | None
    new: str

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.path}:{self.line}: added {self.key}: {self.new}"
        return f"{self.path}:{self.line}: {self.key}: {self.old or '(empty)'} -> {self.new}"


@dataclasses.dataclass
class _Line:
    text: str  # without its line ending
    eol: str  # "\r\n", "\n", "\r" or "" on a last line without one


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    start = 0
    for match in _EOL.finditer(text):
        out.append(_Line(text[start : match.start()], match.group()))
        start = match.end()
    if start < len(text):
        out.append(_Line(text[start:], ""))
    return out


def _join(lines: list[_Line]) -> str:
    return "".join(line.text + line.eol for line in lines)


@dataclasses.dataclass(frozen=True)
class _Pair:
    key: str
    key_line: int  # index in the file's lines
    key_column: int
    key_end: int  # column just after the key on its line
    value: yaml.Node
    first: int  # index of the first front-matter line in the file's lines

    @property
    def is_null(self) -> bool:
        """No value, as the loader sees it: `key:`, `key: ~` or `key: null`."""
        return self.value.tag == _NULL

    @property
    def is_empty(self) -> bool:
        """Nothing at all after the colon."""
        return self.is_null and not str(self.value.value).strip()

    def span(self, lines: list[_Line]) -> tuple[int, int, int, int]:
        """(line, column, end line, end column) of the value in the file, block scalars included."""
        start, end = self.value.start_mark, self.value.end_mark
        line, column = self.first + start.line, start.column
        end_line, end_column = self.first + end.line, end.column
        if end_line > line and end_column == 0:  # a block scalar ends at the start of the next line
            end_line -= 1
            while end_line > line and not lines[end_line].text.strip():
                end_line -= 1
            end_column = len(lines[end_line].text)
        return line, column, end_line, end_column


def _front_matter(lines: list[_Line], shown: str) -> tuple[int, int]:
    """(index of the first front-matter line, index of the closing '---')."""
    if not lines or not _FENCE.fullmatch(lines[0].text.removeprefix("\ufeff")):
        raise EditError(f"{shown}: no front matter; the file must start with a line '---'")
    for index in range(1, len(lines)):
        if _FENCE.fullmatch(lines[index].text):
            return 1, index
    raise EditError(f"{shown}: front matter is not closed; add a line '---' after the last key")


def _compose(lines: list[_Line], first: int, close: int, shown: str) -> tuple[yaml.Node | None, str]:
    front = "".join(line.text + "\n" for line in lines[first:close])
    try:
        return yaml.compose(front, Loader=yaml.SafeLoader), front
    except yaml.YAMLError as e:
        raise EditError(f"{shown}: invalid YAML front matter; run `jobfeed check` and fix it first") from e


def _pairs(node: yaml.Node | None, first: int, shown: str) -> list[_Pair]:
    if node is None:
        return []
    if not isinstance(node, yaml.MappingNode):
        raise EditError(f"{shown}: front matter is not a list of 'key: value' lines")
    if node.flow_style:
        raise EditError(f"{shown}: front matter is written as {{…}}; write one 'key: value' line per key")
    return [
        _Pair(str(k.value), first + k.start_mark.line, k.start_mark.column, k.end_mark.column, v, first)
        for k, v in node.value
    ]


def key_for(field: str, pairs: list[_Pair], config: Config) -> tuple[str, _Pair | None]:
    """The key that holds `field` in this file, as the loader reads it (first mapped key with a value)."""
    last = {pair.key: pair for pair in pairs}  # a repeated key: the last one wins, as in YAML
    keys = config.fields[field]
    for key in keys:
        if key in last and not last[key].is_null:
            return key, last[key]
    for key in keys:
        if key in last:
            return key, last[key]
    return keys[0], None


def value_text(field: str, key: str, value: Value, current: yaml.Node | None) -> str:
    """How `value` is written for this key, in the style of the value already there."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if field == "status":
        current_is_boolean = current is not None and current.tag == "tag:yaml.org,2002:bool"
        if current_is_boolean or (current is None and key.lower() in _BOOLEAN_STATUS_KEYS):
            return "true" if value == "open" else "false"
    return value


def _quoted(text: str, style: str | None) -> str:
    if style == '"':
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if style == "'":
        return "'" + text.replace("'", "''") + "'"
    return text


def set_field(text: str, field: str, value: Value, config: Config, shown: str) -> tuple[str, Change | None]:
    """`text` with `field` set to `value`, and the change; (text, None) when it already says so.

    Only the value's characters change (or one line is added after the last key); the result is
    parsed again and must hold the same keys, in the same order, with the new value.
    """
    lines = _lines(text)
    first, close = _front_matter(lines, shown)
    node, front = _compose(lines, first, close, shown)
    pairs = _pairs(node, first, shown)
    key, pair = key_for(field, pairs, config)
    written = value_text(field, key, value, pair.value if pair else None)
    if pair is not None and not pair.is_empty:
        line, column, end_line, end_column = pair.span(lines)
        style = getattr(pair.value, "style", None)
        style = style if style in ('"', "'") and end_line == line else None
        if end_line == line:
            old = lines[line].text[column:end_column]
        else:
            middle = [lines[i].text for i in range(line + 1, end_line)]
            old = "\n".join([lines[line].text[column:], *middle, lines[end_line].text[:end_column]])
        new = _quoted(written, style)
        if old == new:
            return text, None
        if line > pair.key_line:  # the value starts under its key (a nested list or mapping)
            colon = lines[pair.key_line].text.index(":", pair.key_end) + 1
            head, rest = lines[pair.key_line].text[:colon], lines[pair.key_line].text[colon:]
            lines[pair.key_line].text = head + " " + new + (rest if rest.strip() else "")
            del lines[pair.key_line + 1 : end_line + 1]
            line = pair.key_line
        else:
            lines[line].text = lines[line].text[:column] + new + lines[end_line].text[end_column:]
            if end_line > line:
                lines[line].eol = lines[end_line].eol
                del lines[line + 1 : end_line + 1]
        where = line
    elif pair is not None:  # `key:` with nothing after it
        line, column = pair.first + pair.value.start_mark.line, pair.value.start_mark.column
        rest = lines[line].text[column:]
        lines[line].text = lines[line].text[:column] + " " + written + (rest if rest.strip() else "")
        old, new, where = "", written, line
    else:
        if pairs:
            last = pairs[-1]
            after = last.key_line if last.is_empty else last.span(lines)[2]
            indent = " " * last.key_column
        else:
            after, indent = first - 1, ""
        eol = lines[after].eol or lines[0].eol or "\n"
        if not lines[after].eol:
            lines[after].eol = eol
        lines.insert(after + 1, _Line(f"{indent}{key}: {written}", eol))
        old, new, where = None, written, after + 1
    result = _join(lines)
    _verify(front, result, key, new, shown)
    return result, Change(shown, key, where + 1, old, new)


def _verify(before: str, after_text: str, key: str, new: str, shown: str) -> None:
    lines = _lines(after_text)
    first, close = _front_matter(lines, shown)
    after = "".join(line.text + "\n" for line in lines[first:close])
    try:
        old_map = yaml.safe_load(before) or {}
        new_map = yaml.safe_load(after) or {}
        expected = yaml.safe_load(f"k: {new}")["k"]
    except yaml.YAMLError:
        old_map, new_map, expected = {}, None, None
    old_keys = list(old_map) if isinstance(old_map, dict) else []
    wanted_keys = old_keys if key in old_keys else [*old_keys, key]
    if not isinstance(new_map, dict) or list(new_map) != wanted_keys or new_map.get(key) != expected:
        raise EditError(
            f"{shown}: cannot edit '{key}' safely in this file; nothing was written. "
            f"Set '{key}: {new}' by hand"
        )


@dataclasses.dataclass(frozen=True)
class FileEdit:
    """The changes made to one file (empty when it already said what was asked)."""

    path: Path
    changes: tuple[Change, ...]


def edit_file(path: Path, values: list[tuple[str, Value]], config: Config, shown: str = "") -> FileEdit:
    """Set each (field, value) in the file at `path` and write it back atomically, mode kept."""
    shown = shown or str(path)
    try:
        raw = path.read_bytes()
        mode = os.stat(path).st_mode & 0o7777
    except OSError as e:
        raise EditError(f"{shown}: cannot read the file: {e.strerror or e}") from e
    try:
        text = raw.decode("utf-8")  # a BOM stays as U+FEFF and is written back as it was
    except UnicodeDecodeError as e:
        raise EditError(f"{shown}: the file is not UTF-8; save it as UTF-8 first") from e
    changes: list[Change] = []
    for field, value in values:
        text, change = set_field(text, field, value, config, shown)
        if change is not None:
            changes.append(change)
    if changes:
        write_atomic(path, text.encode("utf-8"))
        with contextlib.suppress(OSError):  # the file was just written by us
            os.chmod(path, mode)
    return FileEdit(path, tuple(changes))
