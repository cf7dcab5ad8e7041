from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from hypothesis import example, given, settings
from hypothesis import strategies as st

from jobfeed.core.markup import (
    _join_with_netloc,
    _Sanitizer,
    _scheme_of,
    markdown_to_html,
    plain_text,
    sanitize,
)


def test_list_right_after_a_paragraph_line_is_a_list() -> None:
    html = markdown_to_html("Vous avez :\n- une expérience ;\n- le goût du service public.\n")
    assert (
        html
        == "<p>Vous avez :</p>\n<ul>\n<li>une expérience ;</li>\n<li>le goût du service public.</li>\n</ul>\n"
    )


def test_python_markdown_stays_available() -> None:
    html = markdown_to_html("Vous avez :\n\n- une expérience\n", renderer="python-markdown")
    assert "<li>une expérience</li>" in html


def test_gfm_extensions() -> None:
    html = markdown_to_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~barré~~ https://beta.gouv.fr\n")
    assert "<table>" in html and "<del>barré</del>" in html and 'href="https://beta.gouv.fr"' in html


def test_sanitizer_removes_scripts_handlers_and_javascript_urls() -> None:
    dirty = (
        '<p onclick="x()">a<script>alert(1)</script></p><img src="x.png" onerror="alert(2)">'
        '<a href="javascript:alert(3)">j</a><a href="JaVaScRiPt:alert(4)">k</a><iframe src="//evil"></iframe>'
    )
    clean = sanitize(dirty, "https://jobs.example.org/postes/a.html")
    assert "script" not in clean.lower() and "onerror" not in clean and "onclick" not in clean
    assert "javascript" not in clean.lower() and "iframe" not in clean
    assert 'src="https://jobs.example.org/postes/x.png"' in clean


def test_relative_links_become_absolute() -> None:
    clean = sanitize(
        '<a href="/a">a</a> <a href="b.html#x">b</a> <a href="mailto:x@y.fr">m</a>', "https://s.org/p/q.html"
    )
    assert 'href="https://s.org/a"' in clean
    assert 'href="https://s.org/p/b.html#x"' in clean
    assert 'href="mailto:x@y.fr"' in clean


def test_plain_text_of_html() -> None:
    assert plain_text("<strong>Un</strong>\n  &amp; <em>deux</em>") == "Un & deux"


_BASES = [
    "https://example.org/jobs/postes/dev.html",
    "http://example.org/jobs/",
    "https://example.org",
    "./postes/dev.html",
    "postes/dev.html",
    "file:///tmp/site/index.html",
    "https://example.org/a/b/c?x=1#top",
]
_URL_PARTS = st.sampled_from(
    ["https:", "http:", "HTTPS:", "mailto:", "tel:", "javascript:", "ftp:", "//", "/", "./", "../", "?", "#", ";",
     "@", ":", "%20", "a", "b.c", "beta.gouv.fr", "x y", "é", ""]
)  # fmt: skip


@given(base=st.sampled_from(_BASES), url=st.lists(_URL_PARTS, max_size=8).map("".join))
@settings(max_examples=2000, deadline=None)
@example(base=_BASES[0], url="https://beta.gouv.fr/?#")
@example(base=_BASES[0], url="//cdn.example.org/x")
@example(base=_BASES[1], url="HTTPS://Example.org/")
@example(base=_BASES[0], url="")
def test_links_are_joined_exactly_as_urljoin_joins_them(base: str, url: str) -> None:
    """The cached shortcut for links that name their host gives urljoin's answer, or none."""
    joined = _join_with_netloc(urlsplit(base).scheme, url)
    assert (urljoin(base, url) if joined is None else joined) == urljoin(base, url)


_BASE_PARTS = st.sampled_from(
    ["https:", "http:", "HTTP:", "file:", "mailto:", "//", "/", "example.org", "a", "b.html", "..", ".", "?",
     "#", ";", "@", ":", "%2F", " ", "\t", "é", "x=1", ""]
)  # fmt: skip


@given(
    base=st.sampled_from(_BASES) | st.lists(_BASE_PARTS, max_size=10).map("".join),
    urls=st.lists(st.lists(_URL_PARTS, max_size=8).map("".join), min_size=1, max_size=4),
)
@settings(max_examples=2000, deadline=None)
@example(base=_BASES[0], urls=["//", "https:", ";p", "?q", "#f", "", "a/../../b", "/x/./y"])
@example(base="https:/no-host/a/b", urls=["c", "../c"])
@example(base="https://example.org/a;params/b;p?q#f", urls=["c", ";x", "../d"])
def test_links_are_made_absolute_exactly_as_urljoin_makes_them(base: str, urls: list[str]) -> None:
    """The sanitizer's caches (scheme, folder, host) give urljoin's answer for every link of a
    page, and urlsplit's scheme for the page."""
    sanitizer = _Sanitizer()
    sanitizer.clean("", base)
    assert sanitizer.scheme == urlsplit(base).scheme == _scheme_of(base[: base.find(":") + 1])
    for url in urls:
        assert sanitizer.join(url) == urljoin(base, url)


