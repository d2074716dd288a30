"""Maps of many points: how long a browser takes to first paint the map figure, by size.

    python bench/many_points.py [--sizes 10000 100000 1000000] [--repeats 3]

For each size, a map of that many synthetic points in ten classes (the app's own figure,
``explorer.present.figures.latent_map_figure``, drawn from ``LatentMap.drawn()`` as the map page does) is
put in a page with the plotly.js the app ships and opened in a fresh headless Chromium tab;
printed: the points drawn, the figure's JSON size, and the time from the page's start to the
first frame after Plotly's first ``plotly_afterplot`` (median of ``--repeats``), with its ratio to
the first size's. ``--no-sample`` draws every point (what the page did before), for comparison.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explorer.analysis.project import LatentMap
from explorer.present.figures import latent_map_figure
from tests.browser_support import launch_browser, require_chromium

PAGE = """<!doctype html><html><head><meta charset="utf-8"><script>window.t0 = performance.now();</script>
<script src="plotly.min.js"></script></head><body><div id="map" style="width:900px;height:700px"></div>
<script>
const figure = FIGURE;
const div = document.getElementById('map');
Plotly.newPlot(div, figure.data, figure.layout).then(() => {
  requestAnimationFrame(() => requestAnimationFrame(() => { window.painted = performance.now() - window.t0; }));
});
</script></body></html>"""


def synthetic_map(n: int, seed: int = 0) -> tuple[LatentMap, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    centres = rng.normal(scale=6, size=(10, 2))
    xy = centres[labels] + rng.normal(size=(n, 2))
    return LatentMap(xy, np.arange(n), "umap"), labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-sample", action="store_true", help="draw every point, as the page did before")
    args = parser.parse_args()
    require_chromium()
    import plotly
    from playwright.sync_api import sync_playwright

    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        (Path(folder) / "plotly.min.js").write_bytes(plotly_js.read_bytes())
        browser = launch_browser(p)
        print(f"{'map points':>11} {'drawn':>9} {'figure JSON':>12} {'first paint':>12} {'× first':>8}")
        first = None
        for n in args.sizes:
            latent_map, labels = synthetic_map(n)
            drawn = latent_map if args.no_sample else latent_map.drawn()
            fig = latent_map_figure(drawn.xy, labels[drawn.indices], [str(c) for c in range(10)], drawn.indices,
                                    height=700, marker_size=3)
            payload = fig.to_json()
            page_file = Path(folder) / f"map-{n}.html"
            page_file.write_text(PAGE.replace("FIGURE", payload), encoding="utf-8")
            times = []
            for _ in range(args.repeats):
                page = browser.new_context(viewport={"width": 1000, "height": 800}).new_page()
                page.goto(page_file.as_uri())
                page.wait_for_function("() => window.painted !== undefined", timeout=300_000)
                times.append(page.evaluate("() => window.painted") / 1000)
                page.context.close()
            paint = statistics.median(times)
            first = first or paint
            print(f"{n:>11,} {len(drawn.xy):>9,} {len(payload) / 1e6:>10.1f} MB {paint:>10.2f} s {paint / first:>7.2f}×")
        browser.close()


if __name__ == "__main__":
    main()
