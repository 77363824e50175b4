"""The playground's named noise streams (src/core/rng.ts), reproduced bit for bit with NumPy.

MT19937 = numpy.random.RandomState(seed); 53-bit uniforms; Box-Muller pairs (z0, z1) in Float64
rounded to Float32; child streams seeded with fmix32(fnv1a32(f"{seed}/{label}")).
"""
from __future__ import annotations

import numpy as np


def fnv1a32(text: str) -> int:
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def fmix32(x: int) -> int:
    h = x & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h


def child_seed(seed: int, label: str) -> int:
    return fmix32(fnv1a32(f"{seed}/{label}"))


def gaussian(seed: int, n: int) -> np.ndarray:
    u = np.random.RandomState(seed).random_sample(2 * ((n + 1) // 2))
    u1, u2 = u[0::2], u[1::2]
    r = np.sqrt(-2 * np.log(1 - u1))
    out = np.empty(2 * len(u1))
    out[0::2], out[1::2] = r * np.cos(2 * np.pi * u2), r * np.sin(2 * np.pi * u2)
    return out[:n].astype(np.float32)


def initial_noise(seed: int, n: int) -> np.ndarray:
    return gaussian(child_seed(seed, "z_T"), n)


def step_noise(seed: int, t: int, n: int) -> np.ndarray:
    return gaussian(child_seed(child_seed(seed, "step"), str(t)), n)


def paste_noise(seed: int, t: int, n: int) -> np.ndarray:
    """The noise of the known pixels pasted at timestep t (src/core/rng.ts pasteNoise)."""
    return gaussian(child_seed(child_seed(seed, "paste"), str(t)), n)
