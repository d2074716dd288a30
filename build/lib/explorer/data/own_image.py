"""A user's own image, made into what the models were trained on.

MNIST was made by fitting each digit into a 20×20 box (aspect ratio kept, anti-aliased) and
centring its centre of mass in 28×28 (LeCun et al.); Fashion-MNIST by trimming each product,
fitting its longer side to 28 and centring it (Xiao et al. 2017). Both are light on dark. An
upload or a drawing goes through the same steps, each kept so a page can show what the model
receives.

Decoding is guarded: the file's size, the pixel count read from its header before any pixel is
decoded, and Pillow's own decompression-bomb limit. Every refusal is an ImageRejected whose
``key`` names the fault, for the page's catalogue; nothing is written anywhere.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np

from explorer.errors import ImageRejected

FORMATS = ("PNG", "JPEG", "BMP", "WEBP", "GIF")
MAX_BYTES = 5 * 1024 * 1024  # as server.maxUploadSize: a drawing or a photo of a digit, never more
MAX_PIXELS = 24_000_000  # a 6000×4000 photo; checked from the header, before decoding
MIN_SIDE = 8  # pixels: below this there is no drawing to fit into 20×20
MAX_ASPECT = 20  # a strip longer than this is not a digit or a garment
WORKING_SIDE = 512  # larger images are reduced to this (Pillow's draft/reduce) before any arithmetic
EMPTY_CONTRAST = 0.08  # an image whose ink is fainter than this (of the full range) has nothing in it


@dataclass
class Prepared:
    """The model's input (uint8 28×28, light on dark) and each step that led to it."""
    image: np.ndarray
    steps: list[tuple[str, np.ndarray]]  # (step name, float image in [0, 1]) — "read", "ink", "cropped", "fitted"
    inverted: bool


