"""Regenerate docs/screenshot-index.png: the bundled postes built at a fixed instant, in Debian's chromium.

python docs/screenshot.py
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from jobfeed import build, load_config

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime.fromisoformat(sys.argv[1] if len(sys.argv) > 1 else "2024-11-12T10:00:00+01:00")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(ROOT / "jobfeed.toml")
        build(config, NOW, postes=ROOT / "postes", out=Path(tmp))
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
            )
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.goto((Path(tmp) / "index.html").as_uri())
            page.screenshot(path=ROOT / "docs" / "screenshot-index.png", full_page=True)
            browser.close()


if __name__ == "__main__":
    main()
