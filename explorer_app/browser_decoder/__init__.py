"""Decoding in the browser: the flashlight over a map, and sliders that decode while dragged.

The JavaScript (``frontend/``) runs each model's ``decoder.onnx`` (explorer.store.browser_decoder)
with onnxruntime-web's WebAssembly backend, vendored in ``frontend/vendor`` (see its
NOTICE.md; ``vendor.sh`` refreshes it from npm). Nothing is fetched from outside the server.

Why ``st.components.v1.declare_component(path=…)`` and not components v2: v2 serves files
(the 3.5 MB WebAssembly runtime) only from a pip-installed package's asset folder, so
``streamlit run app.py`` from a clone would no longer be enough; v1 serves the folder as it
is, and its iframe keeps the component's canvas and event handlers apart from the page's.

The models and codes travel as the component's binary arguments, once per session: the arguments
never change while the page reruns (the component keeps its own cursor and kept point), so
Streamlit's message cache sends a reference instead of the bytes again. Codes travel as float16
(half the bytes, three significant digits), and the server's own decoding of a kept point uses
the same rounded values.

What a browser sends back (the component's value):
- ``{"event": "fix", "x", "y", "nearest", "k", "n"}``  a click on the map (checked by :func:`kept_point`);
- ``{"event": "release", "values": {dim: value}, "n"}``  a slider let go;
- ``{"event": "failed", "reason"}``  WebAssembly or the runtime's files are unavailable
  (``webassembly``, ``decompression`` or ``load``): the page falls back to its server views
  for the rest of the session (:func:`failed`).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st
import streamlit.components.v1 as components

from explorer.analysis.inverse import DEFAULT_K
from explorer.errors import BrowserDecoderUnavailable
from explorer.present.figures import CLASS_COLOURS
from explorer.present.i18n import t
from explorer.store.catalog import ModelInfo
from explorer_app import DECLARING

FRONTEND = Path(__file__).resolve().parent / "frontend"


@functools.cache
def _component():
    # Declared when first drawn, not on import: Streamlit names a component after the module that
    # declares it (inspect.getmodule, a walk over every loaded module, 0.1–0.2 s once per server), and
    # the map's first page has no use for it unless the flashlight is on.
    with DECLARING:
        return components.declare_component("browser_decoder", path=str(FRONTEND))

_FAILED = "_browser_decoder_failed"  # session key: the reason the browser could not decode, once it said so
IMAGE_SIZE = 140  # CSS pixels of each decoded image
FAILURES = ("webassembly", "decompression", "load")  # why a browser could not decode (main.js says which)


@dataclass(frozen=True)
class BrowserModel:
    """One model as the browser gets it: its decoder and, for the flashlight, its codes of the map's points."""

    info: ModelInfo
    label: str
    onnx: bytes
    fingerprint: str  # of the ONNX file: the browser keeps one session per fingerprint
    shape: tuple[int, int, int]  # C×H×W of a decoded image
    codes: np.ndarray | None = None  # N×d codes of the map's points (as float16 holds them); None: the position is the code

    def describe(self) -> dict:
        return {"key": f"{self.info.name}:{self.fingerprint}", "label": self.label, "dim": self.info.latent_dim,
                "shape": list(self.shape), "plane": self.codes is None}


def browser_model(info: ModelInfo, label: str, codes: np.ndarray | None = None) -> BrowserModel:
    """The model's checked decoder as the browser gets it; raises BrowserDecoderUnavailable (with a key)."""
    from explorer_app import loaders

    onnx, record = loaders.browser_decoder(info)
    if record["latent_dim"] != info.latent_dim:
        raise BrowserDecoderUnavailable("damaged")
    if codes is not None:  # they travel as float16: the server computes with the same values the browser has
        codes = np.asarray(codes, dtype=np.float16).astype(np.float32)
    return BrowserModel(info, label, onnx, record["file"], tuple(record["image_shape"]), codes)


def unavailable_message(err: BrowserDecoderUnavailable, label: str) -> str:
    """One line: why this model decodes on the server only, and the command that fixes it."""
    return t(err.key, model=label)


def failed() -> str | None:
    """Why the browser could not decode in this session (None if it can, or has not tried)."""
    return st.session_state.get(_FAILED)


