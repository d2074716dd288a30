"""Start the app with `streamlit run` on a free loopback port, and a headless Chromium to drive it."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
INSTALL_HINT = ("no Chromium found: install Debian's `chromium` package (apt-get install chromium) "
                "or set CHROMIUM_PATH; `playwright install` needs a network")


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def require_chromium() -> str:
    """The browser's path; in CI a missing browser fails the run, elsewhere it skips the test."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    try:
        import playwright  # noqa: F401
    except ImportError:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("the playwright package is missing: pip install -r requirements-test.txt")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    def __init__(self, env: dict | None = None, script: str = "app.py"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        artifacts = ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        self.log = open(artifacts / f"streamlit-{self.port}.log", "w")  # noqa: SIM115  (closed by stop())
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
        )

    def wait_healthy(self, timeout: float = 60.0) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - self.started
            except OSError:  # not listening yet: poll again (the loop waits for the answer, bounded by the deadline)
                time.sleep(0.1)
        raise TimeoutError(f"streamlit did not answer within {timeout} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_FLAGS, headless=True)


# --- reading the page -------------------------------------------------------------

# Streamlit marks its root with the state of the script run: "running", then "notRunning".
SCRIPT_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app !== null && app.dataset.testScriptState === 'notRunning';
}"""

NEXT_PAINT_JS = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"

# The map's Plotly chart (explorer_app/map_chart: drawn in the page itself); the page's own first chart where a map
# is drawn by st.plotly_chart (a 3-D map).
MAP_CHART = ".explorer-map"  # the map's chart, as a selector
MAP_GD = f"""(() => document.querySelector('{MAP_CHART}.js-plotly-plot')
                 || document.querySelector('.stPlotlyChart .js-plotly-plot'))()"""

# Plotly keeps the decoded arrays in _fullData (data holds plotly.py's base64 "bdata" form).
MAP_POINTS_JS = f"""() => {{
  const gd = {MAP_GD};
  if (!gd || !gd._fullData) return -1;
  return gd._fullData.filter(t => t.type === 'scattergl' && t.showlegend !== false)
                .reduce((n, t) => n + (t.x ? t.x.length : 0), 0);
}}"""

MAP_SIGNATURE_JS = f"""() => {{
  const gd = {MAP_GD};
  if (!gd || !gd._fullData || !gd._fullData.length || !gd._fullData[0].x) return null;
  const t = gd._fullData[0];
  return Array.from(t.x.slice(0, 5)).map(v => v.toFixed(4)).join(',');
}}"""

TRACE_NAMES_JS = f"""() => {{
  const gd = {MAP_GD};
  return gd && gd._fullData ? gd._fullData.map(t => t.name) : [];
}}"""

# The n-th point (from 0, wrapping round) with no other within 5 pixels and well inside the plot (clear of its edges and of the
# modebar at its top), so that a click lands on it and on nothing else: its index and place on the page
ISOLATED_POINT_JS = f"""(nth) => {{
  const gd = {MAP_GD};
  const L = gd._fullLayout, box = gd.getBoundingClientRect(), points = [];
  const left = box.left + L._size.l, top = box.top + L._size.t;
  for (const t of gd._fullData) {{
    if (!t.customdata) continue;
    for (let k = 0; k < t.x.length; k++) points.push([t.customdata[k], left + L.xaxis.l2p(t.x[k]),
                                                       top + L.yaxis.l2p(t.y[k])]);
  }}
  const inside = (x, y) => x > left + 15 && x < left + L._size.w - 15 && y > top + 45 && y < top + L._size.h - 15;
  const found = [];
  for (const [index, x, y] of points) {{
    if (!inside(x, y)) continue;
    if (points.every(([j, u, v]) => j === index || (u - x) ** 2 + (v - y) ** 2 > 25)) found.push([index, x, y]);
    if (found.length > nth) return found[nth];
  }}
  return found.length ? found[nth % found.length] : null;  // a dense map has few: sessions then share them
}}"""


# Plotly's hover label names the point under the pointer: its text ends with the point's index (figure.map_hover)
HOVER_NAMES_INDEX_JS = f"""(index) => {{
  const gd = {MAP_GD}, h = gd && gd.querySelector('.hoverlayer .hovertext');
  return !!h && (h.textContent.match(/(\\d+)\\D*$/) || [])[1] === String(index);
}}"""


POINT_PIXEL_JS = f"""(index) => {{
  const gd = {MAP_GD};
  for (const t of gd._fullData) {{
    if (!t.customdata) continue;
    const k = Array.from(t.customdata).indexOf(index);
    if (k < 0) continue;
    const L = gd._fullLayout, box = gd.getBoundingClientRect();
    return [box.left + L._size.l + L.xaxis.l2p(t.x[k]), box.top + L._size.t + L.yaxis.l2p(t.y[k])];
  }}
  return null;
}}"""


def wait_for_map(page, timeout: float = 60.0) -> int:
    page.wait_for_function(f"({MAP_POINTS_JS})() > 0", timeout=timeout * 1000)
    return page.evaluate(MAP_POINTS_JS)


def wait_idle(page, timeout: float = 30.0) -> None:
    """Until Streamlit has finished the run that drew what the caller waited for.

    Call it only after waiting for something that run draws: before that, the app may
    still be "notRunning" because the run has not started yet.
    """
    page.wait_for_function(SCRIPT_IDLE_JS, timeout=timeout * 1000)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout * 1000)
    # the map's chart draws what the run sent after the page has shown it: a frame later, once Plotly has
    page.evaluate(NEXT_PAINT_JS)
    page.wait_for_function(f"() => !document.querySelector('{MAP_CHART}[data-drawing]')", timeout=timeout * 1000)


# --- a whole session, as a person in the audience would run it (async, for many at once) ---

SELECTBOX_MODEL = '[data-testid="stSidebar"] [data-testid="stSelectbox"] >> nth=1'
# The sidebar's model picker, scrolled to the middle of the sidebar first: with every page listed above it, it sits at
# the bottom edge of a 1000-pixel window, where its menu has no room to open.
CENTRE_JS = "el => el.scrollIntoView({block: 'center'})"


def pick_model(page, name: str) -> None:
    box = page.locator(SELECTBOX_MODEL)
    box.evaluate(CENTRE_JS)
    box.click()
    page.get_by_role("option", name=name).click()
# Streamlit's slider (1.5x+) is a react-aria range input: focus it and press the arrow keys.
SLIDER_INPUT = '[data-testid="stSlider"] input[type="range"]'


async def hover_isolated_point(page, nth: int, attempts: int = 5) -> tuple[float, float]:
    """Put the pointer on the map's ``nth`` isolated point and wait until Plotly's hover label names it, so that a
    click there selects it; return the position. A label that does not come means the pointer is not on the
    point (the page was laid out again after it was measured): it is found again, at most ``attempts`` times."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    for attempt in range(1, attempts + 1):
        index, x, y = await page.evaluate(ISOLATED_POINT_JS, nth)
        await page.mouse.move(x, y)
        try:
            await page.wait_for_function(f"({HOVER_NAMES_INDEX_JS})({index})", timeout=20_000)
            return x, y
        except PlaywrightTimeout:
            if attempt == attempts:
                raise
            await page.mouse.move(1, 1)  # off the map, so that the next move hovers afresh


