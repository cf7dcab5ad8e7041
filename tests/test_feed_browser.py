"""atom.xml and rss.xml opened in a real headless Chromium from a local HTTP server (issue 18): the
stylesheet (feed.xsl) makes them a page like the index, with the roles and a "how to subscribe" box.

Served over HTTP as on the published site: browsers do not apply a stylesheet to a file:// feed.
Each visit asserts no console error, no page error, no failed request and no request but the feed
and its stylesheet. Chromium warns (a console *warning*) that XSLT is deprecated; that is expected.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from playwright.sync_api import Browser, sync_playwright

from jobfeed.publish.build import build
from pagekit import NOW, POSTINGS, site_config, write_postings
from test_browser import ARGS, DESKTOP, PHONE
from test_publish import HOSTILE

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (apt-get install -y chromium); .ci/run installs it",
)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("feedsite")
    folder = write_postings(root / "postes", {**POSTINGS, "hostile.md": HOSTILE})
    out = root / "feeds"
    assert build(site_config(feeds={"history": True}), NOW, postes=folder, out=out).problems == []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", out
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("feed", ["atom.xml", "rss.xml", "equipes/aides-territoires.xml"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_feed_reads_as_a_page_in_chromium(
    browser: Browser, served: tuple[str, Path], tmp_path: Path, feed: str, viewport: dict[str, int]
) -> None:
    base, out = served
    parsed = feedparser.parse((out / feed).read_bytes())
    assert parsed.bozo == 0  # the instruction leaves the feed a valid feed
    assert (out / feed).read_bytes().count(b"<?xml-stylesheet") == 1

    page = browser.new_page(viewport=viewport)  # type: ignore[arg-type]
    requests: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: errors.append(f"dialog {d.message}"))
    page.goto(base + feed, wait_until="load")

    # The stylesheet's page, not the XML tree: the feed's title, the subscribe box with the feed's
    # own address, one item per entry with its key facts line.
    assert page.title().startswith(parsed.feed.title)
    box = page.locator("section.subscribe")
    assert box.is_visible()
    assert "S'abonner à ce flux" in box.inner_text()
    self_link = next(link.href for link in parsed.feed.links if link.rel == "self")
    assert box.locator("code").inner_text() == self_link == f"https://jobs.example.org/{feed}"
    roles = page.locator("li.role")
    assert roles.count() == len(parsed.entries) > 0
    titles = [a.inner_text() for a in page.locator("li.role h3 a").all()]
    assert titles == [e.title for e in parsed.entries]
    hrefs = [a.get_attribute("href") for a in page.locator("li.role h3 a").all()]
    assert hrefs == [e.link for e in parsed.entries]
    facts = [p.inner_text() for p in page.locator("li.role p.facts").all()]
    assert len(facts) == len(parsed.entries) and all(f.startswith("Clôture : ") for f in facts)
    # Hostile text is text: no element the posting's markup would make, nothing that runs.
    assert page.locator("li.role script, li.role img, li.role iframe").count() == 0
    assert page.evaluate("() => document.scripts.length") == 0

    page.screenshot(path=str(tmp_path / f"{feed.replace('/', '_')}.png"), full_page=True)
    assert (tmp_path / f"{feed.replace('/', '_')}.png").stat().st_size > 10_000
    assert errors == [] and failed == []
    assert requests == [base + feed, base + "feed.xsl"]  # ../feed.xsl from equipes/
    page.close()


def test_the_history_feed_reads_as_a_page_too(
    browser: Browser, served: tuple[str, Path], tmp_path: Path
) -> None:
    base, out = served
    parsed = feedparser.parse((out / "history.xml").read_bytes())
    assert parsed.bozo == 0 and len(parsed.entries) > 0
    page = browser.new_page(viewport=DESKTOP)  # type: ignore[arg-type]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "history.xml", wait_until="load")
    assert [a.inner_text() for a in page.locator("li.role h3 a").all()] == [e.title for e in parsed.entries]
    facts = [p.inner_text() for p in page.locator("li.role p.facts").all()]
    assert len(facts) == len(parsed.entries) and all(f.startswith("Poste ouvert : ") for f in facts)
    page.screenshot(path=str(tmp_path / "history.png"), full_page=True)
    assert errors == []
