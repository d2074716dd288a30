"""What a user can take away: the map's coordinates (CSV), codes (.npy), figures (PNG, SVG), GIFs.

Plain functions from arrays and figures to bytes; the app calls them only when a download
button is clicked (Streamlit's deferred downloads), never on a rerun.
"""

from __future__ import annotations

import csv
import io
import os
import shutil

import numpy as np

FIGURE_FORMATS = ("png", "svg")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "msedge")


def map_csv(xy: np.ndarray, indices: np.ndarray, labels: np.ndarray, class_names: list[str]) -> bytes:
    """One row per map point: the test image's index, its label (number and name), and its coordinates."""
    xy = np.asarray(xy)
    axes = ["x", "y", "z"][: xy.shape[1]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["index", "label", "class", *axes])
    for i, row in zip(np.asarray(indices), xy):
        label = int(labels[i])
        name = class_names[label] if 0 <= label < len(class_names) else ""
        writer.writerow([int(i), label, name, *(f"{float(v):.6g}" for v in row)])
    return out.getvalue().encode("utf-8")


def read_map_csv(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The indices and coordinates of a map_csv file (what a user's own script would read)."""
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    axes = [a for a in ("x", "y", "z") if rows and a in rows[0]]
    return (np.array([int(r["index"]) for r in rows]),
            np.array([[float(r[a]) for a in axes] for r in rows], dtype=np.float64))


def array_npy(array: np.ndarray) -> bytes:
    """An array as a .npy file (read back with np.load(..., allow_pickle=False))."""
    out = io.BytesIO()
    np.save(out, np.ascontiguousarray(array), allow_pickle=False)
    return out.getvalue()


def figure_export_available() -> bool:
    """Whether this server can draw figures to PNG / SVG: Kaleido drives a Chrome or Chromium it finds."""
    return bool(os.environ.get("BROWSER_PATH")) or any(shutil.which(name) for name in BROWSERS)


def figure_bytes(fig, fmt: str, width: int | None = None, height: int | None = None, scale: float = 2.0) -> bytes:
    """A Plotly figure as PNG or SVG (Kaleido, in a headless Chrome / Chromium on the server)."""
    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {FIGURE_FORMATS}")
    return fig.to_image(format=fmt, width=width, height=height, scale=scale if fmt == "png" else 1)


def gif_bytes(frames: np.ndarray, frame_ms: int = 80, loop: bool = True, bounce: bool = True, scale: int = 4) -> bytes:
    """An animated GIF of N images (any form explorer.data.images.to_uint8 reads), each enlarged ``scale`` times.

    ``bounce`` plays the frames forward then back, so a looping interpolation has no jump.
    """
    from PIL import Image

    from explorer.data.images import to_uint8

    pictures = to_uint8(np.asarray(frames))
    order = list(range(len(pictures))) + (list(range(len(pictures) - 2, 0, -1)) if bounce else [])
    mode = "RGB" if pictures.ndim == 4 else "L"
    height, width = pictures.shape[1:3]
    images = [Image.fromarray(pictures[i], mode).resize((width * scale, height * scale), Image.NEAREST) for i in order]
    out = io.BytesIO()
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:], duration=frame_ms,
                   loop=0 if loop else 1, disposal=2)
    return out.getvalue()
