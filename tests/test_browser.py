"""The app in a real headless Chromium, driven as a person would (Playwright over `streamlit run`)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from tests.browser_support import (
    HOVER_NAMES_INDEX_JS,
    ISOLATED_POINT_JS,
    MAP_CHART,
    MAP_GD,
    MAP_POINTS_JS,
    MAP_SIGNATURE_JS,
    NEXT_PAINT_JS,
    POINT_PIXEL_JS,
    ROOT,
    SLIDER_INPUT,
    TRACE_NAMES_JS,
    AppServer,
    pick_model,
    wait_for_map,
    wait_idle,
)

pytestmark = pytest.mark.browser


def wait_for_url(page, fragment: str, timeout: float = 30.0) -> None:
    page.wait_for_function("(text) => decodeURIComponent(location.href).includes(text)", arg=fragment,
                           timeout=timeout * 1000)


def image_caption(page, text: str):
    return page.locator('[data-testid="stImageCaption"]', has_text=text).first


def hover_then_click(page, index: int, x: float, y: float) -> None:
    """Move onto a point, wait for Plotly's hover label to name it (so the click lands on it), click."""
    page.mouse.move(x, y)
    page.wait_for_function(f"({HOVER_NAMES_INDEX_JS})({index})", timeout=30_000)
    page.mouse.click(x, y)


def test_default_map_appears_with_every_test_point(server, page):
    page.goto(server.url)
    assert wait_for_map(page) == 10_000
    page.get_by_role("heading", name="Latent map").wait_for()
    wait_for_url(page, "dataset=mnist")
    wait_for_url(page, "model=vae-z16")


def test_model_switch_redraws_the_map(server, page):
    page.goto(f"{server.url}/?dataset=mnist&model=vae-z16")
    wait_for_map(page)
    before = page.evaluate(MAP_SIGNATURE_JS)
    pick_model(page, "Autoencoder · z16")
    page.wait_for_function(f"({MAP_SIGNATURE_JS})() !== {before!r}", timeout=30_000)
    assert "model=ae-z16" in page.url
    assert page.evaluate(MAP_POINTS_JS) == 10_000


def test_clicking_a_point_shows_its_reconstruction(server, page):
    page.goto(f"{server.url}/?dataset=mnist&model=vae-z16")
    wait_for_map(page)
    wait_idle(page)
    index, x, y = page.evaluate(ISOLATED_POINT_JS, 0)
    hover_then_click(page, index, x, y)
    image_caption(page, f"#{index} · ").wait_for(timeout=30_000)  # the test image, with its index
    image_caption(page, "MSE ").wait_for(timeout=30_000)  # its reconstruction, with its error
    wait_for_url(page, f"sel={index}")
    wait_idle(page)
    # Plotly marks a selection made on the chart itself: the figure is left as it was, not redrawn with a ring
    assert "selected" not in page.evaluate(TRACE_NAMES_JS)
    # after a model switch the new map is drawn with the ring, since the chart's own marks are gone
    pick_model(page, "Autoencoder · z16")
    page.wait_for_function(f"({TRACE_NAMES_JS})().includes('selected')", timeout=30_000)
    assert f"sel={index}" in page.url


# The point the map's keyboard is at: its test index and its place in pixels (explorer_app/map_chart/frontend/main.js)
KEYBOARD_POINT_JS = f"""() => {{
  const own = {MAP_GD}.explorer, current = own && own.current;
  return current ? {{index: current.index, px: current.px, py: current.py, name: current.name,
                     said: own.live.textContent}} : null;
}}"""


