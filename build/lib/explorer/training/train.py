"""Train one autoencoder of the family and save it as a checkpoint folder.

The command line is explorer/commands/train.py (``python -m explorer.train``): its docstring says how to use it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from tqdm import tqdm

from explorer.data.datasets import to_float
from explorer.errors import TrainingDiverged
from explorer.metrics.evaluate import evaluate_model
from explorer.models.nets import AutoEncoder, ModelConfig, build_model
from explorer.training.distributed import Processes, any_process, wrap

SCHEDULES = ("onecycle", "constant")
DEFAULT_LR = 3e-3  # the one-cycle peak (docs/zoo.md, choosing the backbone)


class _Loss(torch.nn.Module):
    """The model's loss as its forward, so DistributedDataParallel sees (and synchronises) the step."""

    def __init__(self, model: AutoEncoder):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.model.loss(x)


@dataclass
class Epoch:
    """One epoch of training, as :func:`train_epochs` yields it: the model (in train mode between epochs),
    what the optimiser and the schedule hold, and the epoch's record (its loss terms, its seconds)."""

    number: int
    model: AutoEncoder
    optimiser: torch.optim.Optimizer
    scheduler: object | None
    record: dict


def train_model(
    config: ModelConfig,
    train_images: torch.Tensor,
    epochs: int,
    batch_size: int = 128,
    lr: float | None = None,
    seed: int = 0,
    device: torch.device | str = "cpu",
    test_images: torch.Tensor | None = None,
    progress: bool = True,
    processes: Processes = Processes(),  # noqa: B008  (a frozen dataclass: one process)
    schedule: str = "onecycle",
) -> tuple[AutoEncoder, list[dict]]:
    """Train on uint8 images (N×28×28); return the model (eval mode) and the per-epoch history.

    ``batch_size`` is the global batch: under torchrun each of the ``processes`` takes an equal
    share of every batch (a DistributedSampler deals the seeded permutation out, its epoch set
    every epoch) and DistributedDataParallel averages the gradients, so one process and several
    make the same updates. Only rank 0 shows progress and measures the test error.
    ``schedule`` is the learning rate's course: "onecycle" warms up to ``lr`` over the first 30 %
    of the steps and anneals to nearly 0 (Smith & Topin 2019; the backbone table of docs/zoo.md), "constant"
    keeps ``lr``.
    """
    history = []
    model = None
    for epoch in train_epochs(config, train_images, epochs, batch_size, lr, seed, device, test_images, progress,
                              processes, schedule):
        history.append(epoch.record)
        model = epoch.model
    return model.eval(), history


def train_epochs(
    config: ModelConfig,
    train_images: torch.Tensor,
    epochs: int,
    batch_size: int = 128,
    lr: float | None = None,
    seed: int = 0,
    device: torch.device | str = "cpu",
    test_images: torch.Tensor | None = None,
    progress: bool = True,
    processes: Processes = Processes(),  # noqa: B008
    schedule: str = "onecycle",
    resume: dict | None = None,
    between_steps=None,
) -> Iterator[Epoch]:
    """:func:`train_model`'s training, one :class:`Epoch` at a time: whoever iterates may look at the model
    between epochs (the training theatre draws a frame of each), and stop by no longer asking.

    ``resume`` continues a run where an earlier one stopped: {"epoch": the last one done, "model": its
    state dict, "optimiser": the optimiser's, "scheduler": the schedule's, "rng": torch's random state}.
    ``between_steps``, if given, is called after every optimiser step (the theatre waits there while the
    server's pages run).
    """
    from torch.utils.data import DistributedSampler

    lr = DEFAULT_LR if lr is None else lr
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, not {schedule!r}")
    torch.manual_seed(seed)
    device = torch.device(device)
    model = build_model(config).to(device)
    step = wrap(_Loss(model), processes, device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    sampler = DistributedSampler(range(len(train_images)), num_replicas=processes.world_size, rank=processes.rank,
                                 shuffle=True, seed=seed)
    share = batch_size // processes.world_size
    steps_per_epoch = len(batch_starts(len(sampler), share))
    scheduler = (torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr, total_steps=max(1, epochs * steps_per_epoch))
                 if schedule == "onecycle" else None)
    first = 1
    if resume is not None:
        model.load_state_dict(resume["model"])
        optimiser.load_state_dict(resume["optimiser"])
        if scheduler is not None and resume.get("scheduler"):
            scheduler.load_state_dict(resume["scheduler"])
        if resume.get("rng") is not None:
            torch.set_rng_state(resume["rng"])
        first = int(resume["epoch"]) + 1
    for epoch in range(first, epochs + 1):
        model.train()
        start = time.perf_counter()
        sampler.set_epoch(epoch)
        permutation = torch.tensor(list(sampler))
        sums: dict[str, float] = {}
        seen = 0
        batches = batch_starts(len(permutation), share)
        bar = tqdm(batches, desc=f"epoch {epoch}/{epochs}", unit="batch", disable=not (progress and processes.writer),
                   leave=False)
        for i in bar:
            x = to_float(train_images[permutation[i : i + share]]).to(device)
            terms = step(x)
            if any_process(not torch.isfinite(terms["loss"]), processes, device):  # every process stops together
                raise TrainingDiverged(
                    f"the loss became {terms['loss'].item()} at epoch {epoch}, step {i // share + 1}; "
                    f"nothing was written (try a lower --lr than {lr:g})", key="reason.diverged_loss",
                    epoch=epoch, lr=f"{lr:g}")
            optimiser.zero_grad(set_to_none=True)
            terms["loss"].backward()
            optimiser.step()
            if scheduler is not None:
                scheduler.step()
            if between_steps is not None:
                between_steps()
            for name, value in terms.items():
                sums[name] = sums.get(name, 0.0) + value.item() * len(x)
            seen += len(x)
            bar.set_postfix({name: f"{s / seen:.4g}" for name, s in sums.items()})
        seen, sums = gather_sums(seen, sums, processes, device)
        record = {"epoch": epoch, "seconds": time.perf_counter() - start}
        record.update({f"train_{name}": s / seen for name, s in sums.items()})
        if test_images is not None and processes.writer:
            record["test_mse"] = evaluate_model(model, test_images[:2000])["mse"]
        if not all(torch.isfinite(p).all() for p in model.parameters()):
            raise TrainingDiverged(f"the weights stopped being finite in epoch {epoch}; nothing was written "
                                   f"(try a lower --lr than {lr:g})", key="reason.diverged_weights",
                                   epoch=epoch, lr=f"{lr:g}")
        if processes.writer:
            shown = ", ".join(f"{k}={v:.4g}" for k, v in record.items() if k != "epoch")
            tqdm.write(f"epoch {epoch}/{epochs}: {shown}", file=sys.stderr)
        yield Epoch(epoch, model, optimiser, scheduler, record)


def batch_starts(n: int, share: int) -> range:
    """Where each batch of an epoch of ``n`` images starts; a last batch of one image is left out
    (batch norm needs two to normalise over)."""
    return range(0, n - 1 if n > 1 and n % share == 1 else n, share)


def gather_sums(seen: int, sums: dict[str, float], processes: Processes, device) -> tuple[int, dict[str, float]]:
    """The epoch's loss sums and image count over every process (as they are, for one)."""
    if not processes.active:
        return seen, sums
    import torch.distributed as dist

    names = sorted(sums)
    totals = torch.tensor([float(seen), *(sums[n] for n in names)], dtype=torch.float64, device=device)
    dist.all_reduce(totals)
    return int(totals[0].item()), {n: float(v) for n, v in zip(names, totals[1:].tolist())}
