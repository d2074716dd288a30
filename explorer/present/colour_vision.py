"""How the class colours look to people with a colour-vision deficiency, and how far apart they stay.

Machado, Oliveira and Fernandes (2009), "A physiologically-based model for simulation of color vision
deficiency" (severity 1.0), applied in linear RGB; distances in CIEDE2000 (scikit-image). Used by
tests/test_palette.py and bench/palette.py (docs/images/palette.png).
"""

from __future__ import annotations

import numpy as np

DEFICIENCIES = {
    "protan": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deutan": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritan": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}
VISIONS = ("normal", *DEFICIENCIES)


def as_rgb(colours) -> np.ndarray:
    """'#RRGGBB' strings → N×3 floats in [0, 1]."""
    return np.array([[int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)] for c in colours])


def seen(rgb: np.ndarray, vision: str) -> np.ndarray:
    """sRGB colours (N×3 in [0, 1]) as seen with ``vision`` (one of VISIONS)."""
    if vision == "normal":
        return rgb
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    simulated = np.clip(linear @ np.array(DEFICIENCIES[vision]).T, 0, 1)
    return np.where(simulated <= 0.0031308, simulated * 12.92, 1.055 * simulated ** (1 / 2.4) - 0.055)


def closest_pair(rgb: np.ndarray, vision: str) -> float:
    """The CIEDE2000 distance of the two colours that look most alike with ``vision``."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    lab = rgb2lab(seen(rgb, vision)[None])[0]
    return min(float(deltaE_ciede2000(lab[i], lab[j])) for i in range(len(lab)) for j in range(i + 1, len(lab)))
