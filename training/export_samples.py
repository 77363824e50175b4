"""Test images for the playground's editors, with labels and representations.

  Fashion-MNIST (default): public/samples/images.bin + index.json (the bundled model's samples).
  A user's model (--dataset DATA.npz --into MODEL_DIR): MODEL_DIR/samples.bin + samples.json, beside its
  model.json, which gets a "samples" entry naming them and their sha256 and size in its "integrity" map
  (the playground checks them like a shard).

  images        uint8 [N, 28, 28], the first --per-class of each class in test order
  index         labels, class names, the representation (whitened PCA of the independent classifier's
                features) of each image, and a backdrop of up to 2,000 test representations for the map.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mtd.data import class_names_of, load_source  # noqa: E402

SAMPLES_INDEX, SAMPLES_IMAGES = "samples.json", "samples.bin"


def integrity_of(path: str) -> dict:
    with open(path, "rb") as f:
        data = f.read()
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="training/runs/main")
    ap.add_argument("--dataset", default="", help="a user's data set (prepare_data.py's dataset.npz)")
    ap.add_argument("--dest", default="public/samples", help="the bundled model's samples folder")
    ap.add_argument("--into", default="", help="an exported model folder: samples beside its model.json")
    ap.add_argument("--per-class", type=int, default=30)
    args = ap.parse_args()
    images, labels = load_source("t10k", dataset=args.dataset)
    names = class_names_of(args.dataset)
    rep = np.load(os.path.join(args.out, "representation.npz"))["test"]
    idx = np.concatenate([np.nonzero(labels == k)[0][:args.per_class] for k in range(len(names))])
    idx.sort()
    dest = args.into or args.dest
    os.makedirs(dest, exist_ok=True)
    index_name, images_name = (SAMPLES_INDEX, SAMPLES_IMAGES) if args.into else ("index.json", "images.bin")
    images[idx].astype(np.uint8).tofile(os.path.join(dest, images_name))
    backdrop = np.random.default_rng(0).choice(len(images), min(2000, len(images)), replace=False)
    r4 = lambda a: [[round(float(v), 4) for v in row] for row in a]  # noqa: E731
    what = "test images held out from the user's data set" if args.dataset else "Fashion-MNIST test images"
    index = {
        "description": f"{what} (uint8 28x28 row-major in {images_name}) with labels and representations",
        "count": int(len(idx)), "size": 28, "classNames": names,
        "testIndices": idx.tolist(), "labels": labels[idx].tolist(), "representations": r4(rep[idx]),
        "backdrop": {"testIndices": backdrop.tolist(), "labels": labels[backdrop].tolist(),
                     "representations": r4(rep[backdrop])},
    }
    with open(os.path.join(dest, index_name), "w") as f:
        json.dump(index, f)
    if args.into:
        manifest_path = os.path.join(dest, "model.json")
        with open(manifest_path) as f:
            manifest = json.load(f)
        manifest["samples"] = {"index": SAMPLES_INDEX, "images": SAMPLES_IMAGES}
        for name in (SAMPLES_INDEX, SAMPLES_IMAGES):
            manifest["integrity"][name] = integrity_of(os.path.join(dest, name))
        with open(manifest_path, "w") as f:
            json.dump(manifest, f, indent=1)
    print(f"wrote {len(idx)} images and a {len(backdrop)}-point backdrop to {dest}")


if __name__ == "__main__":
    main()
