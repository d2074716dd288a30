"""Your own zoo in the app: a zoo folder written by `explorer.train --data` (RGB and grey, labelled
and not) opened beside the shipped one, every page drawn from it, and `explorer.zoo check`."""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from explorer.commands import train, zoo
from explorer.data.datasets import SHIPPED_ENV, ZOO_ENV, all_datasets
from tests.conftest import chart_specs, clear_streamlit_caches, synthetic_digits
from tests.test_damaged_files import PAGES
from tests.test_userdata import squares

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def make_user_zoo(root: Path) -> Path:
    """A zoo of two datasets trained for one epoch: RGB 32×32 with three named classes, and grey 28×28
    without labels."""
    zoo_folder = root / "my-zoo"
    rgb, labels = squares(80, 32, 3)
    np.savez(root / "shapes.npz", images=rgb, labels=labels, class_names=np.array(["red", "green", "blue"]))
    np.savez(root / "doodles.npz", images=synthetic_digits(60, seed=5)[0])
    for data, models in ((root / "shapes.npz", (("ae", 2), ("vae", 4), ("dae", 4))), (root / "doodles.npz", (("ae", 2),))):
        for kind, latent in models:
            assert train.main(["--data", str(data), "--model", kind, "--latent-dim", str(latent), "--epochs", "1",
                               "--batch-size", "32", "--no-progress", "--zoo", str(zoo_folder)]) == 0
    return zoo_folder


@pytest.fixture(scope="module")
def built_zoo(tmp_path_factory) -> Path:
    return make_user_zoo(tmp_path_factory.mktemp("user-zoo"))


@pytest.fixture
def user_zoo(built_zoo, monkeypatch, tmp_path):
    monkeypatch.setenv(ZOO_ENV, str(built_zoo))
    monkeypatch.setenv("EXPLORER_CACHE", str(tmp_path / "cache"))
    clear_streamlit_caches()
    yield built_zoo
    clear_streamlit_caches()


def open_page(page: str, dataset: str, model: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["dataset"] = dataset
    if model:
        at.query_params["model"] = model
    at.run()
    if page != PAGES[0]:
        at.switch_page(page).run()
    return at


def test_the_zoos_datasets_join_the_shipped_ones_in_the_sidebar(user_zoo):
    assert list(all_datasets())[:2] == ["mnist", "fashion-mnist"]
    assert {"shapes", "doodles"} <= set(all_datasets())
    at = open_page(PAGES[0], "shapes")
    assert not at.exception
    assert at.selectbox(key="dataset").options[-2:] == ["doodles", "shapes"]
    assert at.selectbox(key="dataset").value == "shapes" and at.selectbox(key="model").value in {"ae-z2", "vae-z4", "dae-z4"}


@pytest.mark.parametrize("dataset,model", [("shapes", "vae-z4"), ("doodles", "ae-z2")])
def test_every_page_draws_from_a_zoo_of_your_own(user_zoo, dataset, model):
    for page in PAGES:
        at = open_page(page, dataset, model)
        assert not at.exception, (page, [e.stack_trace for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])


def test_the_map_of_colour_images_draws_colour_thumbnails_and_unlabelled_data_one_colour(user_zoo):
    at = open_page(PAGES[0], "shapes", "ae-z2")
    at.toggle(key="thumbnails").set_value(True).run()
    assert not at.exception
    figure = json.loads(chart_specs(at)[0])
    sprites = [image["source"] for image in figure["layout"]["images"]]
    assert len(sprites) == 8  # every test image (fewer than the thumbnails asked for)
    header, encoded = sprites[0].split(",", 1)
    assert header == "data:image/png;base64"
    assert Image.open(io.BytesIO(base64.b64decode(encoded))).mode == "RGB"  # the image's own colours
    assert {t["name"] for t in figure["data"]} >= {"red", "green", "blue"}  # the classes named by the data
    at = open_page(PAGES[0], "doodles", "ae-z2")
    traces = json.loads(chart_specs(at)[0])["data"]
    assert [t["name"] for t in traces if t.get("showlegend", True) is not False] == ["unlabelled"]


def test_your_own_image_is_fitted_to_a_colour_datasets_shape(user_zoo):
    at = open_page("explorer_app/views/own_image.py", "shapes", "vae-z4")
    picture = np.zeros((50, 70, 3), np.uint8)
    picture[10:30, 20:40, 1] = 255
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, "PNG")
    at.file_uploader(key="own_upload").upload("green.png", buffer.getvalue(), "image/png").run()
    assert not at.exception and not at.error
    assert len(at.metric) >= 1


