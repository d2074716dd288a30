"""A map of many points as the WebGL chart draws it (explorer_app/points_chart): every point up to what a
browser holds, and above that an honest level of detail — the density of all the points, and the points
under the view.

Plain functions on arrays: where the points go on the chart's square, the density picture, the points in a
view, and the sheet of thumbnails.
"""

from __future__ import annotations

import numpy as np

from explorer.present.figures import CLASS_COLOURS

DENSITY_PIXELS = 512  # the density picture's side: a little finer than the chart's width on a projector


def square_bounds(xy: np.ndarray, margin: float = 0.03) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1): a square around every point with a margin, so that the map keeps its shape."""
    (x0, y0), (x1, y1) = np.min(xy, axis=0)[:2], np.max(xy, axis=0)[:2]
    half = max(float(x1 - x0), float(y1 - y0), 1e-9) * (0.5 + margin)
    cx, cy = (float(x0) + float(x1)) / 2, (float(y0) + float(y1)) / 2
    return cx - half, cx + half, cy - half, cy + half


def to_unit_square(xy: np.ndarray, bounds: tuple[float, float, float, float]) -> np.ndarray:
    """The points in [-1, 1]² (what regl-scatterplot draws): ``bounds`` (from :func:`square_bounds`) spans it."""
    x0, x1, y0, y1 = bounds
    out = np.empty((len(xy), 2), dtype=np.float32)
    out[:, 0] = (np.asarray(xy[:, 0], dtype=np.float64) - x0) / (x1 - x0) * 2 - 1
    out[:, 1] = (np.asarray(xy[:, 1], dtype=np.float64) - y0) / (y1 - y0) * 2 - 1
    return out


def density_picture(unit_xy: np.ndarray, labels: np.ndarray, pixels: int = DENSITY_PIXELS) -> np.ndarray:
    """Every point of ``unit_xy`` (in [-1, 1]²) counted into a pixels×pixels RGBA picture (uint8, rows running
    down): each pixel in the colour of its most frequent class, its opacity growing with the log of its count.
    What a browser is shown of a map too large to send whole."""
    col = np.clip(((unit_xy[:, 0] + 1) / 2 * pixels).astype(np.int64), 0, pixels - 1)
    row = np.clip(((1 - unit_xy[:, 1]) / 2 * pixels).astype(np.int64), 0, pixels - 1)
    cell = row * pixels + col
    labels = np.asarray(labels, dtype=np.int64) % len(CLASS_COLOURS)
    per_class = np.zeros((len(CLASS_COLOURS), pixels * pixels), dtype=np.int64)
    np.add.at(per_class, (labels, cell), 1)
    counts = per_class.sum(axis=0)
    colours = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in CLASS_COLOURS], dtype=np.uint8)
    picture = np.zeros((pixels * pixels, 4), dtype=np.uint8)
    picture[:, :3] = colours[per_class.argmax(axis=0)]
    if counts.max() > 0:
        strength = np.log1p(counts) / np.log1p(counts.max())
        picture[:, 3] = np.where(counts > 0, 60 + 180 * strength, 0).astype(np.uint8)
    return picture.reshape(pixels, pixels, 4)


def points_in_view(unit_xy: np.ndarray, view: tuple[float, float, float, float] | None, limit: int,
                   seed: int = 0) -> tuple[np.ndarray, int]:
    """The points inside ``view`` (x0, x1, y0, y1 in the unit square; None: all), as sorted positions: all of them up
    to ``limit``, else a seeded uniform sample of ``limit``; and how many are inside."""
    if view is None:
        inside = np.arange(len(unit_xy), dtype=np.int64)
    else:
        x0, x1, y0, y1 = view
        x, y = unit_xy[:, 0], unit_xy[:, 1]
        inside = np.flatnonzero((x >= min(x0, x1)) & (x <= max(x0, x1)) & (y >= min(y0, y1)) & (y <= max(y0, y1)))
    if len(inside) <= limit:
        return inside, len(inside)
    kept = np.sort(np.random.default_rng(seed).choice(len(inside), limit, replace=False))
    return inside[kept], len(inside)


def checked_view(value) -> tuple[float, float, float, float] | None:
    """A view a browser reported (``{"x0", "x1", "y0", "y1"}``), checked: four finite numbers within reach of the
    unit square with some width and height, else None."""
    if not isinstance(value, dict):
        return None
    numbers = [value.get(k) for k in ("x0", "x1", "y0", "y1")]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in numbers):
        return None
    x0, x1, y0, y1 = (float(v) for v in numbers)
    if x1 - x0 <= 1e-9 or y1 - y0 <= 1e-9 or max(map(abs, numbers)) > 1e6:
        return None
    return x0, x1, y0, y1


def thumbnail_sheet(images: np.ndarray, columns: int = 20) -> np.ndarray:
    """The images side by side in rows of ``columns``, no gaps: one picture the chart cuts its thumbnails from."""
    from explorer.data.images import grid

    return grid(images, columns, pad=0, background=0)
