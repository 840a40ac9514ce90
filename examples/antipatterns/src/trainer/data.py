"""Data loading."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from torch.utils.data import DataLoader, Dataset


def augment(image: np.ndarray) -> np.ndarray:
    """Jitter every pixel: a Python loop, so it holds the GIL throughout."""
    out = image.copy()
    for row in range(image.shape[0]):
        for col in range(image.shape[1]):
            out[row, col] = min(255, image[row, col] * 1.1)
    return out


class Images(Dataset):
    """Images stored as .npy files, loaded and augmented one sample at a time."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> np.ndarray:
        return augment(np.load(self.paths[index]))


def augment_all(images: list[np.ndarray]) -> list[np.ndarray]:
    # MLP002: CPU-bound pixel loops on threads are serialised by the GIL.
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(augment, images))


def shuffled(images: list[np.ndarray]) -> list[np.ndarray]:
    # Ruff NPY002 (ml-policy-ruff): numpy's legacy global RNG, which any library
    # can reseed; use np.random.default_rng(seed).
    order = np.random.permutation(len(images))
    return [images[i] for i in order]


def make_loader(paths: list[str]) -> DataLoader:
    # MLP001: every sample is loaded and augmented in the training process, one
    # after the other, while the GPU waits; MLP003: batches go to CUDA unpinned.
    return DataLoader(Images(paths), batch_size=64, shuffle=True)


def cuda_batches(paths: list[str]):
    for batch in make_loader(paths):
        yield batch.cuda(non_blocking=True)
