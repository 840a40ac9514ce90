"""Training loop and command line."""

import argparse

import torch
from torch import nn

from trainer.config import make_config
from trainer.data import cuda_batches


class Classifier(nn.Module):
    # MLM003: one Linear shared by every instance, unregistered, not moved by .to().
    head = nn.Linear(512, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(x)


def train(model: nn.Module, paths: list, history=[], steps: int = 100) -> list:  # noqa: B006
    # MLM001: `history` is mutated, so a second call starts with the first call's losses.
    for batch in cuda_batches(paths):
        loss = model(batch).sum()
        history.append(loss.item())
    return history


def evaluate(model: nn.Module, weights=torch.ones(10)) -> torch.Tensor:
    # MLM002: one tensor built at import time, shared by every call.
    return model.head.weight @ weights


def load_checkpoint(path: str) -> dict:
    # bandit B614 (ml-policy-bandit): torch.load without weights_only=True unpickles
    # arbitrary objects, so a downloaded checkpoint can run code.
    return torch.load(path)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    # MLM004: --tag values are appended to ["baseline"] instead of replacing it.
    parser.add_argument("--tag", action="append", default=["baseline"])
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    config = make_config({"tags": args.tag})
    model = Classifier()
    model.load_state_dict(load_checkpoint("model.pt"))
    train(model, paths=[], steps=config["epochs"])
