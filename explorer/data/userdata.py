"""A user's own images as a dataset: a folder of class sub-folders, a flat folder, or an ``.npz``.

- **Folder with class sub-folders** (torchvision's ``ImageFolder`` layout): one class per
  sub-folder, named by it, in sorted order.
- **Flat folder** of images: unlabelled (every label is -1; the map draws it in one colour).
- **``.npz``**: ``images`` (N×H×W, N×H×W×C or N×C×H×W with C = 1 or 3; uint8, or float in [0, 1]),
  optional ``labels`` (N integers) and ``class_names``; read with ``allow_pickle=False``, so an object
  array is refused.

Images come out as stored and shown everywhere else: uint8 N×H×W (grey) or N×H×W×3 (RGB), square,
of one size (``size`` resizes them; without it, a size that differs is an error naming the file).
A file that is not a readable image is skipped and counted (one bad file should not cost a night's
training; the command says how many and names the first); none readable is an error. Each file
passes the same guards as an upload (explorer.data.own_image.open_image).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.errors import CheckpointError, DatasetUnavailable

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif"}
MAX_IMAGES = 1_000_000


@dataclass
class ImageSet:
    images: np.ndarray  # uint8 N×H×W (grey) or N×H×W×3 (RGB)
    labels: np.ndarray  # int64 N; -1 where unlabelled
    class_names: tuple[str, ...] = ()  # empty when unlabelled
    skipped: list[str] = field(default_factory=list)  # files that could not be read

    @property
    def channels(self) -> int:
        return 3 if self.images.ndim == 4 else 1

    @property
    def size(self) -> int:
        return int(self.images.shape[1])

    @property
    def labelled(self) -> bool:
        return bool(self.class_names)

    def subset(self, rows: np.ndarray) -> ImageSet:
        return ImageSet(self.images[rows], self.labels[rows], self.class_names)


def load_image_set(path: Path, size: int | None = None) -> ImageSet:
    """Read ``path`` (a folder or an ``.npz``); DatasetUnavailable says what is wrong with it."""
    path = Path(path)
    if path.is_file() and path.suffix == ".npz":
        found = _from_npz(path)
    elif path.is_dir():
        found = _from_folder(path, size)
    else:
        raise DatasetUnavailable("not a folder of images or an .npz file", path)
    if size is not None and found.size != size:
        found = ImageSet(resize_all(found.images, size), found.labels, found.class_names, found.skipped)
    if found.images.shape[1] != found.images.shape[2]:
        raise DatasetUnavailable(f"the images are {found.images.shape[2]}×{found.images.shape[1]}, not square; "
                                 "pass --size to resize them", path)
    return found


def _from_npz(path: Path) -> ImageSet:
    from explorer.store.npz import read_npz

    arrays = read_npz(path, ("images",), DatasetUnavailable, optional=("labels", "class_names"))
    images = stored_images(np.asarray(arrays["images"]), lambda reason: DatasetUnavailable(reason, path))
    names = arrays.get("class_names")
    labels, class_names = checked_labels(arrays.get("labels"), None if names is None else np.asarray(names).tolist(),
                                         len(images), lambda reason: DatasetUnavailable(reason, path))
    return ImageSet(images, labels, class_names)


def stored_images(images: np.ndarray, refuse) -> np.ndarray:
    """Images as they are stored: uint8 N×H×W (grey) or N×H×W×3, from N×H×W, N×H×W×C or N×C×H×W (C = 1 or 3),
    uint8 or float in [0, 1]; ``refuse(reason)`` makes the error raised for anything else."""
    if images.dtype == object or images.dtype.kind not in "uif" or images.ndim not in (3, 4):
        raise refuse(f"'images' must be N×H×W or N×H×W×C numbers, not {images.dtype} of shape {images.shape}")
    if images.ndim == 4 and images.shape[1] in (1, 3) and images.shape[-1] not in (1, 3):
        images = images.transpose(0, 2, 3, 1)  # N×C×H×W → as images are stored
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim == 4 and images.shape[-1] != 3:
        raise refuse(f"images must have 1 or 3 channels, not {images.shape[-1]} (shape {images.shape})")
    if len(images) == 0:
        raise refuse("it holds no images")
    if images.dtype.kind == "f":
        if not np.isfinite(images).all() or images.min() < 0 or images.max() > 1:
            raise refuse(f"float images must lie in [0, 1], not [{np.nanmin(images):.3g}, {np.nanmax(images):.3g}] "
                         "(undo a normalisation first)")
        images = np.rint(images * 255).astype(np.uint8)
    elif images.min() < 0 or images.max() > 255:
        raise refuse("integer images must lie in 0…255")
    return images.astype(np.uint8)


def checked_labels(raw, names, n: int, refuse) -> tuple[np.ndarray, tuple[str, ...]]:
    """One label per image (-1 throughout when ``raw`` is None) and the class names (their numbers where none
    are given); ``refuse(reason)`` makes the error raised for labels or names that do not fit."""
    if raw is None:
        if names:
            raise refuse("class names were given without labels")
        return np.full(n, -1, dtype=np.int64), ()
    raw = np.asarray(raw)
    if raw.dtype.kind not in "iu" or raw.shape != (n,):
        raise refuse(f"'labels' must be {n} integers (one per image), not {raw.dtype} of shape {raw.shape}")
    if raw.min() < 0:
        raise refuse("'labels' must not be negative")
    labels = raw.astype(np.int64)
    class_names = (tuple(str(c) for c in names) if names is not None
                   else tuple(str(c) for c in range(int(labels.max()) + 1)))
    if len(class_names) <= labels.max():
        raise refuse(f"label {int(labels.max())} has no class name ({len(class_names)} given)")
    return labels, class_names


def image_files(folder: Path) -> tuple[list[tuple[Path, int]], list[str]]:
    """A folder's image files in the order they are read, each with its class (-1 in a flat folder), and the
    class names: the sub-folders' (torchvision's ImageFolder layout), else none."""
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if classes:
        files = [(folder / c / f.name, k) for k, c in enumerate(classes)
                 for f in sorted((folder / c).iterdir()) if f.suffix.lower() in IMAGE_SUFFIXES]
    else:
        files = [(f, -1) for f in sorted(folder.iterdir()) if f.suffix.lower() in IMAGE_SUFFIXES]
    return files, classes


def _from_folder(folder: Path, size: int | None) -> ImageSet:
    files, classes = image_files(folder)
    if not files:
        raise DatasetUnavailable("no images (.png, .jpg, .jpeg, .bmp, .webp, .gif) in it"
                                 + (" or its class sub-folders" if classes else ""), folder)
    if len(files) > MAX_IMAGES:
        raise DatasetUnavailable(f"{len(files):,} images; at most {MAX_IMAGES:,} are read", folder)
    pictures, labels, skipped = [], [], []
    for path, label in files:
        picture = read_image_file(path, size)
        if picture is None:
            skipped.append(str(path.relative_to(folder)))
            continue
        if pictures and picture.shape[:2] != pictures[0].shape[:2]:
            raise DatasetUnavailable(f"{path.relative_to(folder)} is {picture.shape[1]}×{picture.shape[0]}, the "
                                     f"images before it {pictures[0].shape[1]}×{pictures[0].shape[0]}; pass --size "
                                     "to resize them all", folder)
        pictures.append(picture)
        labels.append(label)
    if not pictures:
        raise DatasetUnavailable(f"none of its {len(files)} images could be read", folder)
    colour = any(p.ndim == 3 for p in pictures)
    images = np.stack([_as_rgb(p) if colour else p for p in pictures])
    return ImageSet(images, np.asarray(labels, dtype=np.int64), tuple(classes), skipped)


def read_image_file(path: Path, size: int | None) -> np.ndarray | None:
    """A file's image as uint8 H×W or H×W×3, resized to ``size`` if given; None if it cannot be read."""
    from PIL import Image

    from explorer.data.own_image import ImageRejected, open_image

    try:
        image = open_image(path.read_bytes())
        grey = image.mode in ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F") or (
            image.mode == "P" and all(r == g == b for r, g, b in _palette_colours(image)))
        image = image.convert("L" if grey else "RGB")
        if size is not None and image.size != (size, size):
            image = image.resize((size, size), Image.Resampling.LANCZOS)
        return np.asarray(image, dtype=np.uint8)
    except (ImageRejected, OSError, ValueError):
        return None


