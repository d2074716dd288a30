"""Image quality measures on tensors in [0, 1] (N×1×H×W or N×H×W)."""

from __future__ import annotations

import numpy as np
import torch


def mse_per_image(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Mean squared error of each image pair, shape N."""
    return (a.float() - b.float()).pow(2).flatten(1).mean(dim=1)


def psnr_per_image(a: torch.Tensor, b: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB (peak 1.0) of each image pair, shape N."""
    return 10.0 * torch.log10(1.0 / mse_per_image(a, b).clamp_min(eps))


def ssim_per_image(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Structural similarity (Wang et al. 2004) of each pair, by scikit-image, data range 1."""
    from skimage.metrics import structural_similarity

    a_np = a.detach().float().cpu().reshape(len(a), -1, *a.shape[-2:]).numpy()  # N×C×H×W
    b_np = b.detach().float().cpu().reshape(len(b), -1, *b.shape[-2:]).numpy()
    return torch.tensor([float(structural_similarity(x, y, data_range=1.0, channel_axis=0)) for x, y in zip(a_np, b_np)],
                        dtype=torch.float32)


def roc(scores_normal, scores_anomalous) -> tuple[np.ndarray, np.ndarray, float]:
    """ROC curve (false and true positive rates) and its AUC for "higher score = anomalous"."""
    from sklearn.metrics import roc_auc_score, roc_curve

    y = np.concatenate([np.zeros(len(scores_normal)), np.ones(len(scores_anomalous))])
    s = np.concatenate([np.asarray(scores_normal, dtype=np.float64), np.asarray(scores_anomalous, dtype=np.float64)])
    fpr, tpr, _ = roc_curve(y, s)
    return fpr, tpr, float(roc_auc_score(y, s))
