"""Training under torchrun: two CPU processes (gloo) make the same model as one with the same global batch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from explorer.commands import train

pytestmark = pytest.mark.slow  # torchrun processes

ROOT = Path(__file__).resolve().parent.parent


def train_command(launcher: list[str], root: Path, out: Path, norm: str = "none") -> list[str]:
    # the plain backbone: gloo has no synchronised batch norm, so with it two processes normalise over
    # their own halves of each batch and make (slightly) another model than one process
    return [*launcher, "-m", "explorer.train", "--dataset", "mnist", "--data-root", str(root), "--model", "ae",
            "--latent-dim", "2", "--epochs", "2", "--batch-size", "32", "--train-limit", "128", "--seed", "3",
            "--device", "cpu", "--no-progress", "--out", str(out), "--norm", norm]


def test_two_processes_train_the_same_model_as_one(tiny_root, tmp_path):
    single, parallel = tmp_path / "single", tmp_path / "ddp"
    one = subprocess.run(train_command([sys.executable], tiny_root, single), cwd=ROOT, capture_output=True,
                         text=True, timeout=300, check=False)
    assert one.returncode == 0, one.stderr
    two = subprocess.run(
        train_command([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"],
                      tiny_root, parallel), cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert two.returncode == 0, two.stderr
    assert "2 processes" in two.stderr and two.stderr.count("epoch 2/2") == 1  # rank 0 alone reports
    a, b = load_file(str(single / "model.safetensors")), load_file(str(parallel / "model.safetensors"))
    assert a.keys() == b.keys()
    for key in a:  # float16 storage: equal up to a rounding step
        assert torch.allclose(a[key].float(), b[key].float(), atol=2e-3, rtol=2e-3), key
    training = json.loads((parallel / "config.json").read_text())["training"]
    assert training["processes"] == 2 and training["batch_size"] == 32 and training["batch_size_per_process"] == 16
    assert training["lr"] == 0.003 and training["schedule"] == "onecycle"
    assert (training["world_size"], training["backend"], training["nodes"]) == (2, "gloo", 1)  # how it was run
    alone = json.loads((single / "config.json").read_text())["training"]
    assert (alone["world_size"], alone["backend"], alone["nodes"]) == (1, None, 1)
    assert train.reproduce_command(train.ModelConfig(kind="ae", dataset="mnist", latent_dim=2), training).startswith(
        "torchrun --standalone --nproc-per-node 2 -m explorer.train")
    assert sorted(p.name for p in parallel.iterdir()) == sorted(p.name for p in single.iterdir())


def test_batch_norm_trains_under_two_processes(tiny_root, tmp_path):
    out = tmp_path / "ddp-bn"
    run = subprocess.run(
        train_command([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"],
                      tiny_root, out, norm="batch"), cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    weights = load_file(str(out / "model.safetensors"))
    statistics = [k for k in weights if k.endswith("running_var")]
    assert statistics and all(torch.isfinite(weights[k].float()).all() and (weights[k] > 0).all() for k in statistics)


def test_a_global_batch_that_does_not_divide_among_the_processes_is_refused(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(SystemExit) as exit_info:
        train.main(["--dataset", "mnist", "--model", "ae", "--batch-size", "33", "--out", str(tmp_path / "x")])
    assert exit_info.value.code == 2
    assert "must divide among the 2 processes" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_the_zoo_command_trains_under_torchrun_when_asked():
    from explorer.store.zoo import zoo_entries

    entry = zoo_entries()[0]
    plain, parallel = entry.train_command(1), entry.train_command(2, processes=4)
    assert plain[:3] == [sys.executable, "-m", "explorer.train"]
    assert parallel[:7] == [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "4", "-m"]
    assert parallel[7:] == entry.train_command(2)[2:]  # the same training arguments


def test_an_experiment_trains_an_entry_elsewhere_with_the_same_arguments(tmp_path):
    from explorer.store.zoo import zoo_entries

    entry = zoo_entries()[0]
    shipped, elsewhere = entry.train_command(20), entry.train_command(20, out=tmp_path / "x")
    out = elsewhere.index("--out")
    assert elsewhere[out + 1] == str(tmp_path / "x") and str(entry.folder) not in elsewhere
    assert elsewhere[:out] + elsewhere[out + 2:] == shipped[:out] + shipped[out + 2:]
