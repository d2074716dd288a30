"""The tour and 简体中文 in a real headless Chromium: no English left in any page in Chinese, a
clicker's keys turn the tour's pages, and a room: the audience follows the presenter, a wrong secret
moves nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from explorer.present.i18n import STRINGS
from tests.browser_support import start_room, wait_idle

pytestmark = pytest.mark.browser

# Every page, by its address; the tour twice (its first and its busiest step)
PATHS = ["", "tour", "tour?step=4", "interpolate", "traverse", "sample", "denoise", "anomaly", "figure7", "card",
         "quality", "your-image", "applications", "attributes"]
# Words a Chinese page may hold in Latin letters: the survey's abbreviations (the glossary keeps
# them), units and file formats, and the names of people, datasets and tools.
ALLOWED = {"AE", "VAE", "WAE", "AAE", "MMD", "KL", "UMAP", "PCA", "MSE", "PSNR", "SSIM", "FID", "ROC", "AUC", "IMQ", "NMI", "ARI", "BCE", "SNE", "GAN", "dB", "MB", "CPU", "GPU", "PNG", "SVG", "CSV", "GIF", "JPEG", "JPG", "BMP", "WebP", "WEBP", "npy", "log", "MNIST", "Fashion", "Adam", "LeNet", "Inception", "Fr", "chet", "Scott", "Kingma", "Welling", "Ghosh", "Liu", "Makhzani", "EuroVis", "Hutchinson", "WebAssembly", "Bank", "Koenigstein", "Giryes", "Page", "Up", "Down"}
# The main area's visible text, each text node once; commands (code) and hidden nodes left out
VISIBLE_TEXT_JS = """(selector) => {
  const main = document.querySelector(selector);
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const out = [];
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest('code, pre, script, style, [data-testid="stIconMaterial"]')) continue;  // icons are ligature words
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (style.fontFamily.includes('Material')) continue;  // an icon: its name is a ligature, not a word
    if (walker.currentNode.textContent.trim()) out.push(walker.currentNode.textContent.trim());
  }
  return out;
}"""


def settled(page, heading_level: str = "h1, h2") -> None:
    page.wait_for_selector(f'[data-testid="stMain"] :is({heading_level})', timeout=120_000)
    wait_idle(page, 120)


def english_words(page, where: str = '[data-testid="stMain"]') -> set[str]:
    texts = page.evaluate(VISIBLE_TEXT_JS, where)
    return {word for text in texts for word in re.findall(r"[A-Za-z]{2,}", text)} - ALLOWED


def test_every_page_in_chinese_has_no_english_word(server, page):
    found = {}
    for path in PATHS:
        page.goto(f"{server.url}/{path}{'&' if '?' in path else '?'}lang=zh")
        settled(page)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)
        words = english_words(page)
        if words:
            found[path or "map"] = sorted(words)
    # Streamlit's navigation in the sidebar names the pages from the same catalogue
    page.locator('[data-testid="stSidebarNav"]').get_by_text(STRINGS["zh"]["nav.sample"], exact=True).wait_for()
    found["navigation"] = sorted(english_words(page, '[data-testid="stSidebarNav"]'))
    assert found == {"navigation": []}


def tour_heading(page) -> str:
    return page.locator('[data-testid="stMain"] h2').first.inner_text().strip()


def wait_for_step(page, step: int, lang: str = "en", timeout: float = 30.0) -> None:
    title = STRINGS[lang][f"tour.s{step}.title"]
    page.wait_for_function("(title) => [...document.querySelectorAll('[data-testid=\"stMain\"] h2')]"
                           ".some((h) => h.textContent.trim().startsWith(title))", arg=title, timeout=timeout * 1000)


def keys_ready(page) -> None:
    page.wait_for_function("() => window.__explorerPageKeys === true", timeout=30_000)


def test_the_clickers_keys_turn_the_pages_but_not_inside_a_slider(server, page):
    page.goto(f"{server.url}/tour?step=3")
    wait_for_step(page, 3)
    wait_idle(page, 60)
    keys_ready(page)
    page.keyboard.press("PageDown")
    wait_for_step(page, 4)
    assert "step=4" in page.url
    wait_idle(page, 60)
    page.keyboard.press("PageUp")
    wait_for_step(page, 3)
    wait_idle(page, 60)
    page.keyboard.press("ArrowRight")
    wait_for_step(page, 4)
    wait_idle(page, 60)
    page.locator('.st-key-tour_sigma input[type="range"]').focus()
    page.keyboard.press("ArrowRight")  # moves the slider, not the tour
    page.wait_for_function("() => document.querySelector('.st-key-tour_sigma input[type=\"range\"]').value === '0.06'",
                           timeout=30_000)
    wait_idle(page, 60)
    assert tour_heading(page).startswith(STRINGS["en"]["tour.s4.title"])


def room_frame(page):
    """The audience's view of the room: the component that draws the presenter's shared view."""
    return page.wait_for_selector("iframe[title*='room_view']", timeout=60_000).content_frame()


def wait_for_view(page, step: int, lang: str = "en", timeout: float = 30.0):
    """Until the audience's view shows ``step``'s heading; returns the view's frame."""
    frame = room_frame(page)
    title = STRINGS[lang][f"tour.s{step}.title"]
    frame.wait_for_function("(title) => [...document.querySelectorAll('h2')].some((h) => h.textContent.trim()"
                            ".startsWith(title))", arg=title, timeout=timeout * 1000)
    return frame


