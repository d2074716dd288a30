"""How soon a room's audience follows its presenter: `python bench/tour_follow.py [--audience 1 10 30] [--presses 8]`.

One app server (`streamlit run app.py`) and one headless Chromium: a presenter starts a room on the
tour; for each audience size, that many browser contexts open the audience link, then the presenter
turns the page ``--presses`` times with Page Down (alternating with Page Up, on steps 1 and 2, the
lightest). Each audience page records, in the page, when the new step's heading appears; printed:
the delay from the key press to the presenter's own heading, and to each audience member's (p50,
p95, max over every press and member). The issue asks for the audience within 2 s.

Everything runs on this machine's cores (the server, Chromium and every page): read it as an upper
bound for a room of separate machines.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explorer.present.i18n import STRINGS
from tests.browser_support import AppServer, launch_browser, require_chromium, start_room, wait_idle

# Records in the page the first time (Date.now()) a heading starting with each step's title appears.
WATCH_JS = """(titles) => {
  window.__seen = {};
  const look = () => {
    for (const h of document.querySelectorAll('[data-testid="stMain"] h2')) {
      const text = h.textContent.trim();
      titles.forEach((title, i) => { if (text.startsWith(title) && !(i in window.__seen)) window.__seen[i] = Date.now(); });
    }
  };
  new MutationObserver(look).observe(document.body, {childList: true, subtree: true, characterData: true});
  look();
}"""


SHOWS_ONLY_JS = """([now, other]) => {
  const texts = [...document.querySelectorAll('[data-testid="stMain"] h2')].map((h) => h.textContent.trim());
  return texts.some((t) => t.startsWith(now)) && !texts.some((t) => t.startsWith(other));
}"""


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audience", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--presses", type=int, default=8)
    args = parser.parse_args()
    require_chromium()
    from playwright.sync_api import sync_playwright

    titles = [STRINGS["en"]["tour.s1.title"], STRINGS["en"]["tour.s2.title"]]
    server = AppServer()
    server.wait_healthy()
    try:
        with sync_playwright() as p:
            browser = launch_browser(p)
            print(f"{'audience':>8} {'presenter p50':>14} {'audience p50':>13} {'p95':>7} {'max':>7}   (s, key press → heading)")
            for size in args.audience:
                presenter = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
                presenter.goto(f"{server.url}/tour?step=1")
                presenter.wait_for_selector(".st-key-tour_next button", timeout=120_000)
                wait_idle(presenter, 120)
                link, _ = start_room(presenter)
                audience = []
                for _ in range(size):
                    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
                    page.goto(link, wait_until="commit", timeout=120_000)
                    audience.append(page)
                for page in audience:
                    page.wait_for_selector(".st-key-tour_next button", timeout=180_000)
                    wait_idle(page, 120)
                presenter_delays, audience_delays = [], []
                step = 1
                for press in range(args.presses):
                    target = 2 if step == 1 else 1
                    for page in (presenter, *audience):  # everyone settled on the current step, its old one gone
                        page.wait_for_function(SHOWS_ONLY_JS, arg=[titles[step - 1], titles[target - 1]], timeout=120_000)
                        wait_idle(page, 120)
                    for page in (presenter, *audience):
                        page.evaluate(WATCH_JS, [titles[target - 1]])
                    pressed = time.time() * 1000
                    presenter.keyboard.press("PageDown" if target == 2 else "PageUp")
                    for page in (presenter, *audience):
                        page.wait_for_function("() => 0 in window.__seen", timeout=60_000)
                    presenter_delays.append((presenter.evaluate("() => window.__seen[0]") - pressed) / 1000)
                    audience_delays += [(page.evaluate("() => window.__seen[0]") - pressed) / 1000 for page in audience]
                    step = target
                print(f"{size:>8} {percentile(presenter_delays, 0.5):>14.2f} {percentile(audience_delays, 0.5):>13.2f} "
                      f"{percentile(audience_delays, 0.95):>7.2f} {max(audience_delays):>7.2f}   "
                      f"first press {max(audience_delays[:size]):.2f}, the others' max {max(audience_delays[size:] or [0]):.2f}")
                for page in (presenter, *audience):
                    page.context.close()
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