def test_no_shipped_opens_your_zoo_in_place_of_the_shipped_one(user_zoo, monkeypatch):
    from explorer_app.zoos import open_zoos

    monkeypatch.delenv(SHIPPED_ENV, raising=False)
    open_zoos(["--pretrained", str(user_zoo)])  # the spelling of --zoo
    assert os.environ[ZOO_ENV] == str(user_zoo) and os.environ[SHIPPED_ENV] == "1"
    assert list(all_datasets())[:2] == ["mnist", "fashion-mnist"]
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()  # beside the shipped zoo, the app opens on the zoo it was pointed at, not on MNIST
    assert not at.exception and at.selectbox(key="dataset").value == "doodles"
    assert "MNIST" in at.selectbox(key="dataset").options  # the shipped ones are still there
    open_zoos(["--zoo", str(user_zoo), "--no-shipped"])
    assert os.environ[ZOO_ENV] == str(user_zoo)
    assert list(all_datasets()) == ["doodles", "shapes"]
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception and at.selectbox(key="dataset").value == "doodles"


def test_zoo_check_says_what_is_usable_and_why_not(user_zoo, tmp_path, capsys):
    (user_zoo / "shapes" / "wae-z3").mkdir()
    (user_zoo / "shapes" / "wae-z3" / "config.json").write_text("{not json")
    try:
        assert zoo.main(["check", str(user_zoo)]) == 0
        out = capsys.readouterr().out
        assert "shapes: shapes, 8 test images of 32×32×3, 3 classes" in out
        assert "doodles: doodles, 6 test images of 28×28, no classes" in out
        assert "vae-z4               usable" in out and "wae-z3               unusable:" in out
    finally:
        (user_zoo / "shapes" / "wae-z3" / "config.json").unlink()
        (user_zoo / "shapes" / "wae-z3").rmdir()
    assert zoo.main(["check", str(tmp_path)]) == 2
    assert "no dataset folder" in capsys.readouterr().err


# --- your own architecture ----------------------------------------------------------------

EXAMPLE_MODULE = "examples.mlp_autoencoder"


@pytest.fixture(scope="module")
def example_zoo(tmp_path_factory) -> Path:
    """The repository's example: the MLP autoencoder trained on generated colour squares."""
    from examples.train_mlp_example import main as train_example

    root = tmp_path_factory.mktemp("example-zoo")
    assert train_example(["--zoo", str(root), "--images", "300", "--epochs", "2"]) == 0
    return root


def open_example(monkeypatch, example_zoo, trusted: bool) -> AppTest:
    from explorer.models.custom import TRUST_ENV

    monkeypatch.setenv(ZOO_ENV, str(example_zoo))
    if trusted:
        monkeypatch.setenv(TRUST_ENV, EXAMPLE_MODULE)
    else:
        monkeypatch.delenv(TRUST_ENV, raising=False)
    clear_streamlit_caches()
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["dataset"] = "coloured-squares"
    at.run()
    return at


def test_a_model_of_your_own_code_is_listed_unavailable_until_its_module_is_trusted(monkeypatch, example_zoo):
    import sys

    sys.modules.pop(EXAMPLE_MODULE, None)
    at = open_example(monkeypatch, example_zoo, trusted=False)
    assert not at.exception
    assert "Coloured squares" in at.selectbox(key="dataset").format_func("coloured-squares")
    shown = " ".join(m.value for m in at.markdown).replace("\\", "")  # as rendered: Markdown's escapes gone
    assert "ae-z8" in shown and "--trust-module examples.mlp_autoencoder" in shown
    assert EXAMPLE_MODULE not in sys.modules  # its code never ran
    from explorer.errors import CheckpointError
    from explorer.store.checkpoint import load_pretrained

    with pytest.raises(CheckpointError, match="--trust-module"):
        load_pretrained(example_zoo / "coloured-squares" / "ae-z8")


