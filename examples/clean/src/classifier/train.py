"""Training loop and entry point."""

from __future__ import annotations

import logging

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

from classifier.data import Example, Features, make_loader
from classifier.model import Classifier

logger = logging.getLogger(__name__)


def train_epoch(
    model: nn.Module,
    loader: DataLoader[Example],
    optimizer: torch.optim.Optimizer,
    device: torch.device,
) -> float:
    """One pass over the data; the mean training loss."""
    model.train()
    total = 0.0
    for inputs, labels in loader:
        inputs = inputs.to(device, non_blocking=True)
        labels = labels.to(device, non_blocking=True)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), labels)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / max(len(loader), 1)


def main(epochs: int = 10, seed: int = 0) -> None:
    """Train on synthetic data (a stand-in for the real feature store)."""
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dataset = Features(torch.randn(1024, 32), torch.randint(0, 4, (1024,)))
    loader = make_loader(dataset)
    model = Classifier(features=32, classes=4).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    for epoch in range(epochs):
        logger.info("epoch %d: loss %.4f", epoch, train_epoch(model, loader, optimizer, device))


if __name__ == "__main__":
    main()
