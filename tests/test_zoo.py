"""The shipped zoo: every checkpoint loads and its stored figures hold on a fresh evaluation."""

import json

import pytest

from explorer.catalog import list_models
from explorer.checkpoint import load_pretrained
from explorer.data import DATASETS, load_shipped_test
from explorer.evaluate import evaluate_model
from explorer.project import load_map

SHIPPED = [m for d in DATASETS for m in list_models(d)]


def test_the_zoo_ships_models():
    assert SHIPPED, "pretrained/ holds no checkpoint"


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
