"""Screenshots of every page in presenter mode at a projector's 1280×720, for docs/pages.md.

    python bench/screenshots.py [--lang en] [--out docs/images/projector]

A fresh server (`streamlit run app.py` on a free loopback port), headless Chromium at 1280×720 (device pixel
ratio 1, as a projector), each page opened with `present=1` and pictured once it has settled: what the back row
of a room sees. Pages that wait for a click show their first view.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import AppServer, launch_browser
from tests.test_browser_tour import settled

PAGES = ["", "tour?step=4", "interpolate", "traverse", "sample", "denoise", "anomaly", "figure7", "card", "quality",
         "your-image", "applications", "attributes", "theatre"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="en", choices=["en", "zh"])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "projector")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    server = AppServer()
    try:
        server.wait_healthy()
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            page = browser.new_page(viewport={"width": 1280, "height": 720}, device_scale_factor=1)
            for path in PAGES:
                page.goto(f"{server.url}/{path}{'&' if '?' in path else '?'}present=1&lang={args.lang}")
                settled(page)
                page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)
                page.wait_for_function("() => [...document.querySelectorAll('img')].every((i) => i.complete)",
                                       timeout=60_000)
                name = (path.split("?")[0] or "map") + ("" if args.lang == "en" else f"-{args.lang}")
                page.screenshot(path=str(args.out / f"{name}.png"))
                print(args.out / f"{name}.png", flush=True)
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
