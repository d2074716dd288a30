"""From a point on a 2-D map back to a code: what the browser's flashlight decodes.

A map of a latent-16 model (UMAP of the test codes) has no inverse of its own. The
flashlight takes the k map points nearest the cursor and blends their codes with
inverse-distance weights (Shepard 1968, "A two-dimensional interpolation function for
irregularly-spaced data"):

    w_i = 1 / (‖p − p_i‖² + ε),   z(p) = Σ w_i z_i / Σ w_i      over the k nearest p_i

so that on a map point the code is that point's code (its reconstruction), and between
points it moves smoothly. ``ε`` is a small fraction of the map's squared extent, so a
cursor exactly on a point is not a division by zero. The browser computes the same sums
in JavaScript (explorer_app/browser_decoder/frontend/main.js); these functions are the
reference it is tested against, and what the error figures below are computed with.

Lockstep: the same k neighbours and weights, found on one model's map, blend the codes of
the *same test images* in another model: every model is asked about the same images'
neighbourhood.

:func:`inverse_error` measures how far the decoded image of the blend is from the true
reconstruction at map points that were held out of the blend (the points themselves
would be reproduced exactly, which proves nothing).
"""

from __future__ import annotations

import numpy as np

from explorer.analysis.inverse import DEFAULT_K, inverse_error, learned_inverse_error


def main(argv: list[str] | None = None) -> int:
    """Print, per model with a UMAP map, the flashlight's error for several k (and the learned inverse's)."""
    import torch

    from explorer.analysis.latent import decode as decode_codes
    from explorer.analysis.latent import encode
    from explorer.analysis.project import MAP_FILE, load_map
    from explorer.commands.args import ArgumentParser, whole_number
    from explorer.data.datasets import DATASETS, load_shipped_test
    from explorer.store.catalog import list_models
    from explorer.store.checkpoint import load_pretrained

    parser = ArgumentParser(prog="python -m explorer.inverse", description=main.__doc__)
    parser.add_argument("--dataset", choices=sorted(DATASETS), nargs="+", default=sorted(DATASETS))
    parser.add_argument("--k", type=whole_number(1, 256), nargs="+", default=[1, 4, DEFAULT_K, 16, 32])
    parser.add_argument("--learned", action="store_true", help="also train and measure the learned inverse")
    args = parser.parse_args(argv)
    print("| dataset | model | " + " | ".join(f"k = {k}" for k in args.k)
          + (" | learned 2→d" if args.learned else "") + " | two random points |")
    print("|---|---|" + "---:|" * (len(args.k) + args.learned + 1))
    for dataset in args.dataset:
        images, _ = load_shipped_test(dataset)
        for info in list_models(dataset):
            if not info.available or not (info.folder / MAP_FILE).is_file() or info.latent_dim == 2:
                continue  # a latent-2 model's map is its plane: the position is the code, exactly
            model = load_pretrained(info.folder)
            latent_map = load_map(info.folder / MAP_FILE, n_images=len(images))
            codes = encode(model, images).numpy()[latent_map.indices].astype(np.float16).astype(np.float32)

            def decode(z, model=model):
                return decode_codes(model, torch.from_numpy(z)).numpy()

            errors = [inverse_error(decode, latent_map.xy, codes, k=k) for k in args.k]
            row = [e["mse"] for e in errors]
            if args.learned:
                row.append(learned_inverse_error(decode, latent_map.xy, codes)["mse"])
            row.append(errors[0]["random_pair_mse"])
            print(f"| {dataset} | {info.name} | " + " | ".join(f"{v:.4f}" for v in row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
