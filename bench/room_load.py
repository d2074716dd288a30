"""What a room's audience costs the server, and how soon it follows a move: `python bench/room_load.py
[--audience 1 10 30 100 200] [--idle 10] [--gentle] [--markdown]`.

One app server (`streamlit run app.py`), the presenter in headless Chromium on the tour, and the audience at the
protocol level (tests/protocol_client.py), each member doing what its browser does, with no browser each, so that
what is measured is the server, not this machine's browsers: it opens the room's link (a Streamlit session over
Streamlit's own WebSocket and protobuf messages, running every fragment the server times), and its page's room
component listens to the room's events and fetches the room's view on each (a ``ViewFollower``). A server that
does not serve the rooms' routes (an earlier version of the app) still gets the sessions, which then follow by
asking every second, as its page tells them. For each audience size:

- every session opens the room's audience link and its first run finishes (or the size is reported failed);
- **idle**: the server's CPU (user + system, /proc) over ``--idle`` seconds while nobody moves, as % of a core;
- **a move**: the presenter presses Page Down once (steps 1 → 2, the lightest); the delay from the key press to
  each member's new step (its view's document, or its session's heading): p50 / p95 / max, and the members
  that never got it within ``--wait`` s
  (missed) or whose socket or page failed (errors).

``--gentle``: sessions ask again only after their last run has finished (the gentlest a browser can be),
instead of every interval. ``--replicas N``: N replicas behind nginx with the room's own Redis (deploy/room.py);
the presenter goes through nginx, the audience to the replicas in turn, and the CPU is theirs added up.
Bounded: at most 1,000 sessions per replica, loopback only, every wait with a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explorer.present.i18n import STRINGS
from tests.browser_support import AppServer, launch_browser, require_chromium, start_room, wait_idle
from tests.protocol_client import AudienceMember, server_cpu_seconds

MAX_SESSIONS = 1000


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] if values else float("nan")


class Loop:
    """An asyncio loop in a thread of its own: the protocol sessions run there while Playwright drives the
    presenter from this thread."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine, timeout: float):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)


async def open_audience(urls: list[str], query: str, size: int, gentle: bool, timeout: float) -> list[AudienceMember]:
    room_id = dict(pair.split("=", 1) for pair in query.split("&"))["room"]
    members = [AudienceMember(urls[k % len(urls)], query, room_id, gentle) for k in range(size)]
    results = await asyncio.gather(*(m.open(timeout) for m in members), return_exceptions=True)
    for member, result in zip(members, results):
        if isinstance(result, BaseException):
            member.session.seen.errors.append(f"{type(result).__name__}: {result}")
    return members


async def close_all(members: list[AudienceMember]) -> None:
    await asyncio.gather(*(m.close() for m in members), return_exceptions=True)


