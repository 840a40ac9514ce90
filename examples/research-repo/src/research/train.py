"""Fine-tune a classifier on a Hugging Face dataset."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset


class Pairs(Dataset[tuple[torch.Tensor, int]]):
    """Pre-tokenised examples with labels."""

    def __init__(self, inputs: torch.Tensor, labels: list[int]) -> None:
        self.inputs = inputs
        self.labels = labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.inputs[index], self.labels[index]


def loader(dataset: Pairs, batch_size: int = 32) -> DataLoader[tuple[torch.Tensor, int]]:
    """Batches prepared by worker processes, pinned for fast copies to the GPU."""
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=4, pin_memory=True)