def test_the_audience_follows_the_presenter_and_a_wrong_secret_moves_nothing(server, browser):
    contexts = [browser.new_context(viewport={"width": 1280, "height": 720}) for _ in range(3)]
    try:
        presenter, audience, intruder = (context.new_page() for context in contexts)
        presenter.goto(f"{server.url}/tour?step=1")
        wait_for_step(presenter, 1)
        audience_link, presenter_link = start_room(presenter)
        assert "key=" in presenter.url and "present=1" in presenter.url

        audience.goto(audience_link)
        wait_for_view(audience, 1)
        wait_idle(presenter, 60)
        keys_ready(presenter)
        presenter.keyboard.press("PageDown")
        wait_for_step(presenter, 2)
        view = wait_for_view(audience, 2)  # the room's change reaches the audience without a run of its page
        two, sixteen = (STRINGS["en"]["tour.numbers"].format(d=d) for d in (2, 16))
        kept = STRINGS["en"]["tour.s2_size"]
        assert f"{kept}: {sixteen}" in view.inner_text("body")  # the step's preset is 16
        wait_idle(presenter, 60)
        presenter.locator(".st-key-tour_size").get_by_text(two, exact=True).click()
        expect(presenter.get_by_role("radio", name=two)).to_be_checked(timeout=30_000)
        view.wait_for_function("(t) => document.body.innerText.includes(t)", arg=f"{kept}: {two}",
                               timeout=30_000)  # and so do its values
        assert view.locator("img").count() >= 3 and view.locator(".js-plotly-plot").count() >= 1  # pictures, chart

        guessed = re.sub(r"key=[^&]+", "key=guessed-secret", presenter_link)
        intruder.goto(guessed)
        intruder.get_by_text("cannot move the room").wait_for(timeout=60_000)
        wait_for_view(intruder, 2)  # it follows instead
        assert "key=" not in intruder.url
        intruder.keyboard.press("PageDown")  # no page of its own to turn: the presenter turns the pages
        wait_idle(presenter, 60)
        assert tour_heading(presenter).startswith(STRINGS["en"]["tour.s2.title"])
        wait_for_view(audience, 2)

        # Breaking away: the audience's own page, where the room is; the presenter's next move leaves it there
        audience.get_by_text(STRINGS["en"]["room.follow"]).click()
        wait_for_step(audience, 2)
        expect(audience.get_by_role("radio", name=two)).to_be_checked(timeout=30_000)
        keys_ready(presenter)
        presenter.evaluate("() => document.activeElement && document.activeElement.blur()")  # off the radio it set
        presenter.keyboard.press("PageDown")
        wait_for_step(presenter, 3)
        wait_for_view(intruder, 3)  # who follows, follows
        wait_idle(audience, 60)
        assert tour_heading(audience).startswith(STRINGS["en"]["tour.s2.title"])
        audience.get_by_text(STRINGS["en"]["room.follow"]).click()  # following again: where the room is now
        wait_for_view(audience, 3)
    finally:
        for context in contexts:
            context.close()


def test_a_room_presented_in_chinese_is_followed_in_chinese(server, browser):
    contexts = [browser.new_context(viewport={"width": 1280, "height": 720}) for _ in range(2)]
    try:
        presenter, audience = (context.new_page() for context in contexts)
        presenter.goto(f"{server.url}/tour?step=1&lang=zh")
        wait_for_step(presenter, 1, "zh")
        audience_link, _ = start_room(presenter, "zh")
        assert "lang=zh" in audience_link
        audience.goto(audience_link)
        wait_for_view(audience, 1, "zh")
        wait_idle(presenter, 60)
        keys_ready(presenter)
        presenter.keyboard.press("PageDown")
        view = wait_for_view(audience, 2, "zh")
        status = view.inner_text("#status")
        assert status.startswith(STRINGS["zh"]["room.view_following"].split("：")[0]) and "English" not in status
    finally:
        for context in contexts:
            context.close()
