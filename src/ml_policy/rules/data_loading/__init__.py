"""Data loading (MLP): DataLoaders that leave the accelerator waiting.

One module per rule; `dataloaders` holds what both collect: the DataLoader calls.
"""

from __future__ import annotations

from ml_policy.rules.data_loading.dataloader_pin_memory import DataLoaderPinMemory
from ml_policy.rules.data_loading.synchronous_dataloader import SynchronousDataLoader

__all__ = ["DataLoaderPinMemory", "SynchronousDataLoader"]
