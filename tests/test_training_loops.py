"""MLC004-MLC006: training loops that keep graphs, never clear gradients, or evaluate with grad."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from conftest import marked

from ml_policy.config import Settings
from ml_policy.diagnostics import Diagnostic
from ml_policy.lint.engine import lint_bytes
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import Rule
from ml_policy.rules.training_loops import (
    EvalWithoutNoGrad,
    LossAccumulatedWithGraph,
    MissingZeroGrad,
)

SETTINGS = Settings(root=Path.cwd())


def lint(rule: type[Rule], code: str, name: str = "train.py") -> list[Diagnostic]:
    code = textwrap.dedent(code)
    diagnostics = lint_bytes(Path(name), code.encode(), SETTINGS, [rule])
    assert all(d.code == rule.code for d in diagnostics), diagnostics
    return diagnostics


def lines(rule: type[Rule], code: str, name: str = "train.py") -> list[int]:
    return [d.line for d in lint(rule, code, name)]


def check(rule: type[Rule], code: str) -> None:
    """The lines marked `# error` are exactly the lines reported."""
    code = textwrap.dedent(code)
    assert lines(rule, code) == marked(code)


def screened(rule: type[Rule], code: str) -> bool:
    """Whether the cheap stages (triggers, text screen, stdlib-ast screen) let the file through."""
    code = textwrap.dedent(code)
    tree = ast.parse(code)
    triggered = any(t in code for t in rule.triggers) and rule.text_screen(ScreenText(code))
    return triggered and rule.screen(tree)


# --- MLC005 missing-zero-grad -------------------------------------------------------------


def test_zero_grad_message_names_the_optimizer() -> None:
    (diagnostic,) = lint(MissingZeroGrad, MissingZeroGrad.examples("invalid")[0])
    assert (diagnostic.line, diagnostic.column) == (5, 5)
    assert diagnostic.message.startswith("`optimizer` is stepped in a loop that never clears")
    assert "call `optimizer.zero_grad()` in the loop" in diagnostic.message


@pytest.mark.parametrize(
    "code",
    [
        # an aliased torch.optim class, a name that does not look like an optimizer
        """
        from torch.optim import AdamW as W
        adam = W(params)
        for x in data:
            model(x).sum().backward()
            adam.step()  # error
        """,
        # `import torch.optim as optim`; the step is conditional (accumulation) and no reset
        """
        import torch.optim as optim
        learner = optim.SGD(params, lr=0.1)
        for i, x in enumerate(data):
            model(x).sum().backward()
            if i % 8 == 0:
                learner.step()  # error
        """,
        # a name like an optimizer, stepped through a scaler given it by position
        """
        for x in data:
            scaler.scale(model(x).sum()).backward()
            scaler.step(opt_g)  # error
        """,
        # the backward in an inner loop, the step in the outer one
        """
        for step in range(steps):
            for micro in chunks:
                model(micro).sum().backward()
            optimizer.step()  # error
        """,
        # a helper of the file that does not clear
        """
        def adjust(optimizer, epoch):
            optimizer.param_groups[0]["lr"] = 0.1 / epoch

        for epoch in range(10):
            for x in data:
                model(x).sum().backward()
                adjust(optimizer, epoch)
                optimizer.step()  # error
        """,
        # a while loop, reported once although the outer loop also holds it
        """
        while True:
            while not done:
                model(x).sum().backward()
                self.opt.step()  # error
        """,
    ],
)
def test_missing_zero_grad_reported(code: str) -> None:
    check(MissingZeroGrad, code)


@pytest.mark.parametrize(
    "code",
    [
        # zero_grad on the model, or on the optimizer under the accumulation condition
        """
        for x in data:
            model.zero_grad()
            model(x).sum().backward()
            optimizer.step()
        """,
        # gradients cleared by hand
        """
        for x in data:
            model(x).sum().backward()
            optimizer.step()
            for p in model.parameters():
                if p.grad is not None:
                    p.grad.detach_()
                    p.grad.zero_()
        """,
        """
        for x in data:
            model(x).sum().backward()
            optimizer.step()
            del p.grad
        """,
        # a helper of the file that clears, two calls deep
        """
        def finish(opt):
            clear(opt)

        def clear(opt):
            opt.zero_grad()

        for x in data:
            model(x).sum().backward()
            optimizer.step()
            finish(optimizer)
        """,
        # the optimizer handed to code we cannot see
        """
        from utils import train_step
        for x in data:
            model(x).sum().backward()
            train_step(model, optimizer)
            optimizer.step()
        """,
        # a method of a base class that may do the whole step
        """
        class T(Base):
            def fit(self):
                for x in self.data:
                    self.model(x).sum().backward()
                    self.optimizer_step()
                    self.optimizer.step()
        """,
        # schedulers and names that are not optimizers
        """
        for x in data:
            model(x).sum().backward()
            lr_scheduler.step()
            env.step(action)
            sched_opt.step()
        """,
        # a closure, or `**kwargs`, passed to step
        """
        for x in data:
            model(x).sum().backward()
            optimizer.step(closure=closure)
            optimizer.step(**kwargs)
        """,
        # a fresh optimizer each iteration
        """
        for t in timesteps:
            latents = latents.detach().requires_grad_()
            optimizer = torch.optim.SGD([latents], lr=0.1)
            model(latents).sum().backward()
            optimizer.step()
        """,
        # no backward in the loop (DeepSpeed's engine does it all), or in a nested def
        """
        for x in data:
            engine.step()
            def closure():
                model(x).sum().backward()
            optimizer.step()
        """,
    ],
)
def test_missing_zero_grad_silent(code: str) -> None:
    assert lines(MissingZeroGrad, code) == []


def test_missing_zero_grad_skips_tests() -> None:
    code = MissingZeroGrad.examples("invalid")[0]
    assert lines(MissingZeroGrad, code, name="tests/test_train.py") == []
    assert lines(MissingZeroGrad, code, name="train.py") == [5]


def test_missing_zero_grad_screens() -> None:
    assert screened(MissingZeroGrad, MissingZeroGrad.examples("invalid")[0])
    assert not screened(MissingZeroGrad, "loss.backward()\noptimizer.step()\n")
    assert not screened(MissingZeroGrad, "for x in data:\n    loss.backward()\n")


# --- MLC004 loss-accumulated-with-graph ---------------------------------------------------


def test_accumulated_loss_message() -> None:
    (diagnostic,) = lint(LossAccumulatedWithGraph, LossAccumulatedWithGraph.examples("invalid")[0])
    assert (diagnostic.line, diagnostic.column) == (6, 5)
    assert diagnostic.message == (
        "`loss` is accumulated with its autograd graph: every step's graph stays alive "
        "and memory grows each iteration; use `loss.item()` or `loss.detach()`"
    )


@pytest.mark.parametrize(
    "code",
    [
        # an attribute total, the loss scaled before backward
        """
        for x in loader:
            loss = model(x).mean() / accumulation
            loss.backward()
            self.epoch_loss += loss  # error
        """,
        # negated, multiplied, inserted or extended into a list made outside
        """
        for x in loader:
            loss = model(x).mean()
            loss.backward()
            score += -loss  # error
            history.insert(0, loss)  # error
            history.extend(loss * 2)  # error
        """,
        # the total reset by the outer loop, accumulated by the inner one
        """
        for epoch in range(epochs):
            total = 0.0
            for x in loader:
                loss = model(x).mean()
                loss.backward()
                total += loss  # error
        """,
        # `loss` bound in a with-block, accumulated after it
        """
        for x in loader:
            with autocast():
                loss = model(x).mean()
            loss.backward()
            total_loss = total_loss + loss  # error
        """,
    ],
)
def test_accumulated_loss_reported(code: str) -> None:
    check(LossAccumulatedWithGraph, code)


@pytest.mark.parametrize(
    "code",
    [
        # a number, a detached tensor, its data
        """
        for x in loader:
            loss = model(x).mean()
            loss.backward()
            total += loss.item()
            total += loss.detach() * 2
            total += loss.data
            total += float(loss)
            losses.append(loss.cpu())
        """,
        # the loss rebound to a number after backward
        """
        for x in loader:
            loss = model(x).mean()
            loss.backward()
            loss = round(loss.item(), 4)
            total += loss
        """,
        # not the tensor backward is called on
        """
        for x in loader:
            out = model(x)
            loss = out.mean()
            loss.backward()
            total += out.sum()
            outputs.append(out)
        """,
        # accumulated into the total that is itself backpropagated
        """
        for batch in loader:
            loss = 0
            for x in batch:
                loss += model(x).mean()
            loss.backward()
        """,
        # a list made afresh each iteration
        """
        for x in loader:
            kept = []
            loss = model(x).mean()
            loss.backward()
            kept.append(loss)
        """,
        # keyword arguments and splats of append-like methods, subtraction
        """
        for x in loader:
            loss = model(x).mean()
            loss.backward()
            tracker.append(value=loss)
            total -= loss
        """,
        # no backward in the loop
        """
        for x in loader:
            loss = model(x).mean()
            total += loss
        """,
    ],
)
def test_accumulated_loss_silent(code: str) -> None:
    assert lines(LossAccumulatedWithGraph, code) == []


def test_accumulated_loss_skips_tests_and_screens() -> None:
    code = LossAccumulatedWithGraph.examples("invalid")[0]
    assert lines(LossAccumulatedWithGraph, code, name="tests/test_fit.py") == []
    assert screened(LossAccumulatedWithGraph, code)
    assert not screened(LossAccumulatedWithGraph, "total += loss\nloss.backward()\n")


# --- MLC006 eval-without-no-grad ----------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        # module level (a notebook cell), through enumerate and tqdm
        """
        for i, (x, y) in enumerate(tqdm(valid_dl)):
            out = net(x)  # error
        """,
        # a Lightning-style loader method; the with-block only around something else
        """
        def check(self):
            for batch in self.val_dataloader():
                with timer():
                    pred = self.model(batch)  # error
        """,
        # called somewhere, but not under no_grad
        """
        def evaluate(model, testloader):
            for x, y in testloader:
                model(x)  # error

        evaluate(model, testloader)
        """,
    ],
)
def test_eval_without_no_grad_reported(code: str) -> None:
    check(EvalWithoutNoGrad, code)


@pytest.mark.parametrize(
    "code",
    [
        # the decorator spelt without a call, or imported under another name
        """
        import torch

        @torch.no_grad
        def validate(model, val_loader):
            for x in val_loader:
                model(x)
        """,
        """
        from torch import no_grad as ng

        @ng()
        def validate(model, val_loader):
            for x in val_loader:
                model(x)
        """,
        # no_grad inside the loop, around the call
        """
        for x in eval_loader:
            with torch.no_grad():
                model(x)
        """,
        # set_grad_enabled with a non-literal value (train/val phases share the loop)
        """
        for phase in ("train", "val"):
            with torch.set_grad_enabled(phase == "train"):
                for x in val_loader:
                    model(x)
        """,
        # eval mode at module level, before the loop
        """
        model.eval()
        for x in test_loader:
            model(x)
        """,
        # training loaders, and loops that only move data
        """
        for x in train_loader:
            model(x)
        for x in val_loader:
            x.to(device)
        """,
        # gradients wanted (test-time adaptation)
        """
        def adapt(model, test_loader):
            for x in test_loader:
                loss = model(x).entropy()
                grads = torch.autograd.grad(loss, params)
        """,
    ],
)
def test_eval_without_no_grad_silent(code: str) -> None:
    assert lines(EvalWithoutNoGrad, code) == []


def test_eval_without_no_grad_skips_tests_and_screens() -> None:
    code = EvalWithoutNoGrad.examples("invalid")[0]
    assert lines(EvalWithoutNoGrad, code, name="tests/test_eval.py") == []
    assert screened(EvalWithoutNoGrad, code)
    assert not screened(EvalWithoutNoGrad, "for x in train_loader:\n    model(x)\n")
