"""Interaction latency in the browser, for 1, 10 and 30 sessions at once against one server.

    python bench/interaction.py [--sessions 1 10 30]

Each session (tests/browser_support.py: audience_session) opens the map, switches the
model, clicks a point, and moves a denoising control; each step is timed from the
action to the new content painted. Printed: p50 / p95 per step and N. Then the
server-side time of the same steps (the script run, timed with Streamlit's AppTest in
this process, warm caches), so the browser's share can be read off.
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

from tests.browser_support import CHROMIUM_FLAGS, AppServer, audience_session, require_chromium  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


async def room(url: str, n: int) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_FLAGS)
        try:
            return await asyncio.gather(*(audience_session(browser, url, point=7 * k) for k in range(n)),
                                        return_exceptions=True)
        finally:
            await browser.close()


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
    at3.switch_page("views/denoise.py").run()
    for k in range(repeats):
        start = time.perf_counter()
        at3.slider(key="noise_level_gaussian").set_value(0.3 + 0.05 * (k % 3)).run()
        times["denoise control"].append(time.perf_counter() - start)
    return {step: statistics.median(v) for step, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    args = parser.parse_args()
    server = AppServer()
    server.wait_healthy()
    try:
        asyncio.run(room(server.url, 1))  # warm the server's caches once, as a presenter's own visit does
        print(f"{'N':>3} {'step':16s} {'p50 ms':>8} {'p95 ms':>8}  failures")
        for n in args.sessions:
            results = asyncio.run(room(server.url, n))
            ok = [r for r in results if isinstance(r, dict)]
            failures = len(results) - len(ok)
            for step in ("first map", "model switch", "selection", "denoise control"):
                values = [r[step] * 1000 for r in ok]
                if values:
                    print(f"{n:>3} {step:16s} {percentile(values, 0.5):8.0f} {percentile(values, 0.95):8.0f}  {failures}")
    finally:
        server.stop()
    print("server side (script run, AppTest, median ms):")
    for step, seconds in server_side().items():
        print(f"    {step:16s} {seconds * 1000:8.0f}")
    print("goal in the browser: p50 <= 300 ms, p95 <= 600 ms")


if __name__ == "__main__":
    main()