def _palette_colours(image) -> list[tuple[int, int, int]]:
    palette = image.getpalette() or []
    return [tuple(palette[i : i + 3]) for i in range(0, len(palette), 3)]


def _as_rgb(picture: np.ndarray) -> np.ndarray:
    return picture if picture.ndim == 3 else np.repeat(picture[..., None], 3, axis=2)


def resize_all(images: np.ndarray, size: int) -> np.ndarray:
    """Every image resized to size×size (Lanczos), grey or RGB kept."""
    from PIL import Image

    return np.stack([np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.LANCZOS))
                     for image in images])


def hold_out(found: ImageSet, test_fraction: float, seed: int) -> tuple[ImageSet, ImageSet]:
    """A seeded split into training and test images: the same files and seed give the same split."""
    rows = np.random.default_rng(seed).permutation(len(found.images))
    n_test = max(1, round(test_fraction * len(rows)))
    if n_test >= len(rows):
        raise DatasetUnavailable(f"{len(rows)} images leave none for training after holding out {n_test} for testing")
    return found.subset(np.sort(rows[n_test:])), found.subset(np.sort(rows[:n_test]))


def export_test_split(test: ImageSet, folder: Path, title: str, source: str) -> Path:
    """Write the test split as the shipped ones are (``<zoo>/<dataset>/test.npz``), so the app needs
    no dataset at run time; plain arrays, no pickle."""
    folder = Path(folder)
    out = folder / "test.npz"
    if out.exists():  # the zoo's other models were drawn on this split: never replace it with another
        try:
            with np.load(out, allow_pickle=False) as kept:
                same = np.array_equal(kept["images"], test.images) and np.array_equal(kept["labels"], test.labels)
        except (OSError, ValueError, KeyError):
            same = False
        if same:
            return out
        raise DatasetUnavailable("holds another test split (other images, or another seed or --test-fraction); "
                                 "use another --name or --zoo, or the same data and settings", out)
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / ".test.npz.part"
    with open(part, "wb") as f:
        np.savez_compressed(f, images=test.images, labels=test.labels, class_names=np.array(test.class_names, dtype=str),
                            source=np.array(source), licence=np.array(""), title=np.array(title))
    part.replace(out)
    return out


