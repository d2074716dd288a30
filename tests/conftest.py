import os
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

os.environ.setdefault("OMP_NUM_THREADS", "2")
# The training theatre's zoo is opened beside the others: a developer's ./user-zoo must not change what
# the tests see (a test that trains in the theatre points this at its own folder).
os.environ["EXPLORER_THEATRE_ZOO"] = str(Path(__file__).resolve().parent / ".no-theatre-zoo")
# No background map jobs (explorer.store.map_job) unless a test asks for them: a job writes map.npz into a zoo
# that other tests read.
os.environ["EXPLORER_MAP_JOBS"] = "0"


def synthetic_digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Small 28×28 uint8 images with structure a model can learn: a bar whose place depends on the class."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    images = np.zeros((n, 28, 28), dtype=np.float32)
    for i, label in enumerate(labels):
        row = 3 + 2 * int(label)
        images[i, row : row + 3, 4:24] = 1.0
        images[i, 4:24, 3 + 2 * int(label)] = 0.6
    images += rng.normal(0, 0.05, size=images.shape)
    return (images.clip(0, 1) * 255).astype(np.uint8), labels


def write_idx_images(path: Path, images: np.ndarray) -> None:
    with open(path, "wb") as f:
        f.write(struct.pack(">IIII", 0x00000803, len(images), 28, 28))
        f.write(images.astype(np.uint8).tobytes())


def write_idx_labels(path: Path, labels: np.ndarray) -> None:
    with open(path, "wb") as f:
        f.write(struct.pack(">II", 0x00000801, len(labels)))
        f.write(labels.astype(np.uint8).tobytes())


def write_idx_dataset(raw: Path, n_train: int = 256, n_test: int = 64) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    train_x, train_y = synthetic_digits(n_train, seed=1)
    test_x, test_y = synthetic_digits(n_test, seed=2)
    write_idx_images(raw / "train-images-idx3-ubyte", train_x)
    write_idx_labels(raw / "train-labels-idx1-ubyte", train_y)
    write_idx_images(raw / "t10k-images-idx3-ubyte", test_x)
    write_idx_labels(raw / "t10k-labels-idx1-ubyte", test_y)


@pytest.fixture
def tiny_root(tmp_path) -> Path:
    """A data root holding tiny IDX files for both datasets, read by torchvision's own reader."""
    root = tmp_path / "data"
    write_idx_dataset(root / "MNIST" / "raw")
    write_idx_dataset(root / "FashionMNIST" / "raw")
    return root


@pytest.fixture
def tiny_images() -> torch.Tensor:
    return torch.from_numpy(synthetic_digits(64, seed=3)[0])


def make_pretrained(base: Path, dataset: str = "mnist", models=(("vae", 4), ("ae", 2), ("wae", 4)), n_test: int = 300) -> Path:
    """A small pretrained/ folder: untrained models, their maps and a synthetic test split."""
    from explorer.analysis.project import LatentMap, save_map
    from explorer.data.datasets import dataset_spec
    from explorer.models.nets import ModelConfig, build_model
    from explorer.store.checkpoint import round_to_storage, save_pretrained

    images, labels = synthetic_digits(n_test, seed=4)
    folder = base / dataset
    folder.mkdir(parents=True, exist_ok=True)
    spec = dataset_spec(dataset)
    np.savez_compressed(folder / "test.npz", images=images, labels=labels, class_names=np.array(spec.class_names),
                        source=np.array(spec.source), licence=np.array(spec.licence))
    for kind, latent in models:
        torch.manual_seed(0)
        model = round_to_storage(build_model(ModelConfig(kind=kind, dataset=dataset, latent_dim=latent))).eval()
        out = save_pretrained(model, folder / f"{kind}-z{latent}", metrics={"test": {"mse": 0.05, "psnr": 13.0}})
        xy = np.random.default_rng(latent).normal(size=(n_test, 2)).astype(np.float32)
        save_map(out / "map.npz", LatentMap(xy=xy, indices=np.arange(n_test), method="umap" if latent > 2 else "latent",
                                            params={"n_neighbors": 15, "min_dist": 0.1, "seed": 0}))
    return base


def components_named(at, name: str) -> list:
    """The components-v1 components an AppTest run drew whose name ends with ``name`` (the browser decoder)."""
    return [c for c in at.get("component_instance") if c.proto.component_name.endswith(name)]