def test_the_map_is_used_from_the_keyboard_alone_and_says_each_move(server, page):
    """Tab reaches the map; the arrow keys move to the nearest point in their direction, Enter selects it as a
    click does, Escape clears it; a live region says each move (what a screen reader reads)."""
    page.goto(f"{server.url}/?dataset=mnist&model=vae-z16")
    wait_for_map(page)
    wait_idle(page)
    for _ in range(80):  # the keyboard's own way there: Tab through the page's controls until the map
        page.keyboard.press("Tab")
        if page.evaluate(f"() => document.activeElement === {MAP_GD}"):
            break
    else:
        pytest.fail("Tab never reached the map")
    assert page.evaluate(f"() => getComputedStyle({MAP_GD}).outlineStyle") != "none"  # the focus is seen
    label = page.evaluate(f"() => {MAP_GD}.getAttribute('aria-label')")
    assert "10,000 points" in label and "arrow keys" in label
    page.wait_for_function(f"(() => {{ const p = ({KEYBOARD_POINT_JS})(); return p && p.said; }})", timeout=10_000)
    start = page.evaluate(KEYBOARD_POINT_JS)
    assert f"test image {start['index']}" in start["said"] and start["name"] in start["said"]
    moves = {"ArrowRight": lambda a, b: b["px"] > a["px"], "ArrowDown": lambda a, b: b["py"] > a["py"],
             "ArrowLeft": lambda a, b: b["px"] < a["px"], "ArrowUp": lambda a, b: b["py"] < a["py"]}
    here = start
    for key, went in moves.items():
        page.keyboard.press(key)
        page.wait_for_function(f"(index) => ({KEYBOARD_POINT_JS})().index !== index", arg=here["index"],
                               timeout=10_000)
        there = page.evaluate(KEYBOARD_POINT_JS)
        assert went(here, there), (key, here, there)  # the next point lies that way
        assert abs(there["px"] - here["px"]) + abs(there["py"] - here["py"]) < 200  # and near, not the far edge
        page.wait_for_function(f"(index) => ({KEYBOARD_POINT_JS})().said.includes('test image ' + index)",
                               arg=there["index"], timeout=10_000)
        here = there
    page.keyboard.press("Enter")  # what a click on it does
    wait_for_url(page, f"sel={here['index']}")
    image_caption(page, f"#{here['index']} · ").wait_for(timeout=30_000)
    assert "Selected: " in page.evaluate(KEYBOARD_POINT_JS)["said"]
    wait_idle(page)
    page.evaluate(f"() => {MAP_GD}.focus()")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !location.href.includes('sel=')", timeout=30_000)


# The map's WebGL canvas against its layout size: Plotly's plotGlPixelRatio, as drawn
CANVAS_SCALE_JS = f"""() => {{
  const gd = {MAP_GD};
  const canvas = gd && gd.querySelector('canvas.gl-canvas-context');
  return canvas ? canvas.width / gd._fullLayout.width : null;
}}"""


@pytest.mark.parametrize("screen", [1, 2])
def test_the_map_keeps_one_chart_at_the_screens_pixel_ratio_through_a_selection_and_a_model_switch(server, browser,
                                                                                                   screen):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=screen)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/?dataset=mnist&model=vae-z16")
        wait_for_map(page)
        wait_idle(page)
        assert page.evaluate(CANVAS_SCALE_JS) == screen  # the screen's own ratio from the first paint
        page.evaluate(f"() => {{ {MAP_GD}.dataset.first = '1'; }}")
        index, x, y = page.evaluate(ISOLATED_POINT_JS, 0)
        hover_then_click(page, index, x, y)
        wait_for_url(page, f"sel={index}")
        image_caption(page, "MSE ").wait_for(timeout=30_000)
        wait_idle(page)
        # the model switch draws the new map into the same chart (explorer_app/map_chart: Plotly.react), not a new one
        before = page.evaluate(MAP_SIGNATURE_JS)
        pick_model(page, "Autoencoder · z16")
        page.wait_for_function(f"({MAP_SIGNATURE_JS})() !== {before!r}", timeout=30_000)
        assert page.evaluate(f"() => {MAP_GD}.dataset.first") == "1"
        assert page.evaluate(CANVAS_SCALE_JS) == screen
        assert page.evaluate(MAP_POINTS_JS) == 10_000
    finally:
        context.close()


def test_a_point_clicked_again_after_the_selection_was_cleared_is_selected_again(server, page):
    page.goto(f"{server.url}/?dataset=mnist&model=vae-z16")
    wait_for_map(page)
    wait_idle(page)
    index, x, y = page.evaluate(ISOLATED_POINT_JS, 1)
    hover_then_click(page, index, x, y)
    wait_for_url(page, f"sel={index}")
    wait_idle(page)
    page.get_by_role("button", name="Clear the selection").click()
    page.wait_for_function("() => !location.href.includes('sel=')", timeout=30_000)
    page.get_by_text("Nothing selected").first.wait_for(timeout=30_000)
    wait_idle(page)
    hover_then_click(page, index, x, y)  # the same point: the chart says so again, and the page shows it again
    wait_for_url(page, f"sel={index}")
    image_caption(page, f"#{index} · ").wait_for(timeout=30_000)


def test_a_lasso_selects_the_points_inside_it(server, page):
    page.goto(f"{server.url}/?dataset=mnist&model=vae-z16")
    wait_for_map(page)
    wait_idle(page)
    page.locator(f'{MAP_CHART} .modebar-btn[data-val="lasso"]').first.click()
    x, y = page.evaluate(POINT_PIXEL_JS, 42)
    page.mouse.move(x - 10, y - 10)
    page.mouse.down()
    for dx, dy in ((10, -10), (10, 10), (-10, 10), (-10, -10)):
        page.mouse.move(x + dx, y + dy, steps=4)
    page.mouse.up()
    page.get_by_text("images selected").first.wait_for(timeout=30_000)
    wait_for_url(page, "sel=")
    assert "42" in page.url.split("sel=")[1].split("&")[0].replace("%2C", ",").split(",")


