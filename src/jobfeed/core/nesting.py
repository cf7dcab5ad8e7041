"""How deeply a posting's body nests, bounded before it reaches the sanitizer.

The HTML parser under nh3 does work in proportion to the depth of the open elements at each tag, so
sanitizing 150,000 nested quotes took minutes (issue 19). `too_deep(body, raw)` gives the line where
elements nest deeper than MAX_DEPTH, in three steps, each run only when the one before cannot rule
the posting out: a bound from counting characters (a few microseconds, enough for nearly every
posting), the depth of the HTML cmark-gfm makes of it, and, for a posting that is too deep, the
line, from the Markdown tree.
"""

from __future__ import annotations

import ctypes
import functools
import re
import string
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobfeed.core.markup import GfmDocument

#: Elements inside each other, at most (a list and its item are two).
MAX_DEPTH = 100

# Every element of the HTML cmark-gfm makes comes from characters of the Markdown: a container
# (quote, list and item) from its marker or indentation at the start of a line, an inline element
# (emphasis, strikethrough, link) from one of `*`, `_`, `~`, `[`, raw HTML from a `<`. A container
# takes at least one column, and makes at most two elements per two columns (a tab is up to four):
# three per character of a line's prefix, and one more per tab, are more than it can make. A raw
# tag makes up to three (a table cell opens a tbody and a tr), counted as a mark and twice more. A
# leaf block adds at most four (table, tbody, tr, td) and an autolink one.
_MARKS = b"*_~[<\t"
_LEAF = 5
_PREFIX = "[ \t>*+\\-.)0-9]"

