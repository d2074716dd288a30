"""views.npz: what the pages need that costs seconds, stored beside each checkpoint, checked, and used."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explorer.analysis.project import weights_fingerprint
from explorer.errors import ViewsUnavailable
from explorer.store.precomputed import (
    ANOMALY_IMAGES,
    DENOISE_LEVELS,
    VIEWS_FILE,
    compute_views,
    load_views,
    save_views,
    views_status,
    write_views,
)
from tests.conftest import clear_streamlit_caches


@pytest.fixture(autouse=True)
def grad_mode_kept():
    """The app's model loader turns gradients off in its thread; here that is the test's thread: put it back."""
    enabled = torch.is_grad_enabled()
    yield
    torch.set_grad_enabled(enabled)


@pytest.fixture
def zoo(tmp_path, monkeypatch):
    from tests.conftest import make_pretrained

    base = make_pretrained(tmp_path / "zoo", "mnist", models=(("vae", 2), ("ae", 4)), n_test=120)
    make_pretrained(tmp_path / "zoo", "fashion-mnist", models=(("ae", 4),), n_test=120)
    monkeypatch.setenv("EXPLORER_PRETRAINED", str(base))
    monkeypatch.setenv("EXPLORER_CACHE", str(tmp_path / "cache"))
    clear_streamlit_caches()
    yield base
    clear_streamlit_caches()


def test_every_view_is_computed_with_the_shapes_the_pages_read(zoo):
    from explorer.analysis.latent import encode_posterior
    from explorer.data.datasets import load_shipped_arrays
    from explorer.store.checkpoint import load_pretrained

    vae = load_pretrained(zoo / "mnist" / "vae-z2")
    images = torch.from_numpy(load_shipped_arrays("mnist")[0])
    other = torch.from_numpy(load_shipped_arrays("fashion-mnist")[0])
    arrays = compute_views(vae, images, other)
    mu, logvar = encode_posterior(vae, images)
    assert np.allclose(arrays["codes"], mu.numpy()) and np.allclose(arrays["logvar"], logvar.numpy())
    assert arrays["errors"].shape == (120,) and (arrays["errors"] >= 0).all()
    assert {k for k in arrays if k.startswith("anomaly_")} == {"anomaly_other", "anomaly_noise", "anomaly_upside_down",
                                                              "anomaly_inverted"}
    assert all(len(arrays[k]) == min(ANOMALY_IMAGES, 120) for k in arrays if k.startswith("anomaly_"))
    for kind, levels in DENOISE_LEVELS.items():
        assert arrays[f"denoise_{kind}"].shape == (2, 2, len(levels))
    # latent 2: the aggregate's contours, pieces separated by NaN rows, inside the square they were fitted to
    paths, extent = arrays["aggregate_paths"], float(arrays["aggregate_extent"])
    assert paths.shape[1] == 2 and np.isnan(paths).any()
    assert np.nanmax(np.abs(paths)) <= extent and extent >= np.sqrt(-2 * np.log(0.05))


def test_stored_views_load_and_a_retrained_model_makes_them_stale(zoo):
    folder = zoo / "mnist" / "ae-z4"
    write_views(folder)
    weights = weights_fingerprint(folder)
    arrays = load_views(folder / VIEWS_FILE, weights, n_images=120, latent_dim=4)
    assert arrays["codes"].shape == (120, 4) and not arrays["codes"].flags.writeable
    assert "aggregate_paths" not in arrays and "logvar" not in arrays  # latent 4, a deterministic encoder
    assert views_status(folder, 120, 4) is None
    with pytest.raises(ViewsUnavailable, match="stale"):
        load_views(folder / VIEWS_FILE, "0" * 16, n_images=120, latent_dim=4)
    with pytest.raises(ViewsUnavailable, match="shape"):  # another test split
        load_views(folder / VIEWS_FILE, weights, n_images=121, latent_dim=4)


@pytest.mark.parametrize("damage", ["truncated", "not finite", "pickled", "missing"])
def test_a_damaged_views_file_is_refused_with_the_reason(zoo, damage):
    folder = zoo / "mnist" / "ae-z4"
    path = write_views(folder)
    weights = weights_fingerprint(folder)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:500])
    elif damage == "not finite":
        arrays = dict(np.load(path, allow_pickle=False))
        arrays.pop("weights")
        arrays["errors"] = arrays["errors"].copy()
        arrays["errors"][3] = np.nan
        save_views(path, arrays, weights)
    elif damage == "pickled":
        np.savez(path, weights=np.array(weights), codes=np.array([object()], dtype=object), errors=np.zeros(120),
                 mmd=np.array(0.0))
    else:
        path.unlink()
    with pytest.raises(ViewsUnavailable) as err:
        load_views(path, weights, n_images=120, latent_dim=4)
    assert err.value.file == VIEWS_FILE and str(folder) not in err.value.reason


def test_the_app_reads_stored_views_instead_of_encoding(zoo, monkeypatch):
    from explorer.store.catalog import list_models
    from explorer_app import loaders

    folder = zoo / "mnist" / "ae-z4"
    write_views(folder)
    stored = np.load(folder / VIEWS_FILE, allow_pickle=False)
    info = next(m for m in list_models("mnist") if m.name == "ae-z4")

    def no_encoding(*args, **kwargs):
        raise AssertionError("encoded although views.npz holds the codes")

    monkeypatch.setattr("explorer.store.precomputed.encode_test", no_encoding)
    monkeypatch.setattr("explorer.store.precomputed.anomaly_scores", no_encoding)
    assert np.array_equal(loaders.test_codes(info), stored["codes"])
    assert np.array_equal(loaders.test_errors(info), stored["errors"])
    assert np.array_equal(loaders.anomaly_scores(info)["noise"], stored["anomaly_noise"])
    assert np.array_equal(loaders.denoise_curve(info, "masking"), stored["denoise_masking"])


def test_without_views_or_with_damaged_ones_the_app_computes_the_same(zoo):
    from explorer.analysis.latent import encode
    from explorer.store.catalog import list_models
    from explorer_app import loaders

    folder = zoo / "mnist" / "vae-z2"
    info = next(m for m in list_models("mnist") if m.name == "vae-z2")
    computed = loaders.prior_figures(info)
    codes = np.array(loaders.test_codes(info))
    clear_streamlit_caches()
    (folder / VIEWS_FILE).write_bytes(b"PK\x03\x04 damaged")
    assert np.allclose(loaders.test_codes(info), codes)
    write_views(folder)
    clear_streamlit_caches()
    stored = loaders.prior_figures(info)
    assert stored["extent"] == pytest.approx(computed["extent"]) and stored["mmd"] == pytest.approx(computed["mmd"])
    images = torch.from_numpy(np.array(loaders.test_split("mnist")[0]))
    assert np.allclose(loaders.test_codes(info), encode(loaders.model(info), images).numpy(), atol=1e-6)


def test_zoo_precompute_writes_what_check_then_reports(zoo, capsys):
    from explorer.commands.zoo import main

    assert main(["check", str(zoo)]) == 0
    assert "views.npz file is missing" in capsys.readouterr().out
    assert main(["precompute", str(zoo)]) == 0
    assert "views.npz written" in capsys.readouterr().out
    assert all((folder / VIEWS_FILE).is_file() for folder in zoo.glob("*/*-z*"))
    assert main(["check", str(zoo)]) == 0
    out = capsys.readouterr().out
    assert out.count("views.npz stored") == 3 and "missing" not in out
    assert main(["precompute", str(zoo)]) == 0  # up to date: nothing written again
    assert "up to date" in capsys.readouterr().out


def test_zoo_precompute_pointed_at_the_wrong_folder_says_so(tmp_path, capsys):
    from explorer.commands.zoo import main

    assert main(["precompute", str(tmp_path / "nowhere")]) == 2
    assert "not a folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["precompute", str(tmp_path / "empty")]) == 2
    assert "no dataset folder" in capsys.readouterr().err


def test_zoo_commands_open_a_folder_of_the_shipped_datasets_named_from_anywhere(zoo, tmp_path, monkeypatch, capsys):
    """An installed package has no pretrained/ beside it: `explorer-zoo check <checkout>/pretrained` still opens it."""
    from explorer.commands.zoo import main

    monkeypatch.setenv("EXPLORER_PRETRAINED", str(tmp_path / "no-zoo-here"))
    assert main(["check", str(zoo)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("mnist: MNIST") and "fashion-mnist: Fashion-MNIST" in out
    assert str(tmp_path / "no-zoo-here") == __import__("os").environ["EXPLORER_PRETRAINED"]  # put back
