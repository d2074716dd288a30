"""Every page, on a zoo with one damaged file: the catalogue's message, never a traceback or a path.

Each damage is made here from a good file (no binary fixtures): truncated, bytes flipped
inside the compressed data, values out of range, NaN, wrong shapes, a covariance that is
not positive semi-definite, a missing file.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.analysis.project import LatentMap, load_map, save_map
from explorer.errors import MapUnavailable, MixtureUnavailable
from explorer.samplers import GaussianMixtureSampler
from tests.conftest import write_application_figures

pytestmark = pytest.mark.slow  # every page on a dozen damaged zoos

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = ["explorer_app/views/latent_map.py", "explorer_app/views/interpolate.py", "explorer_app/views/traverse.py", "explorer_app/views/sample.py",
         "explorer_app/views/denoise.py", "explorer_app/views/anomaly.py", "explorer_app/views/figure7.py", "explorer_app/views/model_card.py",
         "explorer_app/views/quality.py", "explorer_app/views/applications.py", "explorer_app/views/own_image.py", "explorer_app/views/attributes.py", "explorer_app/views/tour.py"]
TEXT_ELEMENTS = ("error", "warning", "info", "markdown", "caption", "exception", "title", "subheader")


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def flip_compressed_bytes(path: Path) -> None:
    """Corrupt the compressed data of the archive's first member, leaving its headers intact."""
    with zipfile.ZipFile(path) as archive:
        info = archive.infolist()[0]
    data = bytearray(path.read_bytes())
    # the local header's own name and extra-field lengths (its extra field can differ from the directory's)
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length
    for offset in range(start + 4, start + 4 + min(16, info.compress_size - 8)):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def map_out_of_range(path: Path) -> None:
    good = load_map(path)
    save_map(path, LatentMap(xy=good.xy, indices=good.indices + 10_000, method=good.method, params=good.params))


def map_with_nan(path: Path) -> None:
    good = load_map(path)
    xy = good.xy.copy()
    xy[3] = np.nan
    save_map(path, LatentMap(xy=xy, indices=good.indices, method=good.method, params=good.params))


def map_listing_an_image_twice(path: Path) -> None:
    good = load_map(path)
    indices = good.indices.copy()
    indices[-1] = indices[0]
    save_map(path, LatentMap(xy=good.xy, indices=indices, method=good.method, params=good.params))


def write_gmm(path: Path, weights, means, covariances) -> None:
    np.savez(path, weights=np.asarray(weights), means=np.asarray(means), covariances=np.asarray(covariances))


def gmm_with_nan(path: Path) -> None:
    means = np.zeros((3, 4))
    means[1, 2] = np.nan
    write_gmm(path, np.ones(3) / 3, means, np.stack([np.eye(4)] * 3))


def gmm_wrong_shape(path: Path) -> None:
    write_gmm(path, np.ones(3) / 3, np.zeros((3, 7)), np.stack([np.eye(7)] * 3))  # 7-D for a z4 model


def gmm_not_psd(path: Path) -> None:
    covariances = np.stack([np.eye(4)] * 3)
    covariances[2] = np.diag([1.0, 1.0, -2.0, 1.0])
    write_gmm(path, np.ones(3) / 3, np.zeros((3, 4)), covariances)


def remove(path: Path) -> None:
    path.unlink()


GMM_READERS = {"explorer_app/views/sample.py", "explorer_app/views/model_card.py"}  # the pages that sample from the shipped mixture
# (damage, the file it damages relative to the zoo, the pages that read that file, what the message says)
DAMAGES = {
    "map truncated": (truncate, "mnist/vae-z4/map.npz", {"explorer_app/views/latent_map.py", "explorer_app/views/interpolate.py"},
                      "damaged or truncated"),
    "map bytes flipped": (flip_compressed_bytes, "mnist/vae-z4/map.npz",
                          {"explorer_app/views/latent_map.py", "explorer_app/views/interpolate.py"}, "damaged or truncated"),
    "map indices out of range": (map_out_of_range, "mnist/vae-z4/map.npz",
                                 {"explorer_app/views/latent_map.py", "explorer_app/views/interpolate.py"}, "outside the test split"),
    "map with NaN": (map_with_nan, "mnist/vae-z4/map.npz", {"explorer_app/views/latent_map.py", "explorer_app/views/interpolate.py"},
                     "not finite"),
    "gmm truncated": (truncate, "mnist/vae-z4/gmm.npz", GMM_READERS, "damaged or truncated"),
    "gmm with NaN": (gmm_with_nan, "mnist/vae-z4/gmm.npz", GMM_READERS, "NaN"),
    "gmm wrong shape": (gmm_wrong_shape, "mnist/vae-z4/gmm.npz", GMM_READERS, "7-D"),
    "gmm not positive semi-definite": (gmm_not_psd, "mnist/vae-z4/gmm.npz", GMM_READERS,
                                       "not positive semi-definite"),
    "applications figures truncated": (truncate, "mnist/vae-z4/applications.json", {"explorer_app/views/applications.py"},
                                       "damaged"),
    "test split missing": (remove, "mnist/test.npz", set(PAGES), "missing"),
    "test split truncated": (truncate, "mnist/test.npz", set(PAGES), "damaged or truncated"),
    "test split bytes flipped": (flip_compressed_bytes, "mnist/test.npz", set(PAGES), "damaged or truncated"),
}


