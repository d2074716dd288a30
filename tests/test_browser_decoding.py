"""Decoding in the browser, in a real headless Chromium: the flashlight, lockstep, sliders, and the fallback."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from tests.browser_support import NEXT_PAINT_JS, ROOT, SCRIPT_IDLE_JS, wait_for_map, wait_idle

pytestmark = pytest.mark.browser
IFRAME = "iframe[src*='browser_decoder']"
FIRST_IMAGE_JS = "() => document.querySelector('figure canvas').toDataURL()"


def decoder_frame(page, nth: int = 0, timeout: float = 60.0):
    """The component's frame, once its first image is drawn (the runtime loaded and a decoder ran)."""
    element = page.locator(IFRAME).nth(nth)
    element.wait_for(timeout=timeout * 1000)
    element.scroll_into_view_if_needed()
    frame = element.element_handle().content_frame()
    frame.wait_for_function("() => window.decoderStats && window.decoderStats.frames > 0", timeout=timeout * 1000)
    return frame


def messages_to_server(page, sockets: list | None = None) -> list:
    """The times of the messages the page sends to the server (its WebSockets kept in ``sockets``)."""
    sent = []

    def watch(ws):
        if sockets is not None:
            sockets.append(ws)
        ws.on("framesent", lambda payload: sent.append(time.perf_counter()))

    page.on("websocket", watch)
    return sent


def sweep(page, frame, box, steps: int = 30) -> set[str]:
    """Move the pointer across the box, reading the decoded image the browser painted after each move."""
    seen = set()
    for i in range(steps):
        page.mouse.move(box["x"] + box["width"] * (0.1 + 0.8 * i / steps),
                        box["y"] + box["height"] * (0.2 + 0.6 * ((i * 7) % steps) / steps))
        frame.evaluate(NEXT_PAINT_JS)
        frame.evaluate(NEXT_PAINT_JS)
        seen.add(frame.evaluate(FIRST_IMAGE_JS))
    return seen


def shipped(name: str):
    """A shipped model, its map, and its codes of the whole test split as the browser gets them (float16)."""
    from explorer.analysis.latent import encode
    from explorer.analysis.project import load_map
    from explorer.data.datasets import load_shipped_test
    from explorer.store.checkpoint import load_pretrained

    folder = ROOT / "pretrained" / "mnist" / name
    model = load_pretrained(folder)
    latent_map = load_map(folder / "map.npz")
    images, _ = load_shipped_test("mnist")
    return model, latent_map, encode(model, images).numpy().astype(np.float16).astype(np.float32)


def test_the_flashlight_decodes_under_the_pointer_without_the_server(server, page):
    from explorer.analysis.inverse import blend, knn_weights
    from explorer.analysis.latent import decode

    sent = messages_to_server(page)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{server.url}/?dataset=mnist&model=vae-z16")
    wait_for_map(page)
    wait_idle(page)
    page.get_by_text("Flashlight", exact=True).click()
    frame = decoder_frame(page)
    assert [url for url in requested if not url.startswith((server.url, "data:", "blob:"))] == []
    assert any(url.endswith("ort-wasm-simd-threaded.wasm.gz") for url in requested)
    box = frame.locator("#map").bounding_box()
    hover_started = time.perf_counter()
    seen = sweep(page, frame, box)
    during = [t for t in sent if t >= hover_started]
    assert len(seen) >= 10, "the decoded image follows the pointer"
    assert during == [], "no message went to the server while the pointer moved"

    # The browser's code is the blend explorer.inverse computes, and its image PyTorch's within 1e-3.
    last = frame.evaluate("window.decoderStats.last")
    model, latent_map, codes = shipped("vae-z16")
    idx, w = knn_weights(latent_map.xy, np.array([[last["x"], last["y"]]]), k=last["k"])
    expected_code = blend(codes[latent_map.indices], idx, w)
    assert np.abs(np.array(last["codes"][0]) - expected_code[0]).max() < 1e-4
    expected_image = decode(model, torch.from_numpy(np.array(last["codes"], dtype=np.float32)[:1])).numpy().ravel()
    assert np.abs(np.array(last["image"]) - expected_image).max() < 1e-3

    # A click keeps the point: the page selects the nearest test image and decodes the point on the server.
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.get_by_text("Kept point").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.locator('[data-testid="stImageCaption"]', has_text="#").count() >= 1
    assert page.locator('[data-testid="stException"]').count() == 0

    # The keyboard moves the flashlight on from there (a presenter's clicker sends arrow keys).
    x_before = frame.evaluate("window.decoderStats.last.x")
    frame.locator("#map").press("Shift+ArrowRight")
    frame.wait_for_function("(x) => window.decoderStats.last.x > x", arg=x_before, timeout=10_000)