def open_image(data: bytes):
    """The Pillow image in ``data``, decoded (its first frame if animated), after every guard:
    the file's size, the pixel count from its header, Pillow's bomb limit, the side and the shape."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise ImageRejected("empty", "the file is empty")
    if len(data) > MAX_BYTES:
        raise ImageRejected("too_large", f"the file is {len(data) / 1e6:.1f} MB, more than {MAX_BYTES / 1e6:.0f} MB",
                            megabytes=len(data) / 1e6, limit=MAX_BYTES / 1e6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)  # Pillow's limit as an error
        try:
            image = Image.open(io.BytesIO(data), formats=FORMATS)
        except UnidentifiedImageError:
            raise ImageRejected("not_image", "this is not a PNG, JPEG, BMP, WebP or GIF image") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected("too_many_pixels", "the image has too many pixels", limit=MAX_PIXELS) from None
        except (OSError, ValueError, SyntaxError):
            raise ImageRejected("damaged", "the image is damaged or truncated") from None
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ImageRejected("too_many_pixels", f"{width}×{height} pixels is more than {MAX_PIXELS:,}",
                                width=width, height=height, limit=MAX_PIXELS)
        if min(width, height) < MIN_SIDE:
            raise ImageRejected("too_small", f"{width}×{height} pixels is too small to hold a drawing",
                                width=width, height=height, limit=MIN_SIDE)
        if max(width, height) > MAX_ASPECT * min(width, height):
            raise ImageRejected("too_thin", f"{width}×{height} pixels is too thin to hold a drawing",
                                width=width, height=height)
        try:
            image.seek(0)  # an animated GIF or WebP: its first frame
            image.draft(None, (WORKING_SIDE, WORKING_SIDE))  # JPEG: decode at a reduced scale
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected("too_many_pixels", "the image has too many pixels", limit=MAX_PIXELS) from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise ImageRejected("damaged", "the image is damaged or truncated") from None
    return image


def read_image(data: bytes) -> np.ndarray:
    """The image in ``data`` as float grey levels in [0, 1] (H×W); its first frame if animated."""
    try:
        return _grey_levels(open_image(data))
    except (OSError, ValueError, SyntaxError, EOFError):
        raise ImageRejected("damaged", "the image is damaged or truncated") from None


def _grey_levels(image) -> np.ndarray:
    """Float grey levels in [0, 1] of any Pillow mode: 16-bit, CMYK, palette, alpha, bilevel."""
    from PIL import Image

    if max(image.size) > WORKING_SIDE:
        image = image.copy()
        image.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.BOX)
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        scale = 65535.0 if image.mode.startswith("I;16") else max(float(values.max()), 1.0)
        return np.clip(values / scale, 0, 1).astype(np.float32)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if not has_alpha:
        return np.asarray(image.convert("L"), dtype=np.float32) / 255
    rgba = np.asarray(image.convert("RGBA"), dtype=np.float32) / 255
    grey = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    alpha = rgba[..., 3]
    if alpha.min() > 0.99:
        return grey
    # Transparent pixels are the background: lay the picture on the colour that contrasts with what
    # is drawn (white ink on a transparent sheet must not vanish on a white one).
    opaque = alpha > 0.5
    ink_is_light = opaque.any() and float(np.median(grey[opaque])) > 0.5
    background = 0.0 if ink_is_light else 1.0
    return grey * alpha + background * (1 - alpha)


def prepare(grey: np.ndarray, dataset: str) -> Prepared:
    """Make ``grey`` (float H×W in [0, 1]) a 28×28 model input the way ``dataset`` was made."""
    from skimage.transform import resize

    steps = [("read", grey)]
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    background = float(np.median(border))
    inverted = background > 0.5  # dark ink on a light background: the datasets are light on dark
    ink = (background - grey) if inverted else (grey - background)
    ink = np.clip(ink, 0, None)
    if ink.max() < EMPTY_CONTRAST:
        raise ImageRejected("blank", "there is nothing in the image: it is all one colour")
    ink = ink / ink.max()
    steps.append(("ink", ink))
    rows, cols = np.nonzero(ink > 0.1)
    cropped = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    steps.append(("cropped", cropped))
    box = 20 if dataset == "mnist" else 28
    h, w = cropped.shape
    scale = box / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    fitted = np.clip(resize(cropped, size, order=1, anti_aliasing=scale < 1, preserve_range=True), 0, 1)
    canvas = np.zeros((28, 28), dtype=np.float32)
    if dataset == "mnist":  # centre of mass at the centre, the box kept inside the image
        com = np.array([np.average(np.arange(size[0]), weights=fitted.sum(axis=1) + 1e-12),
                        np.average(np.arange(size[1]), weights=fitted.sum(axis=0) + 1e-12)])
        top, left = np.clip(np.rint(13.5 - com).astype(int), 0, [28 - size[0], 28 - size[1]])
    else:  # the object's box centred
        top, left = (28 - size[0]) // 2, (28 - size[1]) // 2
    canvas[top : top + size[0], left : left + size[1]] = fitted
    steps.append(("fitted", canvas))
    return Prepared(image=np.rint(canvas * 255).astype(np.uint8), steps=steps, inverted=inverted)


def prepare_bytes(data: bytes, dataset: str, shape: tuple[int, int, int] = (1, 28, 28)) -> Prepared:
    """Read and prepare an uploaded or drawn image for a model of ``dataset`` whose images are
    ``shape`` (C×H×W); ImageRejected says what is wrong with it.

    MNIST and Fashion-MNIST images are prepared as those datasets were made; a user's dataset, whose
    making is unknown, gets the image as it is, fitted into its size (proportions kept, the border's
    colour around it) in its channels."""
    from explorer.data.datasets import DATASETS

    if dataset in DATASETS:
        return prepare(read_image(data), dataset)
    return fit_picture(open_image(data), shape)


def fit_picture(image, shape: tuple[int, int, int]) -> Prepared:
    """An opened Pillow image fitted into C×S×S: grey or RGB as ``shape`` says, proportions kept."""
    from PIL import Image, ImageOps

    channels, side = shape[0], shape[1]
    picture = image.convert("RGB" if channels == 3 else "L")
    read = np.asarray(picture, dtype=np.float32) / 255
    border = np.concatenate([read[0], read[-1], read[:, 0], read[:, -1]])
    fill = tuple(int(v) for v in np.rint(np.median(border, axis=0) * 255).reshape(-1))
    fitted = ImageOps.pad(picture, (side, side), method=Image.Resampling.LANCZOS,
                          color=fill if channels == 3 else fill[0])
    image_array = np.array(fitted, dtype=np.uint8)
    return Prepared(image=image_array, steps=[("read", read), ("fitted", image_array.astype(np.float32) / 255)],
                    inverted=False)


def percentile_of(value: float, reference: np.ndarray) -> float:
    """The share (in %) of ``reference`` below ``value``: how unusual a score is among the test set's."""
    reference = np.asarray(reference)
    return float(100 * np.mean(reference < value)) if len(reference) else float("nan")
