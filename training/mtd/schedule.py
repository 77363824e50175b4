"""Noise schedule and MT-Diffusion drift table, Float64, index t = 0..T (t = 0 is data).

Mirrors src/core/schedule.ts and src/core/drift.ts; the parity fixture checks both.
"""
from __future__ import annotations

import math

import numpy as np


def make_betas(cfg: dict) -> np.ndarray:
    T = cfg["T"]
    betas = np.zeros(T + 1, np.float64)
    if cfg["type"] == "linear":
        betas[1:] = np.linspace(cfg["betaStart"], cfg["betaEnd"], T, dtype=np.float64)
    elif cfg["type"] == "cosine":
        s, max_beta = cfg.get("s", 0.008), cfg.get("maxBeta", 0.999)
        f = lambda t: math.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2  # noqa: E731
        betas[1:] = [min(1 - f(t) / f(t - 1), max_beta) for t in range(1, T + 1)]
    else:
        raise ValueError(f"unknown schedule type {cfg['type']!r}; valid: linear, cosine")
    return betas


def make_kappa(T: int, drift_cfg: dict) -> np.ndarray:
    """kappa_t: the drift c_t = kappa_t * E(x). 'sine': kappa_t = kappaMax sin(pi t / T).

    kappa_0 = 0 and kappa_T = 0 (so z_T ~ N(0, I) still holds); a bump in the middle of the chain.
    """
    if drift_cfg["type"] != "sine":
        raise ValueError(f"unknown drift type {drift_cfg['type']!r}; valid: sine")
    t = np.arange(T + 1, dtype=np.float64)
    kappa = drift_cfg["kappaMax"] * np.sin(math.pi * t / T)
    kappa[0] = 0.0
    kappa[T] = 0.0
    return kappa


class Tables:
    def __init__(self, schedule_cfg: dict, drift_cfg: dict):
        self.T = schedule_cfg["T"]
        self.betas = make_betas(schedule_cfg)
        self.alphas = 1.0 - self.betas
        self.alpha_bar = np.cumprod(self.alphas)
        self.kappa = make_kappa(self.T, drift_cfg)
        # Per-step drift weights from c_t = sqrt(alpha_t) (c_{t-1} + w_t E):  w_t = kappa_t/sqrt(alpha_t) - kappa_{t-1}
        self.w = np.zeros(self.T + 1)
        self.w[1:] = self.kappa[1:] / np.sqrt(self.alphas[1:]) - self.kappa[:-1]
