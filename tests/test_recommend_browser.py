"""The Recommendation page in a real headless Chromium: search a movie, rate three, the recommendations change,
the movie map answers a click — in English and in Chinese."""

from __future__ import annotations

import pytest

from explorer.present.i18n import STRINGS
from explorer.store.recommendation import read_movies
from tests.browser_support import wait_idle

pytestmark = pytest.mark.browser

MOVIE_MAP = ".st-key-rec_map .js-plotly-plot"
# A movie's point on the movie map with no other within 10 pixels, clear of the plot's edges and its modebar, so that a
# click lands on it alone: [the movie's index (its customdata), x, y on the page], after scrolling the map into view.
ISOLATED_MOVIE_JS = f"""() => {{
  const gd = document.querySelector('{MOVIE_MAP}');
  if (!gd || !gd._fullData) return null;
  gd.scrollIntoView({{block: 'center'}});
  const L = gd._fullLayout, box = gd.getBoundingClientRect(), points = [];
  const left = box.left + L._size.l, top = box.top + L._size.t;
  for (const t of gd._fullData) {{
    if (!t.customdata || t.visible !== true) continue;
    for (let k = 0; k < t.x.length; k++) points.push([t.customdata[k], left + L.xaxis.l2p(t.x[k]), top + L.yaxis.l2p(t.y[k])]);
  }}
  const inside = (x, y) => x > left + 20 && x < left + L._size.w - 20 && y > top + 50 && y < top + L._size.h - 20;
  for (const [movie, x, y] of points) {{
    if (inside(x, y) && points.every(([m, u, v]) => m === movie || (u - x) ** 2 + (v - y) ** 2 > 100)) return [movie, x, y];
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
    page.get_by_role("tab", name=words["rec.part.tastes"]).wait_for(timeout=60_000)
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
    # a click on a movie's point on the movie map opens it: its nearest movies, by similarity
    page.get_by_role("tab", name=words["rec.part.map"]).click()
    page.wait_for_url("**part=map**", timeout=60_000)
    page.wait_for_function(f"() => !!document.querySelector('{MOVIE_MAP}')", timeout=60_000)
    movie, x, y = page.evaluate(ISOLATED_MOVIE_JS)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    title = read_movies()["movies"][movie]
    label = f'{title["title"]} ({title["year"]})' if title["year"] else title["title"]
    page.get_by_role("heading", name=label, exact=True).wait_for(timeout=60_000)
    page.get_by_text(words["rec.col_similarity"], exact=True).wait_for()
    page.wait_for_url(f"**movie={movie}**", timeout=60_000)
