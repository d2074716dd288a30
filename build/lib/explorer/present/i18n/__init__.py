"""Every string a user reads, in one catalogue per language: ``t("map.title")``.

One module per language (``en.py``, ``zh.py``; a new language is one more module with the same
keys, listed in LANGUAGES). A key a language lacks falls back to English. ``{name}`` fields are
filled from keyword arguments. Names that are data (dataset titles, class names, model
kinds) have keys too: :func:`dataset_title`, :func:`class_names`.
"""

from __future__ import annotations

import threading

from explorer.present.i18n import en, zh

LANGUAGES = {"en": "English", "zh": "简体中文"}  # each written in itself: the switch is read by who needs it
DEFAULT_LANGUAGE = "en"
STRINGS: dict[str, dict[str, str]] = {"en": en.STRINGS, "zh": zh.STRINGS}

# Per thread: a Streamlit server runs each session's script in its own thread, and
# the app sets the language at the top of every run.
_current = threading.local()


def set_language(lang: str) -> str:
    """Use ``lang`` if it is known, else the default; returns the language in use."""
    _current.lang = lang if lang in STRINGS else DEFAULT_LANGUAGE
    return _current.lang


def language_of_locale(locale: str | None) -> str:
    """The interface language for a browser's locale ("zh-CN", "zh-Hant-TW", "en-GB", …), else the default."""
    primary = str(locale or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in STRINGS else DEFAULT_LANGUAGE


def current_language() -> str:
    return getattr(_current, "lang", DEFAULT_LANGUAGE)


def t(key: str, **fields) -> str:
    lang = current_language()
    text = STRINGS.get(lang, {}).get(key) or STRINGS[DEFAULT_LANGUAGE].get(key)
    if text is None:
        raise KeyError(f"no string {key!r} in the catalogue")
    return text.format(**fields) if fields else text


def dataset_title(dataset: str) -> str:
    """"MNIST", "Fashion-MNIST": the name a person reads; a user's dataset by the title it was given."""
    if f"dataset.{dataset}" in STRINGS[DEFAULT_LANGUAGE]:
        return t(f"dataset.{dataset}")
    source = dataset.removesuffix("-theatre")  # the training theatre's models of a dataset (explorer.training.theatre)
    if source != dataset and f"dataset.{source}" in STRINGS[DEFAULT_LANGUAGE]:
        return t("dataset.theatre", dataset=t(f"dataset.{source}"))
    from explorer.data.datasets import dataset_spec

    try:
        return dataset_spec(dataset).title
    except ValueError:
        return dataset


def class_names(dataset: str, n_classes: int = 10) -> list[str]:
    """The names of a dataset's classes, in the interface language ("0"–"9" for MNIST); a user's
    dataset's as its data named them, or one class for unlabelled data."""
    source = dataset.removesuffix("-theatre")  # the training theatre's dataset: its source's classes
    if f"class.{source}.0" in STRINGS[DEFAULT_LANGUAGE]:
        return [t(f"class.{source}.{c}") for c in range(n_classes)]
    from explorer.data.datasets import dataset_spec

    try:
        names = list(dataset_spec(dataset).class_names)
    except ValueError:
        names = []
    return names or [t("class.unlabelled")]