def texts(at: AppTest) -> list[str]:
    out = []
    for kind in TEXT_ELEMENTS:
        out += [str(getattr(element, "value", "")) for element in at.get(kind)]
    return out


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["dataset"] = "mnist"
    at.query_params["model"] = "vae-z4"
    at.run()
    if page != PAGES[0]:
        at.switch_page(page).run()
    return at


@pytest.fixture
def zoo_with_gmm(fake_pretrained):
    """The small zoo, with a shipped mixture beside vae-z4 (make_pretrained ships none)."""
    rng = np.random.default_rng(0)
    GaussianMixtureSampler.fit(rng.normal(size=(200, 4)), n_components=3).save(
        fake_pretrained / "mnist" / "vae-z4" / "gmm.npz")
    write_application_figures(fake_pretrained / "mnist" / "vae-z4")
    return fake_pretrained


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_every_page_says_what_is_wrong_without_a_traceback_or_a_path(zoo_with_gmm, damage):
    make_damage, relative, readers, reason = DAMAGES[damage]
    damaged = zoo_with_gmm / relative
    make_damage(damaged)
    for page in PAGES:
        at = open_page(page)
        assert not at.exception, (page, [e.value for e in at.exception])
        shown = texts(at)
        assert not [s for s in shown if str(zoo_with_gmm) in s or "/tmp" in s], (page, "a server path is shown")
        messages = [m.value for m in (*at.error, *at.warning)]
        if page in readers:
            naming = [m for m in messages if damaged.name in m and reason in m]
            assert naming, (page, messages)
            subject = "MNIST" if damaged.name == "test.npz" else "VAE · z4"
            assert all(subject in m for m in naming), (page, naming)
        else:
            assert not [m for m in messages if damaged.name in m], (page, messages)


def test_a_damaged_mixture_is_replaced_by_one_fitted_here_and_still_samples(zoo_with_gmm):
    gmm_not_psd(zoo_with_gmm / "mnist" / "vae-z4" / "gmm.npz")
    at = open_page("explorer_app/views/sample.py")
    assert not at.exception
    assert any("fitted here to the test codes" in w.value for w in at.warning)
    assert len(at.get("image")) >= 2  # the prior grid and the mixture grid are still drawn


@pytest.mark.parametrize("make_damage, message", [
    (truncate, "damaged or truncated"), (flip_compressed_bytes, "damaged or truncated"),
    (map_out_of_range, "outside the test split"), (map_with_nan, "not finite"),
    (map_listing_an_image_twice, "more than once"),
])
def test_load_map_turns_every_fault_into_map_unavailable(tmp_path, make_damage, message):
    path = tmp_path / "map.npz"
    save_map(path, LatentMap(xy=np.random.default_rng(0).normal(size=(500, 2)), indices=np.arange(500),
                             method="umap", params={}))
    assert len(load_map(path, n_images=500).xy) == 500
    make_damage(path)
    with pytest.raises(MapUnavailable, match=message) as err:
        load_map(path, n_images=500)
    assert err.value.file == "map.npz" and str(tmp_path) not in err.value.reason


def test_flipped_bytes_really_break_the_archive(tmp_path):
    """The damage helper does what it says: numpy alone fails on the file."""
    path = tmp_path / "a.npz"
    np.savez_compressed(path, xy=np.arange(4000, dtype=np.float32))
    flip_compressed_bytes(path)
    with pytest.raises((zipfile.BadZipFile, zlib.error, ValueError, OSError)), np.load(path) as npz:
        npz["xy"]


@pytest.mark.parametrize("make_damage, message", [
    (truncate, "damaged or truncated"), (gmm_with_nan, "NaN"), (gmm_wrong_shape, "7-D"),
    (gmm_not_psd, "not positive semi-definite"),
])
def test_mixture_load_turns_every_fault_into_mixture_unavailable(tmp_path, make_damage, message):
    path = tmp_path / "gmm.npz"
    GaussianMixtureSampler.fit(np.random.default_rng(0).normal(size=(200, 4)), n_components=3).save(path)
    assert GaussianMixtureSampler.load(path, latent_dim=4).sample(5).shape == (5, 4)
    make_damage(path)
    with pytest.raises(MixtureUnavailable, match=message):
        GaussianMixtureSampler.load(path, latent_dim=4)
