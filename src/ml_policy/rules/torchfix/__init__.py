"""TorchFix parity (MLT): TorchFix's checks, maintained, with its codes in each rule's docs.

One module per rule. `guards` tells code that runs only on some PyTorch
versions (not a finding); `deprecations` holds the PyTorch names the symbol
rules look for; `symbol_use` is what those rules share; `numerics` is
what the numerically unstable expressions (MLT101-MLT103) share.
"""
