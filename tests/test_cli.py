import json

import pytest
import torch

from explorer.commands import evaluate, train
from explorer.data.datasets import load_split
from explorer.store.checkpoint import load_pretrained


def test_train_then_evaluate_end_to_end(tiny_root, tmp_path, capsys):
    out = tmp_path / "ck" / "vae-z4"
    args = ["--dataset", "fashion-mnist", "--model", "vae", "--latent-dim", "4", "--epochs", "2",
            "--device", "cpu", "--data-root", str(tiny_root), "--out", str(out), "--seed", "3", "--no-progress"]
    assert train.main(args) == 0
    model = load_pretrained(out)
    assert model.kind == "vae" and model.config.latent_dim == 4 and model.config.dataset == "fashion-mnist"
    metrics = json.loads((out / "metrics.json").read_text())
    assert [h["epoch"] for h in metrics["history"]] == [1, 2]
    assert metrics["history"][1]["train_loss"] < metrics["history"][0]["train_loss"]
    assert {"mse", "psnr", "kl"} <= set(metrics["test"])
    assert metrics["test"]["n_images"] == 64

    # evaluate recomputes the same figures from the saved weights
    metrics["test"] = {}
    (out / "metrics.json").write_text(json.dumps(metrics))
    assert evaluate.main([str(out), "--data-root", str(tiny_root)]) == 0
    again = json.loads((out / "metrics.json").read_text())
    assert again["history"] == metrics["history"]
    test_images, _ = load_split("fashion-mnist", "test", tiny_root)
    fresh = evaluate.evaluate_model(model, test_images)
    assert again["test"]["mse"] == pytest.approx(fresh["mse"], rel=1e-6)


