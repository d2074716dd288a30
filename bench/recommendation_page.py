"""The Recommendation page's speed: its first and repeat visits, and a visitor's rating, in a real Chromium.

    python bench/recommendation_page.py [--repeats 5] [--markdown]

1. The server's work for a change of the visitor's ratings: explorer.analysis.recommend.recommend for the three
   shipped models, at 1, 5, 20 and 100 ratings (the median of 50 calls each).
2. A fresh server (`streamlit run app.py`); the browser opens the latent map, then clicks *Recommendation* in the
   sidebar (the first visit after the server's start), the latent map and *Recommendation* again (repeat visits,
   the median reported): the seconds until the page has settled (tests/browser_support.PAGE_SETTLED_JS), and in
   brackets until the end of its script's run reached the browser (the server's part).
3. On the page, a movie rated: from the click on *Rate* until the three lists have changed (the tastes panel is
   a fragment: the run is that panel's alone), and until the end of that run reached the browser; and the
   server's own run after a rating, timed in Streamlit's AppTest (the whole page's script, the fragment's and more).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser_support import (
    PAGE_SETTLED_JS,
    AppServer,
    RunWatch,
    launch_browser,
    open_from_sidebar,
    sidebar_links,
    wait_for_map,
    wait_idle,
)

VIEWPORT = {"width": 1400, "height": 1000}
MOVIES = ("Toy Story", "Empire Strikes Back", "Star Wars", "Fargo", "Pulp Fiction", "Titanic", "Contact")


def server_work(counts=(1, 5, 20, 100), calls: int = 50) -> dict[int, float]:
    """Milliseconds of recommend() over the three shipped models, by the number of ratings (median)."""
    import json

    import numpy as np
    import torch

    from explorer.analysis.recommend import recommend
    from explorer.store.catalog import list_models
    from explorer.store.checkpoint import load_pretrained
    from explorer.store.recommendation import movies_path, read_page_views

    torch.set_grad_enabled(False)
    models = [(load_pretrained(i.folder), read_page_views(i)) for i in list_models("movielens-100k")]
    likes = np.array([m["likes"] for m in json.loads(movies_path().read_text())["movies"]], dtype=float)
    rng = np.random.default_rng(0)
    found = {}
    for n in counts:
        times = []
        for _ in range(calls):
            rated = {int(i): float(rng.integers(1, 6)) for i in rng.choice(len(likes), n, replace=False)}
            started = time.perf_counter()
            for model, views in models:
                recommend(model, views, rated, likes)
            times.append(1000 * (time.perf_counter() - started))
        found[n] = statistics.median(times)
    return found


# Every cell of the three lists (scores too: a rating may reorder nothing and still change them)
LISTS_JS = """() => Array.from(document.querySelectorAll('[data-testid="stTable"] table'))
  .filter(t => t.querySelector('th') && t.querySelector('th').textContent.trim() === 'rank')
  .map(t => t.querySelector('tbody').textContent).join('||')"""


def server_run_of_a_rating(repeats: int = 7) -> float:
    """Seconds of the server's script run after a click on *Rate*, in Streamlit's AppTest (the whole page's script:
    more than the fragment's own run), the median over ``repeats`` movies."""
    from streamlit.testing.v1 import AppTest

    app = str(Path(__file__).resolve().parent.parent / "app.py")
    at = AppTest.from_file(app, default_timeout=120)
    at.run()
    at = at.switch_page("explorer_app/views/recommend.py").run()
    times = []
    for movie in range(repeats):
        at.selectbox(key="rec_rate_movie").set_value(movie * 37).run()
        started = time.perf_counter()
        at.button(key="rec_add").click().run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def rate_and_wait(page, runs: RunWatch, title: str) -> tuple[float, float]:
    box = page.locator(".st-key-rec_rate_movie input")
    box.click()
    box.fill(title)
    picked = runs.fragments_finished
    page.get_by_role("option", name=title, exact=False).first.click()
    while runs.fragments_finished == picked:  # the choice of a movie reruns the panel too: waited for
        page.wait_for_timeout(5)
    page.wait_for_function(PAGE_SETTLED_JS, timeout=60_000)
    before_lists = page.evaluate(LISTS_JS)
    before = runs.fragments_finished
    started = time.perf_counter()
    page.locator(".st-key-rec_add button").click()
    page.wait_for_function(f"(before) => ({LISTS_JS})() !== before", arg=before_lists, timeout=60_000, polling=10)
    settled = time.perf_counter() - started
    deadline = started + 60
    while runs.fragments_finished == before and time.perf_counter() < deadline:
        page.wait_for_timeout(5)
    if runs.fragments_finished == before:
        raise TimeoutError("the tastes panel's run did not finish within 60 s of the rating")
    return settled, runs.last_fragment_at - started


def browser_times(repeats: int) -> dict:
    from playwright.sync_api import sync_playwright

    server = AppServer()
    server.wait_healthy()
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            page = browser.new_page(viewport=VIEWPORT)
            runs = RunWatch(page)
            page.goto(server.url)
            wait_for_map(page)
            wait_idle(page)
            links = sidebar_links(page)
            target = next(h for h in links if h.endswith("/recommendation"))
            home = next(h for h in links if h.rstrip("/").endswith(("latent-map", server.url.split("//")[1])))
            visits = [open_from_sidebar(page, runs, target)]
            for _ in range(repeats):
                open_from_sidebar(page, runs, home)
                visits.append(open_from_sidebar(page, runs, target))
            page.wait_for_function(PAGE_SETTLED_JS, timeout=60_000)
            ratings = [rate_and_wait(page, runs, title) for title in MOVIES[: max(3, repeats)]]
            browser.close()
    finally:
        server.stop()
    return {"first": visits[0], "repeat": tuple(statistics.median(v[k] for v in visits[1:]) for k in (0, 1)),
            "rating": tuple(statistics.median(r[k] for r in ratings) for k in (0, 1))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    work = server_work()
    run = server_run_of_a_rating()
    seen = browser_times(args.repeats)
    if args.markdown:
        print("| what | seconds (server's part) |\n| --- | --- |")
        print(f"| first visit after the server's start | {seen['first'][0]:.2f} ({seen['first'][1]:.2f}) |")
        print(f"| repeat visit (median of {args.repeats}) | {seen['repeat'][0]:.2f} ({seen['repeat'][1]:.2f}) |")
        print(f"| a rating, until the three lists change (median) | {seen['rating'][0]:.2f} ({seen['rating'][1]:.2f}) |")
        print(f"| a rating, the server's run of the page's script (AppTest, median of 7) | {run:.3f} |")
        print("\n| ratings given | recommend(), three models (ms, median of 50) |\n| --- | --- |")
        for n, ms in work.items():
            print(f"| {n} | {ms:.1f} |")
    else:
        print(seen, run, work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
