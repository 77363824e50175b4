"""The reverse process as Float64 scalar coefficients: the Python mirror of src/core/samplers.ts
(stepCoefficients, conversions, pasteCoefficients). Every sampler step t -> t_prev < t on
y_t = z_t - c_t is

    y_prev = x0 * x0_hat + y * y_t + eps * eps_hat + sigma * xi  (+ prev_x0 * x0_hat_before),   xi ~ N(0, I),

(DPM-Solver++(2M) adds the previous step's x0_hat; Heun then replaces y_prev by its corrector, which needs a
second model evaluation at t_prev), and the drift is re-added after it: z_prev = y_prev + c_prev (MT-DIFFUSION.md). sampling.py `sample`
applies these to tensors; public/fixtures/coefficients.json, written by `write_coefficient_fixture` (no
weights needed: `cd training && /usr/bin/python3 -m mtd.coefficients`, or export.py beside its fixtures),
pins the TypeScript functions to these (src/engine/coefficients-parity.test.ts).

Adding a sampler: one case in `step_coefficients` here and in samplers.ts, its name in SAMPLERS in both,
and a run in FIXTURE_RUNS.
"""
from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass

import numpy as np

SAMPLERS = ("ddim", "ddpm", "euler", "euler_a", "heun", "dpmpp_2m")
# Samplers whose step takes eta (DDIM's eta, Euler ancestral's noise amount); the others ignore it.
ETA_SAMPLERS = ("ddim", "euler_a")
# The fewest steps a sampler can take and still be what its name says: Heun's last step (to t = 0) is an
# Euler step, so one step would be Euler; DPM-Solver++(2M)'s first and last steps are first order, so it
# needs 3 for one second-order step.
MIN_STEPS = {"heun": 2, "dpmpp_2m": 3}
SAMPLER_TITLES = {"ddim": "DDIM", "ddpm": "DDPM", "euler": "Euler", "euler_a": "Euler a", "heun": "Heun",
                  "dpmpp_2m": "DPM++ 2M"}
SPACINGS = ("trailing", "karras")
KARRAS_RHO = 7.0   # Karras et al. 2022, eq. 5


@dataclass(frozen=True)
class CorrectorCoefficients:
    """Heun's second stage: y_prev = y * y_t + eps * eps_hat + eps_next * eps_next_hat, where eps_next_hat is
    the model's eps at t_prev on the predictor's state (the ordinary step's result)."""
    y: float
    eps: float
    eps_next: float


@dataclass(frozen=True)
class StepCoefficients:
    x0: float
    y: float
    eps: float
    sigma: float   # 0 on the last step (t_prev = 0) and for deterministic samplers
    prev_x0: float = 0.0   # DPM-Solver++(2M): the coefficient of the previous step's x0_hat (at t_before)
    corrector: CorrectorCoefficients | None = None   # Heun: a second model evaluation at t_prev


@dataclass(frozen=True)
class Conversions:
    """x0_hat = x0_from_y y_t + x0_from_eps eps;  eps = eps_from_y y_t + eps_from_x0 x0_hat (DDPM eq. 4)."""
    x0_from_y: float     # 1/sqrt(aB_t)
    x0_from_eps: float   # -sqrt(1/aB_t - 1)
    eps_from_y: float    # 1/sqrt(1 - aB_t)
    eps_from_x0: float   # -sqrt(aB_t)/sqrt(1 - aB_t)


@dataclass(frozen=True)
class PasteCoefficients:
    """Replacement in y-space: y_prev <- M (x * image + noise * xi) + (1 - M) y_prev; exact at t_prev = 0."""
    x: float       # sqrt(aB_prev)
    noise: float   # sqrt(1 - aB_prev), 0 at t_prev = 0


def _check_pair(T: int, t: int, t_prev: int) -> None:
    if not (isinstance(t, int) and 1 <= t <= T):
        raise ValueError(f"t must be an integer in 1..{T}, got {t}")
    if not (isinstance(t_prev, int) and 0 <= t_prev < t):
        raise ValueError(f"t_prev must be an integer in 0..{t - 1}, got {t_prev}")


