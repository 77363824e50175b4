"""Train the independent classifier and fit the representation (whitened PCA of its features).

Writes <out>/classifier.pt and <out>/representation.npz (mean, components, scale, train/test reps).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mtd import device as devices  # noqa: E402
from mtd.classifier import Classifier  # noqa: E402
from mtd.data import DATA_DIR_DEFAULT, class_names_of, load_source, to_model_space  # noqa: E402


def batched_features(model, x, bs=1000):
    model.eval()
    with torch.no_grad():
        return torch.cat([model.features(x[i:i + bs]) for i in range(0, len(x), bs)]).cpu().numpy()


def accuracy(model, x, y, bs=1000):
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(x[i:i + bs]).argmax(1) for i in range(0, len(x), bs)])
    return (pred == y).float().mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="training/runs/main")
    ap.add_argument("--data-dir", default=DATA_DIR_DEFAULT)
    ap.add_argument("--dataset", default="", help="a user's data set (prepare_data.py's dataset.npz) instead of Fashion-MNIST")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--min-steps", type=int, default=0, help="train at least this many steps (small data sets)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rep-dim", type=int, default=8)
    ap.add_argument("--limit", type=int, default=0, help="use only this many training images (quick test)")
    ap.add_argument("--device", default="cpu", help="cpu (default), cuda, or auto")
    args = ap.parse_args()
    dev = devices.pick(args.device)
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    ckpt = os.path.join(args.out, "classifier.pt")

    xtr_u8, ytr = load_source("train", args.data_dir, args.dataset)
    xte_u8, yte = load_source("t10k", args.data_dir, args.dataset)
    if args.limit:
        xtr_u8, ytr = xtr_u8[:args.limit], ytr[:args.limit]
    xtr, xte = torch.from_numpy(to_model_space(xtr_u8)).to(dev), torch.from_numpy(to_model_space(xte_u8)).to(dev)
    ytr_t, yte_t = torch.from_numpy(ytr).to(dev), torch.from_numpy(yte).to(dev)

    model = Classifier(len(class_names_of(args.dataset))).to(dev)
    if os.path.exists(ckpt):
        model.load_state_dict(devices.load(ckpt))
        print(f"classifier: loaded {ckpt}")
    else:
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        gen = devices.generator(dev, args.seed)
        steps_per_epoch = (len(xtr) + 127) // 128
        args.epochs = max(args.epochs, -(-args.min_steps // steps_per_epoch))
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=args.epochs * steps_per_epoch)
        for epoch in range(args.epochs):
            model.train()
            perm = torch.randperm(len(xtr), generator=gen, device=dev)
            t0 = time.time()
            for i in range(steps_per_epoch):
                idx = perm[i * 128:(i + 1) * 128]
                xb = xtr[idx]
                # light augmentation: random horizontal flip and +-2 px shift
                if torch.rand(1, generator=gen, device=dev).item() < 0.5:
                    xb = xb.flip(3)
                dx, dy = torch.randint(-2, 3, (2,), generator=gen, device=dev).tolist()
                xb = torch.roll(xb, (dy, dx), (2, 3))
                loss = F.cross_entropy(model(xb), ytr_t[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
            print(f"classifier epoch {epoch + 1}/{args.epochs} loss {loss.item():.3f} "
                  f"test acc {accuracy(model, xte, yte_t):.4f} ({time.time() - t0:.0f}s)", flush=True)
        torch.save({k: v.cpu() for k, v in model.state_dict().items()}, ckpt)
    acc = accuracy(model, xte, yte_t)
    print(f"classifier test accuracy {acc:.4f}")

    ftr, fte = batched_features(model, xtr), batched_features(model, xte)
    mean = ftr.mean(0)
    _, s, vt = np.linalg.svd(ftr - mean, full_matrices=False)
    comps = vt[:args.rep_dim]                                  # [D, 256]
    scale = np.maximum(s[:args.rep_dim] / np.sqrt(len(ftr) - 1), 1e-6)   # std of each component (floor: tiny data sets)
    rep = lambda f: ((f - mean) @ comps.T / scale).astype(np.float32)  # noqa: E731  whitened PCA
    np.savez(os.path.join(args.out, "representation.npz"), mean=mean, components=comps, scale=scale,
             train=rep(ftr), test=rep(fte), test_accuracy=acc,
             explained=(s[:args.rep_dim] ** 2).sum() / (s ** 2).sum())


if __name__ == "__main__":
    main()
