"""Maps of many points: first paint and pan/zoom frame rate of the map of many points (regl-scatterplot, as
explorer_app/points_chart draws it) against Plotly's WebGL scatter (scattergl, as the map page draws up to 100,000
points), every point drawn by both, in the same run.

    python bench/many_points.py [--sizes 10000 100000 1000000] [--repeats 3] [--markdown]

For each size, a synthetic map of ten clustered classes is written to a folder served on 127.0.0.1:
- Plotly: the app's own figure (``explorer.present.figures.latent_map_figure``, every point) as JSON, drawn by
  the Plotly bundle the app ships (explorer_app/map_chart/frontend/vendor);
- regl-scatterplot: the points as the chart gets them (``explorer_app.points_chart.prepared_map``: x, y float32
  and class uint8, 9 bytes a point, plus the int32 image index it keeps), drawn by the bundle the app ships with
  the chart's own settings (point size, opacity, performance mode above 500,000 points).
Each page is opened in a fresh headless Chromium tab (on this machine: WebGL in software, no GPU):
- first paint: from the page's start to the first frame after the library says it has drawn, data transfer and
  parsing included (median of ``--repeats``);
- pan/zoom: 30 pan steps (2 % of the view each) then 30 zoom steps (×1.05 each), each step drawn before the next
  starts (Plotly: ``Plotly.relayout`` of the axis ranges; regl-scatterplot: its camera, awaiting its ``draw``
  event), as frames per second.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import statistics
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explorer.present.figures import CLASS_COLOURS, latent_map_figure
from explorer_app.points_chart import prepared_map
from tests.browser_support import launch_browser, require_chromium

PLOTLY_BUNDLE = ROOT / "explorer_app/map_chart/frontend/vendor/plotly.js/plotly-gl2d.min.js"
REGL_BUNDLE = ROOT / "explorer_app/points_chart/frontend/vendor/regl-scatterplot/regl-scatterplot.js"
STEPS = 30

PLOTLY_PAGE = """<!doctype html><html><head><meta charset="utf-8"><script src="plotly.js"></script></head>
<body style="margin:0"><div id="map" style="width:900px;height:700px"></div><script>
(async () => {
  const figure = await (await fetch("figure-N.json")).json();
  const div = document.getElementById("map");
  await Plotly.newPlot(div, figure.data, figure.layout, {plotGlPixelRatio: 1});
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  window.painted = performance.now();
  const frame = () => new Promise(r => requestAnimationFrame(r));
  let [x0, x1] = div._fullLayout.xaxis.range, [y0, y1] = div._fullLayout.yaxis.range;
  const start = performance.now();
  for (let k = 0; k < 2 * STEPS; k++) {
    if (k < STEPS) { const d = 0.02 * (x1 - x0); x0 += d; x1 += d; }
    else { const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, h = (x1 - x0) / 2.1, v = (y1 - y0) / 2.1;
           [x0, x1, y0, y1] = [cx - h, cx + h, cy - v, cy + v]; }
    await Plotly.relayout(div, {"xaxis.range": [x0, x1], "yaxis.range": [y0, y1]});
    await frame();
  }
  window.fps = 2 * STEPS / ((performance.now() - start) / 1000);
})();
</script></body></html>"""

REGL_PAGE = """<!doctype html><html><head><meta charset="utf-8"></head>
<body style="margin:0"><canvas id="map" style="width:900px;height:700px"></canvas><script type="module">
import { createScatterplot } from "./regl-scatterplot.js";
const get = async (name, Type) => new Type(await (await fetch(name)).arrayBuffer());
const [x, y, labels] = await Promise.all([get("x-N.bin", Float32Array), get("y-N.bin", Float32Array),
                                         get("labels-N.bin", Uint8Array)]);
const n = x.length, category = new Float32Array(n);
for (let i = 0; i < n; i++) category[i] = labels[i];
const plot = createScatterplot({ canvas: document.getElementById("map"), width: 900, height: 700,
  backgroundColor: [0, 0, 0, 0], performanceMode: n > 500000 });
