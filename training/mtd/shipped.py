"""Rebuild the PyTorch MTDiffusion from the TF.js weights in public/weights (the inverse of export.py).

Used to fine-tune from the shipped weights (train.py --init-from) and by bench/native.py.
float16 shards -> float32; TF layouts back to PyTorch's: conv [kh, kw, cin, cout] -> [cout, cin, kh, kw],
linear [in, out] -> [out, in].
"""
from __future__ import annotations

import json
import os

import numpy as np
import torch
import torch.nn as nn

from .model import MTDiffusion


def read_shards(weights_dir: str) -> tuple[dict, dict[str, np.ndarray]]:
    """model.json's config block and every named weight as float32, in TF layout."""
    with open(os.path.join(weights_dir, "model.json")) as f:
        manifest = json.load(f)
    arrays: dict[str, np.ndarray] = {}
    for group in manifest["weightsManifest"]:
        parts = []
        for path in group["paths"]:
            with open(os.path.join(weights_dir, path), "rb") as f:
                parts.append(f.read())
        blob = b"".join(parts)
        offset = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            q = (w.get("quantization") or {}).get("dtype")
            dtype = np.float16 if q == "float16" else np.dtype(w["dtype"])
            arrays[w["name"]] = np.frombuffer(blob, dtype=dtype, count=n, offset=offset).astype(np.float32).reshape(w["shape"])
            offset += n * np.dtype(dtype).itemsize
    return manifest["config"], arrays


def load_into(model: MTDiffusion, arrays: dict[str, np.ndarray], strict: bool = True) -> int:
    """Copies the named TF weights into model; returns how many parameters were loaded.
    strict=False leaves parameters that the weights do not name (a new module) as initialised."""
    from export import tf_name  # training/export.py: PyTorch name -> TF.js weight name
    loaded = 0
    with torch.no_grad():
        for mpath, module in model.named_modules():
            for pname, p in module.named_parameters(recurse=False):
                name = tf_name(mpath, pname, module)
                if name not in arrays:
                    if strict:
                        raise KeyError(f"{name} is not in the weights")
                    continue
                a = arrays[name]
                if isinstance(module, nn.Conv2d) and pname == "weight":
                    a = a.transpose(3, 2, 0, 1)
                elif isinstance(module, nn.Linear) and pname == "weight":
                    a = a.T
                p.copy_(torch.from_numpy(np.ascontiguousarray(a)))
                loaded += 1
    return loaded


def load_shipped(weights_dir: str):
    """(model in eval mode, its config, number of parameters loaded)."""
    cfg, arrays = read_shards(weights_dir)
    model = MTDiffusion(cfg)
    loaded = load_into(model, arrays)
    model.eval()
    return model, cfg, loaded
