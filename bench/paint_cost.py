"""Where the browser spends the map's paint time: each ingredient of the map figure, timed alone.

    python bench/paint_cost.py [--repeats 7]

Serves bench/paint_variants_app.py and, for each variant, times a selectbox change to
the new 10,000-point figure painted (as bench/interaction.py times a model switch),
in the same headless Chromium, one variant after the other, interleaved over rounds.
Printed per variant: p50 ms, ratio to the minimal scatter, figure JSON size.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import CHROMIUM_FLAGS, MAP_POINTS_JS, MAP_SIGNATURE_JS, AppServer, require_chromium

VARIANTS = ["minimal", "customdata", "hover", "colours", "ten traces", "app figure", "app figure + select",
            "app figure, map chart"]


async def switch_times(url: str, variant: str, repeats: int) -> tuple[list[float], str]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_FLAGS)
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        await page.goto(f"{url}/?variant={variant.replace(' ', '+')}")
        await page.wait_for_function(f"({MAP_POINTS_JS})() > 0", timeout=120_000)
        laps = []
        for k in range(repeats):
            await page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
            before = await page.evaluate(MAP_SIGNATURE_JS)
            start = time.perf_counter()
            await page.locator('[data-testid="stSelectbox"]').first.click()
            await page.get_by_role("option", name=str((k + 1) % 4), exact=True).click()
            await page.wait_for_function(f"({MAP_SIGNATURE_JS})() !== {before!r}", timeout=60_000)
            laps.append(time.perf_counter() - start)
        caption = await page.locator('[data-testid="stCaptionContainer"]').last.inner_text()
        await browser.close()
    return laps, caption.split(": ", 1)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    server = AppServer(script="bench/paint_variants_app.py")
    server.wait_healthy()
    laps: dict[str, list[float]] = {v: [] for v in VARIANTS}
    sizes = {}
    try:
        for _ in range(args.rounds):
            for variant in VARIANTS:
                times, sizes[variant] = asyncio.run(switch_times(server.url, variant, args.repeats))
                laps[variant] += times[1:]  # the first switch pays one-off compilation in the browser
    finally:
        server.stop()
    base = statistics.median(laps["minimal"])
    print(f"{'variant':22s} {'p50 ms':>7} {'ratio':>6}  figure")
    for variant in VARIANTS:
        p50 = statistics.median(laps[variant])
        print(f"{variant:22s} {p50 * 1000:7.0f} {p50 / base:6.2f}  {sizes[variant]}")


if __name__ == "__main__":
    main()
