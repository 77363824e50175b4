"""Where the pipeline computes: the CPU (default, bit-reproducible with Debian's PyTorch) or a GPU.

`--device auto` picks CUDA when PyTorch sees one. A run is deterministic given its seed on one kind
of device; a CPU run and a GPU run of the same seed draw different random numbers.
"""
from __future__ import annotations

import inspect

import torch


def pick(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit(f"--device {name}: PyTorch sees no CUDA device here; use --device cpu")
    return torch.device(name)


def generator(device: torch.device, seed: int) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


def load(path: str):
    """torch.load onto the CPU, accepting the pipeline's own checkpoints under every PyTorch version
    (2.6 and later default to weights_only=True; 1.13 has the flag too but defaults to False)."""
    kw = {"weights_only": False} if "weights_only" in inspect.signature(torch.load).parameters else {}
    return torch.load(path, map_location="cpu", **kw)


class OnDevice(torch.nn.Module):
    """Runs a model's forward and encode on `device` while its callers keep CPU tensors.

    Evaluation uses it so the sampling loop (src/core's arithmetic, cheap) stays on the CPU and only
    the network runs on the GPU. Transfers are differentiable, so label guidance still works.
    """

    def __init__(self, inner: torch.nn.Module, device: torch.device):
        super().__init__()
        self.inner = inner.to(device)
        self.target = device

    def forward(self, *args):
        return _to(self.inner(*_to(args, self.target)), torch.device("cpu"))

    def encode(self, *args):
        return _to(self.inner.encode(*_to(args, self.target)), torch.device("cpu"))

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.inner, name)


def _to(value, device):
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, dict):
        return {k: _to(v, device) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to(v, device) for v in value)
    return value
