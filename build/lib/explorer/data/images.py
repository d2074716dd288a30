"""Images as arrays and PNG: grids of digits for the page and for download."""

from __future__ import annotations

import base64
import io

import numpy as np


def to_uint8(images) -> np.ndarray:
    """Images as pictures: floats in [0, 1] or uint8, N×H×W, N×1×H×W, N×3×H×W or N×H×W×3 → uint8
    N×H×W (grey) or N×H×W×3 (RGB), what st.image and PIL show."""
    a = np.asarray(images.detach().cpu().numpy() if hasattr(images, "detach") else images)
    if a.ndim == 4 and a.shape[1] == 1:
        a = a[:, 0]
    elif a.ndim == 4 and a.shape[1] == 3 and a.shape[-1] != 3:
        a = a.transpose(0, 2, 3, 1)
    if a.dtype != np.uint8:
        a = (np.clip(a, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return a


def pictures(images) -> list[np.ndarray]:
    """Each image as its own picture, for st.image's list form."""
    return list(to_uint8(images))


def grid(images, ncols: int, pad: int = 2, background: int = 255) -> np.ndarray:
    """Tile N images into one uint8 picture, ``ncols`` to a row."""
    a = to_uint8(images)
    n, h, w = a.shape[:3]
    ncols = max(1, min(ncols, n)) if n else 1
    nrows = max(1, -(-n // ncols))
    out = np.full((nrows * (h + pad) + pad, ncols * (w + pad) + pad, *a.shape[3:]), background, dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, ncols)
        out[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + c * (w + pad) : pad + c * (w + pad) + w] = a[i]
    return out


def png_bytes(picture: np.ndarray, scale: int = 1) -> bytes:
    from PIL import Image

    image = Image.fromarray(to_uint8(picture[None])[0] if picture.dtype != np.uint8 else picture)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def png_data_uri(picture: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(picture)).decode("ascii")
