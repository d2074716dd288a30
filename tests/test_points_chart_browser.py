"""The map of many points in a real browser: a million synthetic points drawn unsampled, pointed at, clicked,
lassoed, walked from the keyboard, and a map larger than the browser is sent, zoomed into
(tests/pages/many_points.py draws the chart alone)."""

import itertools

import pytest

from tests.browser_support import SCRIPT_IDLE_JS, AppServer, require_chromium
from tests.test_accessibility import violations

pytestmark = [pytest.mark.browser]

FRAME = "iframe[title*='points_chart']"
DRAWN_JS = "(n) => window.pointsChart && window.pointsChart.draws >= n && !('drawing' in document.getElementById('stage').dataset)"

# A point with no other within 8 pixels (a grid of 8-pixel cells, the point alone in its 3×3 block), well inside the
# map: its number, its image, and where it is in the frame.
ISOLATED_JS = """() => {
  const s = window.pointsChart, n = s.points, cell = 8, counts = new Map(), places = new Float32Array(2 * n);
  const box = document.getElementById('stage').getBoundingClientRect();
  for (let i = 0; i < n; i++) {
    const [x, y] = s.place(i); places[2 * i] = x; places[2 * i + 1] = y;
    const k = Math.floor(x / cell) + ',' + Math.floor(y / cell); counts.set(k, (counts.get(k) || 0) + 1);
  }
  for (let i = 0; i < n; i++) {
    const x = places[2 * i], y = places[2 * i + 1];
    if (x < box.left + 20 || x > box.right - 20 || y < box.top + 20 || y > box.bottom - 20) continue;
    let crowd = 0;
    for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++)
      crowd += counts.get((Math.floor(x / cell) + dx) + ',' + (Math.floor(y / cell) + dy)) || 0;
    if (crowd === 1) return [i, s.image(i), x, y];
  }
  return null;
}"""


# Where the overlay (thumbnails, marks, hover) places points against where regl-scatterplot draws them: the largest
# gap in pixels over every 1,000th point
MISPLACED_JS = """() => {
  const s = window.pointsChart, p = s.plot(), box = document.getElementById('stage').getBoundingClientRect();
  let worst = 0;
  for (let i = 0; i < s.points; i += 1000) {
    const [x, y] = s.place(i), [u, v] = p.getScreenPosition(i);
    worst = Math.max(worst, Math.hypot(x - box.left - u, y - box.top - v));
  }
  return worst;
}"""


