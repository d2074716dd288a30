"""An export of the shipped models opened from file:// in a real Chromium: the map, the flashlight decoding under
the pointer in lockstep, a kept point's reconstructions, the scrubber and prior samples, and no request that
leaves the folder."""

from __future__ import annotations

import json

import pytest

from explorer_app.site import MARKER, write_site
from tests.browser_support import launch_browser, require_chromium

pytestmark = [pytest.mark.browser]

MAX_BYTES_PER_MODEL = 10_000_000  # the budget, at the shipped map's 10,000 points


def test_an_export_opens_from_a_file_and_decodes_everything_in_the_browser(tmp_path):
    require_chromium()
    out = tmp_path / "usb-stick" / "mnist"
    record = write_site(out, "mnist", ["vae-z16", "wae-z16"])
    assert record["points"] == 10_000
    assert all(size <= MAX_BYTES_PER_MODEL for size in record["bytes_per_model"].values())
    assert json.loads((out / MARKER).read_text())["models"] == ["vae-z16", "wae-z16"]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((out / "index.html").as_uri())
        page.locator("#map").wait_for(timeout=60_000)
        # the flashlight: the pointer's position decoded by both models, each frame in lockstep
        page.wait_for_function("() => window.decoderStats.frames > 0", timeout=60_000)
        box = page.locator("#map").bounding_box()
        before = page.evaluate("window.decoderStats.frames")
        for step in range(12):
            page.mouse.move(box["x"] + box["width"] * (0.2 + 0.05 * step), box["y"] + box["height"] * 0.45)
            page.wait_for_function("(n) => window.decoderStats.frames > n", arg=before + step, timeout=10_000)
        last = page.evaluate("window.decoderStats.last")
        assert len(last["codes"]) == 2 and all(len(code) == 16 for code in last["codes"])
        assert len(page.locator("#root figure canvas").all()) == 2
        # a click keeps the point: its image and both reconstructions, and it becomes the scrubber's A. The export
        # opens on a point of its own: the click's effect is the point shown changing from that one.
        page.wait_for_function("() => document.getElementById('point').dataset.index !== undefined", timeout=30_000)
        first = page.evaluate("document.getElementById('point').dataset.index")
        page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.45)
        page.wait_for_function("(first) => !['', undefined, first].includes(document.getElementById('point').dataset.index)",
                               arg=first, timeout=30_000)
        kept = page.evaluate("document.getElementById('point').dataset.index")
        assert len(page.locator("#point figure").all()) == 3
        assert page.locator("#scrub-ends").inner_text().startswith(f"From test image #{kept} to #1")
        page.locator("#scrub").fill("0.9")
        page.wait_for_function("() => document.getElementById('scrub').dataset.drawn === '0.9'", timeout=30_000)
        page.wait_for_function("() => document.getElementById('samples').dataset.drawn === '1'", timeout=60_000)
        assert len(page.locator("#samples canvas").all()) == 2 * 32
        # every picture drawn: no canvas left blank
        blank = page.evaluate("""() => [...document.querySelectorAll('#point canvas, #scrub-images canvas')]
            .filter((c) => !c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 !== 3 && v > 0))
            .length""")
        assert blank == 0
        browser.close()
    assert errors == []
    folder = out.as_uri()
    outside = [url for url in requests if not url.startswith((folder + "/", "blob:"))]
    assert outside == []