async def wait_for_step(members: list[AudienceMember], step: int, title: str, since: float, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(m.got(step, title, since) is not None or m.errors for m in members):
            return
        await asyncio.sleep(0.05)


def presenter_page(browser, url: str):
    """The presenter's page on step 1 with a room started; returns (page, the audience's query string)."""
    presenter = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    presenter.goto(f"{url}/tour?step=1")
    presenter.wait_for_selector(".st-key-tour_next button", timeout=120_000)
    wait_idle(presenter, 120)
    audience, _ = start_room(presenter)
    return presenter, audience.split("?", 1)[1]


def cpu_seconds(pids: list[int]) -> float:
    return sum(server_cpu_seconds(pid) for pid in pids)


def settle(pids: list[int], quiet: float = 0.05, longest_s: float = 120.0) -> None:
    """Until the servers are quiet (below ``quiet`` of a core over a second: their start-up's background work, the
    models warmed, done), at most ``longest_s``: what is measured next is the room's."""
    deadline = time.monotonic() + longest_s
    while time.monotonic() < deadline:
        before = cpu_seconds(pids)
        time.sleep(1.0)
        if cpu_seconds(pids) - before < quiet:
            return


def measure(loop: Loop, presenter_url: str, member_urls: list[str], pids: list[int], browser, size: int,
            idle_s: float, wait_s: float, gentle: bool) -> dict:
    titles = [STRINGS["en"]["tour.s1.title"], STRINGS["en"]["tour.s2.title"]]
    presenter, query = presenter_page(browser, presenter_url)
    members = loop.run(open_audience(member_urls, query, size, gentle, wait_s), wait_s + 60)
    try:
        opened = sum(1 for m in members if m.session.seen.runs_finished and not m.errors)
        pushed = sum(1 for m in members if m.follower.connected.is_set() and not m.follower.errors)
        time.sleep(2.0)  # the members' first runs settle (their fragments, if any, start asking)
        cpu_before, started = cpu_seconds(pids), time.monotonic()
        time.sleep(idle_s)
        idle = (cpu_seconds(pids) - cpu_before) / (time.monotonic() - started)
        pressed = time.time()
        presenter.keyboard.press("PageDown")
        loop.run(wait_for_step(members, 2, titles[1], pressed, wait_s), wait_s + 30)
        delays = [at - pressed for m in members if (at := m.got(2, titles[1], pressed)) is not None]
        errors = sum(1 for m in members if m.errors)
        return {"audience": size, "opened": opened, "pushed": pushed, "idle_cpu": idle,
                "p50": percentile(delays, 0.5), "p95": percentile(delays, 0.95), "max": max(delays, default=float("nan")),
                "missed": size - len(delays) - errors, "errors": errors,
                "first_error": next((m.errors[0] for m in members if m.errors), "")}
    finally:
        loop.run(close_all(members), 60)
        presenter.context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audience", type=int, nargs="+", default=[1, 10, 30, 100, 200])
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measured per size")
    parser.add_argument("--wait", type=float, default=120.0, help="seconds a move may take before it is missed")
    parser.add_argument("--gentle", action="store_true", help="ask again only after the last run finished")
    parser.add_argument("--replicas", type=int, default=1, help="replicas behind nginx, sharing the rooms in Redis")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.replicas <= 8:
        parser.error("--replicas from 1 to 8")
    if any(not 1 <= n <= MAX_SESSIONS * args.replicas for n in args.audience):
        parser.error(f"audience sizes from 1 to {MAX_SESSIONS} per replica")
    require_chromium()
    from playwright.sync_api import sync_playwright

    if args.replicas == 1:
        server = AppServer()
        server.wait_healthy()
        presenter_url, member_urls, pids = server.url, [server.url], [server.process.pid]
    else:
        from deploy.room import Room

        server = Room(args.replicas).start(timeout=240)
        presenter_url = server.url
        member_urls = [server.replica_url(k) for k in range(args.replicas)]
        pids = [p.pid for p in server.replicas] + ([server.redis.pid] if server.redis else [])
    settle(pids)
    loop = Loop()
    rows = []
    try:
        with sync_playwright() as p:
            browser = launch_browser(p)
            for size in args.audience:
                row = measure(loop, presenter_url, member_urls, pids, browser, size, args.idle, args.wait, args.gentle)
                rows.append(row)
                if not args.markdown:
                    print(f"{size:>5} members: opened {row['opened']} (told of moves: {row['pushed']}), idle {row['idle_cpu']:.0%} of a core, move "
                          f"p50 {row['p50']:.2f} s / p95 {row['p95']:.2f} s / max {row['max']:.2f} s, missed "
                          f"{row['missed']}, errors {row['errors']} {row['first_error']}", flush=True)
            browser.close()
    finally:
        loop.stop()
        server.stop()
    if args.markdown:
        where = "one server" if args.replicas == 1 else f"{args.replicas} replicas"
        print(f"| audience ({where}) | server CPU while nobody moves | a move reaches the audience (p50 / p95 / max) "
              "| missed | errors |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        for r in rows:
            print(f"| {r['audience']} | {r['idle_cpu']:.0%} of a core | {r['p50']:.1f} s / {r['p95']:.1f} s / "
                  f"{r['max']:.1f} s | {r['missed']} | {r['errors']} |")


if __name__ == "__main__":
    main()
