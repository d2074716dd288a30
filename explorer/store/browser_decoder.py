"""Decoders that run in the browser: each model's decoder exported to ONNX, shipped beside its weights.

The command line is explorer/commands/browser_decoder.py (``python -m explorer.browser_decoder``): its docstring says how to use it.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from explorer.analysis.project import weights_fingerprint
from explorer.errors import BrowserDecoderUnavailable

DECODER_FILE = "decoder.onnx"
BROWSER_FILE = "browser.json"
FORMAT = 1
OPSET = 17
HALF_TOLERANCE = 1e-3  # the largest per-pixel difference from PyTorch that float16 weights may cause
CHECK_CODES = 512  # test codes the exported decoder is checked on
HALF_MIN_SIZE = 1024  # smaller tensors (biases) stay float32: nothing to save, and no rounding


# --- export (torch, onnx, onnxruntime) --------------------------------------------------


def export_decoder(model) -> bytes:
    """The model's decode(z) as an ONNX graph with float32 weights and a dynamic batch."""
    import torch

    class Decode(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, z):
            return self.inner.decode(z)

    import warnings

    buffer = io.BytesIO()
    example = torch.zeros(1, model.config.latent_dim)
    # the TorchScript exporter on purpose: torch's newer one needs onnxscript too, for the same graph
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(Decode(model).eval(), (example,), buffer, dynamo=False, opset_version=OPSET,
                          input_names=["code"], output_names=["image"],
                          dynamic_axes={"code": {0: "batch"}, "image": {0: "batch"}})
    return buffer.getvalue()


def halve_weights(onnx_bytes: bytes) -> bytes:
    """The same graph with its large float32 weights stored as float16, each cast back to float32."""
    import onnx
    from onnx import helper, numpy_helper

    graph_model = onnx.load_from_string(onnx_bytes)
    graph = graph_model.graph
    casts = []
    for initializer in graph.initializer:
        if initializer.data_type != onnx.TensorProto.FLOAT:
            continue
        values = numpy_helper.to_array(initializer)
        if values.size < HALF_MIN_SIZE:
            continue
        name = initializer.name
        half = numpy_helper.from_array(values.astype(np.float16), name=f"{name}__half")
        initializer.CopyFrom(half)
        casts.append(helper.make_node("Cast", [f"{name}__half"], [name], to=onnx.TensorProto.FLOAT))
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(graph_model)
    return graph_model.SerializeToString()


def run_onnx(onnx_bytes: bytes, codes: np.ndarray) -> np.ndarray:
    """Decode ``codes`` with ONNX Runtime (CPU), as the browser's runtime would."""
    import onnxruntime

    session = onnxruntime.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    return session.run(["image"], {"code": np.asarray(codes, dtype=np.float32)})[0]


def check_codes(model, dataset: str, n: int = CHECK_CODES) -> np.ndarray:
    """Codes to check an export on: the model's codes of the first ``n`` shipped test images."""
    from explorer.analysis.latent import encode
    from explorer.data.datasets import load_shipped_test

    images, _ = load_shipped_test(dataset)
    return encode(model, images[:n]).numpy()


def build_browser_decoder(model, codes: np.ndarray) -> tuple[bytes, dict]:
    """The ONNX decoder to ship and what it was checked to be: float16 weights if they stay within tolerance."""
    import torch

    from explorer.analysis.latent import decode

    reference = decode(model, torch.from_numpy(np.asarray(codes, dtype=np.float32))).numpy()
    full = export_decoder(model)
    full_error = float(np.abs(run_onnx(full, codes) - reference).max())
    half = halve_weights(full)
    half_error = float(np.abs(run_onnx(half, codes) - reference).max())
    use_half = half_error <= HALF_TOLERANCE
    chosen, error = (half, half_error) if use_half else (full, full_error)
    report = {"weights_dtype": "float16" if use_half else "float32", "max_abs_error": error,
              "float32_max_abs_error": full_error, "float16_max_abs_error": half_error,
              "checked_codes": len(codes), "bytes": len(chosen), "float32_bytes": len(full),
              "latent_dim": int(model.config.latent_dim), "image_shape": list(model.config.image_shape)}
    return chosen, report


