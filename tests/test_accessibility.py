"""Every page, in English and in Chinese, audited by axe-core in a real Chromium: no serious or critical
violation (WCAG 2 A and AA and axe's best practices: text contrast, pictures without a text alternative,
controls without a name, …).

axe-core comes with axe-playwright-python (requirements-test.txt), which injects its own copy into the page:
nothing is fetched. Each page is audited once it has settled, on the shipped zoo's default view; the map also
with a selection, whose panels hold most of its pictures.
"""

from __future__ import annotations

import pytest

from tests.browser_support import ROOT, wait_for_map
from tests.test_browser_tour import PATHS, settled

pytestmark = pytest.mark.browser

AUDITED = [*PATHS, "theatre", "?dataset=mnist&model=vae-z16&sel=3,7,11", "?present=1", "tour?step=4&present=1"]  # presenter mode too
BLOCKING = ("serious", "critical")


def violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [{"rule": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["html"][:160] for n in v["nodes"]][:5]} for v in found if v["impact"] in BLOCKING]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_page_has_a_serious_or_critical_accessibility_violation(server, browser, lang):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    found = {}
    try:
        for path in AUDITED:
            page.goto(f"{server.url}/{path}{'&' if '?' in path else '?'}lang={lang}")
            settled(page)
            if "sel=" in path:
                wait_for_map(page)
                page.locator('[data-testid="stImage"]').nth(3).wait_for(timeout=60_000)  # the selection's panels
            page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)
            page.wait_for_function("() => [...document.querySelectorAll('img')].every((i) => i.complete)",
                                   timeout=60_000)
            problems = violations(page)
            if problems:
                found[path or "map"] = problems
        assert found == {}
    except Exception:
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "test-artifacts" / f"accessibility-{lang}.png"), full_page=True)
        raise
    finally:
        context.close()
