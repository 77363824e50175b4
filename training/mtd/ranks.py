"""One training process among several (PyTorch DDP under torchrun), or the only one.

torchrun sets WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR and MASTER_PORT; without them this is a
world of one and every collective is a no-op. Backend: gloo on CPUs, nccl on GPUs (one rank per GPU,
cuda:LOCAL_RANK).
"""
from __future__ import annotations

import hashlib
import os

import torch
import torch.distributed as dist


class Ranks:
    def __init__(self, device: str):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(self.world)))
        self.device = device
        if device.startswith("cuda") and self.world > 1:
            if torch.cuda.device_count() < self.local_world:
                raise SystemExit(f"{self.local_world} ranks on this node but PyTorch sees "
                                 f"{torch.cuda.device_count()} GPU(s): one rank per GPU (--nproc)")
            self.device = f"cuda:{self.local_rank}"
            torch.cuda.set_device(self.local_rank)
        if self.world > 1:
            dist.init_process_group("nccl" if self.device.startswith("cuda") else "gloo")

    @property
    def distributed(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def any(self, flag: bool) -> bool:
        """True on every rank when any rank says so (the stop consensus)."""
        if not self.distributed:
            return flag
        t = torch.tensor([1.0 if flag else 0.0], device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item() > 0)

    def mean(self, values: dict) -> dict:
        """Each scalar tensor averaged over the ranks (for the log)."""
        keys = sorted(values)
        t = torch.stack([values[k].detach().float().reshape(()) for k in keys])
        if self.distributed:
            dist.all_reduce(t)
            t = t / self.world
        return {k: float(v) for k, v in zip(keys, t.tolist())}

    def gather(self, obj) -> list:
        """Every rank's obj, in rank order, on every rank."""
        if not self.distributed:
            return [obj]
        out = [None] * self.world
        dist.all_gather_object(out, obj)
        return out

    def leave(self) -> None:
        """All ranks meet once more, then go. (Under load, gloo's destroy_process_group has left a
        rank spinning on closed sockets after the other exited; the barrier makes both finish first.)"""
        if self.distributed:
            dist.barrier()


def digest(state_dict: dict) -> str:
    """sha256 over a state dict's tensors (names and bytes, in order): equal iff bit-identical."""
    h = hashlib.sha256()
    for k, v in state_dict.items():
        h.update(k.encode())
        h.update(v.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()