def test_training_is_reproducible_with_a_seed(tiny_root, tmp_path):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        assert train.main(["--dataset", "mnist", "--model", "wae", "--latent-dim", "2", "--epochs", "1",
                           "--device", "cpu", "--data-root", str(tiny_root), "--out", str(out), "--seed", "7",
                           "--no-progress"]) == 0
        outs.append(load_pretrained(out))
    for (k, a), (_, b) in zip(outs[0].state_dict().items(), outs[1].state_dict().items()):
        assert torch.equal(a, b), k


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dataset", "cifar", "--model", "vae"], "invalid choice"),
        (["--dataset", "mnist", "--model", "gan"], "invalid choice"),
        (["--dataset", "mnist", "--model", "vae", "--latent-dim", "0"], "at least 1"),
        (["--dataset", "mnist", "--model", "vae", "--latent-dim", "two"], "whole number"),
        (["--dataset", "mnist", "--model", "sparse", "--sparsity", "l3"], "sparsity"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        train.main(args)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_missing_data_offline_exits_2(tmp_path, monkeypatch, capsys):
    from explorer.data import datasets as data

    def refuse(*args, **kwargs):
        raise RuntimeError("Error downloading: no network")

    monkeypatch.setattr(data, "DEBIAN_FASHION_DIR", tmp_path / "none")
    monkeypatch.setattr(data, "_torchvision_dataset", refuse)
    code = train.main(["--dataset", "fashion-mnist", "--model", "ae", "--data-root", str(tmp_path / "empty"),
                       "--out", str(tmp_path / "out"), "--device", "cpu"])
    assert code == 2
    assert "dataset-fashion-mnist" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_unwritable_out_exits_2_before_training(tiny_root, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code = train.main(["--dataset", "mnist", "--model", "ae", "--data-root", str(tiny_root),
                       "--out", str(blocker / "sub" / "ck"), "--device", "cpu"])
    assert code == 2
    assert "cannot be created: a-file is a file" in capsys.readouterr().err


def test_evaluate_on_a_broken_checkpoint_exits_2(tmp_path, capsys):
    (tmp_path / "ck").mkdir()
    assert evaluate.main([str(tmp_path / "ck")]) == 2
    assert "config.json: file is missing" in capsys.readouterr().err


@pytest.mark.slow
def test_zoo_trains_and_embeds_one_entry_in_its_own_processes(tiny_root, tmp_path, monkeypatch):
    import numpy as np

    from explorer.analysis.project import load_map
    from explorer.commands import zoo
    from explorer.data.datasets import export_test_split

    base = tmp_path / "pretrained"
    export_test_split("mnist", tiny_root, out=base / "mnist" / "test.npz")
    monkeypatch.setenv("EXPLORER_PRETRAINED", str(base))  # inherited by the train and embed processes
    monkeypatch.setenv("EXPLORER_DATA", str(tiny_root))
    assert zoo.main(["train", "mnist/ae-z2", "--epochs", "1", "--embed"]) == 0
    folder = base / "mnist" / "ae-z2"
    model = load_pretrained(folder)
    assert model.kind == "ae" and model.config.latent_dim == 2
    latent_map = load_map(folder / "map.npz")  # a latent-2 model is drawn from its codes
    assert latent_map.method == "latent" and len(latent_map.xy) == 64
    with np.load(folder / "gmm.npz", allow_pickle=False) as gmm:
        assert len(gmm.files) > 0


def test_zoo_refuses_entries_it_does_not_ship(capsys):
    from explorer.commands import zoo

    assert zoo.main(["train", "mnist/vae-z3"]) == 2
    assert "not in the zoo" in capsys.readouterr().err


@pytest.mark.parametrize("extra", [[], ["--beta", "4"], ["--model", "dae", "--noise", "masking", "--noise-level", "0.25"],
                                   ["--schedule", "constant"], ["--norm", "none"],
                                   ["--model", "aae", "--adversarial-weight", "5"]])
def test_the_reproduce_command_parses_back_to_the_same_run(extra):
    from explorer.models.nets import ModelConfig

    args = ["--dataset", "fashion-mnist", "--model", "vae", "--latent-dim", "8", "--epochs", "3", "--lr", "0.0005",
            "--seed", "4", "--batch-size", "64", *extra]
    parsed = train.build_parser().parse_args(args)
    keys = [name.replace("-", "_") for name, _ in train.HYPER_PARAMETERS]
    overrides = {k: getattr(parsed, k) for k in keys if getattr(parsed, k) is not None}
    config = ModelConfig(kind=parsed.model, dataset=parsed.dataset, latent_dim=parsed.latent_dim, **overrides)
    training = {"epochs": parsed.epochs, "batch_size": parsed.batch_size, "lr": parsed.lr, "seed": parsed.seed,
                "schedule": parsed.schedule, "train_images": 60000}
    command = train.reproduce_command(config, training)
    again = train.build_parser().parse_args(command.split()[3:])
    assert vars(again) == vars(parsed)


def test_a_checkpoint_of_the_first_backbone_is_reproduced_with_its_own_recipe():
    """Written before batch norm and the schedule were recorded: the command says the plain backbone
    and the constant rate, which is how it was trained."""
    from explorer.models.nets import ModelConfig

    legacy = {k: v for k, v in ModelConfig(kind="wae", dataset="mnist").to_dict().items() if k != "norm"}
    command = train.reproduce_command(ModelConfig.from_dict(legacy),
                                      {"epochs": 10, "batch_size": 128, "lr": 0.001, "seed": 0})
    assert "--norm none" in command and "--schedule constant" in command and "--lr 0.001" in command
    fresh = train.reproduce_command(ModelConfig(kind="wae", dataset="mnist"),
                                    {"epochs": 10, "batch_size": 128, "lr": 0.003, "schedule": "onecycle", "seed": 0})
    assert "--norm" not in fresh and "--schedule" not in fresh


def test_batch_norm_with_one_image_per_batch_is_refused_before_any_data_is_read(capsys):
    with pytest.raises(SystemExit) as exit_info:
        train.main(["--dataset", "mnist", "--model", "ae", "--batch-size", "1", "--data-root", "/nonexistent"])
    assert exit_info.value.code == 2
    assert "batch norm needs at least 2 images" in capsys.readouterr().err


def test_the_docs_table_is_the_stored_quality_figures():
    """The docs' zoo table and the app's quality page come from the same stored figures."""
    from explorer.metrics import evaluate

    text = evaluate.ZOO_DOC.read_text(encoding="utf-8")
    start = text.index(evaluate.README_START) + len(evaluate.README_START)
    assert text[start : text.index(evaluate.README_END)] == "\n" + evaluate.quality_table() + "\n"
