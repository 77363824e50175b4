"""The trajectory map's fixed projection: public/samples/projection.json.

PCA of the 10,000 Fashion-MNIST test images in model space (32x32, [-1, 1], padding -1; mtd.data
to_model_space): the mean, the top two principal directions (eigenvectors of the covariance, each
signed so that its largest-magnitude entry is positive) and their share of the variance. The playground
projects a run's x^_0 (or z_t) on them, p = B (v - mean), and draws the bundled test images and the
representation map's backdrop images (public/samples/index.json) as a faint backdrop: their coordinates
are written here, computed from the rounded mean and basis the file ships, so that the page's own
projection of a bundled image lands exactly on its point (src/store/trajectory-map.test.ts checks it).

  /usr/bin/python3 training/trajectory_map.py            (after export_samples.py; ~1 s)
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mtd.data import load_split, to_model_space  # noqa: E402

SIGNIFICANT = 7


def rounded(a: np.ndarray) -> np.ndarray:
    """Each value to SIGNIFICANT significant digits (what the JSON carries)."""
    return np.array([float(f"{v:.{SIGNIFICANT - 1}e}") for v in np.ravel(a)]).reshape(np.shape(a))


def pca2(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean [d], basis [2, d] (unit rows, largest-|entry| positive), explained variance ratio [2]."""
    mean = x.mean(axis=0)
    c = x - mean
    cov = c.T @ c / len(x)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][:2]
    basis = vectors[:, order].T
    for row in basis:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1
    return mean, basis, values[order] / values.sum()


def projection(samples_dir: str) -> dict:
    images, labels = load_split("t10k")
    x = to_model_space(images).reshape(len(images), -1).astype(np.float64)
    mean, basis, explained = pca2(x)
    mean, basis = rounded(mean), rounded(basis)
    with open(os.path.join(samples_dir, "index.json")) as f:
        index = json.load(f)
    ids = list(index["testIndices"]) + list(index["backdrop"]["testIndices"])
    coords = (x[ids] - mean) @ basis.T
    return {
        "description": "PCA of the Fashion-MNIST test images in model space (32x32, [-1, 1]): p = basis (v - mean); "
                       "points: the bundled test images, then the representation map's backdrop images",
        "size": 32,
        "mean": mean.tolist(),
        "basis": basis.tolist(),
        "explained": [round(float(v), 4) for v in explained],
        "points": {
            "testIndices": [int(i) for i in ids],
            "labels": [int(labels[i]) for i in ids],
            "coords": [[round(float(u), 4), round(float(v), 4)] for u, v in coords],
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", default="public/samples")
    args = ap.parse_args()
    out = projection(args.samples)
    with open(os.path.join(args.samples, "projection.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote the projection (explained variance {out['explained']}) and {len(out['points']['labels'])} points")


if __name__ == "__main__":
    main()
