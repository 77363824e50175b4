"""A tiny data set of drawn shapes for tests and the README: class folders of PNGs (dark shapes on white,
so the polarity rule turns them light on black), random size, position and stroke.

  cd training && /usr/bin/python3 -m mtd.shapes DIR [--per-class 12] [--seed 0]
"""
from __future__ import annotations

import argparse
import os

import numpy as np

CLASSES = ("circle", "square", "triangle")


def draw(kind: str, rng: np.random.Generator, size: int = 64):
    from PIL import Image, ImageDraw
    img = Image.new("RGB", (size, size), (255, 255, 255))
    d = ImageDraw.Draw(img)
    r = rng.uniform(0.22, 0.4) * size
    cx, cy = rng.uniform(r, size - r, 2)
    grey = int(rng.integers(0, 90))
    colour = (grey, grey, grey)
    width = int(rng.integers(3, 7))
    fill = colour if rng.random() < 0.5 else None
    if kind == "circle":
        d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=colour, fill=fill, width=width)
    elif kind == "square":
        d.rectangle([cx - r, cy - r, cx + r, cy + r], outline=colour, fill=fill, width=width)
    else:
        d.polygon([(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], outline=colour, fill=fill, width=width)
    return img


def write(root: str, per_class: int = 12, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for kind in CLASSES:
        os.makedirs(os.path.join(root, kind), exist_ok=True)
        for i in range(per_class):
            draw(kind, rng).save(os.path.join(root, kind, f"{kind}-{i:03d}.png"))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("dir")
    ap.add_argument("--per-class", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    write(a.dir, a.per_class, a.seed)
    print(f"wrote {a.per_class} images of each of {', '.join(CLASSES)} to {a.dir}")
