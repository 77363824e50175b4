"""Bundle Fashion-MNIST test images for the playground: public/samples/.

  images.bin   uint8 [N, 28, 28], N = 300 (30 per class, first of each class in test order)
  index.json   labels, class names, the representation (whitened PCA of the independent
               classifier's features) of each bundled image, and a 2,000-point backdrop of test
               representations for the representation map.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mtd.data import CLASS_NAMES, load_split  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="training/runs/main")
    ap.add_argument("--dest", default="public/samples")
    ap.add_argument("--per-class", type=int, default=30)
    args = ap.parse_args()
    images, labels = load_split("t10k")
    rep = np.load(os.path.join(args.out, "representation.npz"))["test"]
    idx = np.concatenate([np.nonzero(labels == k)[0][:args.per_class] for k in range(10)])
    idx.sort()
    os.makedirs(args.dest, exist_ok=True)
    images[idx].astype(np.uint8).tofile(os.path.join(args.dest, "images.bin"))
    backdrop = np.random.default_rng(0).choice(len(images), 2000, replace=False)
    r4 = lambda a: [[round(float(v), 4) for v in row] for row in a]  # noqa: E731
    index = {
        "description": "Fashion-MNIST test images (uint8 28x28 row-major in images.bin) with labels and representations",
        "count": int(len(idx)), "size": 28, "classNames": CLASS_NAMES,
        "testIndices": idx.tolist(), "labels": labels[idx].tolist(), "representations": r4(rep[idx]),
        "backdrop": {"testIndices": backdrop.tolist(), "labels": labels[backdrop].tolist(),
                     "representations": r4(rep[backdrop])},
    }
    with open(os.path.join(args.dest, "index.json"), "w") as f:
        json.dump(index, f)
    print(f"wrote {len(idx)} images and a {len(backdrop)}-point backdrop to {args.dest}")


if __name__ == "__main__":
    main()
