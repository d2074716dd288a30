"""Encoding a memory-mapped image file on a local Dask cluster of two worker processes gives the codes one
process gives (explorer.analysis.distributed)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explorer.analysis.distributed import encode_file
from explorer.analysis.latent import encode
from explorer.errors import EncodingFailed
from explorer.models.nets import ModelConfig, build_model
from explorer.store.checkpoint import load_pretrained, round_to_storage, save_pretrained

pytestmark = pytest.mark.slow  # starts worker processes


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    model = round_to_storage(build_model(ModelConfig(kind="vae", dataset="mnist", latent_dim=4))).eval()
    return save_pretrained(model, tmp_path_factory.mktemp("zoo") / "vae-z4", metrics={})


def test_two_workers_encode_a_memory_mapped_file_as_one_process_does(checkpoint, tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(700, 28, 28), dtype=np.uint8)
    path = tmp_path / "images.npy"
    np.save(path, images)
    seen = []
    codes = encode_file(checkpoint, path, workers=2, batch=128, progress=lambda done, total: seen.append((done, total)))
    alone = encode(load_pretrained(checkpoint), torch.from_numpy(images[:, None])).numpy()
    assert codes.shape == (700, 4) and codes.dtype == np.float32
    np.testing.assert_allclose(codes, alone, atol=1e-5)  # the same codes, in the file's order
    assert seen[-1] == (6, 6) and [done for done, _ in seen] == list(range(1, 7))


def test_a_file_that_is_not_an_image_array_is_refused_before_any_worker_starts(checkpoint, tmp_path):
    flat = tmp_path / "flat.npy"
    np.save(flat, np.zeros(10))
    with pytest.raises(EncodingFailed, match="one array of images"):
        encode_file(checkpoint, flat)
    pickled = tmp_path / "objects.npy"
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(EncodingFailed, match="cannot read"):
        encode_file(checkpoint, pickled)  # never unpickled


def test_the_embed_command_writes_the_codes_and_keeps_an_existing_file(checkpoint, tmp_path, capsys):
    from explorer.commands.embed import main

    images = np.random.default_rng(1).integers(0, 256, size=(300, 28, 28), dtype=np.uint8)
    np.save(tmp_path / "images.npy", images)
    out = tmp_path / "codes.npy"
    assert main([str(checkpoint), "--images", str(tmp_path / "images.npy"), "--codes-out", str(out)]) == 0
    alone = encode(load_pretrained(checkpoint), torch.from_numpy(images[:, None])).numpy()
    np.testing.assert_allclose(np.load(out, allow_pickle=False), alone, atol=1e-5)
    assert "300 codes of 4" in capsys.readouterr().out
    before = out.read_bytes()
    assert main([str(checkpoint), "--images", str(tmp_path / "images.npy"), "--codes-out", str(out)]) == 2
    assert "exists (--force replaces it)" in capsys.readouterr().err and out.read_bytes() == before
    assert list(tmp_path.glob("*.part.npy")) == []


def test_a_folder_of_image_files_is_encoded_in_order_and_what_is_no_image_skipped_and_named(checkpoint, tmp_path,
                                                                                            capsys):
    from PIL import Image

    from explorer.commands.embed import main

    rng = np.random.default_rng(2)
    folder = tmp_path / "mine"
    expected = []
    for c in ("cats", "dogs"):
        (folder / c).mkdir(parents=True)
        for k in range(9):
            picture = rng.integers(0, 256, size=(28, 28), dtype=np.uint8)
            Image.fromarray(picture).save(folder / c / f"{k}.png")
            expected.append((f"{c}/{k}.png", picture))
    (folder / "dogs" / "9.png").write_bytes(b"not a picture")
    colour = rng.integers(0, 256, size=(28, 28, 3), dtype=np.uint8)  # a colour file for a grey model: made grey
    Image.fromarray(colour).save(folder / "dogs" / "a.png")
    expected.append(("dogs/a.png", np.round(colour.mean(axis=2)).astype(np.uint8)))
    out = tmp_path / "codes.npy"
    assert main([str(checkpoint), "--images", str(folder), "--codes-out", str(out), "--workers", "2"]) == 0
    names = [name for name, _ in expected]
    assert (tmp_path / "codes.files.txt").read_text(encoding="utf-8").splitlines() == names
    alone = encode(load_pretrained(checkpoint), torch.from_numpy(np.stack([p for _, p in expected])[:, None])).numpy()
    np.testing.assert_allclose(np.load(out, allow_pickle=False), alone, atol=1e-5)
    assert "skipped 1 file(s) that are not readable images: dogs/9.png" in capsys.readouterr().err
    # a second run keeps both files without --force
    before = out.read_bytes()
    assert main([str(checkpoint), "--images", str(folder), "--codes-out", str(out)]) == 2
    assert out.read_bytes() == before


def test_a_folder_without_images_is_refused_before_any_worker_starts(checkpoint, tmp_path):
    from explorer.analysis.distributed import encode_folder

    (tmp_path / "notes.txt").write_text("no pictures here", encoding="utf-8")
    with pytest.raises(EncodingFailed, match="no images"):
        encode_folder(checkpoint, tmp_path)
