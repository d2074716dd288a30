"""Cold start: from `streamlit run` to the first map painted in Chromium, against a minimal Streamlit page.

    python bench/cold_start.py [--repeats 3]

Each run starts a fresh server process (so imports are paid again) on a free loopback
port and a fresh browser context; the clock starts when the process is spawned and
stops when the page's Plotly chart holds its points. The reference is
bench/minimal_app.py (one 10,000-point WebGL scatter), timed the same way in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser_support import MAP_POINTS_JS, AppServer, launch_browser


def time_to_paint(browser, script: str) -> tuple[float, float]:
    server = AppServer(script=script)
    try:
        healthy = server.wait_healthy()
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(server.url)
        page.wait_for_function(f"({MAP_POINTS_JS})() > 0", timeout=120_000)
        painted = time.perf_counter() - server.started
        context.close()
        return healthy, painted
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results = {"bench/minimal_app.py": [], "app.py": []}
    with sync_playwright() as p:
        browser = launch_browser(p)
        for _ in range(args.repeats):
            for script, runs in results.items():  # interleaved, so drift hits both alike
                runs.append(time_to_paint(browser, script))
        browser.close()
    print(f"cold start, median of {args.repeats} (seconds from spawn):")
    for script, runs in results.items():
        print(f"  {script:22s} healthy {statistics.median(r[0] for r in runs):5.2f}  "
              f"painted {statistics.median(r[1] for r in runs):5.2f}")
    app = statistics.median(r[1] for r in results["app.py"])
    ref = statistics.median(r[1] for r in results["bench/minimal_app.py"])
    print(f"ratio app / minimal page: {app / ref:.2f}  (goal: app painted <= 6 s)")


if __name__ == "__main__":
    main()
