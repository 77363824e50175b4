"""The MT-Diffusion network: a shared UNet backbone, modality encoders E_i and decoder heads.

Mirrored op for op by src/model (TF.js); weights are exported by name (see export.py).
  backbone(z_t, t) -> feature map [B, C0, 32, 32] and pooled bottleneck vector [B, C2]
  heads: eps (image, Eq. eps-prediction), label (10 logits), masked (the full image), sketch, repr
  encoders: E_label, E_masked, E_sketch, E_repr, each -> a [B, 1, 32, 32] map in (-1, 1)
Drift (MT-DIFFUSION.md, closed form): c_t = kappa_t * sum_i g_i E_i(x^i), g_i = 1 when modality i
is given (or generated), 0 when it is absent.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

GROUPS = 8


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding [sin(t f_i), cos(t f_i)], f_i = exp(-ln(10000) i / (dim/2))."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, temb: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(GROUPS, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(GROUPS, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.temb(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.skip is None else self.skip(x)) + h


class Attention(nn.Module):
    """Single-head self-attention over the HxW positions (bottleneck only)."""

    def __init__(self, c: int):
        super().__init__()
        self.norm = nn.GroupNorm(GROUPS, c)
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.proj = nn.Conv2d(c, c, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).unbind(1)  # each [B, C, HW]
        attn = torch.softmax(torch.einsum("bci,bcj->bij", q, k) / math.sqrt(c), dim=-1)  # [B, HW, HW]
        out = torch.einsum("bij,bcj->bci", attn, v).reshape(b, c, h, w)
        return x + self.proj(out)


class Down(nn.Module):
    """3x3 stride-2 conv with padding 1 (TF.js: explicit pad then 'valid')."""

    def __init__(self, c: int):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


def upsample2x(x):
    """Nearest-neighbour x2 (the following ResBlock's convs do the smoothing)."""
    return F.interpolate(x, scale_factor=2, mode="nearest")


class Backbone(nn.Module):
    def __init__(self, channels=(32, 64, 128), temb_dim: int = 128, time_freq_dim: int = 64):
        super().__init__()
        c0, c1, c2 = channels
        self.time_freq_dim = time_freq_dim
        self.time_mlp1 = nn.Linear(time_freq_dim, temb_dim)
        self.time_mlp2 = nn.Linear(temb_dim, temb_dim)
        self.conv_in = nn.Conv2d(1, c0, 3, padding=1)
        self.down0 = ResBlock(c0, c0, temb_dim)
        self.downsample0 = Down(c0)
        self.down1 = ResBlock(c0, c1, temb_dim)
        self.downsample1 = Down(c1)
        self.down2 = ResBlock(c1, c2, temb_dim)
        self.mid1 = ResBlock(c2, c2, temb_dim)
        self.mid_attn = Attention(c2)
        self.mid2 = ResBlock(c2, c2, temb_dim)
        self.up2 = ResBlock(c2 + c2, c2, temb_dim)
        self.up1 = ResBlock(c2 + c1, c1, temb_dim)
        self.up0 = ResBlock(c1 + c0, c0, temb_dim)
        self.norm_out = nn.GroupNorm(GROUPS, c0)
        self.channels = (c0, c1, c2)

    def forward(self, z, t):
        temb = self.time_mlp2(F.silu(self.time_mlp1(timestep_embedding(t, self.time_freq_dim))))
        h = self.conv_in(z)                       # [B, c0, 32, 32]
        d0 = self.down0(h, temb)                  # [B, c0, 32, 32]
        d1 = self.down1(self.downsample0(d0), temb)  # [B, c1, 16, 16]
        d2 = self.down2(self.downsample1(d1), temb)  # [B, c2, 8, 8]
        m = self.mid2(self.mid_attn(self.mid1(d2, temb)), temb)  # [B, c2, 8, 8]
        pooled = m.mean(dim=(2, 3))               # [B, c2]
        u = self.up2(torch.cat([m, d2], 1), temb)                       # [B, c2, 8, 8]
        u = self.up1(torch.cat([upsample2x(u), d1], 1), temb)       # [B, c1, 16, 16]
        u = self.up0(torch.cat([upsample2x(u), d0], 1), temb)       # [B, c0, 32, 32]
        feat = F.silu(self.norm_out(u))           # [B, c0, 32, 32]
        return feat, pooled


class ConvHead(nn.Module):
    """Feature map -> one 32x32 channel (image heads)."""

    def __init__(self, cin: int, hidden: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, hidden, 3, padding=1)
        self.conv2 = nn.Conv2d(hidden, 1, 3, padding=1)

    def forward(self, feat):
        return self.conv2(F.silu(self.conv1(feat)))


class MLPHead(nn.Module):
    """Pooled bottleneck vector -> logits or an embedding."""

    def __init__(self, cin: int, hidden: int, cout: int):
        super().__init__()
        self.fc1 = nn.Linear(cin, hidden)
        self.fc2 = nn.Linear(hidden, cout)

    def forward(self, pooled):
        return self.fc2(F.silu(self.fc1(pooled)))


def carrier_map(size: int, carrier: dict | None) -> torch.Tensor:
    """The fixed map a spatial encoder's output is multiplied by: [1, 1, size, size].

    None (the first weights): all ones, E_i = tanh(conv(x^i)).
    {"kind": "checkerboard", "gain": g}: g (-1)^(row + col). A conv encoder is translation-equivariant,
    so without it E_i(x^i) is a smooth, image-like map that the backbone cannot tell apart from the
    image itself in z_t = sqrt(abar_t) x_0 + kappa_t E + sqrt(1 - abar_t) eps (public/weights/README.md,
    "Diagnosis"). On the checkerboard the condition lives at the highest spatial frequency, where
    garment images carry almost no energy, and the backbone's stride-2 convolutions know the phase.
    """
    if carrier is None:
        return torch.ones(1, 1, size, size)
    if carrier.get("kind") != "checkerboard":
        raise ValueError(f"unknown encoder carrier {carrier!r}; valid: checkerboard")
    r = torch.arange(size)
    return float(carrier["gain"]) * (1.0 - 2.0 * ((r[:, None] + r[None, :]) % 2)).float()[None, None]


class ConvEncoder(nn.Module):
    """[channels, 32, 32] -> tanh map [1, 32, 32] times the carrier; no biases, so an all-zero input encodes to 0."""

    def __init__(self, cin: int, hidden: int = 16, size: int = 32, carrier: dict | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, hidden, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(hidden, hidden, 3, padding=1, bias=False)
        self.conv3 = nn.Conv2d(hidden, 1, 3, padding=1, bias=False)
        self.register_buffer("carrier", carrier_map(size, carrier), persistent=False)

    def forward(self, x):
        return torch.tanh(self.conv3(F.silu(self.conv2(F.silu(self.conv1(x)))))) * self.carrier


class LabelEncoder(nn.Module):
    """E_label(p) = sum_k p_k tanh(table_k): linear in the class distribution p (one-hot or soft)."""

    def __init__(self, classes: int, size: int):
        super().__init__()
        self.size = size
        self.table = nn.Parameter(torch.randn(classes, size * size) * 0.5)

    def forward(self, probs):
        return (probs @ torch.tanh(self.table)).reshape(-1, 1, self.size, self.size)


class ReprEncoder(nn.Module):
    """E_repr(r) = tanh(W r), reshaped to a map."""

    def __init__(self, dim: int, size: int):
        super().__init__()
        self.size = size
        self.linear = nn.Linear(dim, size * size, bias=False)

    def forward(self, r):
        return torch.tanh(self.linear(r)).reshape(-1, 1, self.size, self.size)


MODALITIES = ("label", "masked", "sketch", "repr")


class MTDiffusion(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        bb = cfg["backbone"]
        size = cfg["imageSize"]
        self.backbone = Backbone(tuple(bb["channels"]), bb["timeEmbedDim"], bb["timeFreqDim"])
        c0, _, c2 = self.backbone.channels
        classes = len(cfg["classNames"])
        rdim = cfg["representation"]["dim"]
        self.head_eps = nn.Conv2d(c0, 1, 3, padding=1)
        self.head_masked = ConvHead(c0, cfg["heads"]["convHidden"])
        self.head_sketch = ConvHead(c0, cfg["heads"]["convHidden"])
        self.head_label = MLPHead(c2, cfg["heads"]["mlpHidden"], classes)
        self.head_repr = MLPHead(c2, cfg["heads"]["mlpHidden"], rdim)
        self.enc_label = LabelEncoder(classes, size)
        carrier = cfg["encoders"].get("carrier")
        self.enc_masked = ConvEncoder(2, cfg["encoders"]["convHidden"], size, carrier)
        self.enc_sketch = ConvEncoder(1, cfg["encoders"]["convHidden"], size, carrier)
        self.enc_repr = ReprEncoder(rdim, size)

    def encode(self, label_probs, masked_image, mask, sketch, rep, given):
        """sum_i g_i E_i(x^i) -> [B, 1, 32, 32]. given: dict modality -> [B] float in {0, 1}."""
        g = lambda k: given[k][:, None, None, None]  # noqa: E731
        return (g("label") * self.enc_label(label_probs)
                + g("masked") * self.enc_masked(torch.cat([masked_image * mask, mask], 1))
                + g("sketch") * self.enc_sketch(sketch)
                + g("repr") * self.enc_repr(rep))

    def forward(self, z, t):
        feat, pooled = self.backbone(z, t)
        return {
            "eps": self.head_eps(feat),
            "masked": self.head_masked(feat),
            "sketch": self.head_sketch(feat),
            "label": self.head_label(pooled),
            "repr": self.head_repr(pooled),
        }


def default_config(rdim: int = 8) -> dict:
    from .data import CLASS_NAMES, DATA_SIZE, IMAGE_SIZE, PAD
    return {
        "configVersion": 1,
        "imageSize": IMAGE_SIZE, "dataSize": DATA_SIZE, "pad": PAD,
        "normalisation": {"pixel": "x / 127.5 - 1", "background": -1.0, "range": [-1.0, 1.0]},
        "schedule": {"type": "linear", "T": 1000, "betaStart": 1e-4, "betaEnd": 0.02},
        "drift": {"type": "sine", "kappaMax": 0.5},
        "backbone": {"channels": [16, 48, 96], "timeEmbedDim": 128,
                     "timeFreqDim": 64, "groups": GROUPS, "groupNormEps": 1e-5},
        "heads": {"convHidden": 16, "mlpHidden": 128,
                  "names": ["eps", "label", "masked", "sketch", "repr"]},
        "encoders": {"convHidden": 16, "names": list(MODALITIES)},
        "modalities": ["image", *MODALITIES],
        "classNames": CLASS_NAMES,
        "representation": {"dim": rdim},
        "sketch": {"kind": "sobel-int", "thresholdSq": 160 * 160},
        "loss": {"eps": 1.0, "label": 0.05, "masked": 0.25, "sketch": 0.25, "repr": 0.05},
    }
