"""Training loop and command line."""

import argparse
import xmlrpc.client

import torch
import torch.nn.functional as F
from torch import nn

from trainer.config import make_config
from trainer.data import cuda_batches


class Classifier(nn.Module):
    # MLM003: one Linear shared by every instance, unregistered, not moved by .to().
    head = nn.Linear(512, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # MLC001: no `dim`: on a 1-D or 3-D input softmax runs over dim 0.
        return F.softmax(self.head(x))


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
    # MLS001: weights_only=False unpickles arbitrary objects, so a downloaded
    # checkpoint can run code (ml-strict@3 leaves torch.load to MLS001, not bandit B614).
    return torch.load(path, weights_only=False)


def report(loss: float) -> None:
    # bandit B411 (ml-policy-bandit): xmlrpc parses untrusted XML (entity expansion).
    xmlrpc.client.ServerProxy("http://metrics.internal:8000").log(loss)


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