EXCEPTION = '[data-testid="stException"]'


async def _no_exception(page, where: str) -> None:
    if await page.locator(EXCEPTION).count():
        raise AssertionError(f"{where} shows an exception: {await page.locator(EXCEPTION).first.inner_text()}")


async def audience_session(browser, url: str, models: tuple[str, str] = ("VAE · z16", "Autoencoder · z16"),
                           nth_point: int = 0, timeout_ms: int = 120_000) -> dict[str, float]:
    """Open the map, switch model, click a point, move a denoising control; return each latency (s).

    The point clicked is the map's ``nth_point``-th isolated one (ISOLATED_POINT_JS), so that the click selects it
    whatever the map: a point under a neighbour or behind the modebar would select nothing.

    Raises on any failure: a page that shows an exception, or a step that does not finish in time.
    """
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    times = {}
    try:
        start = time.perf_counter()
        await page.goto(f"{url}/?dataset=mnist&model=vae-z16")
        await page.wait_for_function(f"({MAP_POINTS_JS})() > 0")
        times["first map"] = time.perf_counter() - start
        await page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")

        before = await page.evaluate(MAP_SIGNATURE_JS)
        start = time.perf_counter()
        await page.locator(SELECTBOX_MODEL).evaluate(CENTRE_JS)
        await page.locator(SELECTBOX_MODEL).click()
        await page.get_by_role("option", name=models[1]).click()
        await page.wait_for_function(f"({MAP_SIGNATURE_JS})() !== {before!r} && ({MAP_POINTS_JS})() > 0")
        times["model switch"] = time.perf_counter() - start
        await page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")

        x, y = await hover_isolated_point(page, nth_point)
        start = time.perf_counter()
        await page.mouse.click(x, y)
        await page.get_by_text("images selected").first.wait_for()
        await page.locator('[data-testid="stImage"]').first.wait_for()
        times["selection"] = time.perf_counter() - start
        await page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
        await _no_exception(page, "the map's page")

        await page.goto(f"{url}/denoise?dataset=mnist&model=ae-z16")
        metric = page.locator('[data-testid="stMetricValue"]').first
        # the metric, or the exception drawn in its place: a page that failed fails the session now
        await page.locator(f'[data-testid="stMetricValue"], {EXCEPTION}').first.wait_for()
        await _no_exception(page, "the denoising page")
        await page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
        value = await metric.inner_text()
        slider = page.locator(SLIDER_INPUT).first
        start = time.perf_counter()
        await slider.focus()
        await slider.press("ArrowRight")
        await page.wait_for_function(
            "(old) => { const m = document.querySelector('[data-testid=\"stMetricValue\"]'); return m && m.innerText !== old; }",
            arg=value)
        times["denoise control"] = time.perf_counter() - start
        await _no_exception(page, "the denoising page")
        return times
    except Exception:  # keep a picture of what this session's browser showed, then fail as before
        artifacts = ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):  # a picture that cannot be taken must not hide the failure
            await page.screenshot(path=str(artifacts / f"audience-session-{nth_point}.png"), full_page=True)
        raise
    finally:
        await context.close()


