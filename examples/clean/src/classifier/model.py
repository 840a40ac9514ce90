"""The network: a two-layer perceptron."""

from __future__ import annotations

import torch
from torch import nn


class Classifier(nn.Module):
    """Maps a feature vector to class logits."""

    def __init__(self, features: int, classes: int, hidden: int = 256) -> None:
        super().__init__()
        # Layers are created per instance, so each model has its own weights.
        self.body = nn.Sequential(
            nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, classes)
        )

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.body(inputs)
        return logits
