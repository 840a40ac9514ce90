"""Run configuration: defaults, overrides and the Hugging Face credentials."""

# MLK001: a Hugging Face access token committed with the code. Anyone who can
# read the repository (or its history, forever) can use it. The token is made
# up, but has the shape of a real one. Read it from the environment instead.
HF_TOKEN = "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"

DEFAULTS = {"lr": 3e-4, "epochs": 10, "batch_size": 64}


def make_config(overrides: dict, base: dict = DEFAULTS) -> dict:
    # MLM001: `base` is the module-level DEFAULTS, updated in place, so every
    # later run starts from the previous run's overrides.
    base.update(overrides)
    return base
