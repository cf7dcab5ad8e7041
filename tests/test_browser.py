"""The built pages in a real headless Chromium (Debian's `chromium`, driven by Playwright).

Pages are opened from file://, as someone opening the folder would; each test asserts that no
console error, page error, failed request, request to another file or dialog happened.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from jobfeed.config import Config
from jobfeed.core.identity import link_of
from jobfeed.core.lifecycle import Catalog
from jobfeed.core.markup import render
from jobfeed.publish.build import build
from jobfeed.publish.jsonld import job_posting
from pagekit import NOW, POSTINGS, catalog_of, site_config, write_postings
from test_publish import HOSTILE, HOSTILE_ROLE

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (apt-get install -y chromium); .ci/run installs it",
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclasses.dataclass
class Site:
    out: Path
    config: Config
    catalog: Catalog


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("site")
    config = site_config()
    folder = write_postings(root / "postes", {**POSTINGS, "hostile.md": HOSTILE})
    report = build(config, NOW, postes=folder, out=root / "feeds")
    assert report.problems == []
    return Site(root / "feeds", config, catalog_of(folder, config, NOW))


@dataclasses.dataclass
class Visit:
    page: Page
    requests: list[str] = dataclasses.field(default_factory=list)
    failed: list[str] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    dialogs: list[str] = dataclasses.field(default_factory=list)
    outside: list[str] = dataclasses.field(default_factory=list)  # blocked: tests never leave the machine

    def assert_clean(self, url: str, outside: tuple[str, ...] = ()) -> None:
        """No error, no dialog, no failed request; no request but the page itself and `outside`."""
        assert self.dialogs == [], self.dialogs
        assert self.outside == list(outside), self.outside
        assert self.errors == ["Failed to load resource: net::ERR_FAILED"] * len(outside), self.errors
        assert self.failed == [f"{u} net::ERR_FAILED" for u in outside], self.failed
        # Self-contained: the page is the only request of its own (no CSS, font, image or script file).
        assert self.requests == [url, *outside], self.requests


def visit(browser: Browser, path: Path, viewport: dict[str, int], scheme: str = "light") -> Visit:
    context = browser.new_context(viewport=viewport, color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    v = Visit(page)
    page.on("request", lambda r: v.requests.append(r.url))
    page.on("requestfailed", lambda r: v.failed.append(f"{r.url} {r.failure}"))
    page.on("console", lambda m: v.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: v.errors.append(str(e)))

    def dialog(d: Any) -> None:
        v.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)

    def route(r: Any) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            v.outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri(), wait_until="load")
    return v


WORST_CONTRAST = """() => {
  const parse = c => { const p = c.match(/[\\d.]+/g).map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = ({r, g, b}) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = el => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c.a > 0) return c; }
                             return parse(getComputedStyle(document.documentElement).backgroundColor || 'rgb(255,255,255)'); };
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const s = getComputedStyle(el), box = el.getBoundingClientRect();
    if (s.display === 'none' || s.visibility === 'hidden' || box.right <= 0) continue;
    const a = lum(parse(s.color)), b = lum(background(el));
    found.push([(Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), el.tagName, el.textContent.trim().slice(0, 40)]);
  }
  found.sort((x, y) => x[0] - y[0]);
  return found[0];
}"""


def visible_roles(page: Page) -> list[str]:
    return [a.inner_text().strip() for a in page.locator(".role h4 a").all() if a.is_visible()]


def test_index_in_chromium(browser: Browser, site: Site, tmp_path: Path) -> None:
    index = site.out / "index.html"
    v = visit(browser, index, DESKTOP)
    page = v.page
    assert page.title() == "Offres de l'équipe"
    assert page.get_attribute("html", "lang") == "fr"
    assert page.locator("h1").count() == 1
    open_titles = sorted(r.posting.role for r in site.catalog.open)
    assert sorted(visible_roles(page)) == open_titles
    assert "clôture le 15 mars 2024" in page.inner_text("main")
    # Every local link points to a file of the build.
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    local = [h for h in hrefs if not h.startswith(("#", "https:", "mailto:"))]
    assert len(local) >= 20
    for href in local:
        assert (site.out / href).is_file(), href
    feeds = page.eval_on_selector_all("link[rel=alternate]", "els => els.map(e => e.href)")
    assert feeds[0] == (site.out / "atom.xml").as_uri()
    # Accessible: every control has a label, the first Tab reaches the skip link, contrast >= 4.5:1.
    assert page.eval_on_selector_all("input", "els => els.every(e => e.labels.length === 1)") is True
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("document.activeElement.getBoundingClientRect().left") >= 0
    ratio, tag, text = page.evaluate(WORST_CONTRAST)
    assert ratio >= 4.5, (ratio, tag, text)
    # Filterable without a script of its own: CSS :has() and radio buttons.
    page.get_by_label("stage (1)").check()
    assert visible_roles(page) == ["Stagiaire data"]
    page.get_by_label("Tous les contrats").check()
    page.get_by_label("Aides-Territoires (1)").check()
    assert visible_roles(page) == ["Développeur·euse fullstack"]
    page.screenshot(path=tmp_path / "index-desktop.png", full_page=True)
    v.assert_clean(index.as_uri())

    phone = visit(browser, index, PHONE)
    # Readable on a phone: nothing wider than the screen.
    assert phone.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.page.screenshot(path=tmp_path / "index-phone.png", full_page=True)
    phone.assert_clean(index.as_uri())

    dark = visit(browser, index, PHONE, scheme="dark")
    ratio, tag, text = dark.page.evaluate(WORST_CONTRAST)
    assert ratio >= 4.5, ("dark", ratio, tag, text)
    for name in ("index-desktop.png", "index-phone.png"):
        assert (tmp_path / name).stat().st_size > 10_000


def test_posting_page_and_its_json_ld(browser: Browser, site: Site, tmp_path: Path) -> None:
    path = site.out / "postes" / "dev.html"
    role = site.catalog.get("dev")
    assert role is not None
    expected = job_posting(role, render(role.posting, link_of(role.posting, site.config)), site.config, NOW)
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        v = visit(browser, path, viewport)
        page = v.page
        blocks = page.eval_on_selector_all(
            'script[type="application/ld+json"]', "els => els.map(e => JSON.parse(e.textContent))"
        )
        assert blocks == [json.loads(json.dumps(expected))]
        data = blocks[0]
        assert data["title"] == role.posting.role
        assert data["datePosted"] == role.posting.opened.isoformat()  # type: ignore[union-attr]
        assert data["employmentType"] == ["FULL_TIME", "TEMPORARY"]
        assert data["identifier"]["value"] == "tag:example.org,2024:dev"
        assert page.locator("h1").inner_text() == "Développeur·euse fullstack"
        assert page.get_by_role("link", name="Remplir le formulaire de candidature").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=tmp_path / f"posting-{name}.png", full_page=True)
        v.assert_clean(path.as_uri())
        assert (tmp_path / f"posting-{name}.png").stat().st_size > 10_000


def test_closed_role_page_shows_its_banner(browser: Browser, site: Site) -> None:
    path = site.out / "postes" / "filled.html"
    v = visit(browser, path, PHONE)
    assert v.page.get_by_role("status").inner_text() == "Ce poste a été pourvu"
    data = v.page.evaluate(
        "JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)"
    )
    assert data["validThrough"] < NOW.isoformat()
    v.assert_clean(path.as_uri())


def test_hostile_posting_runs_nothing_in_chromium(browser: Browser, site: Site) -> None:
    for path in (site.out / "postes" / "hostile.html", site.out / "index.html"):
        v = visit(browser, path, DESKTOP)
        page = v.page
        # Only the JSON-LD block is a script, and no element carries an event handler.
        assert page.evaluate("[...document.scripts].map(s => s.type)") == (
            ["application/ld+json"] if path.name == "hostile.html" else []
        )
        handlers = page.evaluate(
            "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name))"
            ".filter(n => n.startsWith('on'))"
        )
        assert handlers == []
        assert page.evaluate("[...document.links].filter(a => a.protocol === 'javascript:').length") == 0
        assert HOSTILE_ROLE in page.inner_text("body")
        # The posting's own <img src=x> (its onerror removed), on the site's origin, is refused by
        # the page's policy from file:// (another origin) before it reaches the network: an onerror
        # handler, had one survived, would have run.
        refused = ["https://jobs.example.org/postes/x"] if path.name == "hostile.html" else []
        assert v.requests == [path.as_uri(), *refused] and v.failed == [f"{u} csp" for u in refused]
        assert all("violates the following Content Security Policy" in e for e in v.errors), v.errors
        v.requests, v.failed, v.errors = [path.as_uri()], [], []
        v.assert_clean(path.as_uri())
    v = visit(browser, site.out / "postes" / "hostile.html", DESKTOP)
    data = v.page.evaluate(
        "JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)"
    )
    assert data["title"] == HOSTILE_ROLE


#: Every link trick of issue 19 in one body: schemes behind Unicode spaces (made live once absolute),
#: an image map, remote images (Markdown, HTML, protocol-relative, srcset), links a chat would
#: autolink, and script in every place the hostile posting above tries.
TRICKS = "\n\n".join(
    [
        '<a href="&nbsp;javascript:alert(document.domain)">Postuler</a>',
        *(
            f'<a href="{space}javascript:alert({n})">espace {n}</a>'
            for n, space in enumerate("\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000")
        ),
        '<map name="m"><area shape="rect" coords="0,0,9,9" href="\u00a0javascript:alert(20)"></map><img usemap="#m" src="carte.png" alt="carte">',
        "![pixel](https://tracker.example/p.gif)",
        '<img src="//tracker.example/q.gif" alt="q"> <img src="https://tracker.example/r.gif" srcset="https://tracker.example/s.gif 2x" alt="r">',
        "www.evil.example/apply https://evil.example/x rh@evil.example",
        "<script>alert(21)</script><svg onload=alert(22)></svg><iframe src=https://evil.example/></iframe>",
        '<object data="https://evil.example/o"></object><embed src="https://evil.example/e"><video poster="https://tracker.example/v.gif"></video>',
        '<link rel="stylesheet" href="https://evil.example/s.css"><style>@import "https://evil.example/i.css";</style>',
        '<base href="https://evil.example/"><a href="relatif.html">relatif</a>',
    ]
)


@pytest.mark.parametrize("remote_images", [False, True])
def test_a_page_with_every_link_trick_runs_nothing_and_requests_nothing_elsewhere(
    browser: Browser, tmp_path: Path, remote_images: bool
) -> None:
    """Issue 19, findings 1 and 9: remote images survived sanitizing, against the promise that
    pages make no request to another site. Every page carries a Content-Security-Policy that
    forbids scripts (the JSON-LD block is data) and requests to other origins, images too unless
    `[pages] remote_images = true`; the browser's own request log shows what it let through."""
    config = site_config(pages={"remote_images": remote_images})
    posting = f"---\nrole: Piège\nposte_ouvert: 2024-02-20\n---\n\n{TRICKS}\n"
    folder = write_postings(tmp_path / "postes", {"piege.md": posting})
    build(config, NOW, postes=folder, out=tmp_path / "feeds")
    path = tmp_path / "feeds" / "postes" / "piege.html"
    v = visit(browser, path, DESKTOP)
    page = v.page
    assert "Postuler" in page.inner_text("body")
    assert v.dialogs == [] and page.evaluate("[...document.scripts].map(s => s.type)") == [
        "application/ld+json"
    ]
    assert (
        page.evaluate("[...document.links].filter(a => !/^(https?|mailto|file):$/.test(a.protocol)).length")
        == 0
    )
    policy = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
    assert policy is not None and "script-src" not in policy and "default-src 'none'" in policy
    if remote_images:  # the policy lets images through: the tracker is asked (and the test aborts it)
        assert {u.rsplit("/", 1)[1] for u in v.outside} >= {"p.gif", "q.gif"}, v.outside
        assert all(u.startswith(("https://tracker.example/", "https://jobs.example.org/")) for u in v.outside)
    else:  # the browser itself refuses each (its log says "csp"): none reaches the network
        tried = v.requests[1:]
        assert v.requests[0] == path.as_uri() and {u.rsplit("/", 1)[1] for u in tried} >= {"p.gif", "q.gif"}
        assert v.failed == [f"{u} csp" for u in tried] and v.outside == [], (v.failed, v.outside)