plot.set({ pointColor: COLOURS, colorBy: "valueA", pointSize: POINT_SIZE, opacity: OPACITY });
await plot.draw({ x, y, valueA: category }, { zDataType: "categorical" });
await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
window.painted = performance.now();
const drawn = () => new Promise(r => { const h = () => { plot.unsubscribe("draw", h); r(); }; plot.subscribe("draw", h); });
let target = [0, 0], distance = 1;
const start = performance.now();
for (let k = 0; k < 2 * STEPS; k++) {
  if (k < STEPS) target = [target[0] + 0.04 * distance, target[1]]; else distance /= 1.05;
  const next = drawn();
  plot.set({ cameraTarget: target, cameraDistance: distance });
  await next;
}
window.fps = 2 * STEPS / ((performance.now() - start) / 1000);
</script></body></html>"""


def synthetic_map(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    centres = rng.normal(scale=6, size=(10, 2))
    return (centres[labels] + rng.normal(size=(n, 2))).astype(np.float32), labels


def write_pages(folder: Path, n: int) -> dict:
    """Both pages and their data for a map of ``n`` points; the bytes each library is sent."""
    xy, labels = synthetic_map(n)
    fig = latent_map_figure(xy, labels, [str(c) for c in range(10)], np.arange(n), height=700, marker_size=3)
    figure_json = fig.to_json()
    (folder / f"figure-{n}.json").write_text(figure_json, encoding="utf-8")
    points = prepared_map(xy, labels, np.arange(n))
    (folder / f"x-{n}.bin").write_bytes(np.ascontiguousarray(points.unit_xy[:, 0]).tobytes())
    (folder / f"y-{n}.bin").write_bytes(np.ascontiguousarray(points.unit_xy[:, 1]).tobytes())
    (folder / f"labels-{n}.bin").write_bytes(points.labels.tobytes())
    size = 2 if n > 300_000 else 3 if n > 50_000 else 4  # as explorer_app/points_chart draws them
    opacity = 0.55 if n > 200_000 else 0.85
    (folder / f"plotly-{n}.html").write_text(
        PLOTLY_PAGE.replace("figure-N", f"figure-{n}").replace("STEPS", str(STEPS)), encoding="utf-8")
    (folder / f"regl-{n}.html").write_text(
        REGL_PAGE.replace("-N.", f"-{n}.").replace("STEPS", str(STEPS)).replace("COLOURS", json.dumps(CLASS_COLOURS))
        .replace("POINT_SIZE", str(size)).replace("OPACITY", str(opacity)), encoding="utf-8")
    return {"plotly": len(figure_json), "regl": n * (4 + 4 + 1 + 4)}


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # one line per request would bury the results
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def measure(browser, url: str, repeats: int) -> tuple[float, float]:
    """(median first paint in s, frames per second of the pan/zoom, from the first repeat)."""
    paints, fps = [], None
    for _ in range(repeats):
        page = browser.new_context(viewport={"width": 1000, "height": 800}).new_page()
        page.goto(url)
        page.wait_for_function("() => window.painted !== undefined", timeout=600_000)
        paints.append(page.evaluate("() => window.painted") / 1000)
        if fps is None:
            page.wait_for_function("() => window.fps !== undefined", timeout=600_000)
            fps = page.evaluate("() => window.fps")
        page.context.close()
    return statistics.median(paints), fps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown (docs/performance.md)")
    args = parser.parse_args()
    require_chromium()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        folder = Path(tmp)
        (folder / "plotly.js").write_bytes(PLOTLY_BUNDLE.read_bytes())
        (folder / "regl-scatterplot.js").write_bytes(REGL_BUNDLE.read_bytes())
        server, base = serve(folder)
        browser = launch_browser(p)
        try:
            for n in args.sizes:
                sent = write_pages(folder, n)
                plotly_paint, plotly_fps = measure(browser, f"{base}/plotly-{n}.html", args.repeats)
                regl_paint, regl_fps = measure(browser, f"{base}/regl-{n}.html", args.repeats)
                rows.append((n, sent, plotly_paint, regl_paint, plotly_fps, regl_fps))
                print(f"{n:>9,} points: first paint Plotly {plotly_paint:.2f} s, regl-scatterplot {regl_paint:.2f} s; "
                      f"pan/zoom Plotly {plotly_fps:.1f} fps, regl-scatterplot {regl_fps:.1f} fps", file=sys.stderr)
        finally:
            browser.close()
            server.shutdown()
    if args.markdown:
        print("| points | sent: Plotly JSON | sent: binary | first paint: Plotly | first paint: regl-scatterplot "
              "| ratio | pan/zoom: Plotly | pan/zoom: regl-scatterplot | ratio |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for n, sent, pp, rp, pf, rf in rows:
            print(f"| {n:,} | {sent['plotly'] / 1e6:.1f} MB | {sent['regl'] / 1e6:.1f} MB | {pp:.2f} s | {rp:.2f} s "
                  f"| {rp / pp:.2f} | {pf:.1f} fps | {rf:.1f} fps | {rf / pf:.1f}× |")


if __name__ == "__main__":
    main()
