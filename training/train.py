"""Train MT-Diffusion on Fashion-MNIST or a user's data set (--dataset, prepare_data.py's dataset.npz):
image, label, masked image, sketch, representation.

Resumes from <out>/ckpt.pt when present; checkpoints every --ckpt-every steps and on SIGINT/SIGTERM.
Deterministic given --seed on one kind of device (--device cpu, the default, or cuda). Needs <out>/representation.npz from
train_classifier.py (the representation modality is defined by the independent classifier).

On several processes (torchrun sets WORLD_SIZE; training/pipeline.sh --nproc N starts it) this is PyTorch DDP:
--batch is the global batch, split evenly over the ranks; the order of the data is one shared stream (seeded by
--seed, advanced identically everywhere), so global batch k is the same images on any rank count; timesteps and
noise come from a stream per rank (seed + rank); gradients are all-reduced by DDP; every rank updates its EMA from
the unwrapped module (identical weights in, identical EMA out); rank 0 writes the checkpoint between barriers, with
every rank's stream state, and the log; <out>/ranks.json holds each rank's sha256 of the weights and the EMA.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mtd.data import DATA_DIR_DEFAULT, MaskBank, class_names_of, load_source, sketch_of, to_model_space  # noqa: E402
from mtd.ranks import Ranks, digest  # noqa: E402
from mtd import device as devices  # noqa: E402
from mtd.model import MODALITIES, MTDiffusion, default_config  # noqa: E402
from mtd.schedule import Tables  # noqa: E402
from mtd.shipped import load_into, read_shards  # noqa: E402

try:
    from tqdm import tqdm
except ImportError:  # pragma: no cover - Debian's python3-tqdm is installed by the pipeline
    tqdm = None

# Probability that each conditioning modality is given to a training sample (else g_i = 0).
# The GPU-trained weights used masked .25, sketch .15; the shipped fine-tune raised both to .4
# (public/weights/README.md, "Ablations"), which still leaves 15% of samples with nothing given.
GIVEN_PROB = {"label": 0.5, "masked": 0.4, "sketch": 0.4, "repr": 0.15}
# (--given label=.5,masked=.4,... overrides it; the mix a run used is written to its config's "training".)
LOW_T_FRACTION, LOW_T_MAX = 0.2, 50   # a fifth of each batch at t in [0, 50]: sharp label head at t~0
HOLDOUT = 5000                          # train images never shown to the diffusion model (FD floor)


def holdout_split(n: int, seed: int, holdout: int = HOLDOUT) -> tuple[np.ndarray, np.ndarray]:
    perm = np.random.default_rng(seed + 12345).permutation(n)
    return np.sort(perm[holdout:]), np.sort(perm[:holdout])


def load_training_data(args, cfg, dev):
    images, labels = load_source("train", args.data_dir, args.dataset)
    rep_path = os.path.join(args.out, "representation.npz")
    if not os.path.exists(rep_path):
        raise SystemExit(f"{rep_path} missing: run training/train_classifier.py --out {args.out} first")
    reps = np.load(rep_path)["train"]
    # A user's data set has its own held-out test split (prepare_data.py): no second hold-out from train.
    train_idx, _ = holdout_split(len(images), args.seed, 0 if args.dataset else HOLDOUT)
    if args.limit:
        train_idx = train_idx[:args.limit]
    return {
        "x": torch.from_numpy(to_model_space(images[train_idx])).to(dev),
        "sketch": torch.from_numpy(sketch_of(images[train_idx])).to(dev),
        "y": torch.from_numpy(labels[train_idx]).to(dev),
        "rep": torch.from_numpy(reps[train_idx]).to(dev),
    }


def lr_at(step: int, args) -> float:
    """Linear warm-up, then cosine decay to 10% at the planned step count (not a measured one)."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    p = min(1.0, (step - args.warmup) / max(1, args.steps - args.warmup))
    return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


def parse_given(text: str) -> dict:
    """'masked=0.4,sketch=0.4' -> GIVEN_PROB with those entries replaced."""
    probs = dict(GIVEN_PROB)
    for item in filter(None, text.split(",")):
        key, _, value = item.partition("=")
        if key not in probs:
            raise SystemExit(f"--given: unknown modality {key!r}; valid: {', '.join(probs)}")
        probs[key] = float(value)
        if not 0 <= probs[key] <= 1:
            raise SystemExit(f"--given {key}={value}: a probability must be in [0, 1]")
    return probs