def edm_sigma(alpha_bar: np.ndarray, t: int) -> float:
    """The noise level of this VP schedule in Karras et al.'s parameterisation: x = y_t / sqrt(aB_t) has
    noise sigma_t = sqrt((1 - aB_t) / aB_t) (0 at t = 0). The probability-flow ODE is dx/dsigma = eps(x, sigma)."""
    a = float(alpha_bar[t])
    return math.sqrt((1 - a) / a)


def step_coefficients(alpha_bar: np.ndarray, sampler: str, eta: float, t: int, t_prev: int,
                      t_before: int | None = None) -> StepCoefficients:
    """One reverse step t -> t_prev (aP = aB_{t_prev}; samplers.ts stepCoefficients has the derivations):
    'ddpm' (Ho et al. eq. 6-7, strided): x0 = sqrt(aP) b/(1 - aB_t), y = sqrt(aB_t/aP)(1 - aP)/(1 - aB_t),
    eps = 0, sigma^2 = b (1 - aP)/(1 - aB_t), b = 1 - aB_t/aP, no noise at t_prev = 0; eta unused.
    'ddim' (Song et al. eq. 12, 16): x0 = sqrt(aP), y = 0, eps = sqrt(1 - aP - sigma^2),
    sigma = eta sqrt((1 - aP)/(1 - aB_t)) sqrt(1 - aB_t/aP).
    'euler' (Karras et al. Alg. 1 without the corrector; s = edm_sigma): x' = x + (s' - s) eps on x = y/sqrt(aB):
    y = sqrt(aP/aB_t), eps = sqrt(aP)(s' - s).
    'euler_a' (ancestral): s_up = min(s', eta sqrt(s'^2 (s^2 - s'^2)/s^2)), s_down = sqrt(s'^2 - s_up^2):
    y = sqrt(aP/aB_t), eps = sqrt(aP)(s_down - s), sigma = sqrt(aP) s_up.
    'heun' (Karras et al. Alg. 1): the Euler step, then (t_prev > 0) the corrector
    y = sqrt(aP/aB_t), eps = eps_next = sqrt(aP)(s' - s)/2.
    'dpmpp_2m' (Lu et al. 2022, DPM-Solver++(2M), lambda = log(sqrt(aB)/sqrt(1 - aB)), h = lambda_prev - lambda_t,
    r = (lambda_t - lambda_before)/h): y = sqrt((1 - aP)/(1 - aB_t)), x0 = sqrt(aP)(1 - e^-h)(1 + 1/(2r)),
    prev_x0 = -sqrt(aP)(1 - e^-h)/(2r); first order (prev_x0 = 0, DDIM) without t_before and on the last step."""
    _check_pair(len(alpha_bar) - 1, t, t_prev)
    a_t, a_p = float(alpha_bar[t]), float(alpha_bar[t_prev])
    if sampler in ETA_SAMPLERS and not eta >= 0:
        raise ValueError(f"eta must be >= 0, got {eta}")
    if sampler == "ddpm":
        a_step = a_t / a_p
        b_step = 1 - a_step
        one_minus_t = 1 - a_t
        var = b_step * (1 - a_p) / one_minus_t
        return StepCoefficients(x0=math.sqrt(a_p) * b_step / one_minus_t,
                                y=math.sqrt(a_step) * (1 - a_p) / one_minus_t,
                                eps=0.0, sigma=0.0 if t_prev == 0 else math.sqrt(var))
    if sampler == "ddim":
        sigma = eta * math.sqrt((1 - a_p) / (1 - a_t)) * math.sqrt(1 - a_t / a_p)
        return StepCoefficients(x0=math.sqrt(a_p), y=0.0, eps=math.sqrt(max(0.0, 1 - a_p - sigma * sigma)), sigma=sigma)
    if sampler in ("euler", "euler_a", "heun"):
        s, s_p = edm_sigma(alpha_bar, t), edm_sigma(alpha_bar, t_prev)
        s_up = 0.0
        if sampler == "euler_a":
            s_up = min(s_p, eta * math.sqrt(max(0.0, s_p * s_p * (s * s - s_p * s_p) / (s * s))))
        s_down = math.sqrt(max(0.0, s_p * s_p - s_up * s_up))
        y, c = math.sqrt(a_p / a_t), math.sqrt(a_p) * (s_down - s)
        corrector = CorrectorCoefficients(y=y, eps=c / 2, eps_next=c / 2) if sampler == "heun" and t_prev > 0 else None
        return StepCoefficients(x0=0.0, y=y, eps=c, sigma=math.sqrt(a_p) * s_up, corrector=corrector)
    if sampler == "dpmpp_2m":
        if t_prev == 0:   # h = infinity: the step lands on x0_hat
            return StepCoefficients(x0=1.0, y=0.0, eps=0.0, sigma=0.0)
        lam = lambda a: 0.5 * math.log(a / (1 - a))  # noqa: E731
        h = lam(a_p) - lam(a_t)
        one_minus_e = -math.expm1(-h)
        y = math.sqrt((1 - a_p) / (1 - a_t))
        if t_before is None:
            return StepCoefficients(x0=math.sqrt(a_p) * one_minus_e, y=y, eps=0.0, sigma=0.0)
        if not (isinstance(t_before, int) and t < t_before <= len(alpha_bar) - 1):
            raise ValueError(f"t_before must be an integer in {t + 1}..{len(alpha_bar) - 1}, got {t_before}")
        r = (lam(a_t) - lam(float(alpha_bar[t_before]))) / h
        return StepCoefficients(x0=math.sqrt(a_p) * one_minus_e * (1 + 1 / (2 * r)), y=y, eps=0.0, sigma=0.0,
                                prev_x0=-math.sqrt(a_p) * one_minus_e / (2 * r))
    raise ValueError(f"unknown sampler {sampler!r}; valid: {', '.join(SAMPLERS)}")


