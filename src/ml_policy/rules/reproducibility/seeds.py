"""What MLR001 and MLR002 share: which calls seed a global random number generator."""

from __future__ import annotations

import ast

from ml_policy.lint.rule import FileContext

# The global generators' seeding functions, as the import table resolves them.
GLOBAL_SEEDS = frozenset(
    {
        "numpy.random.seed",
        "random.seed",
        "torch.manual_seed",
        "torch.random.manual_seed",
        "torch.cuda.manual_seed",
        "torch.cuda.manual_seed_all",
    }
)


def seeds_globally(context: FileContext) -> bool:
    """Whether the module calls anything named like a seeding function (`torch.manual_seed`,
    `seed_everything`, `set_seed`, `np.random.seed`, a helper `init_seeds`): a module that
    seeds somewhere is taken to be seeded."""
    for node in context.nodes(ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if "seed" in name.lower():
            return True
    return False


def has_main_block(context: FileContext) -> bool:
    """A module with an `if __name__ == "__main__":` block: an entry point."""
    return any(
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
        for node in context.tree.body
    )


def starts_runs(context: FileContext) -> bool:
    """Whether a run starts in this module (a notebook, or a script's main block), so that
    a seed it does not set is set nowhere. A helper module's caller may seed the run."""
    return context.path.suffix == ".ipynb" or has_main_block(context)
