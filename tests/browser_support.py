"""Start the app with `streamlit run` on a free loopback port, and a headless Chromium to drive it."""

from __future__ import annotations

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
        self.log = open(artifacts / f"streamlit-{self.port}.log", "w")
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
            except OSError:
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

# Plotly keeps the decoded arrays in _fullData (data holds plotly.py's base64 "bdata" form).
MAP_POINTS_JS = """() => {
  const gd = document.querySelector('.stPlotlyChart .js-plotly-plot');
  if (!gd || !gd._fullData) return -1;
  return gd._fullData.filter(t => t.type === 'scattergl' && t.showlegend !== false)
                .reduce((n, t) => n + (t.x ? t.x.length : 0), 0);
}"""

MAP_SIGNATURE_JS = """() => {
  const gd = document.querySelector('.stPlotlyChart .js-plotly-plot');
  if (!gd || !gd._fullData || !gd._fullData.length || !gd._fullData[0].x) return null;
  const t = gd._fullData[0];
  return Array.from(t.x.slice(0, 5)).map(v => v.toFixed(4)).join(',');
}"""

POINT_PIXEL_JS = """(index) => {
  const gd = document.querySelector('.stPlotlyChart .js-plotly-plot');
  for (const t of gd._fullData) {
    if (!t.customdata) continue;
    const k = Array.from(t.customdata).indexOf(index);
    if (k < 0) continue;
    const L = gd._fullLayout, box = gd.getBoundingClientRect();
    return [box.left + L._size.l + L.xaxis.l2p(t.x[k]), box.top + L._size.t + L.yaxis.l2p(t.y[k])];
  }
  return null;
}"""