def model_evaluations(sampler: str, steps: int) -> int:
    """Network evaluations (NFE) of a run of `steps` steps without guidance: Heun evaluates twice on every step
    but the last (Karras et al. Alg. 1), every other sampler once per step."""
    return 2 * steps - 1 if sampler == "heun" else steps


def steps_for_evaluations(sampler: str, nfe: int) -> int:
    """The most steps whose model_evaluations fit in nfe (at least 1)."""
    return max(1, (nfe + 1) // 2) if sampler == "heun" else max(1, nfe)


def step_count_problem(sampler: str, steps: int, T: int) -> str | None:
    """Why `steps` is not a step count this sampler can take, or None."""
    if sampler not in SAMPLERS:
        return f"unknown sampler {sampler!r}; valid: {', '.join(SAMPLERS)}"
    if not (isinstance(steps, int) and 1 <= steps <= T):
        return f"steps must be an integer in 1..{T}, got {steps}"
    least = MIN_STEPS.get(sampler, 1)
    if steps < least:
        why = ("its last step is an Euler step" if sampler == "heun"
               else "its first and last steps are first order")
        return f"steps: {SAMPLER_TITLES[sampler]} needs at least {least} steps ({why}), got {steps}"
    return None


def _round_half_even(num: int, den: int) -> int:
    """round(num / den), ties to even, exactly (samplers.ts roundHalfEven)."""
    q, rem = divmod(num, den)
    if 2 * rem > den:
        return q + 1
    if 2 * rem < den:
        return q
    return q if q % 2 == 0 else q + 1


def timestep_subsequence(T: int, steps: int) -> list[int]:
    """'Trailing' spacing: t_i = round(T (steps - i) / steps), i = 0..steps-1 (exact, ties to even); the step
    after the last lands on t = 0 (samplers.ts timestepSubsequence)."""
    if not (isinstance(steps, int) and 1 <= steps <= T):
        raise ValueError(f"steps must be an integer in 1..{T}, got {steps}")
    return [_round_half_even(T * (steps - i), steps) for i in range(steps)]


def karras_timesteps(alpha_bar: np.ndarray, steps: int, rho: float = KARRAS_RHO) -> list[int]:
    """Karras et al. 2022 eq. 5 on this schedule's sigmas: s_i = (s_max^(1/rho) + i/(N-1) (s_min^(1/rho) -
    s_max^(1/rho)))^rho, s_max = edm_sigma(T), s_min = edm_sigma(1), i = 0..N-1. Each s_i goes to the integer t
    with the nearest log sigma (ties to the larger t); then t_i = max(min(t, t_{i-1} - 1), N - i) keeps the
    timesteps strictly decreasing and leaves room below, so every N in 1..T is valid and N = T visits every t.
    The solver uses the exact sigma of the t it lands on."""
    T = len(alpha_bar) - 1
    if not (isinstance(steps, int) and 1 <= steps <= T):
        raise ValueError(f"steps must be an integer in 1..{T}, got {steps}")
    log_s = [math.log(edm_sigma(alpha_bar, t)) for t in range(1, T + 1)]   # increasing in t
    hi, lo = edm_sigma(alpha_bar, T) ** (1 / rho), edm_sigma(alpha_bar, 1) ** (1 / rho)
    out: list[int] = []
    for i in range(steps):
        target = rho * math.log(hi + (i / (steps - 1) if steps > 1 else 0.0) * (lo - hi))
        best, best_d = T, math.inf
        for t in range(T, 0, -1):   # from the top, so a tie keeps the larger t
            d = abs(log_s[t - 1] - target)
            if d < best_d:
                best, best_d = t, d
        cap = out[-1] - 1 if out else T
        out.append(max(min(best, cap), steps - i))
    return out


def sampling_timesteps(alpha_bar: np.ndarray, steps: int, spacing: str = "trailing") -> list[int]:
    """The descending timesteps at which the model is evaluated; after the last one the sampler lands on 0."""
    if spacing == "trailing":
        return timestep_subsequence(len(alpha_bar) - 1, steps)
    if spacing == "karras":
        return karras_timesteps(alpha_bar, steps)
    raise ValueError(f"unknown spacing {spacing!r}; valid: {', '.join(SPACINGS)}")


def conversions(alpha_bar: np.ndarray, t: int) -> Conversions:
    """The x0_hat <-> eps conversions at t on y_t; clipping keeps them consistent with
    eps' = eps + eps_from_x0 (x0_clipped - x0_raw), and a change of eps moves x0_hat by x0_from_eps (eps~ - eps)."""
    T = len(alpha_bar) - 1
    if not (isinstance(t, int) and 1 <= t <= T):
        raise ValueError(f"t must be an integer in 1..{T}, got {t}")
    a = float(alpha_bar[t])
    s1m = math.sqrt(1 - a)
    return Conversions(x0_from_y=math.sqrt(1 / a), x0_from_eps=-math.sqrt(1 / a - 1),
                       eps_from_y=1 / s1m, eps_from_x0=-math.sqrt(a) / s1m)


def paste_coefficients(alpha_bar: np.ndarray, t_prev: int) -> PasteCoefficients:
    """q(y_{t_prev} | x) = N(sqrt(aB_prev) x, (1 - aB_prev) I) for the visible pixels."""
    T = len(alpha_bar) - 1
    if not (isinstance(t_prev, int) and 0 <= t_prev < T):
        raise ValueError(f"t_prev must be an integer in 0..{T - 1}, got {t_prev}")
    a = float(alpha_bar[t_prev])
    return PasteCoefficients(x=math.sqrt(a), noise=0.0 if t_prev == 0 else math.sqrt(1 - a))


# The fixture: every sampler, several step counts, eta and both spacings, on the shipped linear schedule, a
# cosine one and a short one whose runs take every full step t -> t - 1.
FIXTURE_SCHEDULES = (
    ("linear-1000", {"type": "linear", "T": 1000, "betaStart": 1e-4, "betaEnd": 0.02}, (1, 3, 4, 16, 50)),
    ("cosine-1000", {"type": "cosine", "T": 1000}, (4, 50)),
    ("linear-10", {"type": "linear", "T": 10, "betaStart": 0.01, "betaEnd": 0.3}, (10,)),
)
FIXTURE_RUNS = (("ddpm", 0.0), ("ddim", 0.0), ("ddim", 0.5), ("ddim", 1.0), ("euler", 0.0), ("euler_a", 0.5),
                ("euler_a", 1.0), ("heun", 0.0), ("dpmpp_2m", 0.0))


def run_coefficients(alpha_bar: np.ndarray, sampler: str, eta: float, ts: list[int]) -> list[StepCoefficients]:
    """The coefficients of every step of a run over timesteps ts (then 0), with DPM-Solver++(2M)'s history."""
    prevs = ts[1:] + [0]
    return [step_coefficients(alpha_bar, sampler, eta, t, p, ts[k - 1] if k > 0 else None)
            for k, (t, p) in enumerate(zip(ts, prevs))]


def coefficient_fixture() -> dict:
    from .schedule import make_betas
    schedules = []
    for name, cfg, step_counts in FIXTURE_SCHEDULES:
        alpha_bar = np.cumprod(1.0 - make_betas(cfg))   # schedule.py Tables.alpha_bar
        runs, ts_all, prev_all = [], set(), set()
        for steps in step_counts:
            for spacing in SPACINGS:
                ts = sampling_timesteps(alpha_bar, steps, spacing)
                prevs = ts[1:] + [0]
                for sampler, eta in FIXTURE_RUNS:
                    if step_count_problem(sampler, steps, cfg["T"]) is not None:
                        continue
                    co = run_coefficients(alpha_bar, sampler, eta, ts)
                    runs.append({"sampler": sampler, "eta": eta, "steps": steps, "spacing": spacing, "t": ts, "tPrev": prevs,
                                 "tBefore": [None] + ts[:-1],
                                 **{k: [getattr(c, k) for c in co] for k in ("x0", "y", "eps", "sigma")},
                                 "prevX0": [c.prev_x0 for c in co],
                                 "corrector": [None if c.corrector is None else
                                               {"y": c.corrector.y, "eps": c.corrector.eps, "epsNext": c.corrector.eps_next}
                                               for c in co],
                                 "modelEvaluations": model_evaluations(sampler, steps)})
                ts_all.update(ts)
                prev_all.update(prevs)
        t_list, p_list = sorted(ts_all), sorted(prev_all)
        cv = [conversions(alpha_bar, t) for t in t_list]
        pc = [paste_coefficients(alpha_bar, p) for p in p_list]
        schedules.append({
            "name": name, "schedule": cfg, "runs": runs,
            "conversions": {"t": t_list, "x0FromY": [c.x0_from_y for c in cv], "x0FromEps": [c.x0_from_eps for c in cv],
                            "epsFromY": [c.eps_from_y for c in cv], "epsFromX0": [c.eps_from_x0 for c in cv]},
            "paste": {"tPrev": p_list, "x": [c.x for c in pc], "noise": [c.noise for c in pc]},
        })
    return {"description": "Float64 sampler coefficients from training/mtd/coefficients.py: per run (timesteps t from "
            "the spacing), step k is y_prev = x0[k] x0_hat + y[k] y_t + eps[k] eps_hat + sigma[k] xi + prevX0[k] x0_hat(tBefore[k]) "
            "from t[k] to tPrev[k]; where corrector[k] is set (Heun) y_prev = y y_t + eps eps_hat + epsNext eps_hat(tPrev, "
            "predictor). modelEvaluations: NFE of the run. Conversions and paste per timestep. src/core/samplers.ts must give "
            "the same numbers.",
            "schedules": schedules}


def write_coefficient_fixture(path: str) -> None:
    with open(path, "w") as f:
        json.dump(coefficient_fixture(), f)


DEFAULT_FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "public", "fixtures", "coefficients.json")

if __name__ == "__main__":
    write_coefficient_fixture(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_FIXTURE)
