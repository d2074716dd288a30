"""A room of browsers against one server: every session does the main interactions, none errors.

Bounded: N sessions in one headless Chromium on loopback, each step with a time limit.
Latency figures are printed by bench/interaction.py, never asserted here.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.browser_support import CHROMIUM_FLAGS, AppServer, audience_session, require_chromium

pytestmark = pytest.mark.browser
# Ten sessions on this 2-core machine already saturate it (the browsers draw WebGL maps on the
# same cores as the server); the 20- and 30-session figures are bench/interaction.py's and bench/room.py's.
SESSIONS = 10


async def _room(url: str, n: int) -> list:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_FLAGS)
        try:
            return await asyncio.gather(*(audience_session(browser, url, nth_point=k, timeout_ms=240_000)
                                          for k in range(n)), return_exceptions=True)
        finally:
            await browser.close()


def test_ten_sessions_at_once_all_succeed():
    require_chromium()
    server = AppServer()
    try:
        server.wait_healthy()
        results = asyncio.run(asyncio.wait_for(_room(server.url, SESSIONS), timeout=600))
        failures = [repr(r)[:300] for r in results if not isinstance(r, dict)]
        assert failures == [], f"{len(failures)} of {SESSIONS} sessions failed: {failures[:3]}"
        assert all(set(r) == {"first map", "model switch", "selection", "denoise control"} for r in results)
        server.wait_healthy(timeout=10)  # and the server still answers afterwards
    finally:
        server.stop()