def test_a_trusted_model_of_your_own_code_draws_every_page(monkeypatch, example_zoo):
    at = open_example(monkeypatch, example_zoo, trusted=True)
    assert at.selectbox(key="model").value == "ae-z8"
    for page in PAGES:
        if page != PAGES[0]:
            at.switch_page(page).run()
        assert not at.exception, (page, [e.stack_trace for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])


def test_a_state_dict_is_read_with_weights_only_and_anything_else_is_refused(monkeypatch, example_zoo, tmp_path):
    import shutil

    import torch
    from safetensors.torch import load_file

    from explorer.errors import CheckpointError
    from explorer.models.custom import TRUST_ENV
    from explorer.store.checkpoint import load_pretrained

    monkeypatch.setenv(TRUST_ENV, EXAMPLE_MODULE)
    folder = tmp_path / "coloured-squares" / "ae-z8"
    shutil.copytree(example_zoo / "coloured-squares" / "ae-z8", folder)
    state = load_file(str(folder / "model.safetensors"))
    (folder / "model.safetensors").unlink()
    torch.save(state, folder / "model.pt")
    model = load_pretrained(folder)
    assert model.decode(torch.zeros(2, 8)).shape == (2, 3, 32, 32)

    class NotATensor:  # an object that a full unpickler would build (and run code for)
        def __reduce__(self):
            return (print, ("unpickled!",))

    torch.save({"encoder.1.weight": NotATensor()}, folder / "model.pt")
    with pytest.raises(CheckpointError, match="state dict of tensors"):
        load_pretrained(folder)


def test_the_applications_are_measured_for_your_own_labelled_dataset_and_refused_without_labels(user_zoo):
    at = open_page("explorer_app/views/applications.py", "shapes", "vae-z4")
    at.button(key="apps_compute").click().run()
    assert not at.exception and not at.error
    assert not at.button  # every model measured, from the training split rebuilt from shapes.npz
    assert set(at.table[0].value.iloc[:, 0]) >= {"VAE · z4", "Denoising AE · z4", "Autoencoder · z2"}
    at = open_page("explorer_app/views/applications.py", "doodles", "ae-z2")
    at.button(key="apps_compute").click().run()
    assert not at.exception
    assert [e.value for e in at.error if "no labels" in e.value]


def test_when_the_training_images_are_gone_the_applications_say_so(user_zoo, tmp_path):
    from explorer.data.userdata import training_split_of
    from explorer.errors import DatasetUnavailable

    assert len(training_split_of("shapes").images) == 72
    original = user_zoo.parent / "shapes.npz"
    moved = tmp_path / "elsewhere.npz"
    original.rename(moved)
    try:
        with pytest.raises(DatasetUnavailable, match="not on this machine"):
            training_split_of("shapes")
    finally:
        moved.rename(original)


def test_zoo_check_runs_a_trusted_modules_model_only_when_named(example_zoo, capsys, monkeypatch):
    from explorer.models.custom import TRUST_ENV

    monkeypatch.delenv(TRUST_ENV, raising=False)  # and restored after: the command sets it for its process
    assert zoo.main(["check", str(example_zoo)]) == 1  # nothing usable without the opt-in
    assert "--trust-module examples.mlp_autoencoder" in capsys.readouterr().out
    assert zoo.main(["check", str(example_zoo), "--trust-module", EXAMPLE_MODULE]) == 0
    assert "ae-z8                usable" in capsys.readouterr().out


def test_the_decoders_of_a_zoo_of_your_own_are_exported_for_the_browser(built_zoo, tmp_path, capsys):
    import shutil

    from explorer.commands import browser_decoder as bd_command
    from explorer.store import browser_decoder as bd

    zoo = tmp_path / "zoo"
    shutil.copytree(built_zoo, zoo)
    assert bd_command.main(["--zoo", str(zoo)]) == 0
    exported = sorted(zoo.glob("*/*/" + bd.BROWSER_FILE))
    assert len(exported) >= 2 and len(exported) == len(capsys.readouterr().out.splitlines())
    for record in exported:
        _data, read = bd.read_browser_decoder(record.parent)
        channels = 3 if record.parent.parent.name == "shapes" else 1
        assert read["image_shape"][0] == channels and read["max_abs_error"] <= bd.HALF_TOLERANCE
    assert bd_command.main(["--zoo", str(tmp_path / "nothing-here")]) == 2
