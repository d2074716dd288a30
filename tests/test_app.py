"""The app, headless, through Streamlit's AppTest."""

import base64
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.data.datasets import DATASETS
from explorer.store.catalog import list_models
from tests.conftest import chart_specs, map_chart_data, map_charts

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run_app(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


def open_recompute(at: AppTest) -> AppTest:
    """Open the map page's "Recompute the map" expander, as a click on it does (it then reruns the page)."""
    at.session_state["recompute_open"] = True
    return at.run()


def test_default_view_renders_the_default_map(fake_pretrained):
    at = run_app()
    assert not at.exception
    assert [s.value for s in at.selectbox] == ["mnist", "vae-z4"]
    assert at.query_params["dataset"] == "mnist" and at.query_params["model"] == "vae-z4"
    assert len(map_charts(at)) == 1
    assert "umap" in " ".join(c.value for c in at.caption).lower()


def test_changing_the_model_changes_the_figure(fake_pretrained):
    at = run_app()
    before = chart_specs(at)
    at.selectbox(key="model").select("ae-z2").run()
    assert not at.exception
    assert at.query_params["model"] == "ae-z2"
    assert chart_specs(at) != before
    assert "2-D" in " ".join(c.value for c in at.caption)


def test_presenter_mode_draws_the_map_without_its_toolbar(fake_pretrained):
    def args(at: AppTest) -> dict:
        return map_chart_data(map_charts(at)[0])

    at = run_app()
    assert args(at)["toolbar"] is True and args(at)["selectable"] is True
    at = run_app({"present": "1"})
    assert not at.exception and args(at)["toolbar"] is False  # a projector shows the map, not the mode bar


def test_changing_the_dataset_picks_its_default_model(fake_pretrained):
    at = run_app()
    at.selectbox(key="dataset").select("fashion-mnist").run()
    assert not at.exception
    assert at.selectbox(key="model").value in {"ae-z4", "dae-z4"}
    assert at.query_params["dataset"] == "fashion-mnist"


@pytest.mark.parametrize(
    "params",
    [
        {"dataset": "../../etc/passwd"},
        {"dataset": "/etc"},
        {"model": "../../../etc/passwd"},
        {"model": "vae-z4/../../x"},
        {"model": "x" * 10000},
        {"dataset": "мнист", "model": "模型"},
        {"model": "`**bold**` <script>alert(1)</script>"},
        {"sel": "1,2,../3,-4,99999999999,abc"},
    ],
)
def test_bad_query_values_fall_back_with_a_notice(fake_pretrained, params):
    at = run_app(params)
    assert not at.exception
    assert at.selectbox(key="dataset").value == "mnist"
    assert at.selectbox(key="model").value == "vae-z4"
    if "sel" in params:
        assert at.query_params["sel"] == "1,2"
    else:
        assert at.warning, "a notice says the link's value was not used"
        for w in at.warning:
            assert "<script>" not in w.value and len(w.value) < 200


def test_a_shared_link_restores_model_and_selection(fake_pretrained):
    at = run_app({"dataset": "mnist", "model": "wae-z4", "sel": "3,5,8"})
    assert not at.exception
    assert at.selectbox(key="model").value == "wae-z4"
    assert "3 images selected" in " ".join(c.value for c in at.caption)
    originals, reconstructions, *neighbours = at.get("image")  # then the first image's neighbours
    assert len(neighbours) == 2
    with np.load(fake_pretrained / "mnist" / "test.npz", allow_pickle=False) as npz:
        labels = npz["labels"]
    assert [img.caption for img in originals.proto.imgs] == [f"#{i} · {labels[i]}" for i in (3, 5, 8)]
    errors = [float(img.caption.split()[1]) for img in reconstructions.proto.imgs]
    assert len(errors) == 3 and all(e >= 0 for e in errors)


def test_clearing_the_selection_empties_the_url(fake_pretrained):
    at = run_app({"sel": "3,5"})
    at.button(key="clear_selection").click().run()
    assert not at.exception
    assert "sel" not in at.query_params
    assert "Nothing selected" in " ".join(c.value for c in at.caption)


def test_compare_draws_one_map_per_model(fake_pretrained):
    at = run_app()
    at.multiselect(key="compare").select("wae-z4").select("ae-z2").run()
    assert not at.exception
    assert len(map_charts(at)) == 3


def test_thumbnails_toggle_adds_images_to_the_map(fake_pretrained):
    at = run_app()
    plain = chart_specs(at)[0]
    at.toggle(key="thumbnails").set_value(True).run()
    assert not at.exception
    images = json.loads(chart_specs(at)[0])["layout"]["images"]
    assert len(images) == 150 and images[0]["source"].startswith("data:image/png;base64,")
    assert "images" not in json.loads(plain)["layout"]


def test_a_broken_checkpoint_is_listed_unavailable_and_the_rest_served(fake_pretrained):
    (fake_pretrained / "mnist" / "vae-z4" / "model.safetensors").write_bytes(b"broken")
    at = run_app({"model": "vae-z4"})
    assert not at.exception
    assert at.selectbox(key="model").value != "vae-z4"
    assert len(map_charts(at)) == 1
    assert any("vae-z4" in m.value and "corrupted" in m.value for m in at.markdown)


def test_missing_test_images_say_what_is_missing(fake_pretrained):
    (fake_pretrained / "mnist" / "test.npz").unlink()
    at = run_app()
    assert not at.exception
    assert any("test.npz" in e.value and "explorer.data export" in e.value for e in at.error)


@pytest.mark.slow
def test_recompute_runs_umap_and_replaces_a_broken_cache_entry(fake_pretrained):
    from explorer.analysis.project import DEFAULT_UMAP, file_fingerprint, load_map, map_cache_key, map_cache_path

    # A cache entry for exactly the form's defaults (all 300 test points), truncated as a crash would leave it.
    key = map_cache_key(file_fingerprint(fake_pretrained / "mnist" / "vae-z4" / "model.safetensors"), "umap", 2, 300,
                        DEFAULT_UMAP["seed"], {k: DEFAULT_UMAP[k] for k in ("n_neighbors", "min_dist")})
    broken = map_cache_path("mnist", "vae-z4", key)
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"PK\x03\x04 cut short")
    at = open_recompute(run_app())
    assert at.select_slider[0].value == 300
    at.button[-1].click()  # the form's Compute button
    at.run(timeout=180)
    assert not at.exception
    assert any("recomputed map" in c.value for c in at.caption)
    assert list(broken.parent.glob("*.npz")) == [broken]
    assert len(load_map(broken, n_images=300).xy) == 300  # recomputed and written anew
    at.session_state["recompute_open"] = False  # the expander closed: the way back stays in sight
    at.run()
    [back] = [b for b in at.button if b.label == "Back to the shipped map"]
    back.click().run()
    assert not any("recomputed map" in c.value for c in at.caption)


