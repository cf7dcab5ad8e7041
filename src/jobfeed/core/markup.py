"""Posting bodies -> safe HTML: Markdown rendering, sanitizing, absolute links, a plain-text summary."""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlparse, urlsplit, urlunparse, uses_netloc, uses_relative

from jobfeed.config import DEFAULT_RENDERER
from jobfeed.core.postings import Posting
from jobfeed.core.text import clean_text

SUMMARY_MAX = 500
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_SUMMARY_HTML = 16_384
_URL_ATTRIBUTES = {"href", "src", "cite"}
#: The only schemes a published link may have (no scheme at all: a relative link).
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
#: What the URL standard strips around a URL (C0 controls and space) and removes inside it (tab and
#: newlines) before it reads the scheme. Nothing else: U+00A0 or U+3000 before `javascript:` is
#: not stripped by a browser, but `str.strip()` would strip it and make the scheme live.
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


@dataclasses.dataclass(frozen=True)
class Rendered:
    content: str  # sanitized HTML fragment
    summary: str  # plain text


def markdown_to_html(text: str, renderer: str = DEFAULT_RENDERER) -> str:
    """Unsanitized HTML, as the authors saw it on GitHub (or with Python-Markdown when asked)."""
    if renderer == "python-markdown":
        import markdown  # only sites written for it pay its import

        return str(markdown.markdown(text, extensions=["extra", "sane_lists"]))
    import cmarkgfm  # imported on first use: a rebuild that renders nothing does not pay for it
    from cmarkgfm.cmark import Options

    # never taken with the cmarkgfm jobfeed requires (a build without exported symbols)
    if _c_functions() is None:  # pragma: no cover, no mutate block
        return str(cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE))
    with gfm_document(text) as document:
        return document.html()


_GFM_EXTENSIONS = ("table", "autolink", "tagfilter", "strikethrough", "tasklist")


@functools.cache
def _c_functions() -> tuple[Any, Any] | None:
    """(cmark_node_free, libc free), or None when they cannot be found."""
    from cmarkgfm import cmark

    with contextlib.suppress(OSError, AttributeError, TypeError):
        node_free = ctypes.CDLL(cmark._cmark.__file__).cmark_node_free
        node_free.argtypes, node_free.restype = [ctypes.c_void_p], None
        free = ctypes.CDLL(None).free
        free.argtypes, free.restype = [ctypes.c_void_p], None
        return node_free, free
    return None  # pragma: no cover


@dataclasses.dataclass(frozen=True)
class GfmDocument:
    """A Markdown text parsed by cmark-gfm as GitHub parses it (`gfm_document`)."""

    root: Any  # the cffi pointer to the document node
    extensions: Any
    options: int

    @property
    def address(self) -> int:
        """The root node's address, for functions cmarkgfm's module does not expose (ctypes)."""
        from cmarkgfm import cmark

        return int(cmark._cmark.ffi.cast("uintptr_t", self.root))

    def html(self) -> str:
        """The document as HTML. cmarkgfm's `github_flavored_markdown_to_html` gives the same,
        but frees neither the document tree nor the rendered C string: about 40 KB per posting,
        160 MB for 10,000 postings. Its cffi module does not expose `cmark_node_free`, so it is
        called through ctypes; the string is malloc'ed by cmark's default allocator, hence libc
        free."""
        from cmarkgfm import cmark

        functions = _c_functions()
        assert functions is not None
        ffi, lib = cmark._cmark.ffi, cmark._cmark.lib
        raw = lib.cmark_render_html(self.root, self.options, self.extensions)
        try:
            return str(ffi.string(raw).decode("utf-8"))
        finally:
            functions[1](int(ffi.cast("uintptr_t", raw)))


@contextlib.contextmanager
def gfm_document(text: str) -> Iterator[GfmDocument]:
    """`text` parsed as GitHub does (raw HTML kept), its tree freed on leaving."""
    from cmarkgfm import cmark
    from cmarkgfm.cmark import Options

    functions = _c_functions()
    assert functions is not None
    options = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_GITHUB_PRE_LANG
    cmark.core_extensions_ensure_registered()
    parser = cmark.parser_new(options=options)
    try:
        for name in _GFM_EXTENSIONS:
            cmark.parser_attach_syntax_extension(parser, cmark.find_syntax_extension(name))
        cmark.parser_feed(parser, text)
        document = GfmDocument(
            cmark.parser_finish(parser), cmark.parser_get_syntax_extensions(parser), options
        )
        try:
            yield document
        finally:
            functions[0](document.address)
    finally:
        cmark.parser_free(parser)


@functools.lru_cache(maxsize=4096)
def _join_with_netloc(base_scheme: str, url: str) -> str | None:
    """`urljoin(base, url)` when it does not depend on `base` beyond its scheme: when `url` has
    another scheme, or names its host (`https://…`, `//…`); else None. The same steps as urljoin,
    cached: postings link to the same sites again and again, each from a base of its own."""
    scheme, netloc, path, params, query, fragment = urlparse(url, base_scheme)
    if scheme != base_scheme or scheme not in uses_relative:
        return url
    if scheme in uses_netloc and netloc:
        return urlunparse((scheme, netloc, path, params, query, fragment))
    return None


