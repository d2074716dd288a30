import json

from explorer.models.nets import MODELS
from explorer.store.catalog import CHECKPOINT_NAME, find_model, list_models
from tests.conftest import make_pretrained


def test_lists_checkpoints_by_latent_then_kind(tmp_path):
    base = make_pretrained(tmp_path, "mnist", models=(("ae", 2), ("wae", 4), ("vae", 4)), n_test=20)
    models = list_models("mnist", base)
    assert [m.name for m in models] == ["vae-z4", "wae-z4", "ae-z2"]
    assert all(m.available and m.has_map for m in models)
    assert models[0].test["mse"] == 0.05


def test_broken_checkpoints_are_listed_unavailable_with_the_reason(tmp_path):
    base = make_pretrained(tmp_path, "mnist", models=(("ae", 2), ("vae", 4), ("wae", 4)), n_test=20)
    (base / "mnist" / "ae-z2" / "model.safetensors").write_bytes(b"\x00" * 10)
    (base / "mnist" / "vae-z4" / "config.json").unlink()
    by_name = {m.name: m for m in list_models("mnist", base)}
    assert not by_name["ae-z2"].available and "model.safetensors is corrupted" in by_name["ae-z2"].reason
    assert not by_name["vae-z4"].available and "config.json is missing" in by_name["vae-z4"].reason
    assert by_name["wae-z4"].available


def test_a_config_that_contradicts_its_folder_is_unavailable(tmp_path):
    base = make_pretrained(tmp_path, "mnist", models=(("ae", 2),), n_test=20)
    path = base / "mnist" / "ae-z2" / "config.json"
    data = json.loads(path.read_text())
    data["model"]["kind"] = "vae"
    path.write_text(json.dumps(data))
    (info,) = list_models("mnist", base)
    assert not info.available and "describes vae-z2" in info.reason


def test_only_well_formed_names_are_listed_and_found(tmp_path):
    base = make_pretrained(tmp_path, "mnist", models=(("ae", 2),), n_test=20)
    (base / "mnist" / "notes").mkdir()
    (base / "mnist" / "gan-z2").mkdir()
    assert [m.name for m in list_models("mnist", base)] == ["ae-z2"]
    for hostile in ("../mnist/ae-z2", "/etc/passwd", "ae-z2/../../x", "ae-z2\x00", "ａｅ-z2", "ae-z02" * 100):
        assert find_model("mnist", hostile, base) is None
    assert list_models("../mnist", base) == []
    assert find_model("mnist", "ae-z2", base).latent_dim == 2


def test_name_pattern_knows_every_model_kind():
    for kind in MODELS:
        assert CHECKPOINT_NAME.match(f"{kind}-z16")
    assert not CHECKPOINT_NAME.match("vae-z0")


def test_links_that_leave_the_zoo_are_refused_and_links_inside_it_are_served(tmp_path):
    zoo = make_pretrained(tmp_path / "zoo", "mnist", models=(("ae", 2), ("vae", 4)), n_test=20)
    outside = make_pretrained(tmp_path / "elsewhere", "mnist", models=(("wae", 4),), n_test=20)
    (zoo / "mnist" / "wae-z4").symlink_to(outside / "mnist" / "wae-z4", target_is_directory=True)
    weights = zoo / "mnist" / "vae-z4" / "model.safetensors"
    weights.rename(tmp_path / "stolen.safetensors")
    weights.symlink_to(tmp_path / "stolen.safetensors")
    inside = zoo / "mnist" / "ae-z2" / "map.npz"
    (zoo / "mnist" / "shared-map.npz").write_bytes(inside.read_bytes())
    inside.unlink()
    inside.symlink_to(zoo / "mnist" / "shared-map.npz")  # a link that stays inside the zoo
    by_name = {m.name: m for m in list_models("mnist", zoo)}
    assert not by_name["wae-z4"].available and "outside the zoo" in by_name["wae-z4"].reason
    assert not by_name["vae-z4"].available and "outside the zoo" in by_name["vae-z4"].reason
    assert by_name["ae-z2"].available and by_name["ae-z2"].has_map
