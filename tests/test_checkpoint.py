import json

import pytest
import torch

from explorer.models.nets import MODELS, ModelConfig, build_model
from explorer.store.checkpoint import CheckpointError, load_pretrained, read_config, round_to_storage, save_pretrained


def saved(tmp_path, kind="vae", latent_dim=4):
    torch.manual_seed(0)
    model = round_to_storage(build_model(ModelConfig(kind=kind, latent_dim=latent_dim))).eval()
    folder = save_pretrained(model, tmp_path / f"{kind}-z{latent_dim}", metrics={"test": {"mse": 0.1}})
    return model, folder


@pytest.mark.parametrize("kind", list(MODELS))
def test_save_then_load_restores_identical_outputs(tmp_path, kind):
    model, folder = saved(tmp_path, kind)
    loaded = load_pretrained(folder)
    assert type(loaded) is type(model)
    assert loaded.config == model.config
    x = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(loaded.encode(x), model.encode(x))
        assert torch.equal(loaded.reconstruct(x), model.reconstruct(x))


def test_checkpoint_folder_holds_config_weights_and_metrics(tmp_path):
    _, folder = saved(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "metrics.json", "model.safetensors"]
    config, raw = read_config(folder)
    assert config.kind == "vae" and config.latent_dim == 4
    assert {"torch", "torchvision", "python"} <= set(raw["versions"])
    # no temporary folder is left beside it
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]


def test_saving_over_an_existing_checkpoint_replaces_it_whole(tmp_path):
    _, folder = saved(tmp_path, "ae")
    torch.manual_seed(5)
    other = build_model(ModelConfig(kind="wae", latent_dim=2))
    save_pretrained(other, folder)
    assert load_pretrained(folder).kind == "wae"
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]


def test_missing_folder(tmp_path):
    with pytest.raises(CheckpointError, match="no such checkpoint folder"):
        load_pretrained(tmp_path / "nope")


def test_missing_weights_names_the_file(tmp_path):
    _, folder = saved(tmp_path)
    (folder / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match=r"model\.safetensors: file is missing"):
        load_pretrained(folder)


def test_truncated_weights_names_the_file(tmp_path):
    _, folder = saved(tmp_path)
    path = folder / "model.safetensors"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match=r"model\.safetensors: corrupted or truncated"):
        load_pretrained(folder)


def test_garbage_weights_names_the_file(tmp_path):
    _, folder = saved(tmp_path)
    (folder / "model.safetensors").write_bytes(b"\x80\x04\x95 this is a pickle, not safetensors")
    with pytest.raises(CheckpointError, match=r"model\.safetensors"):
        load_pretrained(folder)


def test_corrupted_config_names_the_file(tmp_path):
    _, folder = saved(tmp_path)
    (folder / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match=r"config\.json: not valid JSON"):
        load_pretrained(folder)


def test_config_with_unknown_kind(tmp_path):
    _, folder = saved(tmp_path)
    data = json.loads((folder / "config.json").read_text())
    data["model"]["kind"] = "../../etc"
    (folder / "config.json").write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match="unknown model kind"):
        load_pretrained(folder)


def test_weights_that_do_not_match_the_config(tmp_path):
    _, folder = saved(tmp_path, "vae", 4)
    data = json.loads((folder / "config.json").read_text())
    data["model"]["latent_dim"] = 8
    (folder / "config.json").write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match=r"model\.safetensors: tensor .* has shape"):
        load_pretrained(folder)


def test_weights_of_another_kind(tmp_path):
    _, folder = saved(tmp_path, "vae", 4)
    data = json.loads((folder / "config.json").read_text())
    data["model"]["kind"] = "ae"  # the VAE's encoder emits 2·d numbers: shapes differ
    (folder / "config.json").write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match="config.json"):
        load_pretrained(folder)
