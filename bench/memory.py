"""Memory over many reruns: does a long lecture make the server grow?

    python bench/memory.py [--reruns 500]

One process runs the main pages (map with a selection, interpolation, prior sampling,
denoising lab, latent traversal) again and again through Streamlit's AppTest, each
rerun changing a control so new figures are built. Printed: the resident set size
after a warm-up of one pass over the pages, after every 100 reruns, and the growth
over all reruns (goal: at most 100 MB), and the growth from the lowest reading on. The
reference in the same run is the RSS after the warm-up pass (torch, Streamlit, the
models and the caches loaded).
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["explorer_app/views/latent_map.py", "explorer_app/views/interpolate.py", "explorer_app/views/sample.py", "explorer_app/views/denoise.py", "explorer_app/views/traverse.py"]


def rss_mb() -> float:
    """The current resident set size (Linux /proc; elsewhere the peak, which can only grow)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rerun(k: int) -> None:
    from streamlit.testing.v1 import AppTest

    page = PAGES[k % len(PAGES)]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["model"] = "vae-z16" if k % 2 else "ae-z16"
    at.query_params["sel"] = f"{k % 1000},{(7 * k) % 10000}"
    at.query_params["a"], at.query_params["b"] = str(k % 10000), str((k * 31) % 10000)
    at.run()
    if page != "explorer_app/views/latent_map.py":
        at.switch_page(page).run()
    if page == "explorer_app/views/sample.py":
        at.number_input(key="sample_seed").set_value(k).run()  # a new grid each time
    elif page == "explorer_app/views/denoise.py":
        at.number_input(key="noise_seed").set_value(k).run()
    if at.exception:
        raise RuntimeError(f"{page} raised: {at.exception[0].message}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=500)
    args = parser.parse_args()
    for k in range(len(PAGES)):  # warm-up: every page once, models and caches loaded
        rerun(k)
    gc.collect()
    warm = rss_mb()
    print(f"RSS after one pass over {len(PAGES)} pages (the reference): {warm:.0f} MB")
    readings = [warm]
    start = time.perf_counter()
    for k in range(1, args.reruns + 1):
        rerun(k)
        if k % 100 == 0:
            gc.collect()
            readings.append(rss_mb())
            print(f"  after {k:4d} reruns: {readings[-1]:.0f} MB ({time.perf_counter() - start:.0f} s)", flush=True)
    gc.collect()
    growth = rss_mb() - warm
    print(f"growth over {args.reruns} reruns: {growth:+.0f} MB (goal: at most +100 MB); "
          f"from the lowest reading: {rss_mb() - min(readings):+.0f} MB")


if __name__ == "__main__":
    main()
