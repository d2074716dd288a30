"""A view exported as a folder that opens from ``file://`` (a USB stick, a lectern without Python or network).

    python -m explorer.export site OUT/ --dataset mnist --models vae-z16 wae-z16 [--lang zh]

The folder holds ``index.html``, the browser decoder's own code (``decoder.js``: the flashlight's
``explorer_app/browser_decoder/frontend/main.js``), the page's ``site.js``, ONNX Runtime Web as text
(``runtime.js``: a page opened from a file can neither fetch a file nor import a module file, so the runtime
is imported from blob URLs), and ``data/``: the test images (gzip, base64), their labels, the first model's
2-D map and, per model, its decoder (ONNX, float16 weights where they stay within 1e-3 of PyTorch, as the app
sends them) and its codes of the test images (float16). Everything a page shows is decoded in the browser.

A folder is written whole into a sibling and then put in place: an export replaces an earlier export
(``explorer-site.json`` marks one), never another folder; a failure leaves what was there.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from explorer.errors import ExportRefused

FRONTEND = Path(__file__).resolve().parent / "frontend"
DECODER_FRONTEND = Path(__file__).resolve().parent.parent / "browser_decoder" / "frontend"
RUNTIME = DECODER_FRONTEND / "vendor" / "onnxruntime-web"
MARKER = "explorer-site.json"
SAMPLES = 32  # prior samples per model
MAP_SIDE = 520  # px: the flashlight's map, as on the map page


def write_site(out: Path, dataset: str, names: list[str], lang: str = "en") -> dict:
    """Write the export of ``names`` (checkpoints of ``dataset``) into ``out``; returns what it holds.

    Raises ExportRefused for an unknown dataset or model, an ``out`` that is not an export, or one that
    cannot be written.
    """
    from explorer.present.i18n import LANGUAGES, set_language

    out = Path(out).expanduser()
    if lang not in LANGUAGES:
        raise ExportRefused(f"unknown language {lang!r}; one of: {', '.join(LANGUAGES)}")
    check_target(out)
    set_language(lang)
    infos = chosen_models(dataset, names)
    payload = site_payload(dataset, infos)
    parent = out.parent if out.parent != Path("") else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=parent))
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)  # as a folder made with mkdir would be (mkdtemp makes it private)
    except OSError as err:
        raise ExportRefused(f"cannot write into {parent} ({err.strerror or err})") from None
    try:
        written = write_files(staging, payload, lang)
        replace_with(out, staging)
    except OSError as err:
        shutil.rmtree(staging, ignore_errors=True)
        raise ExportRefused(f"cannot write the export to {out} ({err.strerror or err})") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


def site_zip(dataset: str, names: list[str], lang: str = "en") -> bytes:
    """The export as a zip (the map page's button): written to a temporary folder, zipped, the folder removed."""
    import io
    import zipfile

    with tempfile.TemporaryDirectory(prefix="explorer-site-") as temp:
        folder = Path(temp) / f"explorer-{dataset}"
        write_site(folder, dataset, names, lang)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(folder.parent).as_posix())
        return buffer.getvalue()