def decoder_strings() -> dict:
    """What the component writes, in the interface language ({k}, {x}, {y} are filled in by the browser)."""
    keep = {"k": "{k}", "x": "{x}", "y": "{y}"}
    return {"hint": t("browser.hint"), "how_plane": t("browser.how_plane"), "how_blend": t("browser.how_blend", **keep),
            "how_sliders": t("browser.how_sliders"), "position": t("browser.position", **keep),
            "reset": t("browser.reset"), "decoded": t("browser.decoded"), "k_label": t("browser.k_label"),
            **{f"failed_{reason}": t(f"browser.failed_{reason}") for reason in FAILURES}}


def _signature(*parts) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else repr(part).encode())
    return digest.hexdigest()[:16]


def _handle(value):
    """The component's value; a failure is kept for the session and the page drawn again without it."""
    if isinstance(value, dict) and value.get("event") == "failed":
        reason = value.get("reason") if value.get("reason") in FAILURES else "load"
        if st.session_state.get(_FAILED) != reason:
            st.session_state[_FAILED] = reason
            st.rerun()  # draw the server's views instead
    return value if isinstance(value, dict) else None


def kept_point(value, n_points: int) -> tuple[float, float, int, int] | None:
    """A click the browser reported, checked (it comes from a visitor's browser): (x, y, nearest, k), or None."""
    if not isinstance(value, dict) or value.get("event") != "fix":
        return None
    x, y, nearest, k = (value.get(name) for name in ("x", "y", "nearest", "k"))
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (x, y, nearest, k))
    if not numbers or not (np.isfinite(x) and np.isfinite(y)) or not 0 <= nearest < n_points or nearest != int(nearest):
        return None
    return float(x), float(y), int(nearest), int(min(max(k, 1), 32)) if np.isfinite(k) else DEFAULT_K


def flashlight(models: list[BrowserModel], xy: np.ndarray, labels: np.ndarray, class_names: list[str], key: str,
               k: int = DEFAULT_K, height: int = 520,
               bounds: tuple[float, float, float, float] | None = None) -> dict | None:
    """The map of ``xy`` (coloured by ``labels``) decoded under the pointer by up to three models in lockstep.

    Returns the last click (``{"event": "fix", "x", "y", "nearest", …}``) or None.
    """
    xy = np.ascontiguousarray(xy, dtype=np.float32)
    arrays = {"xy": xy.tobytes(), "labels": np.asarray(labels, dtype=np.uint8).tobytes()}
    for i, m in enumerate(models):
        arrays[f"onnx_{i}"] = m.onnx
        if m.codes is not None:
            arrays[f"codes_{i}"] = np.ascontiguousarray(m.codes, dtype=np.float16).tobytes()
    described = [m.describe() for m in models]
    theme_background = "#ffffff" if st.context.theme.type != "dark" else "#0e1117"
    signature = _signature("map", described, xy.tobytes(), arrays["labels"], class_names, k, height, bounds,
                           theme_background)
    value = _component()(mode="map", signature=signature, models=described, k=int(k), height=int(height),
                       bounds=None if bounds is None else [float(b) for b in bounds], colors=list(CLASS_COLOURS), class_names=list(class_names),
                       background=theme_background, image_size=IMAGE_SIZE, strings=decoder_strings(), key=key,
                       default=None, **arrays)
    return _handle(value)


def slider_decoder(model: BrowserModel, base: np.ndarray, dims: list[dict], key: str) -> dict | None:
    """Sliders over ``dims`` (each ``{"index", "label", "lo", "hi", "value"}``) decoding ``base`` as they move.

    Returns the values at the last release (``{"event": "release", "values": {dim: value}}``) or None.
    """
    base = [float(v) for v in np.asarray(base, dtype=np.float32)]
    described = [model.describe()]
    signature = _signature("sliders", described, base, [(d["index"], d["lo"], d["hi"]) for d in dims])
    value = _component()(mode="sliders", signature=signature, models=described, base=base, dims=dims,
                       image_size=224, strings=decoder_strings(), key=key, default=None, onnx_0=model.onnx)
    return _handle(value)
