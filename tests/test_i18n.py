"""The string catalogue: every key the pages ask for exists, and unknown languages fall back to English."""

import re
import string
from pathlib import Path

import pytest

from explorer.data.corrupt import CORRUPTIONS
from explorer.data.datasets import DATASETS
from explorer.models.kinds import MODEL_KINDS
from explorer.present.i18n import DEFAULT_LANGUAGE, STRINGS, set_language, t

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "app.py", *sorted((ROOT / "explorer_app" / "views").glob("*.py")), *sorted((ROOT / "explorer_app").rglob("*.py")),
           *sorted((ROOT / "explorer").rglob("*.py"))]
# Keys built at run time from a prefix: kinds, corruptions, datasets, classes, unavailable reasons, …
BUILT_PREFIXES = ("kind.", "noise.", "dataset.", "class.", "unavailable.", "error.", "interp.linear",
                  "interp.spherical", "trav.base_", "sample.gmm_", "fig7.reads_", "card.loss_", "card.jacobian_",
                  "card.test_", "card.term_", "streamlit.", "tour.s1.", "tour.s2.", "tour.s3.", "tour.s4.", "tour.s5.", "tour.s6.", "tour.s7.", "tour.s8.", "tour.s9.", "card.fid_", "quality.col_", "apps.step_", "own.source_", "own.waiting_",
                  "own.bad_", "own.step_", "own.steps_", "browser.failed_", "browser.unavailable_", "map.nn_euclidean",
                  "map.nn_cosine", "projection.", "sample.novelty_train", "sample.novelty_test", "attr.source_", "attr.take_", "genre.", "rec.space.", "rec.part.", "rec.loss_", "rec.protocol.", "rec.figure.", "tour.s10.", "tour.s11.")
ENGLISH = STRINGS[DEFAULT_LANGUAGE]


def literal_keys() -> set[str]:
    keys = set()
    for path in SOURCES:
        keys |= set(re.findall(r"\bt\(\"([a-z0-9_.]+)\"", path.read_text(encoding="utf-8")))
    return keys


def quoted_keys() -> set[str]:
    """Every quoted word that looks like a key, wherever it stands (t("…"), open_page("…", "…"), …)."""
    keys = set()
    for path in SOURCES:
        keys |= set(re.findall(r"\"([a-z0-9_-]+\.[a-z0-9_.-]+)\"", path.read_text(encoding="utf-8")))
    return keys


def test_every_key_in_the_catalogue_is_used():
    """A key no source asks for is a string no user reads: dead weight for every translation."""
    used = quoted_keys()
    unused = [key for key in ENGLISH if key not in used and not key.startswith(BUILT_PREFIXES)]
    assert unused == []


def test_every_literal_key_is_in_the_english_catalogue():
    assert sorted(literal_keys() - set(ENGLISH)) == []


@pytest.mark.parametrize("key", [*(f"kind.{k}" for k in MODEL_KINDS), *(f"kind.{k}.about" for k in MODEL_KINDS),
                                 *(f"dataset.{d}" for d in DATASETS), *(f"class.{d}.{c}" for d in DATASETS for c in range(10)),
                                 *(f"noise.{k}" for k in CORRUPTIONS), "interp.linear", "interp.spherical",
                                 "trav.base_image", "trav.base_zero", "sample.gmm_train", "sample.gmm_test",
                                 "error.file", "error.plain"])
def test_keys_built_at_run_time_exist(key):
    assert key in ENGLISH


def test_every_string_formats_with_its_own_fields():
    for key, text in ENGLISH.items():
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        # a number-formatted field gets a number, others a word: no string may fail to render
        def value(name: str, text: str = text):
            spec = re.search(r"\{" + re.escape(name) + r":([^}]*)\}", text)
            if spec is None:
                return "x"
            return 2 if spec.group(1).endswith("d") else 1.5 if spec.group(1)[-1:] in "fegF%" else "x"

        values = {name: value(name) for name in fields}
        assert t(key, **values)


def test_unknown_language_falls_back_to_english_and_unknown_keys_fail_loudly():
    try:
        assert set_language("xx-hostile<script>") == DEFAULT_LANGUAGE
        assert t("map.title") == ENGLISH["map.title"]
        with pytest.raises(KeyError):
            t("no.such.key")
    finally:
        set_language(DEFAULT_LANGUAGE)
