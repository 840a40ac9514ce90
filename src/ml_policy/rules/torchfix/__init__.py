"""TorchFix parity rules (MLT): TorchFix's checks, maintained, each naming its TorchFix code."""
