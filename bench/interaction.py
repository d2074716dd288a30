"""Interaction latency in the browser, for 1, 10 and 30 sessions at once against one server.

    python bench/interaction.py [--sessions 1 10 30]

Each session (tests/browser_support.py: audience_session) opens the map, switches the
model, clicks a point, and moves a denoising control; each step is timed from the
action to the new content painted (N = 1: six sessions one after the other). Printed:
p50 / p95 per step and N. The model switch against its reference, interleaved with those
six sessions: four switches in a fresh page of the app (the sidebar's model) and four in
bench/minimal_app.py, Streamlit's minimal page, whose selectbox redraws a 10,000-point
WebGL scatter; every switch counted, timed the same way, the order alternating (ABBA). Then
the server-side time of the same steps (the script run, timed with Streamlit's AppTest
in this process, warm caches), so the browser's share can be read off.

All sessions run in one headless Chromium on this machine, software-rendered (no GPU),
sharing its cores with the server: at N = 10 and 30 the figures measure that machine
saturated by the browsers as much as the server.
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

from tests.browser_support import (
    CHROMIUM_FLAGS,
    MAP_POINTS_JS,
    MAP_SIGNATURE_JS,
    SCRIPT_IDLE_JS,
    AppServer,
    audience_session,
    require_chromium,
)


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


async def room(url: str, n: int) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_FLAGS)
        try:
            return await asyncio.gather(*(audience_session(browser, url, nth_point=k) for k in range(n)),
                                        return_exceptions=True)
        finally:
            await browser.close()


APP_MODELS = ("Autoencoder · z16", "WAE-MMD · z16", "VAE · z16")


async def switch_laps(url: str, app: bool, repeats: int = 4) -> list[float]:
    """Seconds from a selectbox change to the new 10,000-point map painted, ``repeats`` times in one page.

    The app: the sidebar's model, cycling through three models from VAE · z16. The reference
    (``app=False``, bench/minimal_app.py): its seed selectbox. Both in a fresh browser, all
    switches counted, the first one too, so both pay the same one-off costs.
    """
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_FLAGS)
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        await page.goto(f"{url}/?dataset=mnist&model=vae-z16" if app else url)
        await page.wait_for_function(f"({MAP_POINTS_JS})() > 0", timeout=120_000)
        box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(1) if app \
            else page.locator('[data-testid="stSelectbox"]').first
        laps = []
        for k in range(repeats):
            await page.wait_for_function(SCRIPT_IDLE_JS)
            await page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
            before = await page.evaluate(MAP_SIGNATURE_JS)
            start = time.perf_counter()
            await box.evaluate("el => el.scrollIntoView({block: 'center'})")  # room for its menu to open
            await box.click()
            option = APP_MODELS[k % len(APP_MODELS)] if app else str((k + 1) % 4)
            await page.get_by_role("option", name=option, exact=True).click()
            await page.wait_for_function(f"({MAP_SIGNATURE_JS})() !== {before!r}", timeout=60_000)
            laps.append(time.perf_counter() - start)
        await browser.close()
    return laps


def server_side(repeats: int = 5) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    app = str(ROOT / "app.py")
    at = AppTest.from_file(app, default_timeout=120)
    at.query_params["model"] = "vae-z16"
    at.run()
    times = {"model switch": [], "selection": [], "denoise control": []}
    for k in range(repeats):
        start = time.perf_counter()
        at.selectbox(key="model").select("ae-z16" if k % 2 == 0 else "vae-z16").run()
        times["model switch"].append(time.perf_counter() - start)
    for k in range(repeats):
        at2 = AppTest.from_file(app, default_timeout=120)
        at2.query_params["sel"] = str(42 + k)
        start = time.perf_counter()
        at2.run()
        times["selection"].append(time.perf_counter() - start)
    at3 = AppTest.from_file(app, default_timeout=120)
    at3.query_params["model"] = "ae-z16"
    at3.run()
    at3.switch_page("explorer_app/views/denoise.py").run()
    for k in range(repeats):
        start = time.perf_counter()
        at3.slider(key="noise_level_gaussian").set_value(0.3 + 0.05 * (k % 3)).run()
        times["denoise control"].append(time.perf_counter() - start)
    return {step: statistics.median(v) for step, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--rounds", type=int, default=6, help="sessions one after the other for N = 1")
    args = parser.parse_args()
    server, reference_server = AppServer(), AppServer(script="bench/minimal_app.py")
    server.wait_healthy()
    reference_server.wait_healthy()
    switches = {"app": [], "reference": []}
    try:
        asyncio.run(room(server.url, 1))  # warm the server's caches once, as a presenter's own visit does
        asyncio.run(switch_laps(reference_server.url, app=False, repeats=1))
        print(f"{'N':>3} {'step':16s} {'p50 ms':>8} {'p95 ms':>8}  failures")
        alone = {}
        for n in args.sessions:
            results = []
            for _ in range(args.rounds if n == 1 else 1):  # one session alone is one sample: take several
                results += asyncio.run(room(server.url, n))
                if n == 1:  # model switches against the reference, interleaved: both see the same machine.
                    # The order alternates (ABBA), so neither always follows the audience session's load.
                    order = ("app", "reference") if len(switches["app"]) % 8 == 0 else ("reference", "app")
                    for name in order:
                        switches[name] += asyncio.run(switch_laps(server.url if name == "app" else reference_server.url,
                                                                  app=name == "app"))
            ok = [r for r in results if isinstance(r, dict)]
            failures = len(results) - len(ok)
            for step in ("first map", "model switch", "selection", "denoise control"):
                values = [r[step] * 1000 for r in ok]
                if values:
                    if n == 1:
                        alone[step] = percentile(values, 0.5) / 1000
                    print(f"{n:>3} {step:16s} {percentile(values, 0.5):8.0f} {percentile(values, 0.95):8.0f}  {failures}")
    finally:
        server.stop()
        reference_server.stop()
    if switches["reference"]:
        reference = percentile(switches["reference"], 0.5)
        for name, laps in switches.items():
            print(f"switch -> new map painted, {name:9s}: p50 {percentile(laps, 0.5) * 1000:4.0f} ms, "
                  f"p95 {percentile(laps, 0.95) * 1000:4.0f} ms over {len(laps)} switches")
        print(f"    ratio model switch / reference (p50): {percentile(switches['app'], 0.5) / reference:.2f}")
        for step in ("selection", "denoise control"):
            if step in alone:
                print(f"    ratio {step} (one session) / reference: {alone[step] / reference:.2f}")
    print("server side (script run, AppTest, median ms):")
    for step, seconds in server_side().items():
        print(f"    {step:16s} {seconds * 1000:8.0f}")
    print("goal in the browser: p50 <= 300 ms, p95 <= 600 ms")


if __name__ == "__main__":
    main()