# --- a page's content settled, after a click in the sidebar (bench/page_times.py, tests/test_page_content.py) ---

class RunWatch:
    """Counts the script runs the server reports finished to one page (Streamlit's ``script_finished``
    message on its WebSocket): a page is settled only after the run its click started has finished."""

    def __init__(self, page):
        from google.protobuf.message import DecodeError
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.finished = 0
        self.last_finished_at = 0.0  # time.perf_counter() when the last run's end reached the page
        self.fragments_finished = 0  # runs of a fragment alone (a click inside one), counted apart
        self.last_fragment_at = 0.0
        self._message = ForwardMsg

        def on_frame(payload) -> None:
            if isinstance(payload, bytes):
                msg = self._message()
                try:
                    msg.ParseFromString(payload)
                except DecodeError:  # not a ForwardMsg: not a run's end
                    return
                if msg.WhichOneof("type") == "script_finished" and msg.script_finished in (
                        msg.FINISHED_SUCCESSFULLY, msg.FINISHED_WITH_COMPILE_ERROR):
                    self.finished += 1
                    self.last_finished_at = time.perf_counter()
                elif msg.WhichOneof("type") == "script_finished" and \
                        msg.script_finished == msg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                    self.fragments_finished += 1
                    self.last_fragment_at = time.perf_counter()

        page.on("websocket", lambda ws: ws.on("framereceived", on_frame))


# Settled: the run is over, no spinner or status widget, every chart drawn, every picture loaded, nothing stale.
PAGE_SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSpinner"]')) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  // stale: left from the run before; stSkeleton: an element whose code is still loading
  if (!main || main.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')) return false;
  for (const box of main.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    const gd = box.matches('.js-plotly-plot') ? box : box.querySelector('.js-plotly-plot');
    if (!gd || !gd._fullLayout) return false;
  }
  for (const box of main.querySelectorAll('.explorer-map')) {
    const gd = box.matches('.js-plotly-plot') ? box : box.querySelector('.js-plotly-plot');
    if (box.dataset.drawing !== undefined || !gd || !gd._fullLayout) return false;
  }
  for (const img of main.querySelectorAll('img')) if (!img.complete || img.naturalWidth === 0) return false;
  return true;
}"""

# What a settled page shows in its main area: charts drawn, pictures, tables, exceptions.
PAGE_CONTENT_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return {
    charts: main.querySelectorAll('.js-plotly-plot').length,
    images: main.querySelectorAll('[data-testid="stImage"] img, [data-testid="stImageContainer"] img').length,
    tables: main.querySelectorAll('[data-testid="stDataFrame"], [data-testid="stTable"]').length,
    exceptions: main.querySelectorAll('[data-testid="stException"]').length,
    heading: (main.querySelector('h1') || {}).textContent || '',
  };
}"""


def sidebar_links(page) -> list[str]:
    """The href of every page listed in the sidebar's navigation, in its order."""
    return page.eval_on_selector_all('[data-testid="stSidebarNav"] a', "links => links.map(a => a.href)")


def open_from_sidebar(page, runs: RunWatch, href: str, timeout: float = 120.0) -> tuple[float, float]:
    """Click the sidebar's link to ``href`` and wait until that page's content has settled (``runs`` watches
    the page's script runs); the seconds until then, and until the end of the script's run reached the page."""
    before = runs.finished
    started = time.perf_counter()
    page.locator(f'[data-testid="stSidebarNav"] a[href="{href}"]').click()
    deadline = started + timeout
    while runs.finished == before:  # the run the click started has not finished yet
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no script run finished within {timeout} s of the click on {href}")
        page.wait_for_timeout(5)  # lets Playwright deliver the WebSocket's frames meanwhile
    page.wait_for_function(PAGE_SETTLED_JS, timeout=max(1.0, deadline - time.perf_counter()) * 1000, polling=20)
    return time.perf_counter() - started, runs.last_finished_at - started


def start_room(page, lang: str = "en") -> tuple[str, str]:
    """On the tour, as its presenter: open *Present to a room* and start one; returns (the audience's link, the
    presenter's own)."""
    from explorer.present.i18n import STRINGS

    page.get_by_text(STRINGS[lang]["room.title"]).click()
    page.get_by_role("button", name=STRINGS[lang]["room.start"]).click()
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stMain\"] code')]"
                           ".filter((c) => c.textContent.includes('room=')).length === 2", timeout=60_000)
    links = page.locator('[data-testid="stMain"] code').all_inner_texts()
    return (next(link for link in links if "room=" in link and "key=" not in link),
            next(link for link in links if "key=" in link))
