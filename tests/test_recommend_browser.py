"""The Recommendation page in a real headless Chromium: search a movie, rate three, the recommendations change,
the movie map answers a click — in English and in Chinese."""

from __future__ import annotations

import pytest

from explorer.present.i18n import STRINGS
from tests.browser_support import wait_idle

pytestmark = pytest.mark.browser

MOVIE_MAP = ".st-key-rec_map .js-plotly-plot"
# The page position of a movie's point on the movie map (its customdata is the movie's index), scrolled into view.
MOVIE_PIXEL_JS = f"""(movie) => {{
  const gd = document.querySelector('{MOVIE_MAP}');
  if (!gd || !gd._fullData) return null;
  gd.scrollIntoView({{block: 'center'}});
  const L = gd._fullLayout, box = gd.getBoundingClientRect();
  for (const t of gd._fullData) {{
    if (!t.customdata) continue;
    const k = Array.from(t.customdata).indexOf(movie);
    if (k >= 0) return [box.left + L._size.l + L.xaxis.l2p(t.x[k]), box.top + L._size.t + L.yaxis.l2p(t.y[k])];
  }}
  return null;
}}"""
RECOMMENDED_JS = """(rank) => Array.from(document.querySelectorAll('[data-testid="stTable"] table'))
  .filter(t => t.querySelector('th') && t.querySelector('th').textContent.trim() === rank)
  .map(t => Array.from(t.querySelectorAll('tbody tr')).map(r => r.children[1].textContent.trim()).join('|'))"""


def rate(page, title: str) -> None:
    box = page.locator(".st-key-rec_rate_movie input")
    box.click()
    box.fill(title)
    page.get_by_role("option", name=title, exact=False).first.click()
    page.locator(".st-key-rec_add button").click()
    page.wait_for_function("(title) => Array.from(document.querySelectorAll('[data-testid=\"stExpander\"] p'))"
                           ".some(p => p.textContent.includes(title))", arg=title, timeout=60_000)
    wait_idle(page)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_search_rate_three_and_click_the_movie_map(server, page, lang):
    words = STRINGS[lang]
    page.goto(f"{server.url}/recommendation?lang={lang}")
    page.get_by_role("heading", name=words["rec.tastes_heading"]).wait_for(timeout=60_000)
    wait_idle(page)
    page.get_by_text(words["rec.nothing_rated"]).wait_for()
    page.wait_for_function(f"(rank) => ({RECOMMENDED_JS})(rank).length === 3", arg=words["rec.col_rank"],
                           timeout=60_000)
    before = page.evaluate(RECOMMENDED_JS, words["rec.col_rank"])
    assert len(before) == 3 and len(set(before)) == 1  # the most liked, for every model
    for title in ("Toy Story", "Empire Strikes Back", "Star Wars"):
        rate(page, title)
    changed = f"""([rank, before]) => {{ const now = ({RECOMMENDED_JS})(rank);
                                       return now.length === 3 && now.every((list, k) => list !== before[k]); }}"""
    page.wait_for_function(changed, arg=[words["rec.col_rank"], before], timeout=60_000)
    after = page.evaluate(RECOMMENDED_JS, words["rec.col_rank"])
    assert "Return of the Jedi" in " ".join(after)
    assert "rated=" in page.url and page.get_by_text(words["rec.nothing_rated"]).count() == 0
    # a click on Star Wars' point on the movie map opens it: its nearest movies, by similarity
    page.wait_for_function(f"() => !!document.querySelector('{MOVIE_MAP}')", timeout=60_000)
    x, y = page.evaluate(MOVIE_PIXEL_JS, 49)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.get_by_role("heading", name="Star Wars (1977)").wait_for(timeout=60_000)
    page.get_by_text(words["rec.col_similarity"], exact=True).wait_for()
    assert "movie=49" in page.url