def map_charts(at) -> list:
    """The map page's charts (explorer_app/map_chart, components v2), as the script sent them."""
    return [c for c in at.get("bidi_component") if c.proto.component_name == "map_chart"]


def map_chart_data(chart) -> dict:
    """What the script sent one of the map's charts: its figure's JSON ("spec") and how to draw it."""
    import json

    return json.loads(chart.proto.json)


def chart_specs(at) -> list[str]:
    """Every figure's JSON: the map page's maps first, then the charts Streamlit draws."""
    return [map_chart_data(c)["spec"] for c in map_charts(at)] + [c.proto.spec for c in at.get("plotly_chart")]


def clear_streamlit_caches() -> None:
    """Forget every cached loader: a test's zoo is not the one a previous test cached."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def fake_pretrained(tmp_path, monkeypatch) -> Path:
    """EXPLORER_PRETRAINED pointing at a small synthetic zoo for both datasets; Streamlit caches cleared."""
    base = tmp_path / "pretrained"
    make_pretrained(base, "mnist")
    make_pretrained(base, "fashion-mnist", models=(("ae", 4), ("dae", 4)))
    monkeypatch.setenv("EXPLORER_PRETRAINED", str(base))
    monkeypatch.setenv("EXPLORER_CACHE", str(tmp_path / "cache"))
    clear_streamlit_caches()
    yield base
    clear_streamlit_caches()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Make each phase's report reachable from fixtures (for screenshots on failure)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def write_application_figures(folder: Path, accuracy: float = 0.5, seed: int = 0) -> dict:
    """A well-formed applications.json beside a model, for the weights it holds (made up, not measured)."""
    from explorer.analysis.applications import FORMAT, model_figures_path, pack_images, write_figures
    from explorer.analysis.project import weights_fingerprint

    rng = np.random.default_rng(seed)
    figures = {
        "format": FORMAT, "weights": weights_fingerprint(folder),
        "protocol": {"n_train_pool": 256, "n_test": 300, "draws": 2, "seed": 0},
        "few_labels": {"n": [1, 5, 10], "accuracy": [[accuracy, accuracy]] * 3},
        "clustering": {"nmi": 0.4, "ari": 0.3, "accuracy": 0.45, "contingency": rng.integers(0, 9, (10, 10)).tolist(),
                       "centres": pack_images(rng.random((10, 28, 28)))},
        "reconstruction_mse": 0.05, "anomaly_auc": 0.9,
    }
    write_figures(model_figures_path(folder), figures)
    return figures


# --- the real browser: one server and one Chromium per test module, a fresh context per test ---


@pytest.fixture(scope="module")
def server():
    from tests.browser_support import AppServer, require_chromium

    require_chromium()
    srv = AppServer()
    srv.wait_healthy()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from tests.browser_support import launch_browser

    with sync_playwright() as p:
        b = launch_browser(p)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    from tests.browser_support import ROOT

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:  # keep a picture of what the browser showed
        artifacts = ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        pg.screenshot(path=str(artifacts / f"{request.node.name}.png"), full_page=True)
    context.close()


def write_theatre_run(zoo: Path, kinds=("vae", "wae"), epochs: int = 3, state: str = "done",
                      run_id: str = "20261204-120000-abc123") -> Path:
    """A training-theatre run's folder as its worker leaves it (frames 0…epochs of each kind, its history, its
    probe), without training: for the pages' headless tests."""
    import json

    from explorer.training import theatre

    run = theatre.runs_root(zoo) / run_id
    run.mkdir(parents=True)
    request = theatre.TheatreRequest("mnist", tuple(kinds), latent_dim=2, epochs=epochs, subset=200)
    (run / "request.json").write_text(json.dumps({**request.__dict__, "kinds": list(kinds)}))
    rng = np.random.default_rng(0)
    images, labels = synthetic_digits(100, seed=4)
    np.savez(run / "probe.npz", images=images, labels=labels.astype(np.int64))
    for kind in kinds:
        history = []
        for epoch in range(epochs + 1):
            theatre.save_frame(run, kind, epoch, rng.normal(size=(100, 2)) / (1 + epoch), images[:8], images[8:16],
                               np.eye(2))
            if epoch:
                history.append({"epoch": epoch, "seconds": 0.1, "train_loss": 10.0 / epoch,
                                "train_recon": 9.0 / epoch, "train_kl": 1.0 / epoch})
        (run / kind / "history.json").write_text(json.dumps(history))
    theatre.write_status(run, theatre.Status(state, epochs, epochs))
    return run