def check_target(out: Path) -> None:
    """``out`` may be new, empty, or an earlier export; anything else is refused untouched."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ExportRefused(f"{out} exists and is not a folder: nothing was written")
    if any(out.iterdir()) and not (out / MARKER).is_file():
        raise ExportRefused(f"{out} exists, is not empty and is not an export of the explorer: nothing was written "
                            "(choose a new folder, or an earlier export to replace it)")
    if not os.access(out, os.W_OK) or not os.access(out.parent if out.parent != Path("") else Path("."), os.W_OK):
        raise ExportRefused(f"cannot write to {out}: permission denied")


def chosen_models(dataset: str, names: list[str]) -> list:
    """The available checkpoints ``names`` of ``dataset`` (the first one's map is the export's map)."""
    from explorer.data.datasets import all_datasets
    from explorer.store.catalog import list_models

    if dataset not in all_datasets():
        raise ExportRefused(f"unknown dataset {dataset!r}; one of: {', '.join(all_datasets())}")
    if not names:
        raise ExportRefused("name at least one model to export")
    available = {m.name: m for m in list_models(dataset) if m.available}
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ExportRefused(f"no usable model {', '.join(map(repr, unknown))} in {dataset}; "
                            f"one of: {', '.join(available) or 'none'}")
    if len(set(names)) != len(names):
        raise ExportRefused("each model once")
    if len(names) > 3:
        raise ExportRefused("at most three models: the flashlight decodes three in lockstep")
    return [available[n] for n in names]


def site_payload(dataset: str, infos: list) -> dict:
    """Everything the page needs, as arrays and strings (explorer_app/site/frontend/site.js reads it)."""
    import torch

    from explorer.analysis.project import MAP_FILE, latent_plane_map, load_map
    from explorer.data.datasets import load_shipped_arrays
    from explorer.errors import BrowserDecoderUnavailable, CheckpointError, MapUnavailable
    from explorer.present.figures import CLASS_COLOURS
    from explorer.present.i18n import class_names, dataset_title, t
    from explorer.store.checkpoint import load_pretrained
    from explorer.store.precomputed import encode_test
    from explorer_app.browser_decoder import decoder_strings
    from explorer_app.widgets import model_label

    images, labels = load_shipped_arrays(dataset)
    models = []
    for info in infos:
        try:
            model = load_pretrained(info.folder)
        except CheckpointError as err:
            raise ExportRefused(f"{info.name}: {err.reason}") from None

        codes = stored_codes(info, len(images))
        if codes is None:
            codes = encode_test(model, torch.from_numpy(np.array(images)))["codes"]
        try:
            onnx, record = decoder_bytes(info, model)
        except BrowserDecoderUnavailable as err:
            raise ExportRefused(f"{info.name}: its decoder cannot run in a browser ({t(err.key, model=info.name)})") from None
        models.append({"name": info.name, "label": model_label(info), "dim": info.latent_dim,
                       "shape": list(record["image_shape"]), "plane": False, "onnx": onnx,
                       "codes": np.asarray(codes, dtype=np.float16), "key": f"{info.name}:{record['file']}"})
    first = infos[0]
    try:
        latent_map = (latent_plane_map(models[0]["codes"].astype(np.float32)) if first.latent_dim == 2
                      else load_map(first.folder / MAP_FILE, n_images=len(images)))
    except MapUnavailable as err:
        raise ExportRefused(f"{first.name} has no usable map ({err.reason}); compute one with "
                            f"`python -m explorer.embed` on its folder") from None
    drawn = latent_map.drawn()
    if drawn.dims != 2:
        raise ExportRefused(f"{first.name}'s map is 3-D; the export draws a 2-D map")
    rows = np.asarray(drawn.indices)
    names = list(class_names(dataset, int(labels.max()) + 1))
    for m in models:  # the points of the map: each model's codes of the same images
        m["codes"] = m["codes"][rows]
    pictures = np.asarray(images)[rows]
    if pictures.ndim == 3:
        pictures = pictures[..., None]
    title = t("site.title", dataset=dataset_title(dataset), models=", ".join(m["label"] for m in models))
    strings = {"original": t("map.original", index="{index}", label="{label}"),
               "reconstruction": t("site.reconstruction", model="{model}"),
               "scrub_ends": t("site.scrub_ends", a="{a}", b="{b}"),
               "sample_alt": t("site.sample_alt", model="{model}", k="{k}")}
    return {"dataset": dataset, "title": title, "models": models, "xy": np.asarray(drawn.xy, dtype=np.float32),
            "labels": np.asarray(labels)[rows].astype(np.uint8), "images": pictures.astype(np.uint8),
            "indices": rows, "class_names": names, "colors": list(CLASS_COLOURS), "strings": strings,
            "decoder_strings": decoder_strings(), "map_method": drawn.method}


def stored_codes(info, n_images: int) -> np.ndarray | None:
    """The test codes stored beside the checkpoint (views.npz, checked against its weights), if usable."""
    from explorer.analysis.project import weights_fingerprint
    from explorer.errors import ViewsUnavailable
    from explorer.store.precomputed import VIEWS_FILE, load_views

    try:
        return load_views(info.folder / VIEWS_FILE, weights_fingerprint(info.folder), n_images, info.latent_dim)["codes"]
    except ViewsUnavailable:
        return None


def decoder_bytes(info, model) -> tuple[bytes, dict]:
    """The model's browser decoder, as the map page gets it (shipped, else exported once into the cache)."""
    from explorer.analysis.project import weights_fingerprint
    from explorer.store.browser_decoder import shipped_or_exported

    return shipped_or_exported(info.folder, info.dataset, info.name, weights_fingerprint(info.folder), lambda: model)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def script(name: str, value) -> str:
    """A classic script that sets ``window[name]``: what a page opened from a file can load."""
    return f"window.{name} = {json.dumps(value, ensure_ascii=False, separators=(',', ':'))};\n"