def test_compared_models_decode_the_same_neighbourhood_in_lockstep(server, page):
    from explorer.analysis.inverse import blend, knn_weights

    page.goto(f"{server.url}/?dataset=mnist&model=vae-z16")
    wait_for_map(page)
    wait_idle(page)
    page.locator('[data-testid="stMultiSelect"]').first.click()
    page.get_by_role("option", name="WAE-MMD · z16").click()
    page.keyboard.press("Escape")
    wait_idle(page)
    page.get_by_text("Flashlight", exact=True).click()
    frame = decoder_frame(page)
    assert frame.locator("figure canvas").count() == 2
    sweep(page, frame, frame.locator("#map").bounding_box(), steps=8)
    last = frame.evaluate("window.decoderStats.last")
    _, vae_map, _ = shipped("vae-z16")
    _, _, wae_codes = shipped("wae-z16")
    idx, w = knn_weights(vae_map.xy, np.array([[last["x"], last["y"]]]), k=last["k"])
    # the neighbours found on the VAE's map, blended from the WAE's codes of the same test images
    expected = blend(wae_codes[vae_map.indices], idx, w)
    assert np.abs(np.array(last["codes"][1]) - expected[0]).max() < 1e-4


def test_the_flashlight_falls_back_to_the_server_when_the_runtime_cannot_load(server, page):
    page.route("**/vendor/onnxruntime-web/**", lambda route: route.abort())
    page.goto(f"{server.url}/?dataset=mnist&model=vae-z16")
    wait_for_map(page)
    wait_idle(page)
    page.get_by_text("Flashlight", exact=True).click()
    page.get_by_text("The in-browser decoder could not be loaded").first.wait_for(timeout=60_000)
    assert wait_for_map(page) == 10_000, "the server's map is back"
    wait_idle(page)
    assert page.locator(IFRAME).count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0


def test_traversal_sliders_decode_while_dragged_and_tell_the_server_on_release(server, page):
    sockets = []
    sent = messages_to_server(page, sockets)
    page.goto(f"{server.url}/traverse?dataset=mnist&model=vae-z16")
    frame = decoder_frame(page)
    page.wait_for_function(SCRIPT_IDLE_JS, timeout=30_000)
    slider = frame.locator("input[type=range]").first.bounding_box()
    y = slider["y"] + slider["height"] / 2
    page.mouse.move(slider["x"] + 4, y)
    page.mouse.down()
    drag_started = time.perf_counter()
    seen = set()
    for i in range(1, 16):
        page.mouse.move(slider["x"] + slider["width"] * i / 16, y)
        frame.evaluate(NEXT_PAINT_JS)
        frame.evaluate(NEXT_PAINT_JS)
        seen.add(frame.evaluate(FIRST_IMAGE_JS))
    during = [t for t in sent if t >= drag_started]
    assert len(seen) >= 5, "the image changed while the slider was dragged"
    assert during == [], "no message went to the server during the drag"
    with sockets[-1].expect_event("framesent", timeout=15_000):  # the values go to the server on release
        page.mouse.up()
