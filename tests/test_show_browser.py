"""explorer.show from the installed package: a script outside the checkout calls it, a real Chromium sees the map.

The package is installed with pip from this checkout into a folder of its own (`pip install --no-deps --target`:
the dependencies are this environment's), and the script runs from another folder with only that one on its path:
what it imports is what `pip install .` installs — the app's pages, scripts and vendored browser code included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import urllib.request

import pytest

from tests.browser_support import ROOT, TRACE_NAMES_JS, launch_browser, require_chromium, wait_for_map, wait_idle
from tests.test_browser_decoding import decoder_frame, sweep

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCRIPT = textwrap.dedent('''
    import json, sys
    import numpy as np, torch
    from torch import nn
    import explorer, explorer_app

    assert explorer_app.__file__.startswith(sys.argv[1]), explorer_app.__file__  # the installed copy

    class TinyAutoEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(144, 2))
            self.decoder = nn.Sequential(nn.Linear(2, 144), nn.Sigmoid())

        def encode(self, x):
            return self.encoder(x)

        def decode(self, z):
            return self.decoder(z).view(-1, 1, 12, 12)

    rng = np.random.default_rng(0)
    images = torch.rand(300, 1, 12, 12)
    labels = rng.integers(0, 3, 300)
    shown = explorer.show(TinyAutoEncoder(), images, labels, class_names=["north", "south", "east"])
    print(json.dumps({"url": shown.url, "folder": str(shown.folder)}), flush=True)
    sys.stdin.readline()  # until the test has looked
    shown.close()
    import threading  # the app's threads (its warm-up, a page's run) ended too: torch inside one aborts the exit
    threads = [t.name for t in threading.enumerate() if t.name.startswith(("ScriptRunner", "explorer-"))]
    print(json.dumps({"left": shown.folder.exists(), "threads": threads}), flush=True)
''')


def test_the_installed_package_shows_a_model_of_a_script_and_close_leaves_nothing(tmp_path):
    require_chromium()
    site = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                              "--target", str(site), str(ROOT)], check=False, capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-2000:]
    assert (site / "explorer_app" / "map_chart" / "frontend" / "vendor" / "plotly.js" / "plotly-gl2d.min.js").is_file()
    work = tmp_path / "work"
    work.mkdir()
    (work / "show_it.py").write_text(SCRIPT, encoding="utf-8")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "TMPDIR": str(temp)}
    script = subprocess.Popen([sys.executable, "show_it.py", str(site)], cwd=work, env=env, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = script.stdout.readline()
        assert line, script.stderr.read()[-3000:]
        opened = json.loads(line)
        assert opened["url"].startswith("http://127.0.0.1:") and opened["folder"].startswith(str(temp))
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(opened["url"])
            assert wait_for_map(page) == 300
            assert {"north", "south", "east"} <= set(page.evaluate(TRACE_NAMES_JS))
            pickers = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"] input')
            assert pickers.nth(1).input_value() == "TinyAutoEncoder · z2"  # the model under its own name
            wait_idle(page)
            # The flashlight: the script's decoder, exported for the browser, decodes under the pointer;
            # a click keeps the point and the server decodes it with the model itself.
            page.get_by_text("Flashlight", exact=True).click()
            frame = decoder_frame(page)
            box = frame.locator("#map").bounding_box()
            assert len(sweep(page, frame, box, steps=12)) >= 5
            page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
            page.get_by_text("Kept point").wait_for(timeout=30_000)
            wait_idle(page)
            for path in ("interpolate", "sample", "card"):  # the other pages draw it too
                page.goto(opened["url"].replace("/?", f"/{path}?"))
                page.locator('[data-testid="stImage"], .stPlotlyChart').first.wait_for(timeout=60_000)
                wait_idle(page)
                assert page.locator('[data-testid="stException"]').count() == 0, path
            browser.close()
        script.stdin.write("\n")
        script.stdin.flush()
        closed = json.loads(next(line for line in script.stdout if line.startswith("{")))  # Streamlit's words aside
        assert closed == {"left": False, "threads": []}
        assert script.wait(60) == 0, script.stderr.read()[-3000:]
    finally:
        script.kill()
    assert list(temp.glob("explorer-show-*")) == []  # nothing left behind (torch may keep its own cache there)
    assert list(work.iterdir()) == [work / "show_it.py"]  # nor written beside the script
    with pytest.raises(OSError):
        urllib.request.urlopen(opened["url"].split("/?")[0] + "/_stcore/health", timeout=5)
