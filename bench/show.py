"""explorer.show on 10,000 images: the time until it returns, and until a browser has painted the map.

    python bench/show.py [--dataset fashion-mnist] [--maps umap pca] [--markdown]

The models are the shipped zoo's, loaded as plain ``nn.Module`` objects (``explorer.load_pretrained``) and
handed to ``explorer.show`` as a user's own would be; the images are the dataset's shipped test split
(``pretrained/<dataset>/test.npz``, 10,000 images) with its labels and class names. For each map method:
one model (VAE · z16, whose map is computed at show time), then two (VAE · z16 and AE · z16, the compare
view). The clock runs from the call to its return (checks, codes, metrics, the map, the server's start), then
from ``page.goto`` of the returned URL in headless Chromium until the map is painted
(tests/browser_support.wait_for_map). Each case runs in its own process, so that every start is a cold one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASE = r'''
import json, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
import explorer
from tests.browser_support import launch_browser, wait_for_map

dataset, method, models = sys.argv[2], sys.argv[3], sys.argv[4].split(",")
test = np.load(f"{sys.argv[1]}/pretrained/{dataset}/test.npz", allow_pickle=False)
images, labels = test["images"], test["labels"]
names = [str(n) for n in test["class_names"]] if "class_names" in test.files else None
loaded = [explorer.load_pretrained(f"{sys.argv[1]}/pretrained/{dataset}/{m}") for m in models]
start = time.perf_counter()
shown = explorer.show(loaded if len(loaded) > 1 else loaded[0], images, labels, class_names=names, map=method,
                      names=models)
returned = time.perf_counter() - start
from playwright.sync_api import sync_playwright
with sync_playwright() as playwright:
    browser = launch_browser(playwright)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    start = time.perf_counter()
    page.goto(shown.url)
    points = wait_for_map(page, timeout=300)
    painted = time.perf_counter() - start
    browser.close()
shown.close()
print(json.dumps({"returned": returned, "painted": painted, "points": points, "images": len(images)}), flush=True)
'''


def run_case(dataset: str, method: str, models: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-c", CASE, str(ROOT), dataset, method, ",".join(models)],
                          capture_output=True, text=True, timeout=900, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--maps", nargs="+", default=["umap", "pca"], choices=["umap", "pca", "tsne"])
    parser.add_argument("--markdown", action="store_true", help="print the table of docs/show.md")
    args = parser.parse_args(argv)
    rows = []
    for method in args.maps:
        for models in (["vae-z16"], ["vae-z16", "ae-z16"]):
            result = run_case(args.dataset, method, models)
            rows.append((method, " and ".join(models), result))
            print(f"{method:5} {' and '.join(models):18} show() returned in {result['returned']:.1f} s, "
                  f"map painted {result['painted']:.1f} s later ({result['points']} points)", flush=True)
    if args.markdown:
        print("\n| map | models | `show()` returns | map painted after |\n| --- | --- | ---: | ---: |")
        for method, models, result in rows:
            print(f"| {method} | {models} | {result['returned']:.1f} s | {result['painted']:.1f} s |")


if __name__ == "__main__":
    main()