def test_the_recompute_controls_run_only_while_their_expander_is_open(fake_pretrained):
    at = run_app()
    assert not at.exception
    assert at.expander[0].label.startswith("Recompute the map")
    assert not at.select_slider and not at.get("form")  # closed: nothing of it sent, on this run or a model switch's
    at = open_recompute(at)
    assert at.select_slider[0].value == 300 and [r.key for r in at.radio] == ["proj_method", "proj_dims"]
    at.session_state["recompute_open"] = False
    assert not at.run().select_slider


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_every_shipped_model_renders(dataset):
    import streamlit as st

    st.cache_data.clear()
    models = [m for m in list_models(dataset) if m.available]
    for info in models:
        at = run_app({"dataset": dataset, "model": info.name, "sel": "0,1"})
        assert not at.exception, info.name
        assert at.selectbox(key="model").value == info.name
        assert not at.error, [e.value for e in at.error]


def open_page(page: str, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    return at.switch_page(page).run()


def strip_images(at: AppTest) -> list[bytes]:
    return [img.url for block in at.get("image") for img in block.proto.imgs]


def test_interpolation_page_draws_a_strip_per_model_and_the_scrubber(fake_pretrained):
    at = open_page("explorer_app/views/interpolate.py", {"a": "3", "b": "9"})
    assert not at.exception
    assert at.number_input(key="a").value == 3 and at.number_input(key="b").value == 9
    specs = [json.loads(s) for s in chart_specs(at)]
    scrubber = specs[0]
    assert len(scrubber["frames"]) == 10  # one frame per step, switched in the browser
    assert scrubber["layout"]["sliders"]
    assert at.multiselect(key="interp_models").value == ["vae-z4", "wae-z4"]  # the model and its same-size sibling
    n_images = len(at.get("image"))
    at.multiselect(key="interp_models").unselect("wae-z4").run()
    assert len(at.get("image")) == n_images - 1  # one strip fewer
    at.slider(key="interp_steps").set_value(6).run()
    assert len(json.loads(chart_specs(at)[0])["frames"]) == 6


def test_interpolation_endpoints_change_the_scrubber(fake_pretrained):
    at = open_page("explorer_app/views/interpolate.py", {"a": "3", "b": "9"})
    before = chart_specs(at)[0]
    at.number_input(key="b").set_value(20).run()
    assert not at.exception
    assert chart_specs(at)[0] != before
    assert at.query_params["b"] == "20"
    at.radio(key="interp_method").set_value("spherical").run()
    assert not at.exception


def test_interpolation_rejects_hostile_indices(fake_pretrained):
    at = open_page("explorer_app/views/interpolate.py", {"a": "-1", "b": "../../9999999"})
    assert not at.exception
    assert at.number_input(key="a").value == 0 and at.number_input(key="b").value == 1


def test_traversal_page_sliders_decode_and_reset(fake_pretrained, monkeypatch):
    from explorer.store import browser_decoder

    def not_exported(*args):  # the server's sliders: where no decoder can go to the browser
        raise browser_decoder.BrowserDecoderUnavailable("missing")

    monkeypatch.setattr(browser_decoder, "exported_on_demand", not_exported)
    at = open_page("explorer_app/views/traverse.py", {"img": "4"})
    assert not at.exception
    sliders = [s for s in at.slider if s.key and s.key.startswith("trav_mnist_vae-z4_")]
    assert len(sliders) == 4  # one per latent dimension of the z4 model
    decoded_before = strip_images(at)
    sliders[0].set_value(sliders[0].max).run()
    assert not at.exception
    assert strip_images(at) != decoded_before
    at.button(key="trav_reset").click().run()
    assert strip_images(at) == decoded_before


def test_traversal_from_zero(fake_pretrained):
    at = open_page("explorer_app/views/traverse.py")
    at.radio(key="trav_source").set_value("zero").run()
    assert not at.exception
    assert all(abs(s.value) < 1e-6 for s in at.slider if s.key and s.key.startswith("trav_mnist_"))


def test_sampling_page_is_seeded(fake_pretrained):
    at = open_page("explorer_app/views/sample.py")
    assert not at.exception
    first = strip_images(at)
    assert len(first) >= 2 * len(at.multiselect(key="sample_models").value)
    at.number_input(key="sample_seed").set_value(5).run()
    second = strip_images(at)
    assert second != first
    at.number_input(key="sample_seed").set_value(0).run()
    assert strip_images(at) == first
    assert any("fitted here to the test codes" in c.value for c in at.caption)
    assert any("2-D latent plane" in s.value for s in at.subheader)  # the z2 model's manifold


def test_denoising_lab_shows_quality_and_a_curve(fake_pretrained):
    at = open_page("explorer_app/views/denoise.py", {"dataset": "fashion-mnist"})
    assert not at.exception
    metrics = at.metric
    assert len(metrics) == 3
    corrupted_psnr = float(metrics[0].value.split()[0])
    at.slider(key="noise_level_gaussian").set_value(0.8).run()
    assert not at.exception
    assert float(at.metric[0].value.split()[0]) < corrupted_psnr  # more noise, lower PSNR
    curve = json.loads(chart_specs(at)[-1])
    names = {tr["name"] for tr in curve["data"]}
    assert {"Denoising AE · z4", "Autoencoder · z4"} <= names and any("identity" in n for n in names)
    at.selectbox(key="noise_kind").select("salt-and-pepper").run()
    assert not at.exception


def test_denoising_lab_without_a_dae_says_so(fake_pretrained):
    at = open_page("explorer_app/views/denoise.py", {"dataset": "mnist"})
    assert not at.exception
    assert any("no denoising AE" in i.value for i in at.info)


def test_anomaly_view_draws_histograms_roc_and_worst_images(fake_pretrained):
    at = open_page("explorer_app/views/anomaly.py", {"dataset": "fashion-mnist", "model": "ae-z4"})
    assert not at.exception
    specs = [json.loads(s) for s in chart_specs(at)]
    rocs = [s for s in specs if "ROC" in str(s["layout"].get("annotations", ""))]  # the ROC panel beside the histograms
    assert rocs
    aucs = [tr["name"] for tr in rocs[0]["data"] if tr.get("name") and tr.get("xaxis") == "x2"]
    assert any("MNIST test set" in n for n in aucs) and any("uniform noise" in n for n in aucs)


def test_the_language_stays_in_the_url_across_page_switches(fake_pretrained, monkeypatch):
    from explorer.present import i18n

    monkeypatch.setitem(i18n.LANGUAGES, "xx", "Test language")
    monkeypatch.setitem(i18n.STRINGS, "xx", {"map.title": "XX map", "sample.title": "XX sampling"})
    at = run_app({"lang": "xx"})
    assert not at.exception
    assert at.title[0].value == "XX map"
    at.query_params.pop("lang")  # a page switch in the browser drops the URL's parameters
    at.switch_page("explorer_app/views/sample.py").run()
    assert not at.exception
    assert at.query_params["lang"] == "xx" and at.title[0].value == "XX sampling"
    assert at.selectbox(key="model").value == "vae-z4"  # the rest of the view came along too


def test_an_unknown_language_falls_back_to_english_and_leaves_the_url(fake_pretrained):
    at = run_app({"lang": "<script>"})
    assert not at.exception
    assert at.title[0].value == "Latent map"
    assert "lang" not in at.query_params


def test_figure7_draws_the_plane_and_the_dimensions(tmp_path, monkeypatch):
    import streamlit as st

    from tests.conftest import make_pretrained

    base = make_pretrained(tmp_path / "zoo", "mnist",
                           models=(("vae", 2), ("wae", 2), ("vae", 16), ("ae", 16), ("wae", 16)))
    monkeypatch.setenv("EXPLORER_PRETRAINED", str(base))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = open_page("explorer_app/views/figure7.py", {"fig7_img": "5"})
    assert not at.exception, [e.value for e in at.exception]
    specs = [json.loads(s) for s in chart_specs(at)]
    planes = next(s for s in specs if "VAE · z2" in str(s["layout"].get("annotations")))
    assert [a["text"] for a in planes["layout"]["annotations"]] == ["VAE · z2", "WAE-MMD · z2"]  # one panel each
    for axis in ("xaxis", "xaxis2"):  # each panel has the prior's and the aggregate's regions
        traces = [tr for tr in planes["data"] if tr.get("xaxis", "x") == axis.replace("axis", "")]
        names = [tr["name"] for tr in traces]
        assert "prior N(0, I)" in names[0] and any("aggregate" in n for n in names)
    # one range for both panels, fitted to the codes: the prior's 95 % region inside it, not ±15
    ranges = {tuple(planes["layout"][axis]["range"]) for axis in ("xaxis", "xaxis2", "yaxis", "yaxis2")}
    assert len(ranges) == 1
    low, high = ranges.pop()
    assert low == -high and 2.45 < high < 15
    assert sum(tr.get("showlegend") is not False for tr in planes["data"]) < len(planes["data"])  # one legend
    table = at.table[0].value
    assert list(table["model"]) == ["VAE · z2", "WAE-MMD · z2"]
    assert float(table.iloc[0, 1]) >= 0 and table.iloc[1, 1] == "–"  # a KL for the VAE only
    assert any("dimensions are active" in c.value for c in at.caption)
    assert at.number_input(key="fig7_img").value == 5
    st.cache_data.clear()
    st.cache_resource.clear()


def test_figure7_without_latent_2_models_says_so(fake_pretrained):
    at = open_page("explorer_app/views/figure7.py")
    assert not at.exception
    assert any("no latent-2 VAE or WAE" in i.value for i in at.info)


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_figure7_renders_on_the_shipped_models(dataset):
    import streamlit as st

    st.cache_data.clear()
    from explorer.models.kinds import KINDS
    from explorer.store.catalog import list_models

    planes = [m for m in list_models(dataset) if m.latent_dim == 2 and KINDS[m.kind].prior_generative]
    at = open_page("explorer_app/views/figure7.py", {"dataset": dataset})
    assert not at.exception and not at.error
    assert len(planes) >= 2
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(charts) == 2  # the planes; the KL per dimension above the code spread
    titles = [a["text"] for a in charts[0]["layout"]["annotations"]]
    assert len(titles) == len(planes)  # a panel per latent-2 VAE, WAE, AAE


def test_the_model_card_says_what_the_model_is_and_how_to_train_it_again(fake_pretrained):
    from explorer.commands.train import build_parser

    at = open_page("explorer_app/views/model_card.py", {"model": "wae-z4"})
    assert not at.exception, [e.value for e in at.exception]
    assert at.subheader[0].value == "WAE-MMD · z4"
    assert any("MMD²(q(z), N(0, I))" in m.value and "100" in m.value for m in at.markdown)  # the loss, its weight
    labels = {m.label: m.value for m in at.metric}
    assert labels["test MSE"] == "0.05" and 0 < float(labels["SSIM"]) <= 1
    assert any("No training history" in c.value for c in at.caption)  # the synthetic zoo records none
    command = at.code[0].value
    parsed = build_parser().parse_args(command.split()[3:])
    assert (parsed.dataset, parsed.model, parsed.latent_dim) == ("mnist", "wae", 4)


@pytest.mark.parametrize("dataset, model", [("mnist", "vae-z16"), ("fashion-mnist", "contractive-z16"),
                                            ("fashion-mnist", "aae-z16")])
def test_the_model_card_of_a_shipped_model_has_its_curves_and_figures(dataset, model):
    import streamlit as st

    st.cache_data.clear()
    at = open_page("explorer_app/views/model_card.py", {"dataset": dataset, "model": model})
    assert not at.exception and not at.error
    curves = json.loads(chart_specs(at)[0])
    assert len(curves["data"][0]["x"]) == 10  # ten epochs
    labels = [m.label for m in at.metric]
    assert {"test MSE", "PSNR (dB)", "SSIM", "FID-c N(0, I) samples"} <= set(labels)
    assert f"--model {model.split('-z')[0]}" in at.code[0].value
    if model.startswith("aae"):  # both players' losses, in the catalogue's words, and the encoder's at test time
        names = {trace["name"] for trace in curves["data"]}
        assert {"encoder's adversarial loss (training)", "discriminator's loss (training)"} <= names, names
        assert "adversarial −log D(z)" in labels
        assert any("−log D(z)" in m.value and "10" in m.value for m in at.markdown)


def test_the_quality_page_lists_every_model_with_its_figures_and_the_calibration():
    import streamlit as st

    from explorer.metrics.evaluate import quality_rows

    st.cache_data.clear()
    at = open_page("explorer_app/views/quality.py", {"dataset": "fashion-mnist"})
    assert not at.exception and not at.error
    table, calibration = at.dataframe[0].value, at.dataframe[1].value
    from explorer.store.catalog import list_models

    shipped = [m for m in list_models("fashion-mnist") if m.available]
    rows, stored = quality_rows("fashion-mnist")
    assert len(table) == len(rows) == len(shipped) >= 11  # seven kinds at 16, four at 2
    assert table["FID-c N(0, I) samples"].tolist() == [round(r["fid_prior"], 2) for r in rows]
    assert calibration["FID-c reconstructions"].tolist() == [round(v, 2) for v in stored.values()]
    trade_off = json.loads(chart_specs(at)[0])
    assert sum(len(tr["x"]) for tr in trade_off["data"]) == len(shipped)  # one point per model


def test_the_quality_page_without_stored_figures_says_how_to_measure_them(fake_pretrained):
    at = open_page("explorer_app/views/quality.py")
    assert not at.exception
    assert any("explorer.evaluate --all" in i.value for i in at.info)


def test_a_selection_shows_its_neighbours_in_code_and_pixel_space(fake_pretrained):
    at = run_app({"sel": "5"})
    assert not at.exception
    assert any("Nearest neighbours of #5" in m.value for m in at.markdown)
    captions = [c for block in at.get("image") for c in block.proto.imgs if c.caption.startswith("#")]
    assert len(captions) >= 1 + 2 * 8  # the image itself, then eight neighbours in each space
    assert not any(c.caption.startswith("#5 ") for c in captions[1:])  # never its own neighbour
    at.toggle(key="nn_mark").set_value(True).run()
    assert not at.exception
    names = [trace["name"] for trace in json.loads(chart_specs(at)[0])["data"]]
    assert "code neighbours" in names and "pixel neighbours" in names
    at.radio(key="nn_metric").set_value("cosine").run()
    assert not at.exception


@pytest.mark.parametrize("method, dims", [("pca", 3), ("tsne", 2)])
def test_a_map_recomputed_by_another_method_says_how_and_how_faithful(fake_pretrained, method, dims):
    at = open_recompute(run_app())
    at.radio(key="proj_method").set_value(method).run()
    at.radio(key="proj_dims").set_value(dims).run()
    at.button[-1].click()  # the form's Compute button
    at.run(timeout=180)
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert ("PCA" if method == "pca" else "t-SNE") in captions and f"to {dims}-D" in captions
    assert "trustworthiness" in captions
    assert ("seed" in captions) == (method != "pca")  # PCA has no seed to show
    [spec] = chart_specs(at)
    traces = json.loads(spec)["data"]
    assert {trace["type"] for trace in traces} == ({"scatter3d"} if dims == 3 else {"scattergl"})
    assert sum(len(trace["customdata"]["bdata"]) > 0 for trace in traces) >= 1


@pytest.mark.parametrize("model", ["vae-z4", "ae-z2"])
def test_prior_samples_land_on_the_map_beside_their_norms(fake_pretrained, model):
    at = run_app({"model": model})
    at.toggle(key="prior_on_map").set_value(True).run()
    assert not at.exception
    the_map, norms = (json.loads(spec) for spec in chart_specs(at)[:2])
    names = [trace.get("name") for trace in the_map["data"]]
    assert "N(0, I) samples" in names and "mixture samples" in names
    assert [trace["type"] for trace in norms["data"]] == ["histogram"] * 3 + ["scatter"]
    assert norms["data"][-1]["name"].startswith("N(0, I): χ with") and norms["data"][-1]["name"].count(model[-1]) >= 1
    assert any("Median code norm" in c.value for c in at.caption)


@pytest.mark.parametrize("with_training_images", [False, True])
def test_samples_are_shown_beside_their_nearest_training_image(fake_pretrained, tiny_root, monkeypatch,
                                                                with_training_images):
    if with_training_images:
        monkeypatch.setenv("EXPLORER_DATA", str(tiny_root))
    else:
        monkeypatch.setenv("EXPLORER_DATA", str(tiny_root / "nothing-here"))
    at = open_page("explorer_app/views/sample.py")
    at.toggle(key="sample_novelty").set_value(True).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert ("nearest training image" in text) == with_training_images
    assert ("nearest test image" in text) == (not with_training_images)
    distances = [img.caption for block in at.get("image") for img in block.proto.imgs if img.caption.startswith("d ")]
    assert len(distances) >= 8 and all(float(c.split()[1]) >= 0 for c in distances)


def point_indices(spec: dict) -> list[int]:
    """The test indices a map figure's points carry (customdata; Plotly ships arrays as base64 typed arrays)."""
    out = []
    for trace in spec["data"]:
        data = trace.get("customdata")
        if isinstance(data, dict) and "bdata" in data:
            data = np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).tolist()
        out += [int(i) for i in np.ravel(data if data is not None else [])]
    return out


