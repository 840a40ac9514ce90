"""Training data and the loader that feeds it to the accelerator."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset

Example = tuple[torch.Tensor, torch.Tensor]


class Features(Dataset[Example]):
    """Feature vectors with their class labels, held in memory."""

    def __init__(self, inputs: torch.Tensor, labels: torch.Tensor) -> None:
        self.inputs = inputs
        self.labels = labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> Example:
        return self.inputs[index], self.labels[index]


def make_loader(dataset: Features, batch_size: int = 64, workers: int = 4) -> DataLoader[Example]:
    """Worker processes prepare batches; pinned memory lets copies to the GPU overlap compute."""
    return DataLoader(
        dataset, batch_size=batch_size, shuffle=True, num_workers=workers, pin_memory=True
    )
