"""explorer.show: objects of the caller's own process opened in the app (explorer_app/show.py).

What is checked here runs without a browser: the objects refused before anything starts, the images and
models as the app takes them, the shown checkpoints in the catalogue, every page of the embedded app
(AppTest) and the server's start and stop in this process. tests/test_show_browser.py installs the package
and drives a real Chromium on it.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

import numpy as np
import pytest
import tomllib
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest
from torch import nn

import explorer
import explorer_app
from explorer.data.datasets import all_datasets, close_shown_zoo, open_shown_zoo
from explorer.errors import ShowRefused
from explorer.store import live
from explorer.store.catalog import list_models
from explorer.store.checkpoint import load_pretrained
from explorer.store.shown import write_shown
from explorer_app import show as show_module
from tests.conftest import clear_streamlit_caches, map_chart_data, map_charts

ROOT = Path(__file__).resolve().parent.parent
CLASSES = ["circle", "square", "cross"]


class FlatAE(nn.Module):
    """An MLP autoencoder: rows of pixels in, images out (the shape a notebook's first model often has)."""

    def __init__(self, side: int = 8, latent: int = 3, decode_shape=None, nan: str = ""):
        super().__init__()
        torch.manual_seed(0)
        self.side, self.decode_shape, self.nan = side, decode_shape, nan
        self.enc = nn.Linear(side * side, latent)
        self.dec = nn.Linear(latent, side * side)

    def encode(self, x):
        z = self.enc(x)  # rows N×(H·W): the explorer finds that it takes those
        return z * float("nan") if self.nan == "encode" else z

    def decode(self, z):
        x = torch.sigmoid(self.dec(z))
        if self.nan == "decode":
            x = x * float("nan")
        return x.view(-1, *(self.decode_shape or (1, self.side, self.side)))


class GaussianAE(FlatAE):
    """A VAE's encoder: (μ, log σ²)."""

    def encode(self, x):
        mu = self.enc(x)
        return mu, torch.full_like(mu, -1.0)


class ImagesOnly(nn.Module):
    """An encoder that takes images N×C×H×W and refuses rows."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.dec = nn.Linear(2, 64)

    def encode(self, x):
        assert x.ndim == 4, "images, not rows"
        return self.conv(x).mean(dim=(2, 3))

    def decode(self, z):
        return torch.sigmoid(self.dec(z)).view(-1, 1, 8, 8)


def images_and_labels(n: int = 60, side: int = 8, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, side, side), dtype=np.uint8), rng.integers(0, 3, n)


@pytest.fixture(autouse=True)
def own_temp(tmp_path, monkeypatch):
    """Temporary folders of this test's own; nothing shown is left open after it."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    yield tmp_path / "tmp"
    show_module.close_all()
    explorer_app.EMBEDDED = False


def shown_folders(temp: Path) -> list[Path]:
    return sorted(temp.glob(f"{show_module.TEMP_PREFIX}*"))


# --- refused before anything starts ---------------------------------------------------------------

BAD_INPUTS = {
    "no images": (lambda: FlatAE(), lambda: None, "no images"),
    "an empty set": (lambda: FlatAE(), lambda: np.zeros((0, 8, 8), np.uint8), "no images"),
    "five dimensions": (lambda: FlatAE(), lambda: np.zeros((4, 1, 1, 8, 8), np.uint8), "N×H×W"),
    "four channels": (lambda: FlatAE(), lambda: np.zeros((4, 8, 8, 4), np.uint8), "1 or 3 channels"),
    "not square": (lambda: FlatAE(), lambda: np.zeros((4, 8, 6), np.uint8), "square"),
    "normalised floats": (lambda: FlatAE(), lambda: np.full((4, 8, 8), -0.4, np.float32), "[0, 1]"),
    "decode of another shape": (lambda: FlatAE(decode_shape=(1, 4, 16)), lambda: images_and_labels()[0],
                                "decode must return images of the input's shape"),
    "decode too small": (lambda: FlatAE(side=8, decode_shape=(1, 4, 4)), lambda: images_and_labels()[0], None),
    "NaN codes": (lambda: FlatAE(nan="encode"), lambda: images_and_labels()[0], "NaN"),
    "NaN images": (lambda: FlatAE(nan="decode"), lambda: images_and_labels()[0], "NaN"),
    "no encode": (lambda: nn.Linear(3, 3), lambda: images_and_labels()[0], "has no encode"),
    "images of another size": (lambda: FlatAE(side=8), lambda: images_and_labels(side=10)[0], "encode failed"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_objects_the_explorer_cannot_use_are_refused_before_anything_starts(case, own_temp):
    make_model, make_images, words = BAD_INPUTS[case]
    model = make_model()
    if case == "decode too small":  # decode's output is smaller than the images: its rows cannot be reshaped
        model.dec = nn.Linear(3, 16)
    with pytest.raises(ShowRefused) as refused:
        explorer.show(model, make_images(), map="pca")
    assert isinstance(refused.value, ValueError)  # a Python user's `except ValueError` catches it
    if words:
        assert words in str(refused.value)
    assert show_module._server.thread is None and shown_folders(own_temp) == []
    assert not any(n.startswith("shown-") for n in all_datasets())


def test_a_decoder_that_gives_logits_is_told_to_end_with_a_sigmoid(own_temp):
    model = FlatAE()
    model.decode = lambda z: model.dec(z).view(-1, 1, 8, 8) * 10
    with pytest.raises(ShowRefused, match="sigmoid"):
        explorer.show(model, images_and_labels()[0], map="pca")
    assert shown_folders(own_temp) == []


@pytest.mark.parametrize("labels, names, words", [
    (np.zeros(59, int), None, "59 labels for 60 images"),
    (np.full(60, 5), CLASSES, "label 5 has no class name"),
    (np.full(60, -1), None, "negative"),
    (None, CLASSES, "without labels"),
    (np.zeros(60, int), "circle", "list of strings"),
])
def test_labels_and_class_names_that_do_not_fit_are_refused(labels, names, words, own_temp):
    with pytest.raises(ShowRefused, match=words):
        explorer.show(FlatAE(), images_and_labels()[0], labels, class_names=names, map="pca")
    assert shown_folders(own_temp) == []


def test_arguments_that_do_not_fit_together_are_refused():
    images = images_and_labels()[0]
    with pytest.raises(ShowRefused, match="not both"):
        explorer.show(FlatAE(), images, encoder=lambda x: x, decoder=lambda z: z)
    with pytest.raises(ShowRefused, match="unknown kind"):
        explorer.show(FlatAE(), images, kind="gan", map="pca")
    with pytest.raises(ShowRefused, match="needs a posterior"):
        explorer.show(FlatAE(), images, kind="vae", map="pca")
    with pytest.raises(ShowRefused, match="unknown map"):
        explorer.show(FlatAE(), images, map="mds")
    with pytest.raises(ShowRefused, match="2 non-empty strings"):
        explorer.show([FlatAE(), FlatAE()], images, names=["one"], map="pca")


# --- the images and the models as the app takes them ----------------------------------------------

def test_images_come_in_every_usual_layout():
    grey, labels = images_and_labels(n=10)
    as_float = torch.from_numpy(grey).float().div(255).unsqueeze(1)  # N×1×H×W in [0, 1]
    colour = np.stack([grey] * 3, axis=-1)  # N×H×W×3
    for images, channels in ((grey, 1), (as_float, 1), (grey.reshape(10, 64), 1), (colour, 3),
                             (torch.from_numpy(colour).permute(0, 3, 1, 2), 3)):
        found = show_module.image_set_of(images, labels, CLASSES, 100, 0)
        assert found.images.dtype == np.uint8 and found.images.shape[:3] == (10, 8, 8) and found.channels == channels
        assert np.abs(found.images[..., 0] if channels == 3 else found.images).astype(int).__sub__(grey).max() <= 1
        assert found.class_names == tuple(CLASSES) and list(found.labels) == list(labels)


def test_a_dataset_of_pictures_is_read_with_its_class_names():
    class Pictures:  # as torchvision's datasets: PIL images, integer labels, `classes`
        classes = ("dark", "light")

        def __len__(self):
            return 30

        def __getitem__(self, i):
            return Image.fromarray(np.full((8, 8), 20 + 7 * i, np.uint8)), i % 2

    found = show_module.image_set_of(Pictures(), None, None, 20, 0)
    assert len(found.images) == 20 and found.class_names == ("dark", "light")
    rows = [round((int(img[0, 0]) - 20) / 7) for img in found.images]  # each image knows its index
    assert rows == sorted(rows) and len(set(rows)) == 20 and list(found.labels) == [r % 2 for r in rows]
    again = show_module.image_set_of(Pictures(), None, None, 20, 0)
    assert np.array_equal(again.images, found.images)  # the sample is seeded


def test_a_larger_set_is_sampled_with_its_labels(own_temp):
    images, labels = images_and_labels(n=500)
    found = show_module.image_set_of(images, labels, CLASSES, 100, 3)
    assert len(found.images) == 100
    rows = [next(i for i in range(500) if np.array_equal(images[i], img)) for img in found.images]
    assert list(found.labels) == list(labels[rows])


@pytest.mark.parametrize("model, kind, flat", [(FlatAE(), "ae", True), (ImagesOnly(), "ae", False),
                                               (GaussianAE(), "vae", True)])
def test_a_model_is_adapted_to_the_pages(model, kind, flat):
    from explorer.models.custom import adapt_shown

    images, _ = images_and_labels()
    adapted = adapt_shown(model, None, None, None, images, "shown-x", ShowRefused)
    assert adapted.kind == kind and adapted.flat_input == flat and adapted.config.image_shape == (1, 8, 8)
    x = torch.from_numpy(images[:5]).float().div(255).unsqueeze(1)
    z = explorer.encode(adapted, images[:5])
    assert z.shape == (5, adapted.config.latent_dim)
    assert torch.allclose(explorer.decode(adapted, z), model.decode(z).view(5, 1, 8, 8))
    if kind == "vae":
        mu, logvar = explorer.encode_posterior(adapted, x)
        assert torch.allclose(mu, z) and torch.all(logvar == -1)
    assert not model.training  # put in eval mode, as for inference


def test_an_encoder_and_a_decoder_given_apart_are_one_model():
    from explorer.models.custom import adapt_shown

    torch.manual_seed(1)
    encoder, decoder = nn.Sequential(nn.Flatten(), nn.Linear(64, 2)), nn.Sequential(nn.Linear(2, 64), nn.Sigmoid())
    images, _ = images_and_labels()
    adapted = adapt_shown(None, encoder, decoder, "wae", images, "shown-x", ShowRefused)
    assert adapted.kind == "wae" and adapted.config.latent_dim == 2
    assert {id(p) for p in adapted.parameters()} >= {id(p) for p in encoder.parameters()}
    assert explorer.reconstruct(adapted, images[:3]).shape == (3, 1, 8, 8)


# --- shown checkpoints in the catalogue -----------------------------------------------------------

@pytest.fixture
def shown_zoo(tmp_path, monkeypatch):
    """Two models written and held as show() does, opened as the embedded app's only zoo (no server)."""
    from explorer.models.custom import adapt_shown

    images, labels = images_and_labels(n=120)
    image_set = show_module.image_set_of(images, labels, CLASSES, 1000, 0)
    models = []
    for title, model in (("Plain", FlatAE()), ("Gaussian", GaussianAE())):
        adapted = adapt_shown(model, None, None, None, image_set.images, "shown-t", ShowRefused)
        models.append((adapted, title, explorer.encode(adapted, image_set.images).numpy()))
    zoo = tmp_path / "zoo"
    keys = write_shown(zoo / "shown-t", image_set, "My shapes", models, map_method="pca")
    open_shown_zoo(zoo)
    monkeypatch.setattr(explorer_app, "EMBEDDED", True)
    clear_streamlit_caches()
    yield zoo, keys
    for key in keys.values():
        live.release(key)
    close_shown_zoo(zoo)
    clear_streamlit_caches()


def test_shown_models_are_listed_under_their_titles_and_are_the_objects_held(shown_zoo):
    zoo, keys = shown_zoo
    assert list(all_datasets()) == ["shown-t"]  # while something is shown, the app lists it alone
    infos = {m.name: m for m in list_models("shown-t")}
    assert set(infos) == {"ae-z3-1", "vae-z3-2"} and all(m.available for m in infos.values())
    assert infos["ae-z3-1"].title == "Plain" and infos["vae-z3-2"].kind == "vae"
    model = load_pretrained(infos["ae-z3-1"].folder)
    assert live._held[keys["ae-z3-1"]] is model  # by reference: no copy, no file of weights
    assert not list(zoo.rglob("*.safetensors")) and not list(zoo.rglob("*.pt"))
    live.release(keys["ae-z3-1"])
    gone = {m.name: m for m in list_models("shown-t")}["ae-z3-1"]
    assert gone.problem == ("live_gone",)
    with pytest.raises(explorer.CheckpointError, match="closed"):
        load_pretrained(gone.folder)


def page_text(at) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "error", "title",
                                               "subheader") for e in at.get(kind))


def open_embedded(query: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_the_map_opens_on_the_shown_model_with_the_class_names_and_the_comparison(shown_zoo):
    at = open_embedded({"dataset": "shown-t", "model": "ae-z3-1", "compare": "vae-z3-2,../../etc,ae-z3-1"})
    assert not at.exception
    charts = [map_chart_data(c) for c in map_charts(at)]
    assert len(charts) == 2  # the model and the one compared beside it
    names = {trace.get("name") for trace in __import__("json").loads(charts[0]["spec"])["data"]}
    assert set(CLASSES) <= names
    assert at.session_state["compare"] == ["vae-z3-2"]  # names the dataset does not have are not taken
    assert "compare" not in at.query_params


@pytest.mark.parametrize("page", ["interpolate", "traverse", "sample", "denoise", "anomaly", "figure7",
                                  "model_card", "own_image", "attributes"])
def test_every_page_of_the_embedded_app_draws_the_shown_models(page, shown_zoo):
    at = open_embedded({"dataset": "shown-t", "model": "vae-z3-2"})
    at.switch_page(f"explorer_app/views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "shown-t" not in page_text(at)  # the dataset is named by its title, the models by theirs


def test_the_embedded_app_lists_only_the_pages_for_shown_objects(shown_zoo):
    source = (ROOT / "explorer_app" / "app.py").read_text(encoding="utf-8")
    assert all(f'"{name}"' in source for name in ("tour", "quality", "applications", "theatre"))
    at = open_embedded({"dataset": "shown-t"})
    with pytest.raises(Exception):  # noqa: B017  (AppTest raises its own error for a page not in the navigation)
        at.switch_page("explorer_app/views/tour.py").run()


def test_the_servers_settings_are_the_apps_own():
    """show() cannot read .streamlit/config.toml from the caller's folder: it passes the same settings."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    flat = {f"{section}.{key}": value for section, values in config.items() for key, value in values.items()}
    assert {k: show_module.SERVER_OPTIONS.get(k) for k in flat} == flat


# --- the server in this process -------------------------------------------------------------------

def health(url: str) -> int:
    with urllib.request.urlopen(url.split("/?")[0] + "/_stcore/health", timeout=10) as answer:
        return answer.status


def test_show_serves_on_loopback_and_close_stops_it_and_removes_its_files(own_temp, capsys):
    images, labels = images_and_labels()
    first = explorer.show(FlatAE(), images, labels, class_names=CLASSES, map="pca")
    assert first.url.startswith("http://127.0.0.1:") and "dataset=shown-" in first.url
    assert first.url in capsys.readouterr().err  # printed where there is no notebook
    assert health(first.url) == 200 and len(shown_folders(own_temp)) == 1
    second = explorer.show([FlatAE(), GaussianAE()], images, map="pca")  # the same server, the comparison
    assert second.url.split("/?")[0] == first.url.split("/?")[0] and "compare=vae-z3-2" in second.url
    first.close()
    assert health(second.url) == 200 and len(shown_folders(own_temp)) == 1  # the other is still shown
    second.close()
    second.close()  # twice: nothing more
    assert show_module._server.thread is None and shown_folders(own_temp) == []
    with pytest.raises(OSError):
        health(second.url)
    assert not any(n.startswith("shown-") for n in all_datasets()) and live._held == {}
    with explorer.show(FlatAE(), images, map="pca") as third:  # and it starts again
        assert health(third.url) == 200
    assert shown_folders(own_temp) == []


def test_stopping_the_server_ends_the_warm_up_between_two_models(monkeypatch):
    """A process that closes what it showed and exits must find no app thread inside torch (which aborts it)."""
    from explorer_app import loaders

    loaded = []

    def load(info):
        loaded.append(info)
        if len(loaded) == 2:
            explorer_app._warm_up_stop.set()  # what stop_warm_up() does, while the second model loads

    monkeypatch.setattr("explorer.data.datasets.all_datasets", lambda: ["a", "b"])
    monkeypatch.setattr(loaders, "recommenders", list)
    monkeypatch.setattr(loaders, "available_models", lambda dataset: [f"{dataset}1", f"{dataset}2", f"{dataset}3"])
    monkeypatch.setattr(loaders, "model", load)
    monkeypatch.setattr(loaders, "test_codes", lambda info: None)
    explorer_app.start_warm_up()
    explorer_app.stop_warm_up(timeout=30)
    assert not explorer_app._warm_up_thread.is_alive()
    assert loaded == ["a1", "a2"]  # it ended after the model it was at, not after all six
    explorer_app._warm_up_stop.clear()


def test_a_folder_left_by_a_killed_process_is_removed_by_the_next_show(own_temp):
    dead = own_temp / f"{show_module.TEMP_PREFIX}999999999-abc"
    (dead / "shown-1").mkdir(parents=True)
    (dead / "shown-1" / "test.npz").write_bytes(b"x")
    mine = own_temp / f"{show_module.TEMP_PREFIX}{__import__('os').getpid()}-keep"
    mine.mkdir()
    with explorer.show(FlatAE(), images_and_labels()[0], map="pca"):
        assert not dead.exists() and mine.exists()


def test_in_a_notebook_the_app_is_shown_inline(own_temp, monkeypatch, capsys):
    """In a Jupyter kernel, show() draws the app in an iframe in the cell's output instead of printing its address."""
    import html
    import sys
    import types

    drawn = []

    class ZMQInteractiveShell:  # what IPython's get_ipython() returns in a Jupyter kernel
        pass

    ipython = types.ModuleType("IPython")
    ipython.get_ipython = ZMQInteractiveShell
    display = types.ModuleType("IPython.display")
    display.HTML = lambda html: ("html", html)
    display.display = drawn.append
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    with explorer.show(FlatAE(), images_and_labels()[0], map="pca") as shown:
        assert drawn == [("html", show_module.iframe(shown.url))] and f'src="{html.escape(shown.url)}"' in drawn[0][1]
        assert shown.url not in capsys.readouterr().err
    ipython.get_ipython = lambda: None  # a plain Python: the address is printed
    with explorer.show(FlatAE(), images_and_labels()[0], map="pca") as shown:
        assert len(drawn) == 1 and shown.url in capsys.readouterr().err