def test_a_map_larger_than_plotly_draws_is_drawn_whole_and_the_other_pages_draw_a_sample(fake_pretrained, monkeypatch):
    from explorer.analysis import project
    from tests.conftest import components_named

    monkeypatch.setattr(project, "MAX_DRAWN_POINTS", 120)  # the fake zoo's maps hold 300 points
    at = run_app()
    assert not at.exception
    assert not map_charts(at)  # the map of many points draws it, every point (tests/test_many_points.py)
    [chart] = components_named(at, "points_chart")
    assert len({s.key: s.bytes for s in chart.proto.special_args}["indices"]) == 300 * 4
    at.switch_page("explorer_app/views/interpolate.py").run()  # a map another page draws on is a picture of a sample
    assert not at.exception
    sample = project.load_map(fake_pretrained / "mnist" / "vae-z4" / "map.npz").drawn()
    assert len(sample.indices) == 120
    backdrop = json.loads(chart_specs(at)[-1])
    assert backdrop["layout"]["images"][0]["source"].startswith("data:image/png;base64,")
    assert set(point_indices(backdrop)) <= set(sample.indices.tolist())  # only the ringed images A and B are points


@pytest.mark.slow
def test_no_figure_is_ever_built_beside_a_half_imported_pandas():
    # Plotly reads pandas from sys.modules without the import lock: a session's figure must never meet the
    # half-made module another session's first table is importing (tests/test_load.py met it once in ten).
    # The server's first page is drawn before pandas is imported (explorer_app.pages_after_imports); every page
    # after it finds pandas whole.
    code = """
import sys
import plotly.basedatatypes
from streamlit.testing.v1 import AppTest
assert "pandas" not in sys.modules
met = []
build = plotly.basedatatypes.BaseFigure.__init__
def noted(self, *args, **kwargs):
    m = sys.modules.get("pandas")
    met.append("absent" if m is None else
               "whole" if hasattr(m, "Series") and not getattr(m.__spec__, "_initializing", False) else "half")
    build(self, *args, **kwargs)
plotly.basedatatypes.BaseFigure.__init__ = noted
at = AppTest.from_file("app.py", default_timeout=120).run()
assert not at.exception, at.exception
assert met and set(met) == {"absent"}, met  # the first page: drawn before pandas
assert "pandas" in sys.modules and hasattr(sys.modules["pandas"], "Series")  # imported once it was out
met.clear()
at = AppTest.from_file("app.py", default_timeout=120).run()
assert not at.exception, at.exception
assert met and set(met) == {"whole"}, met
"""
    subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent, check=True)