def write_browser_decoder(folder: Path, out: Path | None = None, model=None) -> dict:
    """Export the decoder of the checkpoint in ``folder`` beside its weights (or into ``out``);
    returns browser.json's content. ``model``: the checkpoint already loaded, where the caller has it."""
    from explorer.store.checkpoint import load_pretrained

    folder = Path(folder)
    out = folder if out is None else Path(out)
    model = load_pretrained(folder) if model is None else model
    onnx_bytes, report = build_browser_decoder(model, check_codes(model, model.config.dataset))
    record = {"format": FORMAT, "weights": weights_fingerprint(folder),
              "file": _bytes_fingerprint(onnx_bytes), "opset": OPSET, **report}
    out.mkdir(parents=True, exist_ok=True)
    _write_atomically(out / DECODER_FILE, onnx_bytes)
    _write_atomically(out / BROWSER_FILE, json.dumps(record, indent=2, sort_keys=True).encode() + b"\n")
    return record


def cached_export_folder(dataset: str, name: str, weights: str) -> Path:
    """Where the server keeps the decoder it exported itself for a checkpoint that ships none."""
    from explorer.analysis.project import cache_dir

    return cache_dir(dataset) / "browser" / dataset / f"{name}-{weights}"


def exported_on_demand(folder: Path, dataset: str, name: str, weights: str, model) -> tuple[bytes, dict]:
    """The decoder of a checkpoint that ships none (a zoo of your own, or an entry shipped without one
    to keep the zoo small): exported once into the server's cache, checked as a shipped one is.
    Raises BrowserDecoderUnavailable: ``missing`` where onnx or onnxruntime is not installed,
    ``unexportable`` where the decoder uses what ONNX cannot express."""
    import importlib.util

    cached = cached_export_folder(dataset, name, weights)
    try:
        return read_browser_decoder(cached, weights)
    except BrowserDecoderUnavailable:
        pass
    if any(importlib.util.find_spec(package) is None for package in ("onnx", "onnxruntime")):
        raise BrowserDecoderUnavailable("missing")
    try:
        write_browser_decoder(folder, out=cached, model=model)
    except Exception:  # noqa: BLE001  (a model of its own may use what ONNX cannot express: said, not raised)
        raise BrowserDecoderUnavailable("unexportable") from None
    return read_browser_decoder(cached, weights)


def shipped_or_exported(folder: Path, dataset: str, name: str, weights: str, load_model) -> tuple[bytes, dict]:
    """The checkpoint's decoder for the browser: the one shipped beside it (checked against ``weights``), else
    one exported now into the cache (:func:`exported_on_demand`; ``load_model()`` gives the model then)."""
    try:
        return read_browser_decoder(folder, weights)
    except BrowserDecoderUnavailable as err:
        if err.fault != "missing":
            raise
    return exported_on_demand(folder, dataset, name, weights, load_model())


def _bytes_fingerprint(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:16]


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    tmp.replace(path)


# --- reading (no torch, no onnx: the app) -----------------------------------------------


def read_browser_decoder(folder: Path, weights: str | None = None) -> tuple[bytes, dict]:
    """The decoder's ONNX bytes and its record, checked; raises BrowserDecoderUnavailable with a key.

    ``weights`` is the weights' fingerprint where the caller has it already.
    Keys: ``missing`` (never exported), ``damaged`` (a record or file that does not read or
    does not match its fingerprint), ``stale`` (exported from other weights).
    """
    folder = Path(folder)
    record_path, file_path = folder / BROWSER_FILE, folder / DECODER_FILE
    if not record_path.is_file() or not file_path.is_file():
        raise BrowserDecoderUnavailable("missing")
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        data = file_path.read_bytes()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise BrowserDecoderUnavailable("damaged") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("file") != _bytes_fingerprint(data):
        raise BrowserDecoderUnavailable("damaged")
    shape = record.get("image_shape")
    if (not isinstance(shape, list) or len(shape) != 3 or not all(isinstance(v, int) and 0 < v <= 4096 for v in shape)
            or not isinstance(record.get("latent_dim"), int)):
        raise BrowserDecoderUnavailable("damaged")
    weights = weights if weights is not None else weights_fingerprint(folder)
    if record.get("weights") != weights:
        raise BrowserDecoderUnavailable("stale")
    return data, record
