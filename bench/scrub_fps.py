"""Interpolation scrubber: frames shown per second while the slider is dragged, and messages to the server.

    python bench/scrub_fps.py [--seconds 2]

The drag moves the mouse back and forth along the slider rail for the given time, each
move onto the next frame's slot (the page's default path has 10 frames), as fast as the
browser takes mouse events; a requestAnimationFrame probe counts how often the image
changed and the distinct frames it showed. The reference
in the same run is the browser's own paint rate (animation frames per second) over the
same drag: the scrubber cannot beat it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser_support import AppServer, launch_browser

PROBE_JS = """() => {
  window.__frames = new Set(); window.__paints = 0; window.__changes = 0; window.__run = true;
  let last = null;
  const tick = () => {
    const i = document.querySelector('.stPlotlyChart image');
    const href = i ? i.getAttribute('href') : null;
    if (href !== last) { window.__changes++; last = href; }
    window.__frames.add(href);
    window.__paints++;
    if (window.__run) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--frames", type=int, default=10, help="frames of the path on the page (its default)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    server = AppServer()
    server.wait_healthy()
    try:
        with sync_playwright() as p:
            browser = launch_browser(p)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            sent = []
            page.on("websocket", lambda ws: ws.on("framesent", lambda _: sent.append(time.perf_counter())))
            page.goto(f"{server.url}/interpolate?dataset=mnist&model=vae-z16&a=3&b=7")
            page.wait_for_selector(".stPlotlyChart .slider-grip-rect", timeout=120_000)
            page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
            grip = page.locator(".stPlotlyChart .slider-grip-rect").first
            grip.scroll_into_view_if_needed()
            rail = page.locator(".stPlotlyChart .slider-rail-rect").first.bounding_box()
            g = grip.bounding_box()
            y = g["y"] + g["height"] / 2
            page.mouse.move(g["x"] + g["width"] / 2, y)
            page.mouse.down()
            page.evaluate(PROBE_JS)
            start = time.perf_counter()
            moves = 0
            while time.perf_counter() - start < args.seconds:
                k = moves % (2 * args.frames - 2)
                slot = k if k < args.frames else 2 * args.frames - 2 - k  # 0 … n-1 … 1, back and forth
                page.mouse.move(rail["x"] + rail["width"] * slot / (args.frames - 1), y)
                moves += 1
            elapsed = time.perf_counter() - start
            page.mouse.up()
            frames, paints, changes = page.evaluate(
                "() => { window.__run = false; return [window.__frames.size, window.__paints, window.__changes]; }")
            during = [t for t in sent if start <= t <= start + elapsed]
            browser.close()
    finally:
        server.stop()
    fps = changes / elapsed
    print(f"drag of {elapsed:.2f} s, {moves} mouse moves: the image changed {changes} times ({fps:.0f} per second), "
          f"{frames} distinct frames; the browser painted {paints / elapsed:.0f} times per second (reference); "
          f"{len(during)} messages went to the server")
    print(f"the image followed {changes} of {moves} moves; ratio image changes / browser paints: "
          f"{changes / max(paints, 1):.2f}  (goal: >= 30 changes per second, 0 messages)")


if __name__ == "__main__":
    main()
