"""Every page, clicked in the sidebar of a real Chromium, shows its whole content: its title in the page's language,
its charts drawn, its pictures loaded, its tables, and no exception (bench/page_times.py times the same clicks)."""

from __future__ import annotations

import re

import pytest

from explorer.present.i18n import STRINGS
from tests.browser_support import (
    PAGE_CONTENT_JS,
    ROOT,
    RunWatch,
    open_from_sidebar,
    sidebar_links,
    wait_for_map,
    wait_idle,
)

pytestmark = pytest.mark.browser

# What each page shows at least, on the shipped zoo's default view (MNIST, VAE · z16): drawn charts, loaded
# pictures, tables. A page whose charts or pictures went missing (a slow path cut, a cache returning nothing)
# fails here, whatever its time.
CONTENT = {
    "latent-map": {"charts": 1},
    "tour": {"charts": 1, "images": 3},
    "interpolate": {"charts": 2, "images": 6},  # the scrubber and the path on the map; the strips
    "traverse": {"images": 2},
    "sample": {"images": 10},  # N(0, I) and mixture grids per model, the decoded planes
    "denoise": {"charts": 1, "images": 4},  # the clean, corrupted, denoised and plain rows, a picture each
    "anomaly": {"charts": 3, "images": 3, "tables": 3},  # per model: histograms and ROC, AUCs, the worst images
    "figure7": {"charts": 2, "images": 4, "tables": 1},  # the planes; the dimensions; the image, and per model
    "card": {"charts": 1, "images": 2, "tables": 1},
    "quality": {"charts": 1, "tables": 2},
    "your-image": {},
    "applications": {"charts": 3, "images": 10, "tables": 4},
    "attributes": {"charts": 3, "images": 25},
    "recommendation": {"charts": 1, "tables": 3},  # its first part: the three lists and the visitor among the users
    "theatre": {},  # no run in the tests' theatre zoo: the form and its note (tests/test_theatre_browser.py trains)
}


def title_keys() -> dict[str, str]:
    """Each page's address → the catalogue key of its title (app.py's navigation table and the page's open_page)."""
    app = (ROOT / "explorer_app" / "app.py").read_text(encoding="utf-8")
    keys = {}
    for script, path in re.findall(r'st\.Page\(page_script\("(\w+)"\).*?url_path=(?:"([\w-]+)"|MAP_PATH)', app):
        page = (ROOT / "explorer_app" / "views" / f"{script}.py").read_text(encoding="utf-8")
        # open_page("…") draws a page's title; a page that needs no image dataset (Recommendation) draws its own
        found = re.search(r'open_page\("([\w.]+)"', page) or re.search(r'st\.title\(t\("([\w.]+)"\)\)', page)
        keys[path or "latent-map"] = found.group(1)
    return keys


def test_every_page_has_its_expected_content_listed():
    assert set(title_keys()) == set(CONTENT)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_shows_its_content_after_a_click_in_the_sidebar(server, browser, lang):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    runs = RunWatch(page)
    keys = title_keys()
    try:
        page.goto(f"{server.url}/?lang={lang}")
        wait_for_map(page, timeout=120)
        wait_idle(page)
        links = sidebar_links(page)
        assert len(links) == len(CONTENT)
        for href in links[1:] + links[:1]:  # every page, then back to the map
            open_from_sidebar(page, runs, href)
            name = href.split("?")[0].removeprefix(server.url).strip("/") or "latent-map"
            shown = page.evaluate(PAGE_CONTENT_JS)
            assert shown["exceptions"] == 0, name
            assert shown["heading"] == STRINGS[lang][keys[name]], name
            for what, least in CONTENT[name].items():
                assert shown[what] >= least, (name, what, shown)
    except Exception:
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "test-artifacts" / f"page-content-{lang}.png"))
        raise
    finally:
        context.close()