def test_a_bookmarked_url_restores_the_view(server, page):
    page.goto(f"{server.url}/?dataset=mnist&model=wae-z16&sel=5,9")
    wait_for_map(page)
    page.get_by_text("2 images selected").first.wait_for(timeout=30_000)
    page.reload()
    wait_for_map(page)
    page.get_by_text("2 images selected").first.wait_for(timeout=30_000)
    wait_for_url(page, "model=wae-z16")
    page.locator('[data-testid="stSidebar"]').get_by_text("MMD penalty").wait_for()  # the WAE's description
    page.wait_for_function(f"({TRACE_NAMES_JS})().includes('selected')")  # a link's selection is ringed


def test_hostile_url_values_fall_back_with_a_notice(server, page):
    page.goto(f"{server.url}/?dataset=..%2F..%2Fetc&model=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    wait_for_map(page)
    page.get_by_text("is not known here").first.wait_for()
    wait_idle(page)
    assert page.locator("img[src='x']").count() == 0


def test_scrubber_morphs_while_dragged_without_the_server(server, page):
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(time.perf_counter())))
    page.goto(f"{server.url}/interpolate?dataset=mnist&model=vae-z16&a=3&b=7")
    page.wait_for_selector(".stPlotlyChart .slider-grip-rect", timeout=60_000)
    wait_idle(page)
    grip = page.locator(".stPlotlyChart .slider-grip-rect").first
    grip.scroll_into_view_if_needed()
    rail = page.locator(".stPlotlyChart .slider-rail-rect").first.bounding_box()
    start = grip.bounding_box()
    frame_js = "() => { const i = document.querySelector('.stPlotlyChart image');" \
               " return i ? (i.getAttribute('href') || i.getAttribute('xlink:href') || '') : ''; }"
    seen = {page.evaluate(frame_js)}
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    drag_started = time.perf_counter()
    for k in range(1, 21):
        page.mouse.move(rail["x"] + rail["width"] * k / 20, start["y"] + start["height"] / 2)
        page.evaluate(NEXT_PAINT_JS)  # read the frame the browser painted after this move
        seen.add(page.evaluate(frame_js))
    during = [t for t in sent if t >= drag_started]
    page.mouse.up()
    assert len(seen) >= 5, "the image changed while the slider was dragged"
    assert during == [], "no message went to the server during the drag"


def test_denoising_controls_change_the_psnr(server, page):
    page.goto(f"{server.url}/denoise?dataset=mnist&model=ae-z16")
    metric = page.locator('[data-testid="stMetricValue"]').first
    metric.wait_for(timeout=60_000)
    wait_idle(page, timeout=60)
    before = metric.inner_text()
    slider = page.locator(SLIDER_INPUT).first
    slider.focus()
    for _ in range(4):  # the noise level, 0.40 → 0.60
        slider.press("ArrowRight")
    page.wait_for_function(
        "(old) => { const m = document.querySelector('[data-testid=\"stMetricValue\"]'); return m && m.innerText !== old; }",
        arg=before, timeout=30_000)
    after = metric.inner_text()
    assert before.endswith("dB") and after.endswith("dB")
    assert float(after.split()[0]) < float(before.split()[0]), "more noise, lower PSNR of the corrupted input"
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_maps_old_address_opens_the_map_at_its_own_with_the_view_it_holds(server, page):
    page.goto(f"{server.url}/map?dataset=mnist&model=ae-z16&sel=3,5")
    assert wait_for_map(page) == 10_000
    page.wait_for_function("() => !location.pathname.endsWith('/map')", timeout=30_000)
    wait_for_url(page, "model=ae-z16")
    wait_for_url(page, "sel=3,5")
    wait_idle(page)
    assert page.get_by_text("Page not found").count() == 0
    current = page.locator('[data-testid="stSidebarNav"] a[aria-current="page"]')
    assert current.inner_text().strip().endswith("Latent map")  # the navigation marks the page shown


