"""What a user imports from ``explorer`` itself, and the commands a user runs, wherever the modules live."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import make_pretrained


def test_importing_explorer_imports_no_torch():
    code = "import sys, explorer; print('torch' in sys.modules, len(explorer.__all__))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", str(len(__import__("explorer").__all__))]


def test_a_checkpoint_loads_encodes_decodes_and_samples_from_explorer_itself(tmp_path):
    import explorer

    base = make_pretrained(tmp_path / "zoo", "mnist", models=(("vae", 4),), n_test=20)
    model = explorer.load_pretrained(base / "mnist" / "vae-z4")
    images = np.load(base / "mnist" / "test.npz", allow_pickle=False)["images"][:5]
    codes = explorer.encode(model, images)  # a numpy array of uint8 images, as a dataset gives them
    assert tuple(codes.shape) == (5, 4)
    assert tuple(explorer.decode(model, codes).shape) == (5, 1, 28, 28)
    assert tuple(explorer.reconstruct(model, images).shape) == (5, 1, 28, 28)
    samples = explorer.NormalSampler(4).sample(3, seed=0)
    assert np.allclose(samples, explorer.NormalSampler(4).sample(3, seed=0))
    assert "vae" in explorer.KINDS and issubclass(explorer.CheckpointError, explorer.ExplorerError)
    with pytest.raises(AttributeError):
        explorer.no_such_name  # noqa: B018


@pytest.mark.parametrize("command", ["train", "evaluate", "zoo", "embed", "applications", "browser_decoder", "inverse",
                                     "fid", "data"])
def test_every_documented_command_still_answers_where_it_was(command):
    result = subprocess.run([sys.executable, "-m", f"explorer.{command}", "--help"], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert f"explorer.{command}" in result.stdout or "usage" in result.stdout.lower()