@pytest.mark.slow
def test_sessions_arriving_while_the_first_page_is_drawn_wait_and_then_find_the_shared_imports_whole():
    code = """
import sys, threading
import explorer_app
assert not {"pandas", "scipy", "sklearn", "skimage"} & set(sys.modules)
inside, go_on, second_in = threading.Event(), threading.Event(), threading.Event()
seen = {}
def whole():
    # every module imported and none still initialising, every name taken from it there
    return all(name in sys.modules and not getattr(sys.modules[name].__spec__, "_initializing", False)
               and all(hasattr(sys.modules[name], a) for a in attributes)
               for name, attributes in explorer_app.SHARED_IMPORTS.items())
def first():
    with explorer_app.pages_after_imports():
        seen["first"] = "pandas" in sys.modules or "sklearn" in sys.modules
        inside.set()
        go_on.wait(60)
def second():
    inside.wait(60)
    with explorer_app.pages_after_imports():
        seen["second"] = whole()
        second_in.set()
a, b = threading.Thread(target=first), threading.Thread(target=second)
a.start(); b.start()
assert inside.wait(60)
assert not second_in.wait(1.0)  # the second session waits while the first page is drawn
go_on.set()
assert second_in.wait(120)
a.join(60); b.join(60)
assert seen == {"first": False, "second": True}, seen
with explorer_app.pages_after_imports():  # every later page: no waiting, everything whole
    assert whole()
"""
    subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent, check=True,
                   timeout=300)


def test_the_app_layer_freezes_what_it_loaded_before_any_page_runs():
    # Streamlit collects all garbage after every run; frozen, the modules' objects are not walked each time
    code = ("import gc, streamlit, explorer_app, plotly.graph_objects as go; explorer_app.load_once(); "
            "assert gc.get_freeze_count() > 50_000; "
            "gc.collect(); assert not any(isinstance(o, type) and o is go.Scattergl for o in gc.get_objects())")
    subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent, check=True)


def test_no_collection_runs_while_the_first_page_loads_the_apps_modules():
    # A full pass over Streamlit's server cost the first map 0.13–0.15 s; collection is held until the
    # modules are loaded and frozen, then turned back on (and a later run's hold changes nothing)
    code = ("import gc, streamlit, explorer_app; explorer_app.hold_collections(); assert not gc.isenabled(); "
            "explorer_app.load_once(); assert gc.isenabled() and gc.get_freeze_count() > 50_000; "
            "explorer_app.hold_collections(); assert gc.isenabled()")
    subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent, check=True)
