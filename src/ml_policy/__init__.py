"""ml-policy: one code-quality and reproducibility policy for every ML repository."""

__version__ = "0.3.0"

# The hook repository users reference from .pre-commit-config.yaml; `init`
# pins it at the tag of the installed release (v<version>).
HOOK_REPO_URL = "https://github.com/ml-policy/ml-policy"
DOCS_URL = f"{HOOK_REPO_URL}/blob/main"
