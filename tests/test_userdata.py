"""Your own data: training on generated folders and .npz files of several sizes and channels, the
held-out test split exported as the shipped ones are, and every bad input refused or counted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from explorer.commands import train
from explorer.data.userdata import hold_out, load_image_set
from explorer.errors import DatasetUnavailable
from explorer.models.nets import ModelConfig, build_model, conv_stages
from explorer.store.checkpoint import load_pretrained, read_config


def squares(n: int, size: int, channels: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (N×H×W or N×H×W×3) of a bright square whose place and colour depend on the class."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    shape = (n, size, size, 3) if channels == 3 else (n, size, size)
    images = np.zeros(shape, np.uint8)
    side = size // 4
    for i, label in enumerate(labels):
        y, x = rng.integers(0, size - side, 2)
        if channels == 3:
            images[i, y : y + side, x : x + side, label] = 255
        else:
            images[i, y : y + side, x : x + side] = 85 * (label + 1)
    return images, labels


def image_folder(root: Path, size: int = 32, n: int = 30, classes: bool = True) -> Path:
    images, labels = squares(n, size, 3)
    for i, (image, label) in enumerate(zip(images, labels)):
        folder = root / f"class{label}" if classes else root
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{i:03d}.png")
    return root


def run_train(*args: str) -> int:
    return train.main(["--model", "ae", "--latent-dim", "3", "--epochs", "1", "--batch-size", "16", "--no-progress",
                       *args])


# --- the backbone -----------------------------------------------------------------------


@pytest.mark.parametrize("size,channels,stages", [(28, 1, 2), (32, 3, 2), (64, 3, 3), (8, 1, 1), (128, 3, 4)])
def test_the_backbone_adapts_to_the_image_size_and_channels(size, channels, stages):
    assert len(conv_stages(size)) - 1 == stages
    model = build_model(ModelConfig(kind="vae", dataset="own", latent_dim=5, image_channels=channels, image_size=size))
    x = torch.rand(2, channels, size, size)
    assert model.reconstruct(x).shape == x.shape and model.encode(x).shape == (2, 5)


def test_the_shipped_architecture_is_unchanged():
    """A 1×28×28 model of the plain backbone has the same layers as before the backbone adapted, so the
    first zoo's weights load."""
    names = [n for n, _ in build_model(ModelConfig(norm="none")).state_dict().items()]
    assert names == ["encoder.net.0.weight", "encoder.net.0.bias", "encoder.net.2.weight", "encoder.net.2.bias",
                     "encoder.net.5.weight", "encoder.net.5.bias", "encoder.net.7.weight", "encoder.net.7.bias",
                     "decoder.net.0.weight", "decoder.net.0.bias", "decoder.net.2.weight", "decoder.net.2.bias",
                     "decoder.net.5.weight", "decoder.net.5.bias", "decoder.net.7.weight", "decoder.net.7.bias"]


def test_an_odd_image_size_is_refused_with_its_reason():
    with pytest.raises(ValueError, match="even"):
        ModelConfig(image_size=27)


# --- training on your own data -----------------------------------------------------------


@pytest.mark.parametrize("layout", ["grey 28 npz", "RGB 32 folder", "RGB 64 npz channels first", "unlabelled folder"])
def test_training_on_your_own_data_writes_a_checkpoint_and_the_test_split(tmp_path, layout):
    if layout == "grey 28 npz":
        images, labels = squares(40, 28, 1)
        data = tmp_path / "digits.npz"
        np.savez(data, images=images, labels=labels, class_names=np.array(["a", "b", "c"]))
        shape, name = (1, 28, 28), "digits"
    elif layout == "RGB 32 folder":
        data, shape, name = image_folder(tmp_path / "shapes"), (3, 32, 32), "shapes"
    elif layout == "RGB 64 npz channels first":
        images, labels = squares(24, 64, 3)
        data = tmp_path / "big.npz"
        np.savez(data, images=images.transpose(0, 3, 1, 2).astype(np.float32) / 255, labels=labels)
        shape, name = (3, 64, 64), "big"
    else:
        data, shape, name = image_folder(tmp_path / "loose", classes=False), (3, 32, 32), "loose"
    zoo = tmp_path / "zoo"
    assert run_train("--data", str(data), "--zoo", str(zoo), "--test-fraction", "0.25") == 0
    model = load_pretrained(zoo / name / "ae-z3")
    assert model.config.image_shape == shape and model.config.dataset == name
    with np.load(zoo / name / "test.npz", allow_pickle=False) as test:
        stored = test["images"]
        assert stored.dtype == np.uint8 and stored.shape[1:3] == shape[1:]
        assert (stored.ndim == 4) == (shape[0] == 3)
        if layout == "unlabelled folder":
            assert set(test["labels"].tolist()) == {-1} and len(test["class_names"]) == 0
        else:
            assert test["labels"].min() >= 0
    _, extra = read_config(zoo / name / "ae-z3")
    command = train.reproduce_command(model.config, extra["training"])
    assert f"--data {data}" in command and f"--name {name}" in command
    again = train.build_parser().parse_args(command.split()[3:])
    assert again.data == data and again.name == name and again.test_fraction == 0.25


