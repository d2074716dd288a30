"""The applications: known answers on synthetic data, the command on the small zoo, the page."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.analysis.applications import (
    ApplicationsUnavailable,
    cached_figures_path,
    cluster,
    few_label_accuracy,
    labelled_draws,
    largest_feasible,
    linear_probe_accuracy,
    model_figures_path,
    pack_images,
    pca_reconstruction_curve,
    read_figures,
    stored_model_figures,
    unpack_images,
    weights_fingerprint,
)
from explorer.commands.applications import main
from explorer.present.i18n import t
from tests.conftest import write_application_figures

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def blobs(n_per_class: int = 40, classes: int = 4, dim: int = 3, spread: float = 0.05, seed: int = 0):
    """Points around one far-apart centre per class: perfectly separable."""
    rng = np.random.default_rng(seed)
    centres = 10 * np.random.default_rng(123).normal(size=(classes, dim))  # the same classes whatever the seed
    labels = np.repeat(np.arange(classes), n_per_class)
    return centres[labels] + spread * rng.normal(size=(len(labels), dim)), labels, centres


# --- known answers ---------------------------------------------------------------------


def test_separable_clusters_give_nmi_ari_and_accuracy_one_and_the_true_centres():
    x, labels, centres = blobs()
    shuffled = np.random.default_rng(1).permutation(len(labels))
    result = cluster(x[shuffled], labels[shuffled], seed=0)
    assert result.nmi == pytest.approx(1.0) and result.ari == pytest.approx(1.0) and result.accuracy == 1.0
    # clusters are ordered by their matched class: the table is diagonal, the centres are the classes'
    assert np.array_equal(result.contingency, np.diag([40] * 4))
    assert np.allclose(result.centres, centres, atol=0.05)


def test_random_clusters_score_near_chance():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 400)
    result = cluster(rng.normal(size=(400, 3)), labels, seed=0)
    assert result.ari < 0.05 and result.nmi < 0.1
    assert result.contingency.sum() == 400


def test_a_linear_classifier_on_separable_codes_reaches_accuracy_one():
    x, labels, _ = blobs(seed=0)
    test_x, test_y, _ = blobs(seed=1)
    assert linear_probe_accuracy(x, labels, test_x, test_y) == 1.0
    few = few_label_accuracy(x, labels, test_x, test_y, ns=(1, 5, 100), draws=3, seed=0)
    assert few["n"] == [1, 5]  # 100 per class is more than the pool holds: left out, not faked
    assert np.array_equal(few["accuracy"], np.ones((2, 3)))


def test_labels_that_carry_no_information_give_chance_accuracy():
    rng = np.random.default_rng(0)
    x, test_x = rng.normal(size=(400, 5)), rng.normal(size=(2000, 5))
    accuracy = linear_probe_accuracy(x, rng.integers(0, 4, 400), test_x, rng.integers(0, 4, 2000))
    assert 0.18 < accuracy < 0.32


def test_labelled_draws_are_balanced_seeded_distinct_and_nested():
    labels = np.repeat(np.arange(3), 50)
    small, large = labelled_draws(labels, 5, 4, seed=7), labelled_draws(labels, 20, 4, seed=7)
    for rows in small:
        assert np.array_equal(np.bincount(labels[rows]), [5, 5, 5])
    assert all(set(s) <= set(big) for s, big in zip(small, large))
    assert len({tuple(rows) for rows in small}) == 4
    assert all(np.array_equal(a, b) for a, b in zip(small, labelled_draws(labels, 5, 4, seed=7)))
    assert largest_feasible(np.array([0] * 12 + [1] * 3)) == [1]


def test_pca_at_full_rank_reconstructs_exactly_and_the_curve_only_falls():
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(6, 40))
    train, test = rng.normal(size=(300, 6)) @ basis, rng.normal(size=(50, 6)) @ basis  # rank 6 in 40-d
    curve = pca_reconstruction_curve(train, test, max_dim=10)
    assert len(curve) == 10
    assert np.all(np.diff(curve) <= 1e-12)
    assert curve[0] > 0.1 and np.all(curve[5:] < 1e-10)
    from sklearn.decomposition import PCA

    pca = PCA(n_components=3).fit(train)
    assert curve[2] == pytest.approx(((pca.inverse_transform(pca.transform(test)) - test) ** 2).mean())


def test_packed_images_round_trip_and_a_wrong_length_is_refused():
    images = np.random.default_rng(0).random((3, 28, 28))
    packed = pack_images(images)
    assert np.array_equal(unpack_images(packed), np.rint(images * 255).astype(np.uint8))
    with pytest.raises(ValueError):
        unpack_images({**packed, "shape": [4, 28, 28]})


# --- stored figures --------------------------------------------------------------------


def test_stored_figures_are_read_only_for_the_weights_they_were_measured_on(fake_pretrained):
    folder = fake_pretrained / "mnist" / "vae-z4"
    written = write_application_figures(folder)
    assert stored_model_figures("mnist", "vae-z4", folder)["clustering"]["nmi"] == written["clustering"]["nmi"]
    assert read_figures(model_figures_path(folder), fingerprint="another") is None
    assert stored_model_figures("mnist", "ae-z2", fake_pretrained / "mnist" / "ae-z2") is None


@pytest.mark.parametrize("damage", ["truncated", "not json", "wrong shape", "bad images", "a list"])
def test_a_damaged_figures_file_says_so_and_gives_way_to_figures_computed_since(fake_pretrained, damage):
    folder = fake_pretrained / "mnist" / "vae-z4"
    figures = write_application_figures(folder)
    path = model_figures_path(folder)
    text = path.read_text()
    broken = {"truncated": text[: len(text) // 2], "not json": "\x00\x01",
              "wrong shape": json.dumps({**figures, "few_labels": {"n": [1, 5], "accuracy": [[0.5]]}}),
              "bad images": json.dumps({**figures, "clustering": {**figures["clustering"],
                                                                 "centres": {"shape": [10, 28, 28], "uint8_base64": "AA=="}}}),
              "a list": "[1, 2]"}[damage]
    path.write_text(broken)
    with pytest.raises(ApplicationsUnavailable) as caught:
        stored_model_figures("mnist", "vae-z4", folder)
    assert caught.value.file == "applications.json" and "damaged" in caught.value.reason
    cached = cached_figures_path("mnist", "vae-z4", weights_fingerprint(folder))
    cached.parent.mkdir(parents=True)
    cached.write_text(text)
    assert stored_model_figures("mnist", "vae-z4", folder)["anomaly_auc"] == figures["anomaly_auc"]
    assert path.read_text() == broken  # the damaged file is left for its owner, not overwritten


# --- the command on the small zoo ------------------------------------------------------


def test_the_command_measures_every_model_and_the_baselines_into_their_files(fake_pretrained, tiny_root, capsys):
    assert main(["--dataset", "mnist", "--data-root", str(tiny_root), "--draws", "2"]) == 0
    for name in ("vae-z4", "ae-z2", "wae-z4"):
        figures = read_figures(model_figures_path(fake_pretrained / "mnist" / name),
                               weights_fingerprint(fake_pretrained / "mnist" / name))
        few = np.asarray(figures["few_labels"]["accuracy"])
        assert figures["few_labels"]["n"] == [1, 5, 10] and few.shape == (3, 2)  # the tiny pool has ≥ 10 per class
        assert np.all((0 <= few) & (few <= 1))
        assert 0 <= figures["clustering"]["nmi"] <= 1 and np.asarray(figures["clustering"]["contingency"]).sum() == 300
        assert unpack_images(figures["clustering"]["centres"]).shape == (10, 28, 28)
        assert figures["reconstruction_mse"] > 0 and 0 <= figures["anomaly_auc"] <= 1
    baselines = read_figures(fake_pretrained / "mnist" / "baselines.json")
    assert set(baselines["features"]) == {"pixels", "pca-2", "pca-4"}
    # the synthetic digits are separable from their pixels: the pixel baseline learns them from 10 per class
    assert np.mean(baselines["features"]["pixels"]["few_labels"]["accuracy"][-1]) > 0.9
    assert len(baselines["pca_curve"]["mse"]) == 64 and np.all(np.diff(baselines["pca_curve"]["mse"]) <= 1e-9)
    assert baselines["linear_ae"]["dim"] == [2, 4] and all(m > 0 for m in baselines["linear_ae"]["mse"])
    assert not (fake_pretrained / "fashion-mnist" / "baselines.json").exists()

    assert main(["--table"]) == 0
    table = capsys.readouterr().out
    assert "| vae-z4 |" in table and "| *pixels* |" in table and "| *pca-4* |" in table


def test_the_command_names_an_unknown_model_and_writes_nothing(fake_pretrained, tiny_root, capsys):
    assert main(["--dataset", "mnist", "--model", "nope-z3", "--data-root", str(tiny_root)]) == 2
    assert "nope-z3" in capsys.readouterr().err
    assert not list(fake_pretrained.rglob("applications.json")) and not list(fake_pretrained.rglob("baselines.json"))


# --- the page --------------------------------------------------------------------------


def open_applications(dataset: str = "mnist") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["dataset"] = dataset
    at.run()
    at.switch_page("explorer_app/views/applications.py").run()
    return at


def test_the_page_draws_the_stored_figures_of_every_model(fake_pretrained):
    for k, name in enumerate(("vae-z4", "ae-z2", "wae-z4")):
        write_application_figures(fake_pretrained / "mnist" / name, accuracy=0.2 + 0.1 * k, seed=k)
    at = open_applications()
    assert not at.exception
    assert [h.value for h in at.header] == ["Classification with few labels", "Clustering", "Dimensionality reduction",
                                            "Anomaly detection"]
    accuracy = at.table[0].value
    assert dict(zip(accuracy.iloc[:, 0], accuracy.iloc[:, 1])) == {
        "VAE · z4": "20.0 ± 0.0", "Autoencoder · z2": "30.0 ± 0.0", "WAE-MMD · z4": "40.0 ± 0.0"}
    assert not at.button  # nothing left to compute
    assert "No baselines" in " ".join(i.value for i in at.info)
    at.selectbox(key="apps_cluster_features").select(1).run()
    assert not at.exception
    second = accuracy.iloc[1, 0]  # the options follow the tables' rows
    # the figure's title as it reads, whether Plotly wrote the JSON with orjson (raw "·") or without (escaped)
    heatmap = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert heatmap["layout"]["title"]["text"] == f"{second}: clusters × classes"


def test_a_model_without_figures_is_measured_on_request_from_the_training_split(fake_pretrained, tiny_root,
                                                                                monkeypatch):
    monkeypatch.setenv("EXPLORER_DATA", str(tiny_root))
    write_application_figures(fake_pretrained / "mnist" / "vae-z4")
    at = open_applications()
    assert "Autoencoder · z2" in at.info[0].value and "WAE-MMD · z4" in at.info[0].value
    at.button(key="apps_compute").click().run()
    assert not at.exception and not at.error
    assert not at.button  # every model has its figures now
    assert set(at.table[0].value.iloc[:, 0]) == {"VAE · z4", "Autoencoder · z2", "WAE-MMD · z4"}
    # kept in the cache, keyed by the weights; the model's own folder is not written to
    assert not (fake_pretrained / "mnist" / "ae-z2" / "applications.json").exists()
    assert cached_figures_path("mnist", "ae-z2", weights_fingerprint(fake_pretrained / "mnist" / "ae-z2")).is_file()


def test_without_the_training_split_the_page_says_so_and_downloads_nothing(fake_pretrained, tmp_path, monkeypatch):
    import explorer.data.datasets

    empty = tmp_path / "no-data"
    empty.mkdir()
    monkeypatch.setenv("EXPLORER_DATA", str(empty))
    monkeypatch.setattr(explorer.data.datasets, "_copy_offline", lambda name, root: False)  # a machine with no offline copy
    at = open_applications("fashion-mnist")
    at.button(key="apps_compute").click().run()
    assert not at.exception
    said = t("reason.no_training_images", dataset="Fashion-MNIST", command="apt-get install dataset-fashion-mnist")
    assert [e.value for e in at.error if said in e.value]  # the whole sentence, with the command that fixes it
    assert not [e.value for e in at.error if str(tmp_path) in e.value]
    assert not list(empty.rglob("*"))  # nothing was fetched into the data root


def test_the_docs_table_is_the_shipped_figures():
    """The docs' applications table is formatted from the files the zoo ships, for the weights it ships."""
    from explorer.analysis import applications
    from explorer.metrics.evaluate import ZOO_DOC

    text = ZOO_DOC.read_text(encoding="utf-8")
    start = text.index(applications.README_START) + len(applications.README_START)
    table = applications.applications_table()
    assert table.count("\n| ") >= 2 * 12  # nine models and three baselines per dataset
    assert text[start : text.index(applications.README_END)] == "\n" + table + "\n"


def test_a_linear_autoencoder_trained_by_gradient_descent_lands_on_the_pca_curve():
    from explorer.analysis.applications import linear_autoencoder_mse

    rng = np.random.default_rng(0)
    basis = rng.normal(size=(5, 30))
    scales = np.array([3.0, 2.0, 1.5, 1.0, 0.5])[:, None]
    train = rng.normal(size=(2000, 5)) @ (scales * basis) + 0.05 * rng.normal(size=(2000, 30))
    test = rng.normal(size=(500, 5)) @ (scales * basis) + 0.05 * rng.normal(size=(500, 30))
    pca = pca_reconstruction_curve(train, test, max_dim=5)
    linear = linear_autoencoder_mse(train, test, dim=3, epochs=60, lr=1e-2)
    assert linear == pytest.approx(pca[2], rel=0.05)  # the best linear code of size 3, found by descent
    assert linear < 0.8 * pca[1]  # and better than any code of size 2
