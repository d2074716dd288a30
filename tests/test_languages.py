"""English and 简体中文: the same keys and fields in both catalogues; every page in both languages;
the language from the URL, the sidebar's switch or the browser's locale, kept across page switches."""

import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.present.i18n import LANGUAGES, STRINGS, language_of_locale, set_language, t
from tests.test_damaged_files import PAGES

APP = str(Path(__file__).resolve().parent.parent / "app.py")
HAN = re.compile(r"[\u4e00-\u9fff]")


def fields(text: str) -> list[str]:
    return sorted({name for _, name, _, _ in string.Formatter().parse(text) if name})


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_catalogue_has_the_same_keys_and_fields_as_english(lang):
    english, other = STRINGS["en"], STRINGS[lang]
    assert sorted(set(english) - set(other)) == [] and sorted(set(other) - set(english)) == []
    assert [key for key in english if fields(english[key]) != fields(other[key])] == []


def test_the_chinese_catalogue_is_written_in_chinese_and_follows_the_glossary():
    """Every string with an English word in it (outside commands, fields and markup) is Chinese in the
    Chinese catalogue; the glossary's terms are the ones used."""
    english, chinese = STRINGS["en"], STRINGS["zh"]
    inert = re.compile(r"`[^`]*`|%\{[^}]*\}|\{[^}]*\}|<[^>]*>")
    sentences = [key for key, text in english.items() if re.search(r"\b[a-z]{3,}\b", inert.sub("", text))]
    assert len(sentences) > 350
    assert [key for key in sentences if not HAN.search(chinese[key])] == []
    for key, term in {"kind.dae": "去噪自编码器", "kind.contractive": "收缩自编码器", "kind.sparse": "稀疏自编码器",
                      "nav.interpolate": "插值", "apps.anomaly_heading": "异常检测", "apps.cluster_heading": "聚类",
                      "apps.reduce_heading": "降维", "class.fashion-mnist.9": "短靴", "class.fashion-mnist.0": "T恤/上衣"}.items():
        assert term in chinese[key], key


@pytest.mark.parametrize("locale, lang", [("zh-CN", "zh"), ("zh-Hant-TW", "zh"), ("zh_SG", "zh"), ("en-GB", "en"),
                                          ("de-DE", "en"), (None, "en"), ("", "en"), ("<script>", "en")])
def test_the_browser_locale_picks_a_known_language_or_english(locale, lang):
    assert language_of_locale(locale) == lang


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


def run_page(page: str, params: dict, locale: str | None = None) -> AppTest:
    # AppTest formats widget values (format_func) in this thread: give it the page's language too
    set_language(params.get("lang", language_of_locale(locale)))
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    if locale is not None:
        at.context["locale"] = locale
    at.run()
    if page != PAGES[0]:
        at.switch_page(page).run()
    return at


TITLES = {"latent_map": "map.title", "interpolate": "interp.title", "traverse": "trav.title", "sample": "sample.title",
          "denoise": "denoise.title", "anomaly": "anomaly.title", "figure7": "fig7.title", "model_card": "card.title",
          "quality": "quality.title", "applications": "apps.title", "own_image": "own.title", "attributes": "attr.title",
          "tour": "tour.title"}


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_every_language(fake_pretrained, page, lang):
    at = run_page(page, {"lang": lang})
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params.get("lang", "en") == lang
    assert at.title[0].value == t(TITLES[Path(page).stem])
    if lang == "zh":
        assert HAN.search(at.title[0].value)


def test_the_browser_locale_picks_chinese_and_the_url_keeps_it(fake_pretrained):
    at = run_page(PAGES[0], {}, locale="zh-CN")
    assert not at.exception
    assert at.title[0].value == STRINGS["zh"]["map.title"]
    assert at.query_params["lang"] == "zh"  # a link shared from here opens in Chinese anywhere


def test_the_switch_changes_the_language_and_the_url_remembers_it(fake_pretrained):
    at = run_page(PAGES[0], {})
    assert at.title[0].value == STRINGS["en"]["map.title"] and "lang" not in at.query_params
    at.segmented_control(key="lang").set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == STRINGS["zh"]["map.title"] and at.query_params["lang"] == "zh"


def test_english_chosen_over_a_chinese_locale_is_kept_in_the_url(fake_pretrained):
    at = run_page(PAGES[0], {}, locale="zh-CN")
    at.segmented_control(key="lang").set_value("en").run()
    assert at.title[0].value == STRINGS["en"]["map.title"] and at.query_params["lang"] == "en"
