"""The training theatre: its first frames, its frame interval, its training speed against the plain training
command, and what a run costs the other sessions of the server.

    python bench/theatre.py [--dataset fashion-mnist] [--kind vae] [--epochs 8] [--subset 5000] [--switches 16]

1. ``python -m explorer.train`` on the same images (the same count, kind, code size, epochs, batch size): its
   seconds per epoch (its own record, training only), the reference.
2. The same run in the theatre (``python -m explorer.theatre start``, its worker started as the app starts
   it): seconds from the start to the first frame (the untrained model) and to the first trained one, and
   the interval between frames, which holds an epoch's training, its frame and what resuming needs. The
   speed ratio is (1)'s seconds per epoch over this interval (goal ≥ 0.85).
3. Another session's page switches (the Quality table ↔ the model card, clicked in the sidebar of a real
   Chromium, each until settled) while nothing trains, then while a theatre run trains, alternating pages
   the same way: the p95 of each and their ratio (goal ≤ 1.3).

Run it alone on the machine (the worker runs at a lower priority than the server, as in the app).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explorer.training import theatre


def plain_training(args, out: Path) -> float:
    """Seconds per epoch of the training command, as its own record says (training only)."""
    subprocess.run([sys.executable, "-m", "explorer.train", "--dataset", args.dataset, "--model", args.kind,
                    "--latent-dim", str(args.latent_dim), "--epochs", str(args.epochs), "--train-limit",
                    str(args.subset), "--out", str(out), "--no-progress"], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    history = json.loads((out / "metrics.json").read_text())["history"]
    return statistics.median(h["seconds"] for h in history[1:] or history)


def theatre_run(args, zoo: Path, epochs: int | None = None) -> tuple[str, float]:
    request = theatre.TheatreRequest(args.dataset, (args.kind,), args.latent_dim, epochs or args.epochs, args.subset)
    started = time.perf_counter()
    return theatre.start_run(zoo, request), started


def frame_times(zoo: Path, run_id: str, started: float, kind: str, epochs: int) -> list[float]:
    """Seconds from the start until each frame (0 … epochs) was written, polled as the page polls."""
    run = theatre.runs_root(zoo) / run_id
    seen: dict[int, float] = {}
    while True:
        for epoch in theatre.frame_epochs(run, kind):
            seen.setdefault(epoch, time.perf_counter() - started)
        status = theatre.read_status(run)
        if not status.active:
            break
        time.sleep(0.02)
    if status.state != "done":
        raise RuntimeError(f"the run ended {status.state}: {status.message}")
    return [seen[e] for e in range(epochs + 1)]


def page_switches(browser, url: str, n: int) -> list[float]:
    from tests.browser_support import RunWatch, open_from_sidebar, sidebar_links, wait_for_map, wait_idle

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    runs = RunWatch(page)
    page.goto(url)
    wait_for_map(page)
    wait_idle(page)
    links = [h for h in sidebar_links(page) if h.split("?")[0].rstrip("/").endswith(("/quality", "/card"))]
    for href in links:  # a first visit of each, not counted
        open_from_sidebar(page, runs, href)
    times = [open_from_sidebar(page, runs, links[i % 2])[0] for i in range(n)]
    context.close()
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--kind", default="vae")
    parser.add_argument("--latent-dim", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--subset", type=int, default=5000)
    parser.add_argument("--switches", type=int, default=40)
    parser.add_argument("--threads", type=int, default=0, help="the worker's CPU threads (EXPLORER_THEATRE_THREADS)")
    args = parser.parse_args()
    if args.threads:
        os.environ[theatre.THREADS_ENV] = str(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plain = plain_training(args, tmp / "plain" / f"{args.kind}-z{args.latent_dim}")
        run_id, started = theatre_run(args, tmp / "zoo")
        times = frame_times(tmp / "zoo", run_id, started, args.kind, args.epochs)
        intervals = [b - a for a, b in itertools.pairwise(times[1:])]  # between trained frames
        interval = statistics.median(intervals)
        print(f"{args.dataset}, {args.kind} z{args.latent_dim}, {args.subset} images, {args.epochs} epochs, "
              f"{os.cpu_count()} CPUs, the worker's threads: {args.threads or 'all'}")
        print(f"start → first frame (untrained): {times[0]:.2f} s; → first trained frame: {times[1]:.2f} s")
        print(f"frame interval: median {interval:.2f} s (min {min(intervals):.2f}, max {max(intervals):.2f})")
        print(f"plain training command: {plain:.2f} s per epoch; speed ratio {plain / interval:.2f} (goal >= 0.85)")

        from playwright.sync_api import sync_playwright

        from tests.browser_support import AppServer, launch_browser

        server = AppServer(env={"EXPLORER_THEATRE_ZOO": str(tmp / "zoo")})
        try:
            server.wait_healthy()
            with sync_playwright() as p:
                browser = launch_browser(p)
                idle = page_switches(browser, server.url, args.switches)
                run_id, _ = theatre_run(args, tmp / "zoo", epochs=200)  # trains throughout the switches
                try:
                    while not theatre.frame_epochs(theatre.runs_root(tmp / "zoo") / run_id, args.kind)[1:]:
                        time.sleep(0.1)  # until it trains, past loading its data
                    busy = page_switches(browser, server.url, args.switches)
                finally:
                    theatre.end_worker(theatre.read_status(theatre.runs_root(tmp / "zoo") / run_id))
                browser.close()
        finally:
            server.stop()
        print(f"another session's page switch (Quality ↔ Model card, {args.switches} each): idle p50 "
              f"{statistics.median(idle):.2f} s, p95 {p95(idle):.2f} s; while a run trains p50 "
              f"{statistics.median(busy):.2f} s, p95 {p95(busy):.2f} s; p95 ratio {p95(busy) / p95(idle):.2f} "
              f"(goal <= 1.3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
