"""A room behind nginx: each browser stays on one replica, and survives that replica's end."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser_support import (
    MAP_POINTS_JS,
    MAP_SIGNATURE_JS,
    POINT_PIXEL_JS,
    ROOT,
    pick_model,
    require_chromium,
    wait_for_map,
    wait_idle,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def room():
    import os

    from deploy.room import Room

    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").is_file():
        (pytest.fail if os.environ.get("CI") else pytest.skip)("nginx is not installed (apt-get install nginx)")
    require_chromium()
    started = Room(2, log_dir=ROOT / "test-artifacts").start()
    yield started
    started.stop()


def replicas_seen(page) -> list[str]:
    """The replica that answered each page and each of Streamlit's own requests, as nginx names it.

    Files (bundles, icons, media) are left out: on a reload the browser takes them from its cache,
    with the headers of the replica that first sent them.
    """
    seen = []

    def note(response):
        if response.request.resource_type == "document" or "/_stcore/" in response.url:
            seen.append(response.headers.get("x-explorer-replica"))

    page.on("response", note)
    return seen


def answered_by(seen: list) -> set[str]:
    """The replicas that answered (nginx lists "dead, alive" while it learns a replica is gone: the last)."""
    return {r.split(",")[-1].strip() for r in seen if r}


def test_a_browser_stays_on_one_replica_and_its_images_and_downloads_work(room, browser):
    from explorer.present.exports import read_map_csv

    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2)]
    try:
        for context in contexts:
            page = context.new_page()
            seen = replicas_seen(page)
            page.goto(f"{room.url}/?dataset=mnist&model=vae-z16")
            assert wait_for_map(page, timeout=120) == 10_000
            wait_idle(page)
            x, y = page.evaluate(POINT_PIXEL_JS, 42)
            page.mouse.move(x, y)
            page.mouse.click(x, y)
            page.get_by_text("images selected").first.wait_for(timeout=60_000)
            image = page.locator('[data-testid="stImage"] img').first
            image.wait_for(timeout=30_000)  # st.image's media, kept in one replica's memory
            page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
            with page.expect_download(timeout=60_000) as info:
                page.get_by_role("button", name="Coordinates (CSV)").click()
            indices, _ = read_map_csv(Path(info.value.path()).read_bytes())
            assert len(indices) == 10_000
            answered = {r for r in seen if r}
            assert len(answered) == 1, f"one browser was served by {answered}"
            assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        for context in contexts:
            context.close()


def test_when_a_replica_ends_its_browser_goes_on_on_another(room, page):
    seen = replicas_seen(page)
    page.goto(f"{room.url}/?dataset=mnist&model=ae-z16")
    wait_for_map(page, timeout=120)
    wait_idle(page)
    first = answered_by(seen)
    assert len(first) == 1
    victim = [f"127.0.0.1:{p}" for p in room.ports].index(first.pop())
    room.kill_replica(victim)
    # Streamlit's page reconnects through nginx to the other replica, which has no session for it:
    # the page loads itself anew from its URL there (explorer_app/assets/follow_server.js) and says so.
    page.get_by_text("another one took over").wait_for(timeout=120_000)
    assert wait_for_map(page, timeout=120) == 10_000
    wait_idle(page, timeout=60)
    assert "moved" not in page.url and "model=ae-z16" in page.url
    # and the visitor goes on: another model, another map
    before = page.evaluate(MAP_SIGNATURE_JS)
    pick_model(page, "VAE · z16")
    page.wait_for_function(f"({MAP_SIGNATURE_JS})() !== {before!r} && ({MAP_POINTS_JS})() === 10000",
                           timeout=120_000)
    wait_idle(page, timeout=60)
    seen.clear()
    page.reload()
    assert wait_for_map(page, timeout=120) == 10_000
    wait_idle(page)
    assert answered_by(seen) == {f"127.0.0.1:{room.ports[1 - victim]}"}, seen
    assert "model=vae-z16" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0
