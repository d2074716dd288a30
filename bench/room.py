"""A room behind nginx: the load test through the proxy at 1, 2 and 4 replicas, and a replica's end.

    python bench/room.py [--replicas 1 2 4] [--sessions 20] [--kill-sessions 10]

- load: for each replica count, ``--sessions`` browsers at once do tests/test_load.py's session
  (open the map, switch the model, click a point, move a denoising control) through the proxy;
  printed side by side: sessions done, errors, p50 / p95 of each step, and the replicas' memory
  (RSS after the run, each).
- kill: 2 replicas, ``--kill-sessions`` browsers with the map open; one replica is killed; printed:
  how many of its sessions drew their map again on the other replica, how long that took (p50 /
  max), whether any page showed an exception, and whether the other replica's sessions noticed.

All browsers run in one headless Chromium on this machine, sharing its cores with the replicas
and nginx: read the replica counts against each other, not as a room of real machines.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy.room import Room
from tests.browser_support import CHROMIUM_FLAGS, MAP_POINTS_JS, audience_session, require_chromium


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] if values else float("nan")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def load(browser, replicas: int, sessions: int) -> None:
    room = Room(replicas).start()
    try:
        start = time.perf_counter()
        results = await asyncio.gather(*(audience_session(browser, room.url, nth_point=k, timeout_ms=240_000)
                                          for k in range(sessions)), return_exceptions=True)
        wall = time.perf_counter() - start
        done = [r for r in results if isinstance(r, dict)]
        errors = [repr(r)[:120] for r in results if not isinstance(r, dict)]
        steps = {step: [r[step] for r in done] for step in (done[0] if done else {})}
        shown = "; ".join(f"{step} p50 {percentile(v, 0.5):.2f} s, p95 {percentile(v, 0.95):.2f} s"
                          for step, v in steps.items())
        memory = ", ".join(f"{rss_mb(p.pid):.0f}" for p in room.replicas if p is not None)
        print(f"load, {replicas} replica(s), {sessions} sessions: {len(done)} done, {len(errors)} errors in "
              f"{wall:.0f} s; {shown}; replicas' RSS {memory} MB", flush=True)
        for error in errors[:3]:
            print(f"  error: {error}")
    finally:
        room.stop()


async def kill(browser, sessions: int) -> None:
    room = Room(2).start()
    contexts = []
    try:
        pages = []
        for _ in range(sessions):
            context = await browser.new_context(viewport={"width": 1400, "height": 1000})
            contexts.append(context)
            page = await context.new_page()
            served = []
            page.on("response", lambda r, served=served: served.append(r.headers.get("x-explorer-replica"))
                    if r.request.resource_type == "document" else None)
            pages.append((page, served))
        await asyncio.gather(*(p.goto(f"{room.url}/?dataset=mnist&model=vae-z16") for p, _ in pages))
        await asyncio.gather(*(p.wait_for_function(f"({MAP_POINTS_JS})() > 0", timeout=240_000) for p, _ in pages))
        victim = f"127.0.0.1:{room.ports[0]}"
        on_victim = [p for p, served in pages if served and served[-1] == victim]
        others = [p for p, served in pages if served and served[-1] != victim]
        reconnected = {id(p): asyncio.get_running_loop().create_future() for p in on_victim}
        for p in on_victim:  # the first message down a new WebSocket: the other replica ran the page again
            p.on("websocket", lambda ws, p=p: ws.on("framereceived", lambda payload, p=p: (
                reconnected[id(p)].done() or reconnected[id(p)].set_result(time.perf_counter()))))
        sent_to_others = {id(p): 0 for p in others}
        for p in others:
            p.on("websocket", lambda ws, p=p: sent_to_others.__setitem__(id(p), sent_to_others[id(p)] + 1))
        room.kill_replica(0)
        killed = time.perf_counter()

        async def recovered(page) -> float | None:
            try:
                done = await asyncio.wait_for(reconnected[id(page)], timeout=120)
                await page.wait_for_function(f"({MAP_POINTS_JS})() > 0", timeout=120_000)
                return done - killed
            except Exception:  # noqa: BLE001  (the replica never came back: reported as no take-over)
                return None

        times = await asyncio.gather(*(recovered(p) for p in on_victim))
        back = [t for t in times if t is not None]
        exceptions = sum([await p.locator('[data-testid="stException"]').count() for p, _ in pages])
        untouched = sum(1 for p in others if sent_to_others[id(p)] == 0)  # no new WebSocket: nothing happened
        print(f"kill, 2 replicas, {sessions} sessions: {len(on_victim)} on the killed replica, {len(back)} drew "
              f"their map again on the other (p50 {percentile(back, 0.5):.1f} s, max "
              f"{max(back) if back else float('nan'):.1f} s after the kill, to the first message of the new "
              f"connection); {untouched} of {len(others)} on the other replica did not reconnect at all; "
              f"pages showing an exception: {exceptions}", flush=True)
    finally:
        for context in contexts:
            await context.close()
        room.stop()


async def main_async(args) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_FLAGS)
        try:
            for replicas in args.replicas:
                await load(browser, replicas, args.sessions)
            if args.kill_sessions:
                await kill(browser, args.kill_sessions)
        finally:
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--kill-sessions", type=int, default=10)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