def test_plotlys_code_is_loaded_before_any_chart_and_only_once_and_after_the_map(server, page):
    """The page's first element starts loading Streamlit's Plotly bundle (explorer_app/assets/preload_bundles.js),
    on a page that draws no chart too; Streamlit's own import finds that copy. On the map's page it starts
    loading the map chart's Plotly instead, which the chart then draws with, and Streamlit's only once the map
    is drawn, for the next page's charts."""
    from explorer_app.scripts import streamlit_bundles

    bundles = streamlit_bundles()
    plotly = next(name for name in bundles if name.startswith("PlotlyChart."))
    map_plotly = "plotly-gl2d.min.js"  # the map chart's own Plotly (explorer_app/map_chart)
    fetched = []
    page.on("request", lambda request: fetched.append(request.url.rsplit("/", 1)[-1])
            if request.url.rsplit("/", 1)[-1] in (*bundles, map_plotly) else None)
    page.goto(f"{server.url}/sample?dataset=mnist&model=vae-z16")  # prior sampling: no Plotly chart
    page.wait_for_function("(name) => performance.getEntriesByType('resource').some(e => e.name.endsWith(name))",
                           arg=plotly, timeout=60_000)
    page.get_by_role("heading", name="Prior sampling").wait_for()
    wait_idle(page)
    assert page.locator(".stPlotlyChart").count() == 0 and fetched.count(plotly) == 1 and map_plotly not in fetched
    fetched.clear()
    page.goto(f"{server.url}/?dataset=mnist&model=vae-z16")
    assert wait_for_map(page) == 10_000
    wait_idle(page)
    after_map = page.wait_for_function("() => window.__explorerPlotlyAfterMap", timeout=60_000).json_value()
    page.wait_for_function("(name) => performance.getEntriesByType('resource').some(e => e.name.endsWith(name))",
                           arg=plotly, timeout=60_000)
    # one request each: the preload's import and Streamlit's own are one module; the map draws with its own
    # chart (explorer_app/map_chart) and the Plotly file the first element started loading (one script, not a second
    # one of its own); Streamlit's Plotly is requested only after the map was drawn
    assert sorted(fetched) == sorted([*bundles, map_plotly]), fetched
    assert after_map["requestedAt"] >= after_map["mapDrawnAt"] > 0


def test_nothing_is_fetched_from_outside_the_server(server, page):
    """A lecture room may have no network: every request a page makes goes to the app's own server."""
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{server.url}/?dataset=mnist&model=vae-z16")
    wait_for_map(page)
    wait_idle(page)
    page.goto(f"{server.url}/interpolate?dataset=mnist&model=vae-z16")
    page.wait_for_selector(".stPlotlyChart .slider-grip-rect", timeout=60_000)
    wait_idle(page)
    icon = page.evaluate("() => { const l = document.querySelector('link[rel~=\"icon\"]'); return l ? l.href : ''; }")
    assert icon.startswith(server.url), icon
    outside = [url for url in requested if not url.startswith((server.url, "data:", "blob:"))]
    assert requested and outside == []


def test_figure7_draws_every_panel_in_one_figure(server, page):
    page.goto(f"{server.url}/figure7?dataset=mnist&model=vae-z16")
    for title in ("VAE · z2", "WAE-MMD · z2", "AAE · z2"):  # the panels' titles, in the one figure they share
        page.locator(".stPlotlyChart .annotation-text", has_text=title).wait_for(timeout=90_000)
    wait_idle(page, timeout=90)
    assert page.locator('[data-testid="stException"]').count() == 0
    # each panel draws the prior's and the aggregate's regions: their lines are drawn, not left empty
    drawn = page.evaluate("""() => {
      const gd = document.querySelector('.stPlotlyChart .js-plotly-plot');
      return gd._fullData.filter(t => t.legendgroup === 'aggregate').map(t => t.x.length);
    }""")
    assert len(drawn) == 3 and min(drawn) > 10


def test_the_applications_page_draws_its_charts_and_cluster_centres(server, page):
    page.goto(f"{server.url}/applications?dataset=fashion-mnist")
    page.wait_for_function("""() => {
      const charts = Array.from(document.querySelectorAll('.stPlotlyChart .js-plotly-plot'));
      return charts.length === 3 && charts.every(gd => gd._fullData && gd._fullData.length > 0);
    }""", timeout=90_000)
    wait_idle(page, timeout=90)
    names = page.evaluate("""() => document.querySelector('.stPlotlyChart .js-plotly-plot')._fullData.map(t => t.name)""")
    assert "pixels (784-d)" in names and "PCA, 16 components" in names and "VAE · z16" in names
    # the ten decoded centres are real images the browser has loaded from the server
    centres = page.locator('[data-testid="stImage"] img')
    centres.nth(9).wait_for(timeout=30_000)
    page.wait_for_function("""() => Array.from(document.querySelectorAll('[data-testid="stImage"] img'))
                                      .filter(img => img.complete && img.naturalWidth > 0).length >= 10""")
    assert page.locator('[data-testid="stException"]').count() == 0


