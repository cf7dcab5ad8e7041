"""jobfeed's cmark-gfm call gives cmarkgfm's output without leaking its tree and string."""

from __future__ import annotations

import os
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from jobfeed.core.markup import markdown_to_html

POSTES = Path(__file__).resolve().parents[1] / "postes"
SAMPLES = [
    "",
    "| a | b |\n|---|---|\n| 1 | ~~2~~ |\n\n- [ ] task\n- [x] done\n",
    "https://example.org and www.example.org\n\n<script>alert(1)</script>\n\n```py\ncode\n```\n",
    "Texte\n- liste juste après un paragraphe\n- deux\n",
    *(p.read_text(encoding="utf-8") for p in sorted(POSTES.iterdir())),
]


@pytest.mark.parametrize("text", SAMPLES)
def test_same_html_as_cmarkgfm(text: str) -> None:
    expected = cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)
    assert markdown_to_html(text) == expected


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_rendering_does_not_leak() -> None:
    text = (POSTES / "2022-01-07-charge-deploiement-portefeuille.md").read_text(encoding="utf-8")
    markdown_to_html(text)
    before = _rss_bytes()
    for _ in range(2000):
        markdown_to_html(text)
    # cmarkgfm's own function keeps ~40 KB per call of this posting: 80 MB here.
    assert _rss_bytes() - before < 16 * 2**20
