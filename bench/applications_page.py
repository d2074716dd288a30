"""The Applications page after the first page: from the sidebar link's click to its four charts drawn.

    python bench/applications_page.py [--repeats 5] [--screenshot out.png]

One server; each repeat is a fresh browser context that opens the latent map (the first
page, as a visitor does), then clicks "Applications" in the sidebar; the clock stops when
the page's three Plotly charts hold their data, its tables their rows, and the script has
finished. The reference,
timed the same way in the same contexts: a click to the Quality table (one chart, two
tables), what any page switch costs here. Printed: each time and the medians (goal: under
a second). The figures are read from the shipped files; nothing is measured on the page.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser_support import MAP_POINTS_JS, SCRIPT_IDLE_JS, AppServer, launch_browser

# Drawn: the page's charts hold their data, and every table has its rows (a plain table) or its
# canvas (an interactive grid).
CHARTS_DRAWN_JS = """(n) => {
  const charts = Array.from(document.querySelectorAll('.stPlotlyChart .js-plotly-plot'));
  const tables = Array.from(document.querySelectorAll('[data-testid="stTable"]'));
  const grids = Array.from(document.querySelectorAll('[data-testid="stDataFrame"]'));
  return charts.length >= n && charts.every(gd => gd._fullData && gd._fullData.length > 0)
    && tables.every(t => t.querySelector('tbody tr')) && grids.every(g => g.querySelector('canvas'));
}"""
PAGES = {"Applications": 3, "Quality table": 1}  # the sidebar link → the charts the page draws


def open_after_map(browser, url: str, link: str) -> tuple[float, object]:
    """Seconds from the sidebar link's click, on a freshly opened map, to the page drawn; and the context."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{url}/?dataset=mnist")
    page.wait_for_function(f"({MAP_POINTS_JS})() > 0", timeout=120_000)
    page.wait_for_function(SCRIPT_IDLE_JS)
    start = time.perf_counter()
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name=link).click()
    page.wait_for_function(CHARTS_DRAWN_JS, arg=PAGES[link], timeout=60_000)
    page.wait_for_function(SCRIPT_IDLE_JS)
    return time.perf_counter() - start, context


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--screenshot", type=Path, default=None, help="save the last page drawn")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    server = AppServer()
    times = {link: [] for link in PAGES}
    try:
        server.wait_healthy()
        with sync_playwright() as p:
            browser = launch_browser(p)
            for _ in range(args.repeats + 1):  # the first visit warms the server's caches, as a presenter's does
                for link in PAGES:  # interleaved, so drift hits both alike
                    seconds, context = open_after_map(browser, server.url, link)
                    times[link].append(seconds)
                    if args.screenshot is not None and link == "Applications":
                        context.pages[0].screenshot(path=str(args.screenshot))
                    context.close()
            browser.close()
    finally:
        server.stop()
    for link, values in times.items():
        print(f"{link:14s} after the map (s): " + " ".join(f"{v:.2f}" for v in values[1:])
              + f"  median {statistics.median(values[1:]):.2f} (first visit, cold caches: {values[0]:.2f})")
    print("goal: the Applications page under 1 s after the first page")


if __name__ == "__main__":
    main()
