import json

import numpy as np
import pytest
import torch

from explorer.commands import evaluate as evaluate_command
from explorer.metrics import evaluate
from explorer.metrics.fid import (
    accuracy,
    classifier_folder,
    features,
    frechet_distance,
    load_classifier,
    save_classifier,
    train_classifier,
)
from explorer.store.checkpoint import CheckpointError
from tests.conftest import synthetic_digits


def test_frechet_distance_is_zero_for_the_same_sample_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2000, 8))
    b = rng.normal(size=(2000, 8))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    near = frechet_distance(a, b)
    assert near < 0.1
    assert near < frechet_distance(a, b + 0.5) < frechet_distance(a, b + 1.0)
    # a pure mean shift of 1 in each of 8 dimensions adds 8
    assert frechet_distance(a, a + 1.0) == pytest.approx(8.0, rel=1e-6)


def test_classifier_learns_and_round_trips(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPLORER_PRETRAINED", str(tmp_path))
    x, y = synthetic_digits(600, seed=5)
    images, labels = torch.from_numpy(x), torch.from_numpy(y).long()
    model = train_classifier(images[:500], labels[:500], epochs=4)
    assert accuracy(model, images[500:], labels[500:]) > 0.6  # chance is 0.1
    save_classifier(model, classifier_folder("mnist"), {"test_accuracy": 1.0})
    loaded = load_classifier("mnist")
    assert np.allclose(features(loaded, images[:10]), features(model, images[:10]))
    (classifier_folder("mnist") / "model.safetensors").write_bytes(b"junk")
    with pytest.raises(CheckpointError, match="model.safetensors"):
        load_classifier("mnist")


@pytest.mark.slow
def test_quality_table_measures_every_model_and_writes_metrics(fake_pretrained, tmp_path, monkeypatch):
    for dataset in ("mnist", "fashion-mnist"):
        x, y = synthetic_digits(300, seed=6)
        save_classifier(train_classifier(torch.from_numpy(x), torch.from_numpy(y).long(), epochs=1),
                        classifier_folder(dataset), {})
    monkeypatch.setattr(evaluate, "N_SAMPLES", 300)
    evaluate.measure_quality(data_root=tmp_path / "no-data")
    stored = fake_pretrained / "mnist" / evaluate.QUALITY_FILE
    assert stored.is_file()  # the calibration rows, stored
    stored.unlink()  # the command that measures them alone writes them again
    assert evaluate_command.main(["--calibration", "--data-root", str(tmp_path / "no-data")]) == 0
    assert "test + N(0, 0.3²) noise" in json.loads(stored.read_text())["calibration"]
    table = evaluate.quality_table()  # formatted from what was stored, nothing measured again
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert sum(1 for r in rows if r.startswith(("| vae-z4", "| ae-z2", "| wae-z4"))) == 3
    assert any("test + N(0, 0.3²) noise" in r for r in rows)

    metrics = json.loads((fake_pretrained / "mnist" / "vae-z4" / "metrics.json").read_text())
    assert {"mse", "psnr", "fid_recon", "fid_prior", "fid_gmm"} <= set(metrics["quality"])
    readme = tmp_path / "README.md"
    readme.write_text(f"a\n{evaluate.README_START}\nold\n{evaluate.README_END}\nb\n")
    evaluate.write_readme_table(table, readme)
    text = readme.read_text()
    assert "old" not in text and "| vae-z4" in text and text.endswith("b\n")


def test_quality_of_one_checkpoint_is_measured_into_its_metrics_alone(fake_pretrained, monkeypatch, capsys):
    x, y = synthetic_digits(300, seed=6)
    save_classifier(train_classifier(torch.from_numpy(x), torch.from_numpy(y).long(), epochs=1),
                    classifier_folder("mnist"), {})
    monkeypatch.setattr(evaluate, "N_SAMPLES", 300)
    chosen, other = fake_pretrained / "mnist" / "wae-z4", fake_pretrained / "mnist" / "vae-z4"
    other_before = (other / "metrics.json").read_text()
    assert evaluate_command.main([str(chosen), "--quality"]) == 0
    metrics = json.loads((chosen / "metrics.json").read_text())
    assert {"fid_recon", "fid_prior", "fid_gmm"} <= set(metrics["quality"]) and "mse" in metrics["test"]
    assert (other / "metrics.json").read_text() == other_before  # nothing else measured
    assert "fid_prior=" in capsys.readouterr().out
    assert evaluate_command.main(["--table"]) == 0  # the table from what is stored: the new figures in wae-z4's row
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| wae-z4"))
    assert f"{metrics['quality']['fid_prior']:.2f}" in row
