from __future__ import annotations

from jobfeed.markup import markdown_to_html, plain_text, sanitize


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
