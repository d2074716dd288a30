"""The zoo's generative goals, read from the stored quality figures (python -m explorer.evaluate --quality).

    python bench/zoo_goals.py [--latent-dim 16]

Per dataset, for the VAE, the WAE and the AAE at one latent size: test MSE, FID-c of N(0, I) samples
and of mixture samples, and each goal of the zoo with its figures:
- the WAE's and the AAE's N(0, I) samples at least 15 % better (lower FID-c) than the VAE's, with a
  test MSE at least as good;
- the VAE's N(0, I) samples within 2× of its mixture samples' FID-c;
- the plain AE's N(0, I) samples far worse than the AE with a mixture (the published ordering), and
  the mixture helping every model.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explorer.data.datasets import DATASETS
from explorer.store.catalog import list_models
from explorer.store.checkpoint import read_config, read_metrics


def figures(dataset: str, latent_dim: int) -> dict[str, dict]:
    rows = {}
    for info in list_models(dataset):
        if info.latent_dim != latent_dim or not info.available:
            continue
        metrics, (config, data) = read_metrics(info.folder), read_config(info.folder)
        quality = metrics.get("quality", {})
        training = data.get("training", {})
        rows[info.kind] = {"mse": metrics.get("test", {}).get("mse"), "prior": quality.get("fid_prior"),
                           "gmm": quality.get("fid_gmm"),
                           "recipe": f"{config.norm} norm, {training.get('schedule', 'constant')} {training.get('lr')}",
                           "epochs": training.get("epochs")}
    return rows


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latent-dim", type=int, default=16)
    args = parser.parse_args()
    for dataset in DATASETS:
        rows = figures(dataset, args.latent_dim)
        print(f"\n**{dataset}**, latent {args.latent_dim}\n")
        print("| model | backbone, schedule, lr | epochs | test MSE | FID-c N(0, I) | FID-c GMM | N(0, I) / GMM |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for kind, r in rows.items():
            if r["prior"] is None or r["gmm"] is None:
                continue
            print(f"| {kind}-z{args.latent_dim} | {r['recipe']} | {r['epochs']} | {r['mse']:.4f} | {r['prior']:.2f} | "
                  f"{r['gmm']:.2f} | {r['prior'] / r['gmm']:.2f} |")
        print()
        vae = rows.get("vae")
        if vae and vae["prior"] is not None:
            for kind in ("wae", "aae"):
                r = rows.get(kind)
                if not r or r["prior"] is None:
                    continue
                better = 1 - r["prior"] / vae["prior"]
                print(f"- {kind.upper()} N(0, I) FID-c {r['prior']:.1f} against the VAE's {vae['prior']:.1f}: "
                      f"{better:+.0%} better (goal ≥ 15 %: {verdict(better >= 0.15)}); test MSE {r['mse']:.4f} "
                      f"against {vae['mse']:.4f} ({verdict(r['mse'] <= vae['mse'])})")
            if vae["gmm"]:
                ratio = vae["prior"] / vae["gmm"]
                print(f"- VAE N(0, I) against its mixture: {vae['prior']:.1f} / {vae['gmm']:.1f} = {ratio:.2f}× "
                      f"(goal ≤ 2×: {verdict(ratio <= 2)})")
        ae = rows.get("ae")
        if ae and ae["prior"] is not None:
            print(f"- AE N(0, I) against AE + mixture: {ae['prior']:.1f} against {ae['gmm']:.1f} "
                  f"({verdict(ae['prior'] > 2 * ae['gmm'])}: far worse)")
        helped = [k for k, r in rows.items() if r["prior"] is not None and r["gmm"] is not None and r["gmm"] < r["prior"]]
        print(f"- the mixture helps {len(helped)} of {len(rows)} models ({', '.join(sorted(set(rows) - set(helped))) or 'all'}"
              f"{' not' if set(rows) - set(helped) else ''})")


if __name__ == "__main__":
    main()