def test_links_of_a_posting_are_made_absolute_against_its_page() -> None:
    fragment = (
        '<a href="/startups/x.html">a</a> <a href="https://beta.gouv.fr/?">b</a> '
        '<a href="//cdn.example.org/y">c</a> <a href="mailto:a@b.fr">d</a> <a href="../z">e</a>'
    )
    html = sanitize(fragment, "https://example.org/jobs/postes/dev.html")
    for href in (
        "https://example.org/startups/x.html",
        "https://beta.gouv.fr/",
        "https://cdn.example.org/y",
        "mailto:a@b.fr",
        "https://example.org/jobs/z",
    ):
        assert f'href="{href}"' in html


def test_is_safe_url_reads_the_scheme_as_a_browser_does() -> None:
    from jobfeed.core.markup import is_safe_url

    for url in (
        "https://x.org",
        "HTTP://x.org",
        "mailto:a@b.org",
        "tel:+33100",
        "relatif",
        "#a",
        "/a",
        "//x.org/a",
        "",
    ):
        assert is_safe_url(url), url
    for url in (
        "javascript:x",
        " JavaScript:x",
        "\x01javascript:x",
        "java\tscript:x",
        "java\nscript:x",
        "data:x",
        "vbscript:x",
    ):
        assert not is_safe_url(url), url
    assert is_safe_url("\u00a0javascript:x")  # not stripped by browsers: a relative link, harmless


def test_raw_html_and_fenced_code_render_as_on_github() -> None:
    assert markdown_to_html("<b>gras</b>\n") == "<p><b>gras</b></p>\n"
    assert markdown_to_html("```python\nx = 1\n```\n") == '<pre lang="python"><code>x = 1\n</code></pre>\n'


def test_python_markdown_has_its_extra_and_sane_lists_extensions() -> None:
    html = markdown_to_html(
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n1. un\n\n* deux\n", renderer="python-markdown"
    )
    assert "<table>" in html
    assert "<ol>\n<li>un</li>\n</ol>\n<ul>\n<li>deux</li>\n</ul>" in html  # sane_lists: two lists


def test_render_content_and_summaries_exactly() -> None:
    from jobfeed.core.markup import render
    from jobfeed.core.postings import Posting

    def rendered(body: str) -> tuple[str, str]:
        result = render(Posting(path="p/a.md", id="a", role="A", body=body), "https://x.org/postes/a.html")
        return result.content, result.summary

    assert rendered("Accroche.\n\n<!--more-->\n\nSuite.\n") == (
        "<p>Accroche.</p>\n<p>Suite.</p>\n",
        "Accroche.",
    )
    assert rendered("- un\n- deux\n") == ("<ul>\n<li>un</li>\n<li>deux</li>\n</ul>\n", "")
    assert rendered("Un *lien* [ici](page.html).\n")[0] == (
        '<p>Un <em>lien</em> <a href="https://x.org/postes/page.html" rel="noopener noreferrer">ici</a>.</p>\n'
    )
    words = "a" * 497 + " b " + "c" * 10  # 512 characters: cut within 499, at the last space
    assert rendered(words + "\n")[1] == "a" * 497 + "…"


def test_render_passes_its_renderer_on() -> None:
    """Python-Markdown reads a list right after a paragraph line as text (README, "Rendering")."""
    from jobfeed.core.markup import render
    from jobfeed.core.postings import Posting

    body = "Profil :\n- rigueur\n\n<!--more-->\n\nVous :\n- aimez\n"
    posting = Posting(path="p/a.md", id="a", role="A", body=body)
    gfm = render(posting, "https://x.org/a.html")
    legacy = render(posting, "https://x.org/a.html", "python-markdown")
    assert "<li>rigueur</li>" in gfm.content and "<li>" not in legacy.content
    assert legacy.content == "<p>Profil :\n- rigueur</p>\n<p>Vous :\n- aimez</p>"
    assert (gfm.summary, legacy.summary) == ("Profil : rigueur", "Profil : - rigueur")


def test_links_stay_relative_without_a_base_and_odd_spaces_stay_in_the_path() -> None:
    assert sanitize('<a href="page.html">x</a>') == '<a href="page.html" rel="noopener noreferrer">x</a>'
    assert sanitize('<a href="#a">x</a>') == '<a href="#a" rel="noopener noreferrer">x</a>'
    assert sanitize('<a href="\u00a0javascript:x">x</a>', "https://x.org/postes/a.html") == (
        '<a href="https://x.org/postes/&nbsp;javascript:x" rel="noopener noreferrer">x</a>'
    )
    assert sanitize('<a href="http://x.org/">x</a>', "https://y.org/") == (
        '<a href="http://x.org/" rel="noopener noreferrer">x</a>'
    )


def test_plain_text_drops_scripts_and_styles_with_their_content() -> None:
    assert plain_text("<script>alert(1)</script>Texte<style>p{color:red}</style> <b>fin</b>") == "Texte fin"