def point_and_click(page, element, frame) -> tuple[int, int]:
    """Point at an isolated point until the chart names it, then click it: (its number, its image).

    The page may still move the chart after it is drawn (a column's width settling): each try finds the point
    where it is now, and the click follows only once the chart says the pointer is on it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        number, image, x, y = frame.evaluate(ISOLATED_JS)
        box = element.bounding_box()
        page.mouse.move(box["x"] + x, box["y"] + y)
        try:
            frame.wait_for_function("(i) => document.getElementById('tip').textContent.endsWith('image ' + i)",
                                    arg=image, timeout=10_000)
        except PlaywrightTimeout:
            continue
        page.mouse.click(box["x"] + x, box["y"] + y)
        return number, image
    raise AssertionError("the chart never named the point under the pointer")


def chart_server(env: dict):
    require_chromium()
    srv = AppServer(env=env, script="tests/pages/many_points.py")
    srv.wait_healthy()
    return srv


@pytest.fixture(scope="module")
def million():
    srv = chart_server({"POINTS": "1000000"})
    yield srv
    srv.stop()


def open_chart(page, url: str, draws: int = 1, timeout: float = 180_000):
    page.goto(url)
    element = page.wait_for_selector(FRAME, timeout=timeout)
    frame = element.content_frame()
    frame.wait_for_function(DRAWN_JS, arg=draws, timeout=timeout)
    return element, frame


def page_says(page, text: str, timeout: float = 30_000) -> None:
    page.wait_for_function("(t) => document.body.innerText.includes(t)", arg=text, timeout=timeout)


def test_a_million_points_are_drawn_unsampled_and_one_is_pointed_at_and_clicked(million, page):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    element, frame = open_chart(page, million.url)
    assert frame.evaluate("() => window.pointsChart.points") == 1_000_000
    assert frame.evaluate("() => window.pointsChart.plot().get('points').length") == 1_000_000
    assert frame.evaluate(MISPLACED_JS) < 0.5
    # squares without blending above 500,000 points, chosen as the chart is made (as bench/many_points.py measures it)
    assert frame.evaluate("() => window.pointsChart.plot().get('performanceMode')") is True
    assert "1,000,000 points, every one drawn" in frame.inner_text("#tools")
    # the canvas is not blank: most of a picture of it is covered by points
    shot = frame.locator("#stage").screenshot()
    from io import BytesIO

    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(BytesIO(shot)).convert("L"))
    assert (pixels < 200).mean() > 0.05
    # its controls have names, its text is legible: axe-core finds nothing serious in the chart's frame
    assert violations(frame) == []
    number, image = point_and_click(page, element, frame)
    page_says(page, f"selected: {image}; count: 1")
    assert frame.evaluate("() => window.pointsChart.selected") == [number]
    assert not errors


def test_the_lasso_the_legend_and_the_keyboard_work_on_a_million_points(million, page):
    element, frame = open_chart(page, million.url)
    box = element.bounding_box()
    stage = frame.evaluate("() => { const b = document.getElementById('stage').getBoundingClientRect(); "
                           "return [b.left, b.top, b.width, b.height]; }")
    left, top, width, height = stage
    frame.click("text=Lasso")
    # a small square lasso around the middle of the map, drawn as a person drags; it closes by itself (a drag back
    # to where it began would be a click)
    cx, cy, half = box["x"] + left + width / 2, box["y"] + top + height / 2, 25
    corners = [(cx - half, cy - half), (cx + half, cy - half), (cx + half, cy + half), (cx - half, cy + half),
               (cx - half, cy - half + 6)]
    page.mouse.move(*corners[0])
    page.mouse.down()
    for (x0, y0), (x1, y1) in itertools.pairwise(corners):
        for k in range(1, 9):
            page.mouse.move(x0 + (x1 - x0) * k / 8, y0 + (y1 - y0) * k / 8)
    page.mouse.up()
    page.wait_for_function("() => /count: [1-9]\\d{2,}/.test(document.body.innerText)", timeout=30_000)
    count = int(page.inner_text("body").split("count: ")[1].split()[0])
    # every point the lasso took is inside it, and the page was told how many
    inside = frame.evaluate("""([x0, y0, x1, y1]) => {
      const s = window.pointsChart, picked = s.plot().get('selectedPoints');
      return [picked.length, picked.every(i => { const [x, y] = s.place(i); return x >= x0 && x <= x1 && y >= y0 && y <= y1; })];
    }""", [cx - half - box["x"], cy - half - box["y"], cx + half - box["x"], cy + half - box["y"]])
    assert inside == [count, True]
    # the legend hides a class: its points are filtered out of the drawing
    frame.click("#legend button:has-text('class 3')")
    kept = frame.evaluate("() => window.pointsChart.plot().get('filteredPoints').length")
    assert 850_000 < kept < 950_000
    assert frame.get_attribute("#legend button:has-text('class 3')", "aria-pressed") == "false"
    # the keyboard: focus the map, move, select
    frame.click("text=Pan and zoom")
    frame.focus("#stage")
    frame.wait_for_function("() => document.getElementById('live').textContent.includes('test image')")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    frame.wait_for_function("() => document.getElementById('live').textContent.startsWith('Selected')")
    said = frame.inner_text("#live")
    index = int(said.rstrip(".").split("test image ")[1])
    page_says(page, f"selected: {index}; count: 1")
    assert "class 3," not in said  # a hidden class is skipped


def test_a_map_larger_than_the_browser_is_sent_shows_the_points_under_each_view(page):
    srv = chart_server({"POINTS": "50000", "LIMIT": "20000"})
    try:
        element, frame = open_chart(page, srv.url)
        assert frame.evaluate("() => window.pointsChart.points") == 20_000
        assert "20,000 of the 50,000 points in view drawn" in frame.inner_text("#tools")
        box = element.bounding_box()
        # zoom in on a point: the page sends the points under the view, every one once few enough
        x, y = frame.evaluate("() => window.pointsChart.place(0)")
        page.mouse.move(box["x"] + x, box["y"] + y)
        for _ in range(6):
            page.mouse.wheel(0, -400)
        frame.wait_for_function("() => document.getElementById('tools').innerText.includes('points in view drawn (of 50,000)')"
                                " && document.getElementById('tools').innerText.startsWith('Pan') && "
                                "/All [\\d,]+ points in view/.test(document.getElementById('tools').innerText)",
                                timeout=60_000)
        frame.wait_for_function(DRAWN_JS, arg=2, timeout=60_000)
        shown = frame.evaluate("() => window.pointsChart.points")
        said = frame.inner_text("#tools")
        assert 0 < shown < 20_000 and f"All {shown:,} points in view drawn (of 50,000)" in said
        # and they are the points under the view: each inside it
        assert frame.evaluate("""() => {
          const s = window.pointsChart, box = document.getElementById('stage').getBoundingClientRect();
          for (let i = 0; i < s.points; i++) {
            const [x, y] = s.place(i);
            if (x < box.left - 2 || x > box.right + 2 || y < box.top - 2 || y > box.bottom + 2) return false;
          }
          return true;
        }""")
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def large_zoo(tmp_path_factory):
    """A zoo whose test split holds 100,200 images (random pixels: only their number matters here), with an
    untrained VAE and a clustered map of every one: more than Plotly's map draws."""
    import numpy as np
    import torch

    from explorer.analysis.project import LatentMap, save_map
    from explorer.data.datasets import dataset_spec
    from explorer.models.nets import ModelConfig, build_model
    from explorer.store.checkpoint import round_to_storage, save_pretrained

    n = 100_200
    base = tmp_path_factory.mktemp("large-zoo")
    folder = base / "mnist"
    folder.mkdir()
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, n)
    spec = dataset_spec("mnist")
    np.savez(folder / "test.npz", images=rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8), labels=labels,
             class_names=np.array(spec.class_names), source=np.array(spec.source), licence=np.array(spec.licence))
    torch.manual_seed(0)
    model = round_to_storage(build_model(ModelConfig(kind="vae", dataset="mnist", latent_dim=4))).eval()
    out = save_pretrained(model, folder / "vae-z4", metrics={"test": {"mse": 0.05, "psnr": 13.0}})
    xy = (rng.normal(scale=6, size=(10, 2))[labels] + rng.normal(size=(n, 2))).astype(np.float32)
    save_map(out / "map.npz", LatentMap(xy=xy, indices=np.arange(n), method="umap",
                                        params={"n_neighbors": 15, "min_dist": 0.1, "seed": 0}))
    return base


