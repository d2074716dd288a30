"""The app, headless, through Streamlit's AppTest."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.catalog import list_models
from explorer.data import DATASETS

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run_app(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


def chart_specs(at: AppTest) -> list[str]:
    return [c.proto.spec for c in at.get("plotly_chart")]


def test_default_view_renders_the_default_map(fake_pretrained):
    at = run_app()
    assert not at.exception
    assert [s.value for s in at.selectbox] == ["mnist", "vae-z4"]
    assert at.query_params["dataset"] == "mnist" and at.query_params["model"] == "vae-z4"
    assert len(at.get("plotly_chart")) == 1
    assert "umap" in " ".join(c.value for c in at.caption).lower()


def test_changing_the_model_changes_the_figure(fake_pretrained):
    at = run_app()
    before = chart_specs(at)
    at.selectbox(key="model").select("ae-z2").run()
    assert not at.exception
    assert at.query_params["model"] == "ae-z2"
    assert chart_specs(at) != before
    assert "2-D" in " ".join(c.value for c in at.caption)


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
    originals, reconstructions = at.get("image")
    assert [img.caption for img in originals.proto.imgs] == ["#3 · " + c for c in ("3", "5", "8")] or len(originals.proto.imgs) == 3
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
    assert len(at.get("plotly_chart")) == 3


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
    assert len(at.get("plotly_chart")) == 1
    assert any("vae-z4" in m.value and "corrupted" in m.value for m in at.markdown)


def test_missing_test_images_say_what_is_missing(fake_pretrained):
    (fake_pretrained / "mnist" / "test.npz").unlink()
    at = run_app()
    assert not at.exception
    assert any("test.npz" in e.value and "explorer.data export" in e.value for e in at.error)


def test_recompute_runs_umap_and_caches_it(fake_pretrained):
    at = run_app()
    at.select_slider[0].set_value(1000) if len(at.select_slider) else None
    at.button[-1].click()  # the form's Compute button
    at.run(timeout=180)
    assert not at.exception
    cached = list((fake_pretrained.parent / "cache" / "maps" / "mnist" / "vae-z4").glob("*.npz"))
    assert len(cached) == 1
    assert any("recomputed map" in c.value for c in at.caption)


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
