"""The training theatre in a real Chromium, on a machine without the training split (a newcomer's, after the
README's two commands): a small run started from the page trains in its worker on what ships, its frames
arrive epoch by epoch, the scrubber (and the arrow keys) go back through them, the tour's room follows the
presenter's epoch, and the saved model opens on the map page."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from explorer.present.i18n import STRINGS
from tests.browser_support import ROOT, AppServer, start_room, wait_for_map, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EPOCHS = 4
CAPTION_EPOCH_JS = """() => {
  for (const c of document.querySelectorAll('[data-testid="stCaptionContainer"]')) {
    const m = c.textContent.match(/^Epoch (\\d+):/);
    if (m) return Number(m[1]);
  }
  return null;
}"""
# The maps' points of the first panel, as the browser drew them: a frame's fingerprint
FRAME_POINTS_JS = """() => {
  const gd = document.querySelector('.stPlotlyChart .js-plotly-plot');
  if (!gd || !gd._fullData) return null;
  const t = gd._fullData.find(d => d.mode === 'markers');
  return t ? Array.from(t.x.slice(0, 4)).map(v => v.toFixed(4)).join(',') : null;
}"""


@pytest.fixture(scope="module")
def theatre_server(tmp_path_factory, browser):
    """A newcomer's machine: no MNIST training split anywhere (no data root, no offline copy); the page's default
    dataset trains on what ships."""
    root = tmp_path_factory.mktemp("theatre")
    srv = AppServer(env={"EXPLORER_THEATRE_ZOO": str(root / "zoo"), "EXPLORER_DATA": str(root / "no-data"),
                         "EXPLORER_MNIST_TGZ": ""})
    srv.wait_healthy()
    yield srv, root / "zoo"
    srv.stop()
    from explorer.training import theatre

    for run_id in theatre.list_runs(root / "zoo"):  # a worker the test left running ends with it
        theatre.end_worker(theatre.read_status(theatre.runs_root(root / "zoo") / run_id))


def diagnosis(page, zoo) -> str:
    """What the page says and what the runs' folders hold, for a failure's message."""
    from explorer.training import theatre

    runs = {}
    for run_id in theatre.list_runs(zoo):
        run = theatre.runs_root(zoo) / run_id
        log = (run / "worker.log").read_text(errors="replace")[-1500:] if (run / "worker.log").is_file() else ""
        runs[run_id] = (theatre.read_status(run), log)
    alerts = page.locator('[data-testid="stAlert"], [data-testid="stException"]').all_inner_texts()
    return f"alerts {alerts}; runs {runs}"


def view_epoch(frame, epoch: int) -> None:
    """Until a room's shared view (the audience's frame) shows the frame of ``epoch``."""
    frame.wait_for_function("(e) => [...document.querySelectorAll('.caption')].some((c) => c.textContent"
                            ".startsWith(`Epoch ${e}:`))", arg=epoch, timeout=60_000)


def wait_epoch(page, epoch: int) -> str:
    page.wait_for_function(f"({CAPTION_EPOCH_JS})() === {epoch}", timeout=60_000)
    page.wait_for_function(f"({FRAME_POINTS_JS})() !== null", timeout=60_000)
    return page.evaluate(FRAME_POINTS_JS)


def test_a_run_started_in_the_page_shows_its_epochs_scrubs_back_and_opens_on_the_map(theatre_server, browser):
    server, zoo = theatre_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{server.url}/theatre")
    page.get_by_role("button", name="Start training").wait_for(timeout=60_000)
    for name, value in (("Epochs", str(EPOCHS)), ("Training images", "200")):
        field = page.get_by_role("spinbutton", name=name)
        field.fill(value)
        field.press("Tab")  # Streamlit takes a number input's value when it loses the focus
        assert field.input_value() == value
    # said before it starts: this machine has no MNIST training split, so the run trains on the shipped test split
    page.get_by_text("has no training split", exact=False).wait_for(timeout=30_000)
    page.get_by_role("button", name="Start training").click()

    # While it trains: the frames come as the worker writes them (the panel follows the newest).
    try:
        page.wait_for_function(f"({CAPTION_EPOCH_JS})() !== null", timeout=120_000)
    except PlaywrightTimeout:
        page.screenshot(path=str(ROOT / "test-artifacts" / "theatre-no-frame.png"))
        raise AssertionError(f"no frame shown: {diagnosis(page, zoo)}") from None
    # Every epoch the panel shows while the run trains is noted in the page, until the run has finished.
    page.wait_for_function(f"""() => {{
      const shown = ({CAPTION_EPOCH_JS})();
      window.__epochsSeen = window.__epochsSeen || [];
      if (shown !== null && !window.__epochsSeen.includes(shown)) window.__epochsSeen.push(shown);
      return document.body.innerText.includes('finished: epoch');
    }}""", timeout=120_000, polling=50)
    seen = set(page.evaluate("() => window.__epochsSeen"))
    assert "training split is not on this server, so this run trains on 200 images" in page.inner_text("body")
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_text(f"finished: epoch {EPOCHS} of {EPOCHS}").wait_for(timeout=120_000)
    assert seen and max(seen) <= EPOCHS, f"no frame was shown while the run trained: {seen}"

    # Afterwards, every epoch is there to go back to: each a frame of its own.
    frames = {EPOCHS: wait_epoch(page, EPOCHS)}
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # no control has the focus
    for epoch in range(EPOCHS - 1, EPOCHS - 4, -1):
        page.keyboard.press("ArrowLeft")  # the arrow keys press ◀ (page_keys.js)
        frames[epoch] = wait_epoch(page, epoch)
    assert len(set(frames.values())) == 4, frames
    page.locator(".st-key-theatre_next button").first.click()
    wait_epoch(page, EPOCHS - 2)

    # The saved model opens on the map page, in the theatre's dataset.
    page.get_by_role("button", name="Open the VAE on the map").click()
    page.wait_for_url(re.compile(r".*dataset=mnist-theatre.*model=vae-z2.*"), timeout=60_000)  # the map, the default page
    assert wait_for_map(page) > 0
    wait_idle(page)
    saved_figures = json.loads((zoo / "mnist-theatre" / "vae-z2" / "metrics.json").read_text())["test"]
    sidebar = page.locator('[data-testid="stSidebar"]')  # the sidebar's figures are the saved model's
    assert f"Test MSE {saved_figures['mse']:.4f}" in sidebar.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    from explorer.training import theatre

    run_id, = theatre.list_runs(zoo)
    saved = theatre.read_status(theatre.runs_root(zoo) / run_id).saved
    assert saved == {"vae": "mnist-theatre/vae-z2", "wae": "mnist-theatre/wae-z2"}
    context.close()


def test_the_tour_s_room_follows_the_presenter_s_epoch(theatre_server, browser):
    server, zoo = theatre_server
    from explorer.training import theatre

    runs = theatre.list_runs(zoo)
    assert runs, "the first test's run"
    presenter_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    presenter = presenter_context.new_page()
    presenter.goto(f"{server.url}/tour?step=11")
    wait_epoch(presenter, 0)  # the step starts before training: the presenter plays or steps from there
    audience_link, _ = start_room(presenter)

    audience_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    audience = audience_context.new_page()
    audience.goto(audience_link)
    view = audience.wait_for_selector("iframe[title*='room_view']", timeout=60_000).content_frame()
    view_epoch(view, 0)  # the presenter's shared view of the step: its frames, drawn in the audience's browser
    for control in ("theatre.back", "theatre.forward", "theatre.play"):  # led by the presenter: nothing to press
        assert view.get_by_role("button", name=STRINGS["en"][control], exact=True).count() == 0

    presenter.locator(".st-key-theatre_next button").first.click()
    wait_epoch(presenter, 1)
    presenter.locator(".st-key-theatre_next button").first.click()
    wait_epoch(presenter, 2)
    view_epoch(view, 2)  # the room moved with the presenter's scrubber (the fragment shares its frames)
    assert view.locator(".js-plotly-plot").count() >= 2 and view.locator("img").count() >= 2
    assert audience.locator('[data-testid="stException"]').count() == 0
    audience_context.close()
    presenter_context.close()
