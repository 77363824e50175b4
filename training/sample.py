"""Sample the shipped MT-Diffusion weights to an .npz, for anyone who wants to score the model their own way.

  /usr/bin/python3 training/sample.py --mode joint --n 1000 --out joint.npz
  /usr/bin/python3 training/sample.py --mode class --n 1000 --drift-guidance 2 --out class.npz
  /usr/bin/python3 training/sample.py --mode inpaint --source test --first 100 --mask box --out box.npz

Loads public/weights (TF.js format, mtd/shipped.py) and runs mtd/sampling.py `sample`, the same reverse
process as the playground's (one row of the playground's mode table per --mode; x0 from the masked-image
head, clipping on, paste on for inpaint, as its defaults). See --help for what the .npz holds and what
determines the output.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from mtd import rng  # noqa: E402
from mtd.data import CLASS_NAMES, PAD, DataMissingError, MaskBank, load_split, sketch_of, to_model_space  # noqa: E402
from mtd.coefficients import ETA_SAMPLERS, SAMPLERS, SPACINGS, sampling_timesteps, step_count_problem  # noqa: E402
from mtd.sampling import SAMPLING_DEFAULTS, Conditions, batched, sample, to_uint8  # noqa: E402
from mtd.schedule import Tables  # noqa: E402
from mtd.shipped import load_shipped  # noqa: E402

# --mode -> the playground's mode (src/engine/protocol.ts) it mirrors.
MODES = {"joint": "joint", "class": "conditional", "inpaint": "inpaint", "sketch": "sketch",
         "repr": "repr", "uncond": "unconditional"}
SOURCE_MODES = ("inpaint", "sketch", "repr")      # conditioned on a test-set image
LABEL_GUIDED_MODES = ("joint", "class")           # modes with a label for the label head to guide
MASKS = ("box", "centre", "stroke", "half")
X0_SOURCES = ("masked", "eps")
DEFAULT_N = 100
MAX_BATCH = 250
SIZE = 32

DESCRIPTION = "Write samples from the shipped MT-Diffusion weights to an .npz."
EPILOG = f"""\
modes (the playground's mode of the same name in brackets):
  joint    image and label generated together (joint)
  class    class-conditional: the label is given (conditional); --class K, or balanced:
           sample i has class i % 10, so every class gets n/10 (+1 for the first n % 10)
  inpaint  the visible pixels of a test image are given (inpaint); --mask box|centre|stroke|half
  sketch   the Sobel edge map of a test image is given (sketch)
  repr     the 8-d representation of a test image is given (repr). The representation is
           defined by the project's independent classifier, which is not shipped, so it is read
           from public/samples/index.json (--samples-index): that file holds it for the 300
           bundled test images and the 2,000-point backdrop of the representation map (together
           every index from 0 up to a couple of hundred). An index without one there is an error.
  uncond   nothing given (unconditional)

test images (inpaint, sketch, repr): --source test with --indices FILE (integers, whitespace- or
newline-separated) or --first N (indices 0..N-1); with neither, the first --n ({DEFAULT_N}). --n defaults to
the number of indices; a larger --n cycles through them (sample i uses index i % len), a smaller
one takes the first --n.

the .npz (numpy.load):
  images        uint8 (N, 28, 28), Fashion-MNIST's convention (black background, 0..255)
  labels        int64 (N,): the requested class (class); otherwise the label head's argmax at the
                last reverse step (joint: the generated label, the one its drift was built from)
  label_probs   float32 (N, 10): the label head's softmax at the last reverse step
  source_index  int64 (N,): the test-set index of each sample's condition (inpaint, sketch, repr)
  source_label  int64 (N,): that test image's true class (inpaint, sketch, repr)
  masks         uint8 (N, 28, 28): the inpainting mask, 1 = visible (inpaint)
  config        str: JSON of the run's settings and the weights' identity (json.loads(str(f["config"])))

what determines the output: the weights, --mode and its condition (class, indices, mask), --sampler,
--steps, --eta, --drift-guidance, --label-guidance, --x0-from, --clip, --paste and --seed. Sample i
draws its noise (z_T, each step's noise, inpaint's paste noise) from the playground's named streams
of seed (--seed + i), and its random mask (box, stroke, half) from numpy's default_rng((--seed, i)),
so a sample does not depend on --batch-size or on --n (beyond float rounding in the network, which can
differ between batch sizes). That noise is the playground's batch-1 noise for seed --seed + i
(src/core/rng.ts; public/fixtures/trajectory.json is made the same way), so with the same settings and
condition sample i reproduces that playground run within float tolerance. The same command gives
identical images on the same machine.

guidance: --drift-guidance W is classifier-free guidance in the common diffusion space (the head that
drives the update extrapolated from the state with every condition's drift removed, y_t = z_t - c_t,
to the one with it; 0 = off, one more network pass per step; not in uncond, which has no drift).
--guidance is an alias of it. --label-guidance S is classifier guidance with the model's own label
head (0 = off; joint and class only).
"""


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="training/sample.py", description=DESCRIPTION, epilog=EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=list(MODES), default="joint", help="what is given and generated (default joint)")
    ap.add_argument("--n", type=int, default=None,
                    help=f"number of samples (default {DEFAULT_N}; inpaint/sketch/repr: the number of indices)")
    ap.add_argument("--out", default=None, help="output file (default samples-MODE.npz)")
    ap.add_argument("--weights", default=os.path.join(ROOT, "public", "weights"), metavar="DIR",
                    help="TF.js weights directory with model.json (default public/weights)")
    s = ap.add_argument_group("sampler")
    s.add_argument("--sampler", choices=SAMPLERS, default="ddim", help="default ddim")
    s.add_argument("--steps", type=int, default=50, help="reverse steps, 1..T (default 50)")
    s.add_argument("--eta", type=float, default=0.0, help="noise amount eta in 0..1 (ddim and euler_a only; default 0)")
    s.add_argument("--spacing", choices=SPACINGS, default="trailing",
                   help="timesteps: trailing (default) or karras (Karras et al. 2022 eq. 5, rho 7)")
    s.add_argument("--seed", type=int, default=0, help="sample i uses noise seed SEED + i (default 0)")
    s.add_argument("--drift-guidance", "--guidance", dest="drift_guidance", type=float, default=None, metavar="W",
                   help="classifier-free guidance scale in the common space, >= 0 (0 = off; --guidance is an alias; "
                        "default: the mode's measured default, sampling.py SAMPLING_DEFAULTS)")
    s.add_argument("--label-commit", type=float, default=None, metavar="P",
                   help="joint: give the generated label's drift only once the label head is this sure, 0..1 "
                        "(default: SAMPLING_DEFAULTS['labelCommit'])")
    s.add_argument("--label-guidance", type=float, default=0.0, metavar="S",
                   help="label-head classifier guidance scale, >= 0 (0 = off; joint and class only)")
    s.add_argument("--x0-from", choices=X0_SOURCES, default="masked",
                   help="the head whose x0 drives the update (default masked, as the playground)")
    s.add_argument("--clip", action=argparse.BooleanOptionalAction, default=True,
                   help="clip x0 to [-1, 1] (default on)")
    s.add_argument("--batch-size", type=int, default=MAX_BATCH, help=f"samples per network pass, 1..{MAX_BATCH}")
    c = ap.add_argument_group("conditions")
    c.add_argument("--class", dest="class_id", type=int, default=None, metavar="K",
                   help="class mode: every sample of class K in 0..9 (default: balanced, class i %% 10)")
    c.add_argument("--source", choices=["test"], default="test",
                   help="inpaint/sketch/repr: where the conditioning images come from (the Fashion-MNIST test set)")
    pick = c.add_mutually_exclusive_group()
    pick.add_argument("--indices", metavar="FILE", default=None, help="file of test-set indices (0..9999)")
    pick.add_argument("--first", type=int, metavar="N", default=None, help="test-set indices 0..N-1")
    c.add_argument("--mask", choices=MASKS, default=None, help="inpaint: the mask kind (default box)")
    c.add_argument("--paste", action=argparse.BooleanOptionalAction, default=None,
                   help="inpaint: replace the visible pixels every step (default on, as the playground)")
    c.add_argument("--samples-index", default=os.path.join(ROOT, "public", "samples", "index.json"), metavar="FILE",
                   help="repr: where the test images' representations are read (default public/samples/index.json)")
    c.add_argument("--data-dir", default=None, help="Fashion-MNIST idx files (default Debian's dataset-fashion-mnist)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own)")
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return ap


def check_args(ap: argparse.ArgumentParser, a: argparse.Namespace) -> None:
    """Everything that can be checked before anything is loaded."""
    if a.n is not None and a.n <= 0:
        ap.error(f"--n must be at least 1 (got {a.n})")
    if a.steps < 1:
        ap.error(f"--steps must be at least 1 (got {a.steps})")
    if a.seed < 0:
        ap.error(f"--seed must be 0 or more (got {a.seed})")
    if not 1 <= a.batch_size <= MAX_BATCH:
        ap.error(f"--batch-size {a.batch_size} is out of range; valid: 1..{MAX_BATCH}")
    if a.threads is not None and a.threads < 1:
        ap.error(f"--threads must be at least 1 (got {a.threads})")
    if a.drift_guidance is None:
        a.drift_guidance = 0.0 if a.mode == "uncond" else SAMPLING_DEFAULTS["driftGuidance"][a.mode]
    if a.label_commit is None:
        a.label_commit = SAMPLING_DEFAULTS["labelCommit"] if a.mode == "joint" else 0.0
    if not 0 <= a.label_commit <= 1:
        ap.error(f"--label-commit {a.label_commit} is out of range; valid: 0..1")
    if a.label_commit > 0 and a.mode != "joint":
        ap.error("--label-commit applies to --mode joint only (the generated label)")
    for name, v in (("--eta", a.eta), ("--drift-guidance", a.drift_guidance), ("--label-guidance", a.label_guidance)):
        if not math.isfinite(v):
            ap.error(f"{name} must be a finite number (got {v})")
    if a.sampler in ETA_SAMPLERS and not 0 <= a.eta <= 1:
        ap.error(f"--eta {a.eta} is out of range; valid: 0..1")
    if a.sampler not in ETA_SAMPLERS and a.eta != 0:
        ap.error(f"--eta applies to --sampler {' and '.join(ETA_SAMPLERS)} only ({a.sampler} takes no eta)")
    if a.drift_guidance < 0:
        ap.error(f"--drift-guidance must be 0 (off) or more (got {a.drift_guidance})")
    if a.drift_guidance > 0 and a.mode == "uncond":
        ap.error("--drift-guidance has nothing to guide in --mode uncond (nothing is given, so there is no drift); "
                 f"valid modes: {', '.join(m for m in MODES if m != 'uncond')}")
    if a.label_guidance < 0:
        ap.error(f"--label-guidance must be 0 (off) or more (got {a.label_guidance})")
    if a.label_guidance > 0 and a.mode not in LABEL_GUIDED_MODES:
        ap.error(f"--label-guidance applies to --mode {' or '.join(LABEL_GUIDED_MODES)} only (got --mode {a.mode})")
    if a.class_id is not None:
        if a.mode != "class":
            ap.error(f"--class applies to --mode class only (got --mode {a.mode})")
        if not 0 <= a.class_id < len(CLASS_NAMES):
            names = ", ".join(f"{k} {n}" for k, n in enumerate(CLASS_NAMES))
            ap.error(f"--class {a.class_id} is out of range; valid: 0..{len(CLASS_NAMES) - 1} ({names})")
    if a.mode not in SOURCE_MODES and (a.indices is not None or a.first is not None):
        ap.error(f"--indices/--first apply to --mode {', '.join(SOURCE_MODES)} only (got --mode {a.mode})")
    if a.first is not None and a.first <= 0:
        ap.error(f"--first must be at least 1 (got {a.first})")
    if a.mode != "inpaint" and (a.mask is not None or a.paste is not None):
        ap.error(f"--mask and --paste/--no-paste apply to --mode inpaint only (got --mode {a.mode})")


def read_indices(ap: argparse.ArgumentParser, path: str) -> list[int]:
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        ap.error(f"--indices: file not found: {path}")
    except OSError as e:
        ap.error(f"--indices: cannot read {path}: {e.strerror}")
    out = []
    for line_no, line in enumerate(text.splitlines(), 1):
        for word in line.split():
            try:
                out.append(int(word))
            except ValueError:
                ap.error(f"--indices {path}: {word!r} on line {line_no} is not an integer")
    if not out:
        ap.error(f"--indices {path}: the file holds no indices")
    return out


def make_mask(kind: str, seed: int, i: int) -> np.ndarray:
    """The inpainting mask of sample i: [1, 32, 32] float32, 1 = visible, the 2-pixel padding hidden (data.py)."""
    gen = np.random.default_rng((seed, i))
    if kind == "box":
        m = MaskBank.box(gen)
    elif kind == "stroke":
        m = MaskBank.strokes(gen)
    elif kind == "half":
        m = MaskBank.half(int(gen.integers(0, 4)))
    else:  # centre: the central 14x14 of the 28x28 image hidden
        m = np.ones((28, 28), np.float32)
        m[7:21, 7:21] = 0
    return np.pad(m, PAD)[None].astype(np.float32)


def load_representations(ap: argparse.ArgumentParser, path: str) -> dict[int, list[float]]:
    """Test-set index -> representation, from the playground's bundled samples (the classifier is not shipped)."""
    try:
        with open(path) as f:
            index = json.load(f)
    except (OSError, ValueError) as e:
        ap.error(f"--samples-index: cannot read {path}: {e}")
    reps: dict[int, list[float]] = {}
    for part in (index, index.get("backdrop", {})):
        reps.update(zip(part.get("testIndices", []), part.get("representations", [])))
    return reps


def weights_identity(weights_dir: str, cfg: dict) -> dict:
    with open(os.path.join(weights_dir, "model.json"), "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()   # model.json lists every shard's sha256 (integrity)
    path = os.path.abspath(weights_dir)
    inside = os.path.commonpath([path, ROOT]) == ROOT
    return {"dir": os.path.relpath(path, ROOT) if inside else path,
            "modelJsonSha256": sha, "trainingSteps": cfg.get("trainingSteps"), "exported": cfg.get("exported"),
            "precision": cfg.get("precision")}


def noise_streams(seeds: list[int], ts: list[int], sampler: str, eta: float):
    """(z_T, step_noise, paste_noise) for a batch: row j from the playground's streams of seeds[j]
    (mtd/rng.py = src/core/rng.ts). Noise that the update multiplies by 0 is returned as zeros, not drawn."""
    B, n = len(seeds), SIZE * SIZE
    draw = lambda f, t: torch.from_numpy(np.stack([f(s, t, n) for s in seeds])).reshape(B, 1, SIZE, SIZE)  # noqa: E731
    zeros = torch.zeros(B, 1, SIZE, SIZE)
    z_T = torch.from_numpy(np.stack([rng.initial_noise(s, n) for s in seeds])).reshape(B, 1, SIZE, SIZE)
    last = ts[-1]   # its step goes to t = 0: no noise is added

    def step_noise(t):
        stochastic = sampler == "ddpm" or (sampler in ETA_SAMPLERS and eta > 0)
        return zeros if t == last or not stochastic else draw(rng.step_noise, t)

    def paste_noise(t_prev):
        return zeros if t_prev == 0 else draw(rng.paste_noise, t_prev)
    return z_T, step_noise, paste_noise


def main(argv: list[str] | None = None) -> dict[str, np.ndarray]:
    """Runs the CLI; returns the arrays written to the .npz (tests call it in-process)."""
    ap = build_parser()
    a = ap.parse_args(argv)
    check_args(ap, a)
    log = (lambda *m: None) if a.quiet else (lambda *m: print(*m, file=sys.stderr, flush=True))  # noqa: E731
    if a.threads is not None:
        torch.set_num_threads(a.threads)
    out_path = a.out or f"samples-{a.mode}.npz"

    # Conditioning images (inpaint, sketch, repr): validated before the weights are loaded.
    src_idx = None
    if a.mode in SOURCE_MODES:
        try:
            test_u8, test_y = load_split("t10k", **({"data_dir": a.data_dir} if a.data_dir else {}))
        except DataMissingError as e:
            ap.error(str(e))
        if a.indices is not None:
            pool = read_indices(ap, a.indices)
        else:
            pool = list(range(a.first if a.first is not None else (a.n or DEFAULT_N)))
        bad = [i for i in pool if not 0 <= i < len(test_u8)]
        if bad:
            where = f"--indices {a.indices}" if a.indices is not None else f"--first {a.first or a.n or DEFAULT_N}"
            ap.error(f"{where}: test index {bad[0]} is out of range"
                     f"{f' ({len(bad)} indices are)' if len(bad) > 1 else ''}; valid: 0..{len(test_u8) - 1}")
        n = a.n if a.n is not None else len(pool)
        src_idx = np.array([pool[i % len(pool)] for i in range(n)], np.int64)
        if a.mode == "repr":
            reps = load_representations(ap, a.samples_index)
            missing = sorted({int(i) for i in src_idx if int(i) not in reps})
            if missing:
                shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
                ap.error(f"--mode repr: test index {shown} has no representation in {a.samples_index} "
                         f"({len(missing)} of the requested; it holds {len(reps)} test images, every index "
                         f"below {next(k for k in range(len(reps) + 1) if k not in reps)}); the independent "
                         "classifier that defines the representation is not shipped")
            rep_all = torch.tensor([reps[int(i)] for i in src_idx], dtype=torch.float32)
        x_all = torch.from_numpy(to_model_space(test_u8[src_idx]))
        sketch_all = torch.from_numpy(sketch_of(test_u8[src_idx])) if a.mode == "sketch" else None
    else:
        n = a.n if a.n is not None else DEFAULT_N

    mask_kind = a.mask or "box"
    paste = a.paste if a.paste is not None else True
    mask_all = None
    if a.mode == "inpaint":
        mask_all = torch.from_numpy(np.stack([make_mask(mask_kind, a.seed, i) for i in range(n)]))   # [N,1,32,32]
    if a.mode == "class":
        class_all = torch.full((n,), a.class_id, dtype=torch.int64) if a.class_id is not None \
            else torch.arange(n, dtype=torch.int64) % len(CLASS_NAMES)

    try:
        model, cfg, _ = load_shipped(a.weights)
    except FileNotFoundError as e:
        ap.error(f"--weights {a.weights}: {e.strerror}: {e.filename}")
    T = cfg["schedule"]["T"]
    if a.steps > T:
        ap.error(f"--steps {a.steps} is out of range; valid: 1..{T} (T of the weights' schedule)")
    problem = step_count_problem(a.sampler, a.steps, T)
    if problem is not None:
        ap.error(f"--{problem}")
    if a.mode == "repr" and rep_all.shape[1] != cfg["representation"]["dim"]:
        ap.error(f"{a.samples_index}: representations are {rep_all.shape[1]}-d, the weights expect "
                 f"{cfg['representation']['dim']}-d")
    tables = Tables(cfg["schedule"], cfg["drift"])
    ts = sampling_timesteps(tables.alpha_bar, a.steps, a.spacing)

    def conditions(s: int, c: int) -> Conditions:
        common = dict(x0_from=a.x0_from, drift_guidance=a.drift_guidance, label_guidance=a.label_guidance)
        if a.mode == "joint":
            return Conditions(generate={"label"}, label_commit=a.label_commit, **common)
        if a.mode == "class":
            return Conditions(label=class_all[s:s + c], **common)
        if a.mode == "inpaint":
            return Conditions(masked=(x_all[s:s + c], mask_all[s:s + c]), paste=paste, **common)
        if a.mode == "sketch":
            return Conditions(sketch=sketch_all[s:s + c], **common)
        if a.mode == "repr":
            return Conditions(repr=rep_all[s:s + c], **common)
        return Conditions(**common)

    batches = -(-n // a.batch_size)
    t0 = time.time()

    def one_batch(s: int, c: int) -> dict:
        z_T, step_noise, paste_noise = noise_streams(list(range(a.seed + s, a.seed + s + c)), ts, a.sampler, a.eta)
        res = sample(model, tables, c, conditions(s, c), sampler=a.sampler, steps=a.steps, eta=a.eta, clip=a.clip, spacing=a.spacing,
                     z_T=z_T, step_noise=step_noise, paste_noise=paste_noise)
        log(f"batch {s // a.batch_size + 1}/{batches}: samples {s}..{s + c - 1} ({time.time() - t0:.1f} s)")
        return res

    log(f"sampling {n} x {a.mode}: {a.sampler} {a.steps} steps, weights {a.weights} "
        f"(training step {cfg.get('trainingSteps')})")
    res = batched(one_batch, n, a.batch_size)
    probs = res["label_probs"].float()
    arrays = {
        "images": to_uint8(res["image"]),                                              # (N, 28, 28) uint8
        "labels": (class_all if a.mode == "class" else probs.argmax(1)).numpy().astype(np.int64),
        "label_probs": probs.numpy().astype(np.float32),
    }
    if src_idx is not None:
        arrays["source_index"] = src_idx
        arrays["source_label"] = test_y[src_idx].astype(np.int64)
    if mask_all is not None:
        arrays["masks"] = mask_all[:, 0, PAD:PAD + 28, PAD:PAD + 28].numpy().astype(np.uint8)
    config = {
        "mode": a.mode, "playgroundMode": MODES[a.mode], "n": n, "sampler": a.sampler, "steps": a.steps,
        "spacing": a.spacing, "eta": a.eta, "seed": a.seed, "noise": "sample i: the playground's noise streams of seed + i",
        "driftGuidance": a.drift_guidance, "labelGuidance": a.label_guidance, "labelCommit": a.label_commit, "x0From": a.x0_from, "clipX0": a.clip,
        "batchSize": a.batch_size, "weights": weights_identity(a.weights, cfg),
    }
    if a.mode == "class":
        config["class"] = a.class_id if a.class_id is not None else "balanced: sample i has class i % 10"
    if src_idx is not None:
        config["source"] = a.source
        config["indices"] = {"file": a.indices} if a.indices is not None else {"first": len(pool)}
    if a.mode == "inpaint":
        config.update({"mask": mask_kind, "maskSeed": "sample i: numpy default_rng((seed, i))", "paste": paste})
    arrays["config"] = np.array(json.dumps(config))
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = out_path + ".part"
    with open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)
    os.replace(tmp, out_path)
    log(f"wrote {out_path}: {', '.join(f'{k} {v.shape} {v.dtype}' for k, v in arrays.items() if k != 'config')}")
    return arrays


if __name__ == "__main__":
    main()