def test_the_map_page_draws_a_large_map_whole_and_a_click_fills_the_selection(large_zoo, tmp_path, page):
    srv = AppServer(env={"EXPLORER_PRETRAINED": str(large_zoo), "EXPLORER_CACHE": str(tmp_path / "cache")})
    srv.wait_healthy()
    try:
        element, frame = open_chart(page, f"{srv.url}/?dataset=mnist&model=vae-z4")
        assert frame.evaluate("() => window.pointsChart.points") == 100_200
        assert page.get_by_text("Every one of its 100,200 points is drawn").count() == 1
        page.wait_for_function(SCRIPT_IDLE_JS, timeout=60_000)
        assert frame.evaluate(MISPLACED_JS) < 0.5  # the page's layout resized the chart: the overlay follows
        number, image = point_and_click(page, element, frame)
        frame.wait_for_function("(n) => window.pointsChart.selected[0] === n", arg=number)
        # the page's selection: in the URL, and the image with its reconstruction beside the map
        page.wait_for_function("(i) => decodeURIComponent(location.href).includes('sel=' + i)", arg=image,
                               timeout=60_000)
        page_says(page, "1 images selected", timeout=60_000)
        page.locator('[data-testid="stImageCaption"]', has_text=f"#{image} ").first.wait_for(timeout=60_000)
        assert frame.evaluate("() => window.pointsChart.selected") == [number]  # the chart keeps its own mark
    finally:
        srv.stop()


def commonest_colour(png: bytes) -> tuple[int, int, int]:
    """The commonest colour of a picture that is not the page's white: what the points (or symbols) are drawn in."""
    from io import BytesIO

    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(BytesIO(png)).convert("RGB")).reshape(-1, 3)
    drawn = pixels[(pixels < 250).any(axis=1)]
    colours, counts = np.unique(drawn, axis=0, return_counts=True)
    return tuple(int(v) for v in colours[counts.argmax()])


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


@pytest.mark.parametrize("points, performance", [(2000, False), (600_000, True)])
def test_every_class_is_drawn_in_exactly_its_legend_s_colour(page, points, performance):
    from explorer.present.figures import CLASS_COLOURS

    for c in (0, 3):  # one class at a time: every drawn pixel is that class's
        srv = chart_server({"POINTS": str(points), "CLASS": str(c)})
        try:
            _, frame = open_chart(page, srv.url)
            assert frame.evaluate("() => window.pointsChart.plot().get('performanceMode')") is performance
            wanted = hex_rgb(CLASS_COLOURS[c])
            drawn = commonest_colour(frame.locator("#points").screenshot())
            assert max(abs(a - b) for a, b in zip(drawn, wanted)) <= 3, (c, drawn, wanted)
            swatch = commonest_colour(frame.locator(f"#legend button:has-text('class {c}') canvas").screenshot())
            assert max(abs(a - b) for a, b in zip(swatch, wanted)) <= 3, (c, swatch, wanted)
        finally:
            srv.stop()


def test_the_class_symbols_are_drawn_on_the_points_once_few_enough_are_in_view(million, page):
    from explorer_app.points_chart import SYMBOL_LIMIT

    _, frame = open_chart(page, million.url)
    assert frame.evaluate("() => window.pointsChart.symbols") == 0  # a million in view: dots only
    frame.evaluate("() => window.pointsChart.plot().zoomToArea({ x: -0.01, y: -0.01, width: 0.02, height: 0.02 }, "
                   "{ transition: false })")  # a small part of the map
    frame.wait_for_function("() => window.pointsChart.symbols > 0", timeout=30_000)
    shown = frame.evaluate("() => [window.pointsChart.symbols, window.pointsChart.plot().get('pointsInView').length]")
    assert 0 < shown[0] <= SYMBOL_LIMIT and shown[0] == shown[1]  # every point in view has its symbol
