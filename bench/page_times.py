"""Every page, clicked in the sidebar of a real Chromium: the time until its content has settled.

    python bench/page_times.py [--langs en zh] [--markdown]

For each language a fresh server is started (`streamlit run app.py` on a free loopback port);
the browser opens the latent map (the default page) and then clicks every page of the sidebar in
order, 1 + --repeats times: the first pass is each page's first visit after the server's start, the
others repeat visits (their median is reported). In brackets, the time until the end of the page's script run reached the browser (the server's
part). The clock runs from the click until the page has settled: the script run that the
click started is over, no spinner or status widget is shown, every chart has drawn and every
picture has loaded (tests/browser_support.PAGE_SETTLED_JS). The reference is Streamlit's
minimal two-page app (bench/minimal_pages.py), its scatter page clicked the same way in the same
run. --markdown prints the table as it stands in docs/performance.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser_support import (
    PAGE_CONTENT_JS,
    AppServer,
    RunWatch,
    launch_browser,
    open_from_sidebar,
    sidebar_links,
    wait_for_map,
    wait_idle,
)

VIEWPORT = {"width": 1400, "height": 1000}


def click_through(browser, script: str, query: str = "", passes: int = 2, first_wait=wait_for_map) -> dict:
    """{page's path: [(seconds to settled, seconds to the run's end) of each pass]} for every page of the sidebar."""
    server = AppServer(script=script)
    try:
        server.wait_healthy()
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        runs = RunWatch(page)
        page.goto(server.url + "/" + query)
        first_wait(page)
        wait_idle(page)
        links = sidebar_links(page)
        times: dict[str, list[float]] = {}
        for _ in range(passes):
            for href in links[1:] + links[:1]:  # every page, then back to the first
                path = href.split("?")[0].removeprefix(server.url).strip("/")
                name = path or "latent-map"
                seconds = open_from_sidebar(page, runs, href)
                content = page.evaluate(PAGE_CONTENT_JS)
                if content["exceptions"]:
                    raise RuntimeError(f"{name}: the page shows an exception")
                times.setdefault(name, []).append(seconds)
        context.close()
        return times
    finally:
        server.stop()


def minimal_reference(browser, repeats: int = 3) -> tuple[float, float]:
    """The minimal app's scatter page: first visit after a server start, and a repeat (medians of ``repeats``)."""
    first, repeat = [], []
    for _ in range(repeats):
        times = click_through(browser, "bench/minimal_pages.py", first_wait=lambda page: page.wait_for_selector(
            '[data-testid="stSidebarNav"] a', timeout=60_000))
        first.append(times["scatter"][0][0])
        repeat.append(times["scatter"][1][0])
    return statistics.median(first), statistics.median(repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--langs", nargs="+", default=["en", "zh"], choices=["en", "zh"])
    parser.add_argument("--repeats", type=int, default=3, help="repeat visits per page (their median is reported)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_browser(p)
        reference = minimal_reference(browser)
        passes = {lang: click_through(browser, "app.py", f"?lang={lang}", passes=1 + args.repeats) for lang in args.langs}
        browser.close()

    # per page: (first visit, median of the repeats), each (seconds to settled, seconds to the run's end)
    results = {lang: {name: (runs[0], tuple(statistics.median(r[i] for r in runs[1:]) for i in range(2)))
                      for name, runs in pages.items()} for lang, pages in passes.items()}
    pages = list(next(iter(results.values())))
    worst_first = max(times[0][0] for lang in results.values() for times in lang.values())
    worst_repeat = max(times[1][0] for lang in results.values() for times in lang.values())
    if args.markdown:
        header = " | ".join(f"{lang} first | {lang} repeat" for lang in args.langs)
        print(f"| page | {header} |")
        print("| --- |" + " ---: |" * (2 * len(args.langs)))
        for name in pages:
            cells = " | ".join(f"{results[lang][name][0][0]:.2f} s ({results[lang][name][0][1]:.2f}) | "
                               f"{results[lang][name][1][0]:.2f} s ({results[lang][name][1][1]:.2f})" for lang in args.langs)
            print(f"| {name} | {cells} |")
        cells = " | ".join(f"{reference[0]:.2f} s | {reference[1]:.2f} s" for _ in args.langs)
        print(f"| *Streamlit's minimal page (reference)* | {cells} |")
    else:
        print(f"{'page':16s}" + "".join(f"{lang + ' first (run)':>15s}{lang + ' repeat (run)':>15s}" for lang in args.langs))
        for name in pages:
            print(f"{name:16s}" + "".join(f"{results[lang][name][0][0]:6.2f}s ({results[lang][name][0][1]:4.2f})"
                                          f"{results[lang][name][1][0]:6.2f}s ({results[lang][name][1][1]:4.2f})"
                                          for lang in args.langs))
        print(f"{'minimal page':16s}" + f"{reference[0]:14.2f}s{reference[1]:14.2f}s" * len(args.langs))
    print(f"\nworst first visit {worst_first:.2f} s (goal <= 2 s), worst repeat {worst_repeat:.2f} s (goal <= 0.7 s); "
          f"minimal page {reference[0]:.2f} / {reference[1]:.2f} s")


if __name__ == "__main__":
    main()