def write_files(folder: Path, payload: dict, lang: str) -> dict:
    from explorer.present.i18n import t

    data = folder / "data"
    data.mkdir(parents=True)
    (folder / "runtime.js").write_text(script("EXPLORER_RUNTIME", {
        "mjs": (RUNTIME / "ort.wasm.min.mjs").read_text(encoding="utf-8"),
        "glue": (RUNTIME / "ort-wasm-simd-threaded.mjs").read_text(encoding="utf-8"),
        "wasm_gz": b64((RUNTIME / "ort-wasm-simd-threaded.wasm.gz").read_bytes())}), encoding="utf-8")
    shutil.copyfile(RUNTIME / "NOTICE.md", folder / "ONNXRUNTIME-NOTICE.md")
    shutil.copyfile(DECODER_FRONTEND / "main.js", folder / "decoder.js")
    shutil.copyfile(FRONTEND / "site.js", folder / "site.js")
    models = payload["models"]
    site = {"title": payload["title"], "lang": lang, "strings": payload["strings"],
            "decoder_strings": payload["decoder_strings"], "class_names": payload["class_names"],
            "colors": payload["colors"], "k": 8, "height": MAP_SIDE, "samples": SAMPLES,
            "image_shape": list(payload["images"].shape), "start": [0, min(1, len(payload["labels"]) - 1)],
            "xy": b64(payload["xy"].tobytes()), "labels": b64(payload["labels"].tobytes()),
            "images": b64(gzip.compress(payload["images"].tobytes(), compresslevel=9, mtime=0)), "models": []}
    (data / "dataset.js").write_text(script("EXPLORER_SITE", site), encoding="utf-8")
    sizes = {}
    for i, m in enumerate(models):
        described = {"key": m["key"], "label": m["label"], "dim": m["dim"], "shape": m["shape"], "plane": m["plane"],
                     "onnx": b64(m["onnx"]), "codes": b64(m["codes"].tobytes())}
        path = data / f"model-{i}.js"
        path.write_text(f"window.EXPLORER_SITE.models.push({json.dumps(described, separators=(',', ':'))});\n",
                        encoding="utf-8")
        sizes[m["name"]] = path.stat().st_size
    scripts = "\n".join(['<script src="data/dataset.js"></script>',
                         *(f'<script src="data/model-{i}.js"></script>' for i in range(len(models)))])
    page = (FRONTEND / "index.html").read_text(encoding="utf-8")
    style = (DECODER_FRONTEND / "index.html").read_text(encoding="utf-8").split("<style>")[1].split("</style>")[0]
    fields = {"lang": "zh-Hans" if lang == "zh" else lang, "title": html.escape(payload["title"]),
              "decoder_style": style, "data_scripts": scripts,
              "exported": html.escape(t("site.exported", n=len(payload["labels"]))),
              "map_heading": html.escape(t("nav.map")), "map_text": html.escape(t("site.map_text")),
              "point_heading": html.escape(t("site.point_heading")),
              "interp_heading": html.escape(t("nav.interpolate")), "interp_text": html.escape(t("site.interp_text")),
              "samples_heading": html.escape(t("tour.s6.title")), "samples_text": html.escape(t("tour.s6.text"))}
    for name, value in fields.items():
        page = page.replace("{" + name + "}", value)
    (folder / "index.html").write_text(page, encoding="utf-8")
    shared = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) - sum(sizes.values())
    record = {"format": 1, "dataset": payload["dataset"], "models": [m["name"] for m in models], "lang": lang,
              "points": len(payload["labels"]), "map": payload["map_method"], "bytes_per_model": sizes,
              "bytes_shared": shared}
    (folder / MARKER).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def replace_with(out: Path, staging: Path) -> None:
    """Put the finished ``staging`` folder at ``out``; an earlier export there is removed only afterwards."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    try:
        staging.rename(out)
    except OSError:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