# The parser's rules, as far as they make fewer elements open than this count (never more).
_VOID = frozenset(
    [
        "area",
        "base",
        "basefont",
        "bgsound",
        "br",
        "col",
        "embed",
        "frame",
        "hr",
        "img",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
#: Kept in the list of active formatting elements until their own end tag, and opened again then.
_FORMATTING = frozenset(
    ["a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"]
)
#: A start tag of one of these closes the current element when it has the same name.
_SIBLINGS = frozenset(["p", "li", "dt", "dd", "option", "tr", "td", "th"])
#: A table opens a tbody and a tr of its own when its rows or cells do not.
_WEIGHT = {"table": 3}
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_TAG = re.compile(r"<(/?)([A-Za-z][^\t\n\f\r />]*)")
_WINDOW = 65_536  # HTML read at a time: a posting too deep is found without reading all of it


class _Open:
    """The elements an HTML parser keeps open, counted so that they are never fewer than it has:
    an end tag closes only the current element, formatting elements count until their end tag."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.formatting: dict[str, int] = {}
        self.depth = 0

    def tag(self, name: str, closing: bool) -> None:
        if not name.islower():
            name = name.translate(_ASCII_LOWER)  # as HTML does: ASCII letters only
        if name in _VOID:
            return
        if name in _FORMATTING:
            count = self.formatting.get(name, 0)
            if not closing:
                self.formatting[name] = count + 1
                self.depth += 1
            elif count:
                self.formatting[name] = count - 1
                self.depth -= 1
        elif not closing:
            stack = self.stack
            if not (stack and stack[-1] == name and name in _SIBLINGS):
                stack.append(name)
                self.depth += _WEIGHT.get(name, 1)
        elif self.stack and self.stack[-1] == name:
            self.stack.pop()
            self.depth -= _WEIGHT.get(name, 1)


def too_deep(body: str, raw: bytes) -> int | None:
    """The line of `body` (1: its first) where its elements nest deeper than MAX_DEPTH, or None.
    `raw`: the file's bytes, in which the marks are counted (a file's are at least its body's)."""
    marks = len(raw) - len(raw.translate(None, _MARKS)) + 2 * raw.count(b"<")
    room = (MAX_DEPTH - _LEAF - marks) // 3  # the longest line prefix that cannot go too deep
    if room > 0 and not _prefix_longer_than(room).search("\n" + body):
        return None
    from jobfeed.core.markup import gfm_document

    with gfm_document(body) as document:
        if html_depth(document.html()) <= MAX_DEPTH:
            return None
        return _line_too_deep(document)


@functools.lru_cache(maxsize=64)
def _prefix_longer_than(room: int) -> re.Pattern[str]:
    return re.compile(rf"\n{_PREFIX}{{{room + 1},}}")


def html_depth(html: str) -> int:
    """How deep the elements of `html` nest, or MAX_DEPTH + 1 when they go deeper."""
    open_ = _Open()
    tag = open_.tag
    deepest = start = 0
    while start < len(html):
        # a window ends after a '>', which ends any tag name: no tag is cut in two
        end = html.find(">", start + _WINDOW) + 1 or len(html)
        for closing, name in _TAG.findall(html, start, end):
            tag(name, closing == "/")
            if open_.depth > deepest:
                deepest = open_.depth
                if deepest > MAX_DEPTH:
                    return deepest
        start = end
    return deepest


# The Markdown tree, walked with cmark-gfm's iterator (which its Python module does not expose).
_ENTER, _EXIT, _DONE = 2, 3, 1
#: The element of each node type, as cmark-gfm renders it; None: no element (text, breaks, images'
#: alt text), "" for raw HTML, whose tags are counted one by one.
_ELEMENTS = {
    "block_quote": "blockquote",
    "list": "ul",
    "item": "li",
    "paragraph": "p",
    "heading": "h1",
    "code_block": "pre",
    "table": "table",
    "table_header": "tr",
    "table_row": "tr",
    "table_cell": "td",
    "emph": "em",
    "strong": "strong",
    "strikethrough": "del",
    "link": "a",
    "code": "code",
    "html_block": "",
    "html_inline": "",
}
_LEAVES = frozenset({"code_block", "code", "html_block", "html_inline", "text", "softbreak", "linebreak"})


@functools.cache
def _cmark() -> Any:
    from cmarkgfm import cmark

    lib = ctypes.CDLL(cmark._cmark.__file__)
    pointer = ctypes.c_void_p
    for name, result, arguments in (
        ("cmark_iter_new", pointer, [pointer]),
        ("cmark_iter_next", ctypes.c_int, [pointer]),
        ("cmark_iter_get_node", pointer, [pointer]),
        ("cmark_iter_free", None, [pointer]),
        ("cmark_node_get_type", ctypes.c_int, [pointer]),
        ("cmark_node_get_type_string", ctypes.c_char_p, [pointer]),
        ("cmark_node_get_start_line", ctypes.c_int, [pointer]),
        ("cmark_node_get_literal", ctypes.c_char_p, [pointer]),
        ("cmark_node_parent", pointer, [pointer]),
        ("cmark_node_get_list_tight", ctypes.c_int, [pointer]),
    ):
        function = getattr(lib, name)
        function.restype, function.argtypes = result, arguments
    return lib


def _line_too_deep(document: GfmDocument) -> int:
    """The first line of `document` where it nests deeper than MAX_DEPTH; else the line where it
    nests deepest (the HTML counted a level the tree does not have, such as a tbody)."""
    deepest = (0, -1)  # (depth, minus its line: the first line wins a tie)
    for depth, line in _depths(document):
        deepest = max(deepest, (depth, -line))
        if depth > MAX_DEPTH:
            break
    return -deepest[1]


def _depths(document: GfmDocument) -> Iterator[tuple[int, int]]:
    """(depth, line) at each element the document opens, its raw HTML's tags included. Costs
    about a microsecond a node: only for a posting found too deep."""
    lib = _cmark()
    kinds: dict[int, str] = {}
    open_ = _Open()
    in_image = 0  # an image's children are its alt text, not elements
    walk = lib.cmark_iter_new(document.address)
    try:
        while (event := lib.cmark_iter_next(walk)) != _DONE:
            node = lib.cmark_iter_get_node(walk)
            number = lib.cmark_node_get_type(node)
            kind = kinds.get(number)
            if kind is None:
                kind = kinds[number] = (lib.cmark_node_get_type_string(node) or b"").decode()
            if kind == "image":
                in_image += 1 if event == _ENTER else -1
            element = _ELEMENTS.get(kind)
            if in_image or element is None or (kind == "paragraph" and _in_tight_list(lib, node)):
                continue
            if event == _EXIT:
                open_.tag(element, True)
                continue
            line = lib.cmark_node_get_start_line(node)
            if element:
                open_.tag(element, False)
                yield open_.depth, line
                if kind in _LEAVES:  # a leaf has no exit event
                    open_.tag(element, True)
                continue
            literal = (lib.cmark_node_get_literal(node) or b"").decode("utf-8", "replace")
            at = 0
            for match in _TAG.finditer(literal):  # raw HTML: its tags, each on its line
                line += literal.count("\n", at, match.start())
                at = match.start()
                open_.tag(match.group(2), bool(match.group(1)))
                yield open_.depth, line
    finally:
        lib.cmark_iter_free(walk)


def _in_tight_list(lib: Any, paragraph: int) -> bool:
    """Whether a paragraph is an item's in a tight list, which cmark-gfm renders without <p>."""
    item = lib.cmark_node_parent(paragraph)
    parent = lib.cmark_node_parent(item) if item else None
    return (
        bool(parent)
        and lib.cmark_node_get_type_string(parent) == b"list"
        and lib.cmark_node_get_list_tight(parent) == 1
    )
