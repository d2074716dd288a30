"""One error model: every error the package raises for the app derives from ExplorerError, lives in explorer/errors.py,
and names the catalogue's sentence for its reason, so that a page says it in the reader's language."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from explorer import errors
from explorer.present.i18n import STRINGS, set_language

ROOT = Path(__file__).resolve().parent.parent


def exception_classes(path: Path) -> list[str]:
    """Classes of a module that derive from an exception (by their bases' names)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef):
            bases = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases]
            if any(b.endswith(("Error", "Exception", "Unavailable", "Rejected", "Diverged")) for b in bases):
                found.append(node.name)
    return found


def test_every_error_type_lives_in_errors_and_derives_from_the_base():
    outside = {str(p.relative_to(ROOT)): exception_classes(p) for p in sorted((ROOT / "explorer").rglob("*.py"))
               if p.name != "errors.py"}
    assert {path: names for path, names in outside.items() if names} == {}
    for name in exception_classes(ROOT / "explorer" / "errors.py"):
        assert issubclass(getattr(errors, name), errors.ExplorerError), name


@pytest.mark.parametrize("lang", list(STRINGS))
def test_every_errors_own_key_is_in_every_catalogue(lang):
    made = [errors.BrowserDecoderUnavailable(fault) for fault in ("missing", "damaged", "stale", "unexportable")]
    made += [errors.ImageRejected(fault, "x") for fault in ("empty", "not_image", "damaged", "too_many_pixels")]
    keys = {cls.key for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.ExplorerError)}
    keys |= {err.key for err in made}
    keys |= {k for k in STRINGS["en"] if k.startswith("reason.")}
    assert sorted(k for k in keys if k not in STRINGS[lang]) == []


def test_a_damaged_file_is_explained_in_the_readers_language(tmp_path):
    from explorer.analysis.project import load_map
    from explorer_app.page import explain

    path = tmp_path / "map.npz"
    path.write_bytes(b"not an archive at all")
    with pytest.raises(errors.MapUnavailable) as caught:
        load_map(path)
    try:
        set_language("zh")
        said = explain(caught.value, "VAE · z16")
        assert "不是 .npz 压缩文件" in said and "archive" not in said and str(tmp_path) not in said
        set_language("en")
        assert "is not an .npz archive" in explain(caught.value, "VAE · z16")
    finally:
        set_language("en")
    np.testing.assert_equal(caught.value.file, "map.npz")


def test_a_reason_no_sentence_names_yet_is_said_as_it_is():
    err = errors.CheckpointError("weights of another shape")
    assert err.key == "reason.other" and err.fields == {"reason": "weights of another shape"}


def test_a_map_and_a_mixture_of_wrong_values_are_explained_in_chinese(tmp_path):
    from explorer.analysis.project import LatentMap, load_map, save_map
    from explorer.samplers import GaussianMixtureSampler
    from explorer_app.page import explain

    path = save_map(tmp_path / "map.npz", LatentMap(xy=np.full((3, 2), np.nan, np.float32), indices=np.arange(3),
                                                    method="latent", params={}))
    np.savez(tmp_path / "gmm.npz", weights=np.ones(2), means=np.zeros((2, 2)),
             covariances=np.array([[[1.0, 2.0], [0.0, 1.0]]] * 2))
    said = []
    for load in (lambda: load_map(path), lambda: GaussianMixtureSampler.load(tmp_path / "gmm.npz", latent_dim=2)):
        with pytest.raises(errors.ExplorerError) as caught:
            load()
        try:
            set_language("zh")
            said.append(explain(caught.value, "VAE · z2"))
        finally:
            set_language("en")
    assert "其中的点不是有限的数" in said[0] and "协方差矩阵不对称" in said[1]
    assert not any(word in " ".join(said) for word in ("holds", "covariances", "finite"))