@functools.lru_cache(maxsize=64)
def _scheme_of(head: str) -> str:
    """`urlsplit(base).scheme` from `base` up to its first ':' (`head`), which is all urlsplit
    looks at for it: postings' pages share it, one page each."""
    return urlsplit(head).scheme


def _folder_of(base: str) -> str:  # pragma: no mutate block
    """`base` without its last path segment, params, query and fragment, which urljoin does not
    use to resolve a URL that has a path; "" when `base` would not read back the same.

    Not mutated (`no mutate`): any change to it gives "" through its own check, and the link is
    then joined by urljoin, as it would be without this shortcut (tests compare the two)."""
    scheme, netloc, path, _, _, _ = urlparse(base)
    folder = urlunparse((scheme, netloc, path[: path.rfind("/") + 1], "", "", ""))
    return folder if urlparse(folder) == (scheme, netloc, path[: path.rfind("/") + 1], "", "", "") else ""


@functools.lru_cache(maxsize=4096)
def _join_in_folder(folder: str, url: str) -> str | None:
    """`urljoin(base, url)` for any `base` in `folder` when `url` has a path (or params), else None.
    Postings' pages share their folder and their links: each pair is joined once a build."""
    _, _, path, params, _, _ = urlparse(url, urlparse(folder).scheme)
    return urljoin(folder, url) if path or params else None


class _Sanitizer:
    """nh3 with relative links made absolute against the page the HTML will appear on."""

    def __init__(self) -> None:
        import nh3

        self.base = self.scheme = ""  # pragma: no mutate
        # set by `clean` before any use (not mutated: their first values are never read)
        self.folder: str | None = None  # pragma: no mutate
        self._cleaner = nh3.Cleaner(
            attribute_filter=self._absolute,
            link_rel="noopener noreferrer",
            url_schemes={"http", "https", "mailto", "tel"},
        )
        self._text = nh3.Cleaner(tags=set(), clean_content_tags={"script", "style"})

    def _absolute(self, tag: str, attribute: str, value: str) -> str | None:
        """A URL attribute made absolute, then judged as it will be published (None drops it)."""
        if attribute not in _URL_ATTRIBUTES:
            return value
        url = value.strip(_C0_AND_SPACE)
        if self.base:
            url = self.join(url)
        return url if is_safe_url(url) else None

    def join(self, url: str) -> str:  # pragma: no mutate block
        """`urljoin(self.base, url)`, through the caches when they apply (tests compare them). Not
        mutated: every path ends in urljoin's own answer, so a change only costs speed."""
        if not url or not self.base:
            return urljoin(self.base, url)
        joined = _join_with_netloc(self.scheme, url)
        if joined is None:
            if self.folder is None:
                self.folder = _folder_of(self.base)
            if self.folder:
                joined = _join_in_folder(self.folder, url)
        return urljoin(self.base, url) if joined is None else joined

    def clean(self, fragment: str, base: str) -> str:
        self.base, self.scheme, self.folder = base, _scheme_of(base[: base.find(":") + 1]), None
        return clean_text(self._cleaner.clean(fragment))

    def text(self, fragment: str) -> str:
        return " ".join(html.unescape(self._text.clean(fragment)).split())


def is_safe_url(url: str) -> bool:
    """True when a browser reading `url` finds no scheme (a relative link) or one of SAFE_SCHEMES:
    the scheme is read as the URL standard reads it, after stripping what it strips."""
    scheme = _SCHEME.match(url.strip(_C0_AND_SPACE).translate(_TAB_OR_NEWLINE))
    return scheme is None or scheme.group(1).lower() in SAFE_SCHEMES


@functools.cache
def _sanitizer() -> _Sanitizer:
    return _Sanitizer()


def sanitize(fragment: str, base: str = "") -> str:
    return _sanitizer().clean(fragment, base)


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment, tags removed and white space collapsed."""
    return _sanitizer().text(fragment)


def _summary_text(fragment: str) -> str:  # pragma: no mutate block
    """`plain_text(fragment)` as far as the summary uses it: the text of its first
    `_SUMMARY_HTML` characters when that is well over SUMMARY_MAX (the same first characters, only
    the last few can differ), so that a posting of one long paragraph is not sanitized twice.
    Not mutated: either path gives the same summary once it is cut to SUMMARY_MAX, so a change
    only costs time (tests pin the summaries themselves)."""
    if len(fragment) > _SUMMARY_HTML:
        text = plain_text(fragment[:_SUMMARY_HTML])
        if len(text) >= SUMMARY_MAX + 64:  # a character reference cut short is at most 33
            return text
    return plain_text(fragment)


def render(posting: Posting, link: str, renderer: str = DEFAULT_RENDERER) -> Rendered:
    """The posting's content and summary; links are resolved against `link`."""
    body = posting.body.replace("<!--more-->", "", 1)
    content = sanitize(markdown_to_html(body, renderer), link)
    head = posting.summary_markdown
    if head is not None:
        summary = _summary_text(markdown_to_html(head, renderer))
    else:
        first = _FIRST_PARAGRAPH.search(content)
        summary = _summary_text(first.group(1)) if first else ""
    if len(summary) > SUMMARY_MAX:
        summary = summary[: SUMMARY_MAX - 1].rsplit(" ", 1)[0] + "…"
    return Rendered(content=content, summary=summary)
