"""Training on several processes with PyTorch's own DistributedDataParallel, started by torchrun.

    torchrun --standalone --nproc-per-node 2 -m explorer.train --dataset mnist --model vae ...
    torchrun --nnodes 2 --node-rank 0 --rdzv-backend c10d --rdzv-endpoint HOST:29500 \\
             --nproc-per-node 8 -m explorer.train ...

torchrun sets RANK, WORLD_SIZE and LOCAL_RANK; without them the run is one process, as
before. gloo on the CPU, NCCL on CUDA. ``--batch-size`` is the global batch: each process
takes an equal share of it (explorer.training.train), so the same seed and global batch give the same
updates on any number of processes (up to the noise a denoising AE or a VAE draws, which
each process draws for its own images, and the WAE's MMD, estimated on each process's share).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Processes:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def active(self) -> bool:
        return self.world_size > 1

    @property
    def writer(self) -> bool:
        """Rank 0 writes the checkpoint, the progress bar and the metrics; the others only train."""
        return self.rank == 0


def from_environment() -> Processes:
    """The processes torchrun started (one, without torchrun)."""
    try:
        return Processes(int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1")),
                         int(os.environ.get("LOCAL_RANK", "0")))
    except ValueError:
        return Processes()


def start(processes: Processes, device: torch.device) -> torch.device:
    """Join the process group (NCCL on CUDA, gloo elsewhere); returns this process's device."""
    if not processes.active:
        return device
    import torch.distributed as dist

    if device.type == "cuda":
        device = torch.device("cuda", processes.local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return device


def described(processes: Processes) -> dict:
    """What a checkpoint records of how it was trained: the world size, the backend (None on one process) and
    the number of machines (torchrun's LOCAL_WORLD_SIZE processes on each)."""
    backend = None
    if processes.active:
        import torch.distributed as dist

        backend = dist.get_backend() if dist.is_initialized() else None
    try:
        local = max(1, int(os.environ.get("LOCAL_WORLD_SIZE", str(processes.world_size))))
    except ValueError:
        local = processes.world_size
    return {"world_size": processes.world_size, "backend": backend, "nodes": max(1, processes.world_size // local)}


def stop(processes: Processes) -> None:
    if processes.active:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()


def any_process(flag: bool, processes: Processes, device: torch.device) -> bool:
    """True on every process if ``flag`` is true on any (so all stop together, none waits forever)."""
    if not processes.active:
        return flag
    import torch.distributed as dist

    value = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item() > 0)


def wrap(model: torch.nn.Module, processes: Processes, device: torch.device) -> torch.nn.Module:
    """The model as DistributedDataParallel (gradients averaged across processes), or as it is.

    Batch norm: on CUDA its statistics are taken over the whole global batch (SyncBatchNorm); gloo on
    the CPU has no synchronised batch norm, so there each process normalises over its own share
    (rank 0's running statistics are the ones kept: DDP broadcasts buffers from it)."""
    if not processes.active:
        return model
    from torch.nn.parallel import DistributedDataParallel

    if device.type == "cuda":
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
