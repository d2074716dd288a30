"""Decoders for the browser: the ONNX export, what the app checks before sending one, and the map's inverse."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from explorer.analysis.inverse import blend, epsilon, held_out_split, inverse_error, knn_weights, map_to_code
from explorer.analysis.latent import decode
from explorer.commands import browser_decoder as bd_command
from explorer.models.kinds import IMAGE_KINDS
from explorer.models.nets import ModelConfig, build_model
from explorer.store import browser_decoder as bd
from explorer.store.checkpoint import load_pretrained, round_to_storage
from tests.conftest import components_named, make_pretrained, map_charts

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def zoo(tmp_path, monkeypatch) -> Path:
    base = make_pretrained(tmp_path / "pretrained", "mnist", models=(("vae", 4), ("ae", 2)), n_test=64)
    monkeypatch.setenv("EXPLORER_PRETRAINED", str(base))
    return base / "mnist"


# --- the export -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", IMAGE_KINDS)  # the recommenders decode no picture
def test_onnx_runtime_decodes_as_pytorch_does_for_every_kind(kind):
    torch.manual_seed(1)
    model = build_model(ModelConfig(kind=kind, dataset="mnist", latent_dim=3)).eval()
    codes = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    onnx_bytes, report = bd.build_browser_decoder(model, codes)
    expected = decode(model, torch.from_numpy(codes)).numpy()
    got = bd.run_onnx(onnx_bytes, codes)
    assert got.shape == expected.shape == (16, 1, 28, 28)
    assert np.abs(got - expected).max() <= report["max_abs_error"] + 1e-7
    assert report["max_abs_error"] <= bd.HALF_TOLERANCE


def test_float16_weights_are_kept_only_within_tolerance(monkeypatch):
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="ae", dataset="mnist", latent_dim=4)).eval()
    codes = np.random.default_rng(1).normal(scale=3.0, size=(32, 4)).astype(np.float32)
    # weights that float16 cannot hold exactly: the halved decoder differs from PyTorch's
    with torch.no_grad():
        for p in model.decoder.parameters():
            p.add_(torch.randn_like(p) * 1e-3 + 1.2345e-4)
    _, report = bd.build_browser_decoder(model, codes)
    assert report["float16_max_abs_error"] > report["float32_max_abs_error"]
    monkeypatch.setattr(bd, "HALF_TOLERANCE", report["float16_max_abs_error"] / 2)
    data, strict = bd.build_browser_decoder(model, codes)
    assert strict["weights_dtype"] == "float32" and strict["bytes"] == strict["float32_bytes"] == len(data)
    monkeypatch.setattr(bd, "HALF_TOLERANCE", report["float16_max_abs_error"] * 2)
    data, loose = bd.build_browser_decoder(model, codes)
    assert loose["weights_dtype"] == "float16" and len(data) < 0.6 * loose["float32_bytes"]


def test_the_command_writes_a_checked_decoder_beside_the_weights(zoo, capsys):
    folder = zoo / "vae-z4"
    assert bd_command.main([str(folder)]) == 0
    record = json.loads((folder / bd.BROWSER_FILE).read_text())
    data, read = bd.read_browser_decoder(folder)
    assert read == record and record["latent_dim"] == 4 and record["image_shape"] == [1, 28, 28]
    model = load_pretrained(folder)
    codes = np.random.default_rng(2).normal(size=(8, 4)).astype(np.float32)
    assert np.abs(bd.run_onnx(data, codes) - decode(model, torch.from_numpy(codes)).numpy()).max() < 1e-5
    assert bd_command.main([str(folder)]) == 0  # a current export is kept
    assert "current export kept" in capsys.readouterr().out


def test_a_damaged_or_stale_decoder_is_never_read(zoo):
    folder = zoo / "vae-z4"
    with pytest.raises(bd.BrowserDecoderUnavailable) as err:
        bd.read_browser_decoder(folder)
    assert err.value.fault == "missing"
    bd.write_browser_decoder(folder)
    onnx_file = folder / bd.DECODER_FILE
    good = onnx_file.read_bytes()
    onnx_file.write_bytes(good[: len(good) // 2])  # truncated
    with pytest.raises(bd.BrowserDecoderUnavailable) as err:
        bd.read_browser_decoder(folder)
    assert err.value.fault == "damaged"
    onnx_file.write_bytes(good)
    (folder / bd.BROWSER_FILE).write_text("{not json")
    with pytest.raises(bd.BrowserDecoderUnavailable) as err:
        bd.read_browser_decoder(folder)
    assert err.value.fault == "damaged"
    bd.write_browser_decoder(folder)
    torch.manual_seed(5)  # other weights written over the model's, the export left as it was
    retrained = round_to_storage(build_model(ModelConfig(kind="vae", dataset="mnist", latent_dim=4))).eval()
    save_file({k: v.contiguous() for k, v in retrained.state_dict().items()}, str(folder / "model.safetensors"))
    with pytest.raises(bd.BrowserDecoderUnavailable) as err:
        bd.read_browser_decoder(folder)
    assert err.value.fault == "stale"


def test_the_command_refuses_a_folder_that_is_not_a_checkpoint(tmp_path, capsys):
    folder = tmp_path / "my-notes"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    assert bd_command.main([str(folder)]) == 2
    assert "not a checkpoint folder" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_the_shipped_zoo_leaves_its_decoders_to_be_exported_on_demand(tmp_path, monkeypatch):
    """The zoo ships no decoder.onnx (it stays under its size budget); one exported by the server is
    current, within tolerance, kept in the cache, and the checkpoint folder is left as it was."""
    from explorer.analysis.project import weights_fingerprint
    from explorer.data.datasets import DATASETS
    from explorer.store.catalog import list_models

    monkeypatch.setenv("EXPLORER_CACHE", str(tmp_path / "cache"))
    models = [m for d in DATASETS for m in list_models(d, ROOT / "pretrained") if m.available]
    assert models and not [m.name for m in models if (m.folder / bd.DECODER_FILE).exists()]
    chosen = next(m for m in models if m.kind == "aae" and m.latent_dim == 16) if any(
        m.kind == "aae" for m in models) else models[0]
    before = sorted(p.name for p in chosen.folder.iterdir())
    weights = weights_fingerprint(chosen.folder)
    data, record = bd.exported_on_demand(chosen.folder, chosen.dataset, chosen.name, weights,
                                         load_pretrained(chosen.folder))
    assert record["latent_dim"] == chosen.latent_dim and record["max_abs_error"] <= bd.HALF_TOLERANCE
    assert record["weights"] == weights
    assert (bd.cached_export_folder(chosen.dataset, chosen.name, weights) / bd.DECODER_FILE).read_bytes() == data
    assert sorted(p.name for p in chosen.folder.iterdir()) == before
    again = bd.exported_on_demand(chosen.folder, chosen.dataset, chosen.name, weights, None)  # from the cache
    assert again == (data, record)


# --- the map's inverse ------------------------------------------------------------------


def test_knn_weights_are_normalised_nearest_first_and_exact_on_a_point():
    points = np.array([[0, 0], [1, 0], [0, 1], [5, 5], [1, 1]], dtype=np.float32)
    idx, w = knn_weights(points, np.array([[0.0, 0.0], [0.5, 0.0]]), k=3)
    assert np.allclose(w.sum(axis=1), 1.0)
    assert idx[0, 0] == 0 and w[0, 0] > 0.999  # on a point: that point's code
    assert set(idx[1, :2]) == {0, 1} and np.isclose(w[1, 0], w[1, 1])  # halfway: equal weights
    assert 3 not in idx  # the far point is not among the three nearest
    assert epsilon(points) == pytest.approx(1e-6 * 50)


def test_blend_uses_the_same_images_codes_in_another_model():
    points = np.array([[0, 0], [2, 0]], dtype=np.float32)
    codes_a = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    codes_b = np.array([[10.0, 10.0, 10.0], [20.0, 20.0, 20.0]], dtype=np.float32)
    idx, w = knn_weights(points, np.array([[1.0, 0.0]]), k=2)
    assert np.allclose(blend(codes_a, idx, w), [[0.5, 0.5]])
    assert np.allclose(blend(codes_b, idx, w), [[15.0, 15.0, 15.0]])
    assert np.allclose(map_to_code(points, codes_a, points, k=2), codes_a, atol=1e-5)


def test_inverse_error_is_small_on_a_smooth_map_and_large_on_a_shuffled_one():
    rng = np.random.default_rng(0)
    points = rng.uniform(-1, 1, size=(2000, 2)).astype(np.float32)
    codes = np.concatenate([points, np.sin(3 * points)], axis=1).astype(np.float32)  # a smooth 4-D code of the place

    def decode_codes(z):
        return 1 / (1 + np.exp(-z @ np.ones((4, 9))))

    smooth = inverse_error(decode_codes, points, codes, k=8, n_measured=500)
    shuffled = inverse_error(decode_codes, points, codes[rng.permutation(len(codes))], k=8, n_measured=500)
    assert smooth["measured_points"] == 500 and smooth["blend_points"] == 1000
    assert smooth["mse"] < shuffled["mse"] / 20
    blend_set, measured = held_out_split(10, seed=3)
    assert set(blend_set).isdisjoint(measured) and len(blend_set) + len(measured) == 10


# --- the app's side (AppTest: the component is drawn by the browser, its arguments checked here) ---


def open_map_with_flashlight(app_path: str, params: dict | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(app_path, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    at.toggle(key="flashlight").set_value(True).run()
    return at


APP = str(ROOT / "app.py")


def test_a_model_without_a_browser_decoder_gets_one_exported_by_the_server(fake_pretrained):
    folder = fake_pretrained / "mnist" / "vae-z4"
    assert not (folder / bd.DECODER_FILE).exists()
    at = open_map_with_flashlight(APP)
    assert not at.exception
    [component] = at.get("component_instance")
    binary = {special.key: special.bytes for special in component.proto.special_args}
    exported = sorted((fake_pretrained.parent / "cache" / "browser" / "mnist").glob("vae-z4-*/" + bd.DECODER_FILE))
    assert len(exported) == 1 and binary["onnx_0"] == exported[0].read_bytes()
    assert not (folder / bd.DECODER_FILE).exists()  # the checkpoint folder is not written to


def test_without_onnx_a_model_without_a_decoder_says_so_and_keeps_the_servers_map(fake_pretrained, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("onnx", "onnxruntime")
                        else real(name, *a))
    at = open_map_with_flashlight(APP)
    assert not at.exception
    assert any("ships no decoder for the browser" in c.value and "onnx" in c.value for c in at.caption)
    assert len(map_charts(at)) == 1  # the server's map
    assert not components_named(at, "browser_decoder")


def test_a_decoder_onnx_cannot_express_is_said_and_decodes_on_the_server(fake_pretrained, monkeypatch):
    def cannot(*args, **kwargs):
        raise RuntimeError("Exporting the operator 'aten::my_op' to ONNX opset version 17 is not supported")

    monkeypatch.setattr(bd, "export_decoder", cannot)
    at = open_map_with_flashlight(APP)
    assert not at.exception
    assert any("ONNX cannot express" in c.value for c in at.caption)
    assert not components_named(at, "browser_decoder")
    assert "aten::my_op" not in " ".join(c.value for c in at.caption)


def test_a_damaged_browser_decoder_is_named_and_never_sent(fake_pretrained):
    folder = fake_pretrained / "mnist" / "vae-z4"
    bd.write_browser_decoder(folder)
    data = (folder / bd.DECODER_FILE).read_bytes()
    (folder / bd.DECODER_FILE).write_bytes(data[:100])
    at = open_map_with_flashlight(APP)
    assert not at.exception
    assert any("is damaged" in c.value and "--force" in c.value for c in at.caption)
    assert not components_named(at, "browser_decoder")
    assert str(fake_pretrained) not in " ".join(c.value for c in at.caption)


def test_the_flashlight_sends_each_models_decoder_and_codes_once(fake_pretrained):
    for name in ("vae-z4", "wae-z4"):
        bd.write_browser_decoder(fake_pretrained / "mnist" / name)
    at = open_map_with_flashlight(APP)
    assert not at.exception
    [component] = at.get("component_instance")
    proto = component.proto
    args = json.loads(proto.json_args)
    binary = {special.key: special.bytes for special in proto.special_args}
    assert args["mode"] == "map" and [m["plane"] for m in args["models"]] == [False]
    onnx_bytes, _ = bd.read_browser_decoder(fake_pretrained / "mnist" / "vae-z4")
    assert binary["onnx_0"] == onnx_bytes
    n = len(binary["labels"])
    assert len(binary["xy"]) == n * 2 * 4 and len(binary["codes_0"]) == n * 4 * 2  # float32 points, float16 codes
    at.run()  # a rerun sends the same arguments: Streamlit's message cache sends a reference, not the bytes
    assert json.loads(at.get("component_instance")[0].proto.json_args)["signature"] == args["signature"]


def test_traversal_sliders_move_to_the_browser_when_the_model_has_a_decoder(fake_pretrained):
    from tests.test_app import open_page

    bd.write_browser_decoder(fake_pretrained / "mnist" / "vae-z4")
    at = open_page("explorer_app/views/traverse.py", {"model": "vae-z4"})
    assert not at.exception
    assert not [s for s in at.slider if s.key and s.key.startswith("trav_mnist_vae-z4_")]
    [component] = at.get("component_instance")
    args = json.loads(component.proto.json_args)
    assert args["mode"] == "sliders" and len(args["dims"]) == 4
    assert all(d["lo"] <= d["value"] <= d["hi"] for d in args["dims"])


@pytest.mark.parametrize("value", [
    None, "fix", {"event": "fix"}, {"event": "fix", "x": "1", "y": 0, "nearest": 0, "k": 8},
    {"event": "fix", "x": float("nan"), "y": 0, "nearest": 0, "k": 8},
    {"event": "fix", "x": 0, "y": 0, "nearest": 10**9, "k": 8}, {"event": "fix", "x": 0, "y": 0, "nearest": -1, "k": 8},
    {"event": "fix", "x": 0, "y": 0, "nearest": 1.5, "k": 8}, {"event": "fix", "x": 0, "y": 0, "nearest": True, "k": 8},
])
def test_a_hostile_click_from_the_browser_is_ignored(value):
    from explorer_app.browser_decoder import kept_point

    assert kept_point(value, 100) is None


def test_a_click_from_the_browser_is_read_with_k_bounded():
    from explorer_app.browser_decoder import kept_point

    assert kept_point({"event": "fix", "x": 1.5, "y": -2, "nearest": 7, "k": 500, "n": 3}, 100) == (1.5, -2.0, 7, 32)


def test_the_inverse_command_prints_each_models_error_for_each_k(fake_pretrained, capsys):
    from explorer.commands.inverse import main

    assert main(["--dataset", "mnist", "--k", "1", "8"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "| dataset | model | k = 1 | k = 8 | two random points |"
    rows = {line.split(" | ")[1]: [float(v) for v in line.strip(" |").split(" | ")[2:]] for line in lines[2:]}
    assert set(rows) == {"vae-z4", "wae-z4"}  # the latent-2 model is its own map: nothing to measure
    assert all(len(v) == 3 and all(x >= 0 for x in v) for v in rows.values())