class TrainingForward(torch.nn.Module):
    """The encoders and the network in one forward call, so DDP sees every parameter used in the call it wraps."""

    def __init__(self, net: MTDiffusion):
        super().__init__()
        self.net = net

    def forward(self, x, onehot, mask, sketch, rep, given, ab, kappa, eps, t):
        enc = self.net.encode(onehot, x, mask, sketch, rep, given)              # [B,1,32,32]
        # Marginal of the drifted forward process: z_t = sqrt(ab_t) x + kappa_t E + sqrt(1 - ab_t) eps
        z = ab.sqrt() * x + kappa * enc + (1 - ab).sqrt() * eps
        return self.net(z, t)


def training_loss(forward, tables_t, batch, masks, gen, cfg):
    """Multi-task loss: ||eps - eps_hat||^2 + l_y CE + l_m MSE_hidden + l_s MSE + l_r MSE.
    forward: TrainingForward, or DDP around it."""
    x, y, sketch, rep = batch["x"], batch["y"], batch["sketch"], batch["rep"]
    B, T, dev = x.shape[0], tables_t["T"], x.device
    t = torch.randint(1, T + 1, (B,), generator=gen, device=dev)
    low = torch.rand(B, generator=gen, device=dev) < LOW_T_FRACTION
    t = torch.where(low, torch.randint(0, LOW_T_MAX + 1, (B,), generator=gen, device=dev), t)
    given_prob = cfg.get("training", {}).get("givenProb", GIVEN_PROB)
    given = {k: (torch.rand(B, generator=gen, device=dev) < p).float() for k, p in given_prob.items()}
    mask = masks[torch.randint(0, len(masks), (B,), generator=gen, device=dev)]
    # An absent masked modality is the all-hidden mask (the masked head then predicts the whole image).
    mask = mask * given["masked"][:, None, None, None]
    onehot = F.one_hot(y, len(cfg["classNames"])).float()
    eps = torch.randn(x.shape, generator=gen, device=dev)
    ab = tables_t["alpha_bar"][t][:, None, None, None]
    kappa = tables_t["kappa"][t][:, None, None, None]
    out = forward(x, onehot, mask, sketch, rep, given, ab, kappa, eps, t)
    has_noise = (t > 0).float()[:, None, None, None]
    l_eps = ((out["eps"] - eps) ** 2 * has_noise).sum() / (has_noise.sum() * x[0].numel()).clamp(min=1)
    l_label = F.cross_entropy(out["label"], y)
    hidden = 1 - mask
    l_masked = ((out["masked"] - x) ** 2 * hidden).sum() / hidden.sum().clamp(min=1)
    l_sketch = F.mse_loss(out["sketch"], sketch)
    l_repr = F.mse_loss(out["repr"], rep)
    lam = cfg["loss"]
    total = (lam["eps"] * l_eps + lam["label"] * l_label + lam["masked"] * l_masked
             + lam["sketch"] * l_sketch + lam["repr"] * l_repr)
    # Detached tensors, read (a GPU sync) only when logged.
    parts = {"eps": l_eps, "ce": l_label, "mask": l_masked, "sketch": l_sketch, "repr": l_repr}
    return total, {k: v.detach() for k, v in parts.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="training/runs/main")
    ap.add_argument("--data-dir", default=DATA_DIR_DEFAULT)
    ap.add_argument("--dataset", default="", help="a user's data set (prepare_data.py's dataset.npz) instead of Fashion-MNIST")
    ap.add_argument("--steps", type=int, default=4500, help="planned optimiser steps (sets the LR schedule)")
    ap.add_argument("--batch", type=int, default=128, help="images per optimiser step, over all ranks together")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2, help="CPU threads per machine (divided among its ranks)")
    ap.add_argument("--device", default="cpu", help="cpu (default), cuda, or auto")
    ap.add_argument("--stop-at", type=int, default=0,
                    help="stop after this many steps without changing the LR schedule (the shipped weights: "
                         "--steps 4500 --stop-at 3673, where the session's time ran out)")
    ap.add_argument("--ckpt-every", type=int, default=200)
    ap.add_argument("--log-every", type=int, default=20)
    ap.add_argument("--limit", type=int, default=0, help="train on only this many images (quick test)")
    ap.add_argument("--mask-bank", type=int, default=6000)
    ap.add_argument("--init-from", default="", help="fine-tune: start from these TF.js weights (e.g. public/weights); "
                    "their config is kept, and parameters they do not name keep their initialisation")
    ap.add_argument("--given", default="", help="training mix override, e.g. masked=0.4,sketch=0.4")
    ap.add_argument("--carrier-gain", type=float, default=None,
                    help="spatial encoders (masked, sketch) on a checkerboard carrier of this gain; 0 = none")
    args = ap.parse_args()

    if args.device == "auto":
        args.device = devices.pick("auto").type
    ranks = Ranks(args.device)
    if args.batch % ranks.world:
        raise SystemExit(f"--batch {args.batch} must be divisible by the number of ranks ({ranks.world})")
    torch.set_num_threads(max(1, args.threads // ranks.local_world))
    torch.manual_seed(args.seed)
    dev = devices.pick(ranks.device)
    torch.backends.cudnn.benchmark = dev.type == "cuda"   # fixed shapes: pick the fastest conv kernels once
    os.makedirs(args.out, exist_ok=True)
    cfg = default_config(int(np.load(os.path.join(args.out, "representation.npz"))["train"].shape[1])
                         if os.path.exists(os.path.join(args.out, "representation.npz")) else 8)
    if args.dataset:
        from mtd.userdata import load_dataset
        ds = load_dataset(args.dataset)
        cfg["classNames"] = class_names_of(args.dataset)
        cfg["name"] = ds["name"]
        cfg["dataset"] = {"kind": ds["kind"], "train": int(len(ds["train"][1])), "test": int(len(ds["t10k"][1]))}
    ckpt_path = os.path.join(args.out, "ckpt.pt")
    init_arrays = None
    if args.init_from and not os.path.exists(ckpt_path):
        shipped_cfg, init_arrays = read_shards(args.init_from)
        cfg = {k: v for k, v in shipped_cfg.items() if k in cfg}   # the architecture and schedule it was trained with
    if args.carrier_gain is not None:
        cfg["encoders"] = {k: v for k, v in cfg["encoders"].items() if k != "carrier"}
        if args.carrier_gain > 0:
            cfg["encoders"]["carrier"] = {"kind": "checkerboard", "gain": args.carrier_gain}
    cfg["training"] = {"givenProb": parse_given(args.given), "initFrom": args.init_from or None}
    data = load_training_data(args, cfg, dev)
    masks = torch.from_numpy(MaskBank(args.mask_bank, args.seed).masks).to(dev)
    tables = Tables(cfg["schedule"], cfg["drift"])
    tables_t = {"T": tables.T, "alpha_bar": torch.tensor(tables.alpha_bar, dtype=torch.float32, device=dev),
                "kappa": torch.tensor(tables.kappa, dtype=torch.float32, device=dev)}

    model = MTDiffusion(cfg).to(dev)
    ema = MTDiffusion(cfg).to(dev)
    ema.requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0, foreach=True)
    gen = devices.generator(dev, args.seed + ranks.rank)      # timesteps, noise, masks: one stream per rank
    order = torch.Generator().manual_seed(args.seed)          # the data order: one stream shared by all ranks
    step, perm, pos = 0, None, 0
    if init_arrays is not None:
        n_loaded = load_into(model, init_arrays, strict=False)
        if ranks.main:
            print(f"fine-tuning from {args.init_from}: {n_loaded} parameters loaded", flush=True)
    resumed = os.path.exists(ckpt_path)
    if resumed:
        ck = devices.load(ckpt_path)
        if ck["args"].get("device", "cpu") != args.device:
            raise SystemExit(f"{ckpt_path} was trained with --device {ck['args'].get('device', 'cpu')}; "
                             f"resume it with the same --device (random streams differ between devices)")
        if ck.get("config", cfg) != cfg:
            cfg = ck["config"]   # resume with the architecture, mix and carrier the run started with
            model, ema = MTDiffusion(cfg).to(dev), MTDiffusion(cfg).to(dev)
            ema.requires_grad_(False)
            opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0, foreach=True)
        model.load_state_dict(ck["model"])
        ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"])
        step, perm, pos = ck["step"], ck["perm"], ck["pos"]
        perm = None if perm is None else perm.cpu()
        was = ck.get("world", 1)
        if "order" in ck:
            order.set_state(ck["order"])
        else:
            order.manual_seed(args.seed + step)
        if was == ranks.world and "gens" in ck:
            gen.set_state(ck["gens"][ranks.rank])
        elif was == ranks.world == 1 and "gen" in ck:
            gen.set_state(ck["gen"])
        else:   # another rank count: each rank's stream starts afresh from (seed, rank, step)
            gen.manual_seed(args.seed + ranks.rank + 1_000_003 * step)
        if ranks.main:
            how = "" if was == ranks.world else (f" (trained on {was} rank(s), now {ranks.world}: the ranks' random "
                                                  f"streams restart from seed, rank and step)")
            print(f"resumed from {ckpt_path} at step {step}{how}", flush=True)
    forward = TrainingForward(model)
    if ranks.distributed:
        # DDP broadcasts rank 0's parameters at construction: every rank starts from the same weights.
        forward = torch.nn.parallel.DistributedDataParallel(
            forward, device_ids=[dev.index] if dev.type == "cuda" else None, broadcast_buffers=False)
    if not resumed:
        ema.load_state_dict(model.state_dict())
    n_params = sum(p.numel() for p in model.parameters())
    if ranks.main:
        print(f"MT-Diffusion: {n_params / 1e6:.2f}M parameters, {len(data['x'])} training images, "
              f"batch {args.batch} on {ranks.world} rank(s), {args.steps} steps, on {dev}", flush=True)

    def save():
        gens = ranks.gather(gen.get_state().cpu())
        if ranks.main:
            tmp = ckpt_path + ".tmp"
            torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                        "gens": gens, "world": ranks.world, "order": order.get_state(), "step": step,
                        "perm": perm, "pos": pos, "config": cfg, "args": vars(args),
                        "digests": {"model": digest(model.state_dict()), "ema": digest(ema.state_dict())}}, tmp)
            os.replace(tmp, ckpt_path)
        ranks.barrier()

    stop = {"now": False}
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.update(now=True))

    bar = tqdm(total=args.steps, initial=step, dynamic_ncols=True, mininterval=5) if tqdm and ranks.main else None
    log = open(os.path.join(args.out, "train_log.jsonl"), "a") if ranks.main else None
    t_last, imgs = time.time(), 0
    last = min(args.steps, args.stop_at) if args.stop_at else args.steps
    local = args.batch // ranks.world
    stopping = False
    while step < last and not stopping:
        if perm is None or pos + args.batch > len(perm):
            perm, pos = torch.randperm(len(data["x"]), generator=order), 0
        # This rank's share of global batch [pos, pos + batch) (DistributedSampler's split, per batch).
        idx = perm[pos + ranks.rank * local:pos + (ranks.rank + 1) * local].to(dev)
        pos += args.batch
        batch = {k: v[idx] for k, v in data.items()}
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args)
        model.train()
        loss, parts = training_loss(forward, tables_t, batch, masks, gen, cfg)
        opt.zero_grad(set_to_none=True)
        loss.backward()      # DDP: the gradients are averaged over the ranks here
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        decay = min(args.ema, (1 + step) / (10 + step))     # EMA warm-up
        with torch.no_grad():   # ema = decay * ema + (1 - decay) * model, as one fused op per tensor list
            ema_params, model_params = list(ema.parameters()), [p.detach() for p in model.parameters()]
            torch._foreach_mul_(ema_params, decay)
            torch._foreach_add_(ema_params, model_params, alpha=1 - decay)
        step += 1
        imgs += args.batch
        if step % args.log_every == 0 or step == last:
            means = ranks.mean({"loss": loss, **parts})       # every rank joins; rank 0 writes
            rate = imgs / (time.time() - t_last)
            t_last, imgs = time.time(), 0
            if ranks.main:
                rec = {"step": step, **means, "img_s": rate, "lr": lr_at(step, args), "ranks": ranks.world}
                log.write(json.dumps(rec) + "\n")
                log.flush()
                if bar:
                    bar.set_postfix(loss=f"{means['loss']:.4f}", eps=f"{means['eps']:.4f}", ce=f"{means['ce']:.3f}",
                                    img_s=f"{rate:.0f}")
                else:
                    print(json.dumps(rec), flush=True)
        if bar:
            bar.update(1)
        if step % args.ckpt_every == 0:
            save()
        if step % 10 == 0 or step == last:
            stopping = ranks.any(stop["now"])   # all ranks stop at the same step
    save()
    if bar:
        bar.close()
    sums = ranks.gather({"rank": ranks.rank, "model": digest(model.state_dict()), "ema": digest(ema.state_dict())})
    same = all(s["model"] == sums[0]["model"] and s["ema"] == sums[0]["ema"] for s in sums)
    if ranks.main:
        log.close()
        with open(os.path.join(args.out, "ranks.json"), "w") as f:
            json.dump({"world": ranks.world, "step": step, "identical": same, "ranks": sums}, f, indent=1)
        print(f"stopped at step {step}/{args.steps}; checkpoint {ckpt_path}"
              + (f"; {ranks.world} ranks, weights and EMA identical on all: {same}" if ranks.distributed else ""),
              flush=True)
    ranks.leave()
    sys.stdout.flush()
    if not same:
        print("error: the ranks' weights differ (ranks.json)", file=sys.stderr, flush=True)
        os._exit(1)
    if ranks.distributed:
        os._exit(130 if stop["now"] else 0)   # see Ranks.leave
    if stop["now"]:
        sys.exit(130)


if __name__ == "__main__":
    main()
