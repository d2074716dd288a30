"""The pretrained zoo: which models ship, and the commands that retrain them.

The command line is explorer/commands/zoo.py (``python -m explorer.zoo``): its docstring says how to use it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from explorer.data.datasets import DATASETS, pretrained_dir
from explorer.data.movielens import NAME as MOVIELENS
from explorer.models.kinds import IMAGE_KINDS, KINDS

ZOO_EPOCHS = 10
ZOO_SEED = 0
# The recommenders of MovieLens-100K: I-AutoRec at its paper's 500 hidden units, the Mult-* models at
# Liang et al.'s [I → 600 → 200 → 600 → I]; each trains for its kind's epochs (the best on its validation split)
RATINGS_ZOO = (("autorec", 500), ("multdae", 200), ("multvae", 200))
BOTTLENECK_SIZES = "10,20,50,100,200,300"  # I-AutoRec's curve of the code size against the RMSE


@dataclass(frozen=True)
class ZooEntry:
    dataset: str
    kind: str
    latent_dim: int

    @property
    def name(self) -> str:
        return f"{self.dataset}/{self.kind}-z{self.latent_dim}"

    @property
    def folder(self):
        return pretrained_dir() / self.dataset / f"{self.kind}-z{self.latent_dim}"

    def train_command(self, epochs: int = ZOO_EPOCHS, processes: int = 1, out: Path | None = None) -> list[str]:
        """The command that trains this entry: one process, or ``processes`` under torchrun (explorer.training.distributed);
        into ``out`` instead of the zoo's folder for an experiment (bench/longer_schedule.py)."""
        launcher = ([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(processes)]
                    if processes > 1 else [sys.executable])
        if KINDS[self.kind].data == "ratings":  # one process, its kind's own epochs (explorer.training.recommend)
            curve = ["--bottleneck", BOTTLENECK_SIZES] if KINDS[self.kind].input == "item" else []
            return [sys.executable, "-m", "explorer.train", "--dataset", self.dataset, "--model", self.kind,
                    "--latent-dim", str(self.latent_dim), *curve, "--seed", str(ZOO_SEED), "--no-progress",
                    "--out", str(out or self.folder), "--overwrite"]
        return [
            *launcher, "-m", "explorer.train", "--dataset", self.dataset, "--model", self.kind,
            "--latent-dim", str(self.latent_dim), "--epochs", str(epochs), "--seed", str(ZOO_SEED), "--no-progress",
            "--out", str(out or self.folder), "--overwrite",  # retraining replaces the folder: the zoo's own, or an experiment's
        ]

    def embed_command(self) -> list[str] | None:
        """The command that stores its map; None for a recommender, whose training stores what its page needs."""
        if KINDS[self.kind].data == "ratings":
            return None
        return [sys.executable, "-m", "explorer.embed", str(self.folder), "--force"]


def zoo_entries() -> list[ZooEntry]:
    entries = []
    for dataset in DATASETS:
        entries += [ZooEntry(dataset, kind, 16) for kind in IMAGE_KINDS]
        entries += [ZooEntry(dataset, kind.name, 2) for kind in KINDS.values() if kind.in_small_zoo]
    return entries + [ZooEntry(MOVIELENS, kind, latent) for kind, latent in RATINGS_ZOO]
