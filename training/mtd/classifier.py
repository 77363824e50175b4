"""An independent CNN (Fashion-MNIST, or a user's own classes), used only to evaluate the diffusion model and to define the
representation modality (whitened PCA of its penultimate features)."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


class Classifier(nn.Module):
    def __init__(self, classes: int = 10):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.c3 = nn.Conv2d(64, 64, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.bn2 = nn.BatchNorm2d(64)
        self.bn3 = nn.BatchNorm2d(64)
        self.fc = nn.Linear(64 * 4 * 4, 256)
        self.out = nn.Linear(256, classes)
        self.drop = nn.Dropout(0.3)

    def features(self, x):
        """x: [B, 1, 32, 32] in [-1, 1] -> [B, 256]."""
        h = F.max_pool2d(F.relu(self.bn1(self.c1(x))), 2)   # [B, 32, 16, 16]
        h = F.max_pool2d(F.relu(self.bn2(self.c2(h))), 2)   # [B, 64, 8, 8]
        h = F.max_pool2d(F.relu(self.bn3(self.c3(h))), 2)   # [B, 64, 4, 4]
        return F.relu(self.fc(h.flatten(1)))

    def forward(self, x):
        return self.out(self.drop(self.features(x)))
