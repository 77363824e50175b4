"""Fashion-MNIST from Debian's `dataset-fashion-mnist` idx files, plus the derived modalities.

Image convention (shared with src/core and src/model): 28x28 uint8 -> [-1, 1] -> padded to 32x32
with the background value -1. Masks: 1 = visible, 0 = hidden, 32x32, padding hidden.
Sketch: integer Sobel edge map of the uint8 image (identical in TypeScript), {0, 1}, padded with 0.
"""
from __future__ import annotations

import gzip
import os
import struct

import numpy as np

# Debian's dataset-fashion-mnist; FASHION_MNIST_DIR points elsewhere (a copy of the same idx files).
DATA_DIR_DEFAULT = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
APT_HINT = "apt-get install -y dataset-fashion-mnist"
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
DATA_SIZE = 28
IMAGE_SIZE = 32
PAD = (IMAGE_SIZE - DATA_SIZE) // 2
# Sketch: an edge where the integer Sobel magnitude squared exceeds this (pixels in 0..255).
SKETCH_THRESHOLD_SQ = 160 * 160


class DataMissingError(RuntimeError):
    pass


def _read_idx(path: str) -> np.ndarray:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        ndim = magic & 0xFF
        dims = struct.unpack(">" + "I" * ndim, f.read(4 * ndim))
        data = np.frombuffer(f.read(), dtype=np.uint8)
    return data.reshape(dims)


def _find(data_dir: str, stem: str) -> str:
    for name in (stem + ".gz", stem):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return path
    raise DataMissingError(
        f"Fashion-MNIST file '{stem}(.gz)' not found in {data_dir}. "
        f"Install the data set with: {APT_HINT} (or pass --data-dir)."
    )


def load_split(split: str, data_dir: str = DATA_DIR_DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """Returns (images uint8 [N, 28, 28], labels int64 [N]) for split 'train' or 't10k'."""
    images = _read_idx(_find(data_dir, f"{split}-images-idx3-ubyte"))
    labels = _read_idx(_find(data_dir, f"{split}-labels-idx1-ubyte")).astype(np.int64)
    if images.shape[1:] != (DATA_SIZE, DATA_SIZE) or len(images) != len(labels):
        raise DataMissingError(f"Fashion-MNIST {split} files in {data_dir} are malformed: {images.shape}")
    return images, labels


def load_source(split: str, data_dir: str = DATA_DIR_DEFAULT, dataset: str = "") -> tuple[np.ndarray, np.ndarray]:
    """A split of Fashion-MNIST (data_dir), or of a user's data set (dataset: prepare_data.py's dataset.npz)."""
    if dataset:
        from .userdata import load_dataset
        return load_dataset(dataset)[split]
    return load_split(split, data_dir)


def class_names_of(dataset: str = "") -> list[str]:
    if dataset:
        from .userdata import load_dataset
        return load_dataset(dataset)["class_names"]
    return list(CLASS_NAMES)


def to_model_space(images_u8: np.ndarray) -> np.ndarray:
    """uint8 [N,28,28] -> float32 [N,1,32,32] in [-1, 1], padding = -1 (background)."""
    x = images_u8.astype(np.float32) / 127.5 - 1.0
    x = np.pad(x, ((0, 0), (PAD, PAD), (PAD, PAD)), constant_values=-1.0)
    return x[:, None]


def sketch_of(images_u8: np.ndarray) -> np.ndarray:
    """Deterministic edge map: integer Sobel on the uint8 image (zero outside), |g|^2 > threshold.

    uint8 [N,28,28] -> float32 [N,1,32,32] in {0, 1}. Integer arithmetic only, so Python and
    TypeScript agree bit for bit.
    """
    a = np.pad(images_u8.astype(np.int32), ((0, 0), (1, 1), (1, 1)))
    p = lambda dy, dx: a[:, 1 + dy:1 + dy + DATA_SIZE, 1 + dx:1 + dx + DATA_SIZE]  # noqa: E731
    gx = (p(-1, 1) + 2 * p(0, 1) + p(1, 1)) - (p(-1, -1) + 2 * p(0, -1) + p(1, -1))
    gy = (p(1, -1) + 2 * p(1, 0) + p(1, 1)) - (p(-1, -1) + 2 * p(-1, 0) + p(-1, 1))
    edges = (gx * gx + gy * gy > SKETCH_THRESHOLD_SQ).astype(np.float32)
    edges = np.pad(edges, ((0, 0), (PAD, PAD), (PAD, PAD)))
    return edges[:, None]


class MaskBank:
    """Random inpainting masks (1 = visible, 0 = hidden) on the 28x28 area, padded hidden.

    Kinds: box, half, strokes, pixel drop, all-visible. "All hidden" is not in the bank: it is the
    masked modality not being given at all (its encoder then contributes no drift).
    """

    KINDS = ("box", "half", "strokes", "drop", "visible")
    PROBS = (0.35, 0.2, 0.25, 0.15, 0.05)

    def __init__(self, size: int, seed: int):
        rng = np.random.default_rng(seed)
        self.masks = np.stack([self._one(rng) for _ in range(size)])  # [size, 1, 32, 32]

    @staticmethod
    def box(rng: np.random.Generator) -> np.ndarray:
        m = np.ones((DATA_SIZE, DATA_SIZE), np.float32)
        h, w = rng.integers(8, 21, size=2)
        y, x = rng.integers(0, DATA_SIZE - h + 1), rng.integers(0, DATA_SIZE - w + 1)
        m[y:y + h, x:x + w] = 0
        return m

    @staticmethod
    def half(side: int) -> np.ndarray:
        m = np.ones((DATA_SIZE, DATA_SIZE), np.float32)
        h = DATA_SIZE // 2
        [lambda: m[:, :h], lambda: m[:, h:], lambda: m[:h, :], lambda: m[h:, :]][side]()[...] = 0
        return m

    @staticmethod
    def strokes(rng: np.random.Generator) -> np.ndarray:
        m = np.ones((DATA_SIZE, DATA_SIZE), np.float32)
        yy, xx = np.mgrid[0:DATA_SIZE, 0:DATA_SIZE]
        for _ in range(rng.integers(1, 4)):
            p = rng.uniform(0, DATA_SIZE, 2)
            radius = rng.uniform(1.5, 3.5)
            for _ in range(rng.integers(4, 10)):
                q = np.clip(p + rng.normal(0, 5, 2), 0, DATA_SIZE - 1)
                for s in np.linspace(0, 1, 8):
                    c = p + s * (q - p)
                    m[(yy - c[0]) ** 2 + (xx - c[1]) ** 2 <= radius ** 2] = 0
                p = q
        return m

    def _one(self, rng: np.random.Generator) -> np.ndarray:
        kind = rng.choice(len(self.KINDS), p=self.PROBS)
        if kind == 0:
            m = self.box(rng)
        elif kind == 1:
            m = self.half(int(rng.integers(0, 4)))
        elif kind == 2:
            m = self.strokes(rng)
        elif kind == 3:
            m = (rng.random((DATA_SIZE, DATA_SIZE)) > rng.uniform(0.3, 0.9)).astype(np.float32)
        else:
            m = np.ones((DATA_SIZE, DATA_SIZE), np.float32)
        return np.pad(m, PAD)[None]