def _training_record(dataset: str) -> dict | None:
    """The training settings (config.json's ``training``) of the first of the dataset's models that names the
    images it was trained on; None if none does."""
    from explorer.store.catalog import list_models
    from explorer.store.checkpoint import read_config

    for info in list_models(dataset):
        try:
            training = read_config(info.folder)[1].get("training", {})
        except CheckpointError:  # an unreadable config: the next model may say
            continue
        if isinstance(training.get("data"), str):
            return training
    return None


def training_data_path(dataset: str) -> Path | None:
    """Where the images a dataset of your own was trained on were (whether or not they are still there)."""
    training = _training_record(dataset)
    return Path(training["data"]) if training is not None else None


def training_split_of(dataset: str) -> ImageSet:
    """The training split a dataset of your own was trained on, rebuilt from the images its models'
    config.json names (the same path, size, seed and held-out share give the same split), and checked
    against the zoo's test split; DatasetUnavailable if those images are not on this machine or changed."""
    from explorer.data.datasets import load_shipped_arrays

    test_images, _ = load_shipped_arrays(dataset)
    training = _training_record(dataset)
    if training is None:
        raise DatasetUnavailable("none of its models records the images it was trained on")
    path = Path(training["data"])
    if not path.exists():
        raise DatasetUnavailable("the images this dataset was trained on are not on this machine (run the "
                                 "command where they are)")
    found = load_image_set(path, training.get("size"))
    train, test = hold_out(found, float(training.get("test_fraction", 0.1)), int(training.get("seed", 0)))
    if not np.array_equal(test.images, test_images):
        raise DatasetUnavailable("the images this dataset was trained on have changed since: its test split "
                                 "no longer matches")
    return train
