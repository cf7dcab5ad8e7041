"""Regenerate docs/screenshot-feed.png: the bundled postes' atom.xml opened in Debian's chromium, from
a local HTTP server (browsers apply a feed's XSLT stylesheet over http, not from file://).

python docs/screenshot_feed.py

Chromium 156 shows a banner saying XSLT is being removed; the screenshot closes it as a reader would.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from jobfeed import build, load_config

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime.fromisoformat(sys.argv[1] if len(sys.argv) > 1 else "2024-11-12T10:00:00+01:00")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(ROOT / "jobfeed.toml")
        build(config, NOW, postes=ROOT / "postes", out=Path(tmp))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=tmp))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
            )
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.goto(f"http://127.0.0.1:{server.server_port}/atom.xml")
            close = page.locator("xslt-warning-banner").get_by_text("×", exact=True)
            if close.count():
                close.first.click()
            page.screenshot(path=ROOT / "docs" / "screenshot-feed.png", full_page=True)
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