def test_the_held_out_split_is_the_same_for_the_same_seed_and_a_different_one_is_refused(tmp_path, capsys):
    data, zoo = image_folder(tmp_path / "shapes"), tmp_path / "zoo"
    assert run_train("--data", str(data), "--zoo", str(zoo)) == 0
    first = (zoo / "shapes" / "test.npz").read_bytes()
    assert train.main(["--model", "vae", "--latent-dim", "3", "--epochs", "1", "--no-progress", "--data", str(data),
                       "--zoo", str(zoo)]) == 0  # a second model, the same split
    assert (zoo / "shapes" / "test.npz").read_bytes() == first
    assert train.main(["--model", "wae", "--latent-dim", "3", "--epochs", "1", "--no-progress", "--data", str(data),
                       "--zoo", str(zoo), "--seed", "5"]) == 2
    assert "another test split" in capsys.readouterr().err
    assert (zoo / "shapes" / "test.npz").read_bytes() == first and not (zoo / "shapes" / "wae-z3").exists()


def test_hold_out_is_seeded_and_disjoint():
    images, labels = squares(50, 28, 1)
    from explorer.data.userdata import ImageSet

    found = ImageSet(images, labels, ("a", "b", "c"))
    train_a, test_a = hold_out(found, 0.2, seed=3)
    _train_b, test_b = hold_out(found, 0.2, seed=3)
    assert np.array_equal(test_a.images, test_b.images) and len(test_a.images) == 10 and len(train_a.images) == 40
    assert not {im.tobytes() for im in test_a.images} & {im.tobytes() for im in train_a.images}


# --- bad input ---------------------------------------------------------------------------


def test_an_empty_folder_is_refused(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert run_train("--data", str(tmp_path / "empty"), "--zoo", str(tmp_path / "zoo")) == 2
    assert "no images" in capsys.readouterr().err
    assert not (tmp_path / "zoo").exists()


def test_mixed_sizes_name_the_first_odd_file_and_size_resizes_them(tmp_path, capsys):
    data = image_folder(tmp_path / "shapes", n=12)
    Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(data / "class0" / "zzz-odd.png")
    assert run_train("--data", str(data), "--zoo", str(tmp_path / "zoo")) == 2
    assert "zzz-odd.png is 40×40" in capsys.readouterr().err
    assert load_image_set(data, size=16).images.shape[1:] == (16, 16, 3)


def test_a_corrupt_image_among_good_ones_is_skipped_and_counted(tmp_path, capsys):
    data = image_folder(tmp_path / "shapes", n=12)
    (data / "class1" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    found = load_image_set(data)
    assert found.skipped == ["class1/broken.png"] and len(found.images) == 12
    assert run_train("--data", str(data), "--zoo", str(tmp_path / "zoo")) == 0
    assert "skipped 1 file(s)" in capsys.readouterr().err


def test_an_npz_with_an_object_array_is_refused_unread(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, images=np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(DatasetUnavailable, match="never unpickled"):
        load_image_set(path)


@pytest.mark.parametrize("labels,message", [(np.arange(5), "one per image"), (np.array([0.5] * 8), "integers"),
                                            (-np.ones(8, int), "negative")])
def test_labels_that_do_not_match_the_images_are_refused(tmp_path, labels, message):
    path = tmp_path / "bad.npz"
    np.savez(path, images=squares(8, 28, 1)[0], labels=labels)
    with pytest.raises(DatasetUnavailable, match=message):
        load_image_set(path)


def test_a_shipped_datasets_name_and_an_unusable_name_are_refused(tmp_path):
    data = image_folder(tmp_path / "shapes", n=6)
    with pytest.raises(SystemExit) as caught:
        run_train("--data", str(data), "--name", "mnist", "--zoo", str(tmp_path / "zoo"))
    assert caught.value.code == 2
    with pytest.raises(SystemExit):
        run_train("--data", str(data), "--name", "../escape", "--zoo", str(tmp_path / "zoo"))
    assert not (tmp_path / "zoo").exists()
