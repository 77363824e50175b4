"""A user's own data set: a folder of class folders of images, or a Fashion-MNIST-style idx pair.

Images become what the playground's upload path makes of a file (src/ui/upload.ts): drawn over white,
scaled so the longer side is 28 px (aspect kept, centred), greyscale by ITU-R BT.601 luma rounded
half up, inverted when the border is light (mean > 127), so objects are light on black as in
Fashion-MNIST. Class names are the folder names, sorted. A stratified test split is held out.

Every refusal is a UserDataError whose message names the path.
"""
from __future__ import annotations

import gzip
import os

import numpy as np

from .data import DATA_SIZE

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")
MIN_PER_CLASS = 10      # a class needs at least this many readable images (one goes to the test split)
MAX_CLASSES = 10        # the playground's label panels and pickers are laid out for up to 10 (src/model/config.ts)
BORDER_INVERT = 127     # invert when the border's mean grey is above this (upload.ts normaliseGrey)


class UserDataError(ValueError):
    pass


def fit_grey(img, n: int = DATA_SIZE) -> np.ndarray:
    """A PIL image -> uint8 [n, n]: over white, longer side n, centred, BT.601 luma, polarity rule."""
    from PIL import Image
    rgba = img.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    rgb = Image.alpha_composite(white, rgba).convert("RGB")
    scale = n / max(rgb.width, rgb.height)
    w, h = max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))
    small = rgb.resize((w, h), Image.BOX if scale < 1 else Image.BILINEAR)
    canvas = Image.new("RGB", (n, n), (255, 255, 255))
    canvas.paste(small, ((n - w) // 2, (n - h) // 2))
    a = np.asarray(canvas, dtype=np.float64)
    grey = np.floor(0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2] + 0.5).clip(0, 255).astype(np.uint8)
    return polarity(grey)


def polarity(grey: np.ndarray) -> np.ndarray:
    """Inverts a light-bordered image (upload.ts normaliseGrey: the mean of the four edges, corners counted twice)."""
    n = grey.shape[0]
    border = np.concatenate([grey[0, :], grey[n - 1, :], grey[:, 0], grey[:, n - 1]]).astype(np.float64)
    return 255 - grey if border.mean() > BORDER_INVERT else grey


def read_folder(root: str, skip_unreadable: bool = False) -> tuple[np.ndarray, np.ndarray, list[str], dict]:
    """Class folders -> (images uint8 [N, 28, 28], labels int64 [N], class names, counts of skipped files).

    Files that are not images by extension (and hidden files) are skipped and counted. A file with an
    image extension that cannot be decoded is fatal unless skip_unreadable: a data set must not shrink
    without the user knowing.
    """
    from PIL import Image, UnidentifiedImageError
    classes = sorted(d for d in os.listdir(root) if not d.startswith(".") and os.path.isdir(os.path.join(root, d)))
    if len(classes) < 2:
        raise UserDataError(f"{root}: found {len(classes)} class folder(s); a data set needs at least 2 "
                            f"(one sub-folder of images per class)")
    if len(classes) > MAX_CLASSES:
        raise UserDataError(f"{root}: {len(classes)} class folders; at most {MAX_CLASSES} classes are supported")
    images, labels, skipped = [], [], {"not an image": 0, "unreadable": 0}
    for k, name in enumerate(classes):
        folder = os.path.join(root, name)
        count = 0
        for f in sorted(os.listdir(folder)):
            path = os.path.join(folder, f)
            if f.startswith(".") or not os.path.isfile(path) or not f.lower().endswith(IMAGE_EXTENSIONS):
                skipped["not an image"] += 1
                continue
            try:
                with Image.open(path) as img:
                    img.load()
                    images.append(fit_grey(img))
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
                if not skip_unreadable:
                    raise UserDataError(f"{path}: cannot be read as an image ({e.__class__.__name__}: {e}); "
                                        f"remove it, or pass --skip-unreadable to skip such files") from None
                skipped["unreadable"] += 1
                continue
            labels.append(k)
            count += 1
        if count < MIN_PER_CLASS:
            raise UserDataError(f"{folder}: {count} readable image(s); each class needs at least {MIN_PER_CLASS}")
    return np.stack(images), np.asarray(labels, np.int64), classes, skipped


def _read_idx(path: str) -> np.ndarray:
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            head = f.read(4)
            if len(head) != 4 or head[0] != 0 or head[1] != 0 or head[2] != 8:
                raise UserDataError(f"{path}: not an idx file of unsigned bytes (magic {head.hex()})")
            ndim = head[3]
            dims = np.frombuffer(f.read(4 * ndim), ">u4").astype(int)
            data = np.frombuffer(f.read(), np.uint8)
    except (OSError, EOFError) as e:
        raise UserDataError(f"{path}: cannot be read ({e})") from None
    if data.size != int(np.prod(dims)):
        raise UserDataError(f"{path}: header says {tuple(dims)} but holds {data.size} bytes")
    return data.reshape(tuple(dims))


def find_idx_pair(root: str) -> tuple[str, str] | None:
    """The images and labels idx files in a folder (names containing 'images-idx3' / 'labels-idx1'),
    preferring the train- pair when there are several."""
    files = sorted(os.listdir(root))
    imgs = [f for f in files if "images-idx3" in f]
    labs = [f for f in files if "labels-idx1" in f]
    if not imgs or not labs:
        return None
    pick = lambda names: next((f for f in names if f.startswith("train")), names[0])  # noqa: E731
    return os.path.join(root, pick(imgs)), os.path.join(root, pick(labs))


def read_idx_pair(root: str, class_names: list[str] | None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    pair = find_idx_pair(root)
    assert pair is not None
    images, labels = _read_idx(pair[0]), _read_idx(pair[1]).astype(np.int64)
    if images.ndim != 3 or images.shape[1:] != (DATA_SIZE, DATA_SIZE):
        raise UserDataError(f"{pair[0]}: images must be {DATA_SIZE}x{DATA_SIZE}, got {images.shape[1:]}")
    if len(images) != len(labels):
        raise UserDataError(f"{pair[1]}: {len(labels)} labels for {len(images)} images in {pair[0]}")
    k = int(labels.max()) + 1
    if class_names is None:
        names_file = os.path.join(root, "classes.txt")
        if os.path.exists(names_file):
            with open(names_file) as f:
                class_names = [line.strip() for line in f if line.strip()]
        else:
            class_names = [f"class {i}" for i in range(k)]
    if len(class_names) < k:
        raise UserDataError(f"{pair[1]}: labels go up to {k - 1} but {len(class_names)} class names were given")
    if len(class_names) > MAX_CLASSES:
        raise UserDataError(f"{root}: {len(class_names)} classes; at most {MAX_CLASSES} classes are supported")
    if len(class_names) < 2:
        raise UserDataError(f"{root}: a data set needs at least 2 classes")
    for c in range(len(class_names)):
        if (labels == c).sum() < MIN_PER_CLASS:
            raise UserDataError(f"{pair[1]}: class {c} ({class_names[c]}) has {(labels == c).sum()} image(s); "
                                f"each class needs at least {MIN_PER_CLASS}")
    return images, labels, class_names


def split(labels: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified: from each class, round(n * test_fraction) (at least 1) images to the test split."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.nonzero(labels == c)[0])
        n_test = max(1, int(round(len(idx) * test_fraction)))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def load_user_data(path: str, test_fraction: float = 0.1, seed: int = 0, skip_unreadable: bool = False,
                   class_names: list[str] | None = None) -> dict:
    """Reads a user's data set; returns {train_images, train_labels, test_images, test_labels, class_names,
    kind, skipped}."""
    if not os.path.exists(path):
        raise UserDataError(f"{path}: no such folder")
    if not os.path.isdir(path):
        raise UserDataError(f"{path}: is a file; --data takes a folder (class sub-folders of images, or an idx pair)")
    if not 0 < test_fraction < 1:
        raise UserDataError(f"--test-fraction {test_fraction}: must be between 0 and 1")
    skipped = {"not an image": 0, "unreadable": 0}
    if find_idx_pair(path) is not None:
        images, labels, names = read_idx_pair(path, class_names)
        kind = "idx"
    else:
        images, labels, names, skipped = read_folder(path, skip_unreadable)
        kind = "folders"
    tr, te = split(labels, test_fraction, seed)
    return {"train_images": images[tr], "train_labels": labels[tr], "test_images": images[te],
            "test_labels": labels[te], "class_names": names, "kind": kind, "skipped": skipped}


def save_dataset(path: str, data: dict, name: str) -> None:
    np.savez(path, train_images=data["train_images"], train_labels=data["train_labels"],
             test_images=data["test_images"], test_labels=data["test_labels"],
             class_names=np.asarray(data["class_names"]), name=np.asarray(name), kind=np.asarray(data["kind"]))


def load_dataset(path: str) -> dict:
    """Reads prepare_data.py's dataset.npz."""
    if not os.path.exists(path):
        raise SystemExit(f"{path} missing: run training/prepare_data.py (npm run train -- --data DIR) first")
    z = np.load(path)
    return {"train": (z["train_images"], z["train_labels"]), "t10k": (z["test_images"], z["test_labels"]),
            "class_names": [str(s) for s in z["class_names"]], "name": str(z["name"]), "kind": str(z["kind"])}
