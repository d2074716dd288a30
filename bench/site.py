"""An exported view (explorer.export site) against the live app: its size, and its first paint from file://.

    python bench/site.py [--models vae-z16 wae-z16] [--repeats 5]

The export of the shipped MNIST models is written to a temporary folder; headless Chromium then opens, in
turn, its index.html from file:// and the live app's map (`streamlit run app.py`, started once and warmed by
one visit), each in a fresh browser context: the time from `goto` until the map is painted (the export: its
map canvas drawn and the first image decoded under it; the app: tests/browser_support.wait_for_map). The
median of --repeats visits of each; the goal is a ratio (export / app) of at most 1.5.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["vae-z16", "wae-z16"])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from explorer_app.site import write_site
    from tests.browser_support import AppServer, launch_browser, wait_for_map

    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp) / "site"
        start = time.perf_counter()
        record = write_site(out, "mnist", args.models)
        print(f"export written in {time.perf_counter() - start:.1f} s: "
              + ", ".join(f"{n} {b / 1e6:.2f} MB" for n, b in record["bytes_per_model"].items())
              + f"; shared {record['bytes_shared'] / 1e6:.2f} MB", flush=True)
        server = AppServer()
        try:
            server.wait_healthy()
            with sync_playwright() as playwright:
                browser = launch_browser(playwright)
                app_url = f"{server.url}/?dataset=mnist&model={args.models[0]}"

                def visit(url: str, painted) -> float:
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    page = context.new_page()
                    began = time.perf_counter()
                    page.goto(url)
                    painted(page)
                    seconds = time.perf_counter() - began
                    context.close()
                    return seconds

                def app_painted(page):
                    wait_for_map(page, timeout=120)

                def site_painted(page):
                    page.locator("#map").wait_for(timeout=60_000)
                    page.wait_for_function("() => window.decoderStats.frames > 0", timeout=60_000)

                visit(app_url, app_painted)  # the server's first page: its imports, not the map's paint
                app, site = [], []
                for _ in range(args.repeats):
                    app.append(visit(app_url, app_painted))
                    site.append(visit((out / "index.html").as_uri(), site_painted))
                browser.close()
        finally:
            server.stop()
    a, s = statistics.median(app), statistics.median(site)
    print(f"first paint, median of {args.repeats}: export from file:// {s:.2f} s (map and first decoded image); "
          f"live app's map {a:.2f} s; ratio {s / a:.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main()
