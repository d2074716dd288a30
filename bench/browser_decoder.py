"""Decoding in the browser: frames per second, the cost of the first use, and the server's load.

    python bench/browser_decoder.py [--part frames first-use load] [--sessions 20] [--seconds 10]

- frames: the map's flashlight (MNIST VAE-z16 and VAE-z2) while the pointer sweeps the map
  for 3 s: decoded images shown per second against the browser's own paint rate in the same
  frame (requestAnimationFrame callbacks), p50 / p95 time from the pointer event to the image
  drawn, and WebSocket messages sent to the server meanwhile.
- first-use: in a fresh browser context (empty cache), bytes that reach the browser after the
  Flashlight toggle (HTTP bodies as sent, and WebSocket payloads: the model and codes travel
  as the component's arguments; counted unpacked, with the WebSocket's negotiated compression
  printed beside them), and the time from the toggle to the first decoded image,
  against the time the page took to draw its map without the component, in the same run. A
  "cold" server computes the model's test codes on that first toggle; a "warm" one has them.
- load: N sessions with the flashlight open; the server's CPU time (utime + stime of its
  process, from /proc) over ``--seconds`` while every session's pointer sweeps its map,
  against the same sessions, same length of time, without the pointer moving (ABBA order).

All in one headless Chromium on this machine (software rendering, no GPU), sharing its cores
with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import CHROMIUM_FLAGS, MAP_POINTS_JS, SCRIPT_IDLE_JS, AppServer, require_chromium

IFRAME = "iframe[src*='browser_decoder']"
PAINT_COUNTER_JS = "() => { window.paints = 0; const f = () => { window.paints++; requestAnimationFrame(f); }; " \
                   "requestAnimationFrame(f); }"


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] if values else float("nan")


def server_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def open_flashlight(page, url: str, model: str = "vae-z16"):
    """The map page with the flashlight on; returns (frame, seconds to the map, seconds toggle → first image)."""
    start = time.perf_counter()
    await page.goto(f"{url}/?dataset=mnist&model={model}")
    await page.wait_for_function(f"({MAP_POINTS_JS})() > 0", timeout=120_000)
    map_drawn = time.perf_counter() - start
    await page.wait_for_function(SCRIPT_IDLE_JS, timeout=60_000)
    toggled = time.perf_counter()
    await page.get_by_text("Flashlight", exact=True).click()
    element = page.locator(IFRAME).first
    await element.wait_for(timeout=120_000)
    frame = await (await element.element_handle()).content_frame()
    await frame.wait_for_function("() => window.decoderStats && window.decoderStats.frames > 0", timeout=120_000)
    return frame, map_drawn, time.perf_counter() - toggled


async def sweep(page, box: dict, seconds: float, stop_at: float | None = None) -> int:
    """Move the pointer over the box as fast as the browser takes moves, for ``seconds``; returns the moves."""
    moves, start = 0, time.perf_counter()
    end = stop_at or start + seconds
    while time.perf_counter() < end:
        i = moves % 97
        await page.mouse.move(box["x"] + box["width"] * (0.1 + 0.8 * i / 97),
                              box["y"] + box["height"] * (0.15 + 0.7 * ((i * 31) % 97) / 97))
        moves += 1
    return moves


async def frames_part(browser, url: str) -> None:
    for model in ("vae-z16", "vae-z2"):
        context = await browser.new_context(viewport={"width": 1400, "height": 1000})
        page = await context.new_page()
        sent = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(time.perf_counter())))
        frame, _, _ = await open_flashlight(page, url, model)
        box = await frame.locator("#map").bounding_box()
        await frame.evaluate("() => { window.decoderStats.frames = 0; window.decoderStats.latencies = []; }")
        await frame.evaluate(PAINT_COUNTER_JS)
        start = time.perf_counter()
        moves = await sweep(page, box, 3.0)
        elapsed = time.perf_counter() - start
        stats = await frame.evaluate("() => ({frames: window.decoderStats.frames, "
                                     "latencies: window.decoderStats.latencies, paints: window.paints})")
        during = [t for t in sent if t >= start]
        lat = stats["latencies"]
        print(f"frames {model}: {stats['frames'] / elapsed:.1f} decoded images/s, browser paints "
              f"{stats['paints'] / elapsed:.1f}/s, pointer moves {moves / elapsed:.0f}/s; pointer → image "
              f"p50 {percentile(lat, 0.5):.1f} ms, p95 {percentile(lat, 0.95):.1f} ms (n = {len(lat)}); "
              f"messages to the server {len(during)}")
        await context.close()


async def first_use_part(browser, url: str) -> None:
    for model, server_state in (("vae-z16", "cold"), ("vae-z16", "warm"), ("vae-z2", "cold"), ("vae-z2", "warm")):
        context = await browser.new_context(viewport={"width": 1400, "height": 1000})
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.enable")
        extensions = []
        cdp.on("Network.webSocketHandshakeResponseReceived", lambda event: extensions.append(
            {k.lower(): v for k, v in event["response"]["headers"].items()}.get("sec-websocket-extensions", "none")))
        marks = {"toggled": None}
        http, ws = [], []

        async def on_finished(request):
            if marks["toggled"] is not None:
                sizes = await request.sizes()
                http.append((request.url.rsplit("/", 1)[-1], sizes["responseBodySize"] + sizes["responseHeadersSize"]))

        page.on("requestfinished", lambda request: asyncio.ensure_future(on_finished(request)))
        page.on("websocket", lambda sock: sock.on(
            "framereceived", lambda payload: ws.append(len(payload)) if marks["toggled"] is not None else None))
        start = time.perf_counter()
        await page.goto(f"{url}/?dataset=mnist&model={model}")
        await page.wait_for_function(f"({MAP_POINTS_JS})() > 0", timeout=120_000)
        map_drawn = time.perf_counter() - start
        await page.wait_for_function(SCRIPT_IDLE_JS, timeout=60_000)
        marks["toggled"] = time.perf_counter()
        await page.get_by_text("Flashlight", exact=True).click()
        element = page.locator(IFRAME).first
        await element.wait_for(timeout=120_000)
        frame = await (await element.element_handle()).content_frame()
        await frame.wait_for_function("() => window.decoderStats && window.decoderStats.frames > 0", timeout=120_000)
        first_image = time.perf_counter() - marks["toggled"]
        runtime_ms = await frame.evaluate("window.decoderStats.runtimeMs")
        await asyncio.sleep(0.5)  # let the last requestfinished callbacks run
        http_bytes, ws_bytes = sum(b for _, b in http), sum(ws)
        print(f"first use {model}, {server_state} server: map drawn {map_drawn:.2f} s after opening the page (no component); toggle → "
              f"first decoded image {first_image:.2f} s (runtime loaded in {runtime_ms / 1000:.2f} s); "
              f"{(http_bytes + ws_bytes) / 1e6:.2f} MB reached the browser: HTTP {http_bytes / 1e6:.2f} MB "
              f"({', '.join(f'{name} {b / 1e6:.2f}' for name, b in sorted(http, key=lambda x: -x[1])[:4])}), "
              f"WebSocket payloads {ws_bytes / 1e6:.2f} MB (unpacked; WebSocket compression: "
              f"{', '.join(sorted(set(extensions))) or 'unknown'})")
        await context.close()


async def load_part(browser, url: str, pid: int, sessions: int, seconds: float) -> None:
    contexts, pages = [], []
    for _ in range(sessions):
        context = await browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        pages.append(await context.new_page())
    opened = await asyncio.gather(*(open_flashlight(p, url) for p in pages))
    boxes = [await frame.locator("#map").bounding_box() for frame, _, _ in opened]
    results = {"hovering": [], "still": []}
    for phase in ("still", "hovering", "hovering", "still"):  # ABBA
        before = server_cpu_seconds(pid)
        frames_before = sum([await f.evaluate("window.decoderStats.frames") for f, _, _ in opened])
        if phase == "hovering":
            end = time.perf_counter() + seconds
            await asyncio.gather(*(sweep(p, b, seconds, stop_at=end) for p, b in zip(pages, boxes)))
        else:
            await asyncio.sleep(seconds)
        used = server_cpu_seconds(pid) - before
        frames = sum([await f.evaluate("window.decoderStats.frames") for f, _, _ in opened]) - frames_before
        results[phase].append(used)
        print(f"load, {sessions} sessions, {phase} {seconds:.0f} s: server CPU {used:.2f} s, "
              f"images decoded in the browsers {frames}")
    hover, still = statistics.mean(results["hovering"]), statistics.mean(results["still"])
    print(f"load: server CPU hovering {hover:.2f} s vs still {still:.2f} s per {seconds:.0f} s "
          f"(difference {hover - still:+.2f} s, {100 * (hover - still) / max(still, 1e-9):+.0f} %)")
    for context in contexts:
        await context.close()


async def main_async(args) -> None:
    from playwright.async_api import async_playwright

    server = AppServer()
    server.wait_healthy()
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_FLAGS)
            try:
                if "frames" in args.part:
                    await frames_part(browser, server.url)
                if "first-use" in args.part:
                    await first_use_part(browser, server.url)
                if "load" in args.part:
                    await load_part(browser, server.url, server.process.pid, args.sessions, args.seconds)
            finally:
                await browser.close()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", nargs="+", default=["frames", "first-use", "load"],
                        choices=["frames", "first-use", "load"])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