def own_image_answered(page) -> None:
    """Until the page shows what the model receives and every chosen model's reconstruction error."""
    page.get_by_text("What the model receives").wait_for(timeout=90_000)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=90_000)
    wait_idle(page, timeout=90)


def test_an_uploaded_png_is_reconstructed_by_every_model(server, page, tmp_path):
    from PIL import Image

    digit = np.zeros((120, 90), np.uint8)
    digit[20:100, 40:52] = 255  # a "1", light on dark
    path = tmp_path / "one.png"
    Image.fromarray(255 - digit).save(path)  # as a photo of ink on paper: dark on light
    page.goto(f"{server.url}/your-image?dataset=mnist&model=ae-z16")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    own_image_answered(page)
    assert page.locator('[data-testid="stMetric"]').count() == 3  # the AE, the VAE and the WAE side by side
    assert page.locator('[data-testid="stImageCaption"]', has_text="MSE").count() >= 3
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_stroke_drawn_on_the_canvas_reaches_the_models(server, page):
    page.goto(f"{server.url}/your-image?dataset=mnist&model=ae-z16")
    page.get_by_text("Draw", exact=True).click()
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=60_000)
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 140, box["y"] + 50)
    page.mouse.down()
    for k in range(1, 21):  # a vertical stroke, in steps as a hand draws it
        page.mouse.move(box["x"] + 140 + k, box["y"] + 50 + 9 * k)
    page.mouse.up()
    own_image_answered(page)
    assert page.locator('[data-testid="stMetric"]').count() >= 1
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_file_over_the_upload_limit_is_refused_in_the_page_and_it_stays_usable(server, page, tmp_path):
    from PIL import Image

    big = tmp_path / "huge.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(6 * 1024 * 1024))  # over server.maxUploadSize (5 MB)
    page.goto(f"{server.url}/your-image?dataset=mnist&model=ae-z16")
    uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    uploader.set_input_files(str(big))
    page.get_by_text("5.0MB or smaller", exact=False).wait_for(timeout=30_000)  # Streamlit's own line
    assert page.locator('[data-testid="stException"]').count() == 0
    digit = np.zeros((60, 40), np.uint8)
    digit[10:50, 18:24] = 255
    good = tmp_path / "one.png"
    Image.fromarray(digit).save(good)
    uploader.set_input_files(str(good))
    own_image_answered(page)


def test_the_map_of_a_zoo_of_your_own_draws_colour_thumbnails(browser, tmp_path):
    from tests.test_user_zoo import make_user_zoo

    zoo_folder = make_user_zoo(tmp_path)
    own = AppServer(env={"EXPLORER_ZOO": str(zoo_folder), "EXPLORER_CACHE": str(tmp_path / "cache")})
    try:
        own.wait_healthy()
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(f"{own.url}/?dataset=shapes&model=ae-z2")
        assert wait_for_map(page) == 8
        wait_idle(page)
        page.get_by_text("Show images on the map").click()
        page.wait_for_function(f"""() => {{
          const gd = {MAP_GD};
          return gd && gd._fullLayout && (gd._fullLayout.images || []).length === 8;
        }}""", timeout=60_000)
        sprites = page.locator(f"{MAP_CHART} svg image")
        sprites.first.wait_for(state="attached", timeout=30_000)
        href = sprites.first.get_attribute("href") or sprites.first.get_attribute("xlink:href")
        assert href.startswith("data:image/png;base64,")
        import base64
        import io

        from PIL import Image

        assert Image.open(io.BytesIO(base64.b64decode(href.split(",", 1)[1]))).mode == "RGB"
        assert page.locator('[data-testid="stException"]').count() == 0
        context.close()
    finally:
        own.stop()


def test_the_maps_coordinates_download_as_a_well_formed_csv(server, page):
    from explorer.analysis.project import load_map
    from explorer.present.exports import read_map_csv

    page.goto(f"{server.url}/?dataset=mnist&model=vae-z16")
    wait_for_map(page)
    wait_idle(page)
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Coordinates (CSV)").click()
    data = Path(info.value.path()).read_bytes()
    assert info.value.suggested_filename == "map-mnist-vae-z16.csv"
    indices, xy = read_map_csv(data)
    shipped = load_map(ROOT / "pretrained" / "mnist" / "vae-z16" / "map.npz")
    assert np.array_equal(indices, shipped.indices) and np.allclose(xy, shipped.xy, rtol=1e-5, atol=1e-5)
