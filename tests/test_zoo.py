"""The shipped zoo: every checkpoint loads and its stored figures hold on a fresh evaluation."""

import json

import pytest

from explorer.analysis.project import load_map
from explorer.data.datasets import DATASETS, load_shipped_test
from explorer.metrics.evaluate import evaluate_model
from explorer.store.catalog import list_models
from explorer.store.checkpoint import load_pretrained

SHIPPED = [m for d in DATASETS for m in list_models(d)]


def test_the_zoo_ships_models():
    assert SHIPPED, "pretrained/ holds no checkpoint"


def test_the_zoo_lists_every_kind_at_latent_16_and_the_generative_ones_at_2():
    from explorer.models.kinds import IMAGE_KINDS
    from explorer.store.zoo import zoo_entries

    names = {e.name for e in zoo_entries()}
    for dataset in DATASETS:
        assert {f"{dataset}/{kind}-z16" for kind in IMAGE_KINDS} <= names
        assert {f"{dataset}/{kind}-z2" for kind in ("ae", "vae", "wae", "aae")} <= names


def test_the_shipped_zoo_stays_under_its_size_budget():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "pretrained"
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    # the image zoo (57 MB) and the recommenders of MovieLens-100K (14 MB: 11 MB of weights)
    assert size <= 72_000_000, f"pretrained/ is {size / 1e6:.1f} MB"


@pytest.mark.parametrize("info", SHIPPED, ids=lambda m: f"{m.dataset}/{m.name}")
def test_shipped_checkpoint_matches_its_stored_test_figures(info):
    assert info.available, info.reason
    model = load_pretrained(info.folder)
    stored = json.loads((info.folder / "metrics.json").read_text())["test"]
    images, _ = load_shipped_test(info.dataset)
    fresh = evaluate_model(model, images[:500])
    # the stored MSE is over the 10,000 test images; 500 of them give it within sampling error
    assert fresh["mse"] == pytest.approx(stored["mse"], rel=0.15)
    assert stored["n_images"] == len(images)


@pytest.mark.parametrize("info", SHIPPED, ids=lambda m: f"{m.dataset}/{m.name}")
def test_shipped_map_covers_the_test_split(info):
    path = info.folder / "map.npz"
    if not path.is_file():
        pytest.skip(f"no map shipped for {info.name} yet")
    latent_map = load_map(path)
    assert len(latent_map.xy) == len(load_shipped_test(info.dataset)[0])
    assert latent_map.method == ("latent" if info.latent_dim == 2 else "umap")
