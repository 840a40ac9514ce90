"""What a pinned revision is: a full commit id. Apart from `classify`, which imports
`packaging`, so the lint rules that judge hub revisions import nothing more."""

from __future__ import annotations


def is_commit(ref: str) -> bool:
    """A full SHA-1 (40) or SHA-256 (64) commit id: the only ref that cannot move."""
    return len(ref) in (40, 64) and all(c in "0123456789abcdefABCDEF" for c in ref)
