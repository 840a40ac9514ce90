"""Rule-code selectors (`select`, `ignore`, `--select`, ...): which are valid, and why not.

As in Ruff, a selector must name something that exists: a typo (`MLP01`, `MLX999`) would
otherwise select nothing, or ignore nothing, in silence.
"""

from __future__ import annotations

import difflib
import re
from functools import cache

from ml_policy import registry
from ml_policy.registry import RESERVED_FAMILIES, RULE_CODES
from ml_policy.settings.errors import CODE_EXCERPT, quoted

CODE_PATTERN = re.compile(r"ML[A-Z]*[0-9]*")


def code_problem(code: str) -> str | None:
    """Why `code` is not a rule code or code prefix of this release; None when it is one.

    A family reserved for a later release (`MLG`) is valid and selects nothing yet.
    """
    if code in _known_prefixes():
        return None
    if not code.strip(" ,"):
        return f"{quoted(code, CODE_EXCERPT)} is not a rule code (an empty string or a stray comma)"
    problem = f"{quoted(code, CODE_EXCERPT)} is not an ml-policy rule code or prefix"
    family = RESERVED_FAMILIES.get(code[:3])
    if family and CODE_PATTERN.fullmatch(code):
        return f"{problem} (the {code[:3]} rules, {family}, come in a later release)"
    if code.upper() == "ALL":
        return f"{problem} (`ML` selects every ml-policy rule)"
    twin = _torchfix_twins().get(code.strip().upper())
    if twin:
        return f"{problem} ({code.strip().upper()} is TorchFix's code for ml-policy's {twin})"
    suggestion = _closest_code(code)
    if suggestion:
        return f"{problem} (did you mean {suggestion!r}?)"
    if not code.upper().startswith("ML"):
        return f"{problem} (ml-policy codes start with ML; Ruff's go in [tool.ruff])"
    return f"{problem} (`ml-policy rule --all` lists them)"


def selects_nothing(code: str) -> bool:
    """Whether a valid selector matches no rule of this release (a family reserved for later)."""
    return not any(known.startswith(code) for known in RULE_CODES)


def selects_nothing_yet(code: str) -> str:
    """The warning for a selector that `selects_nothing`."""
    family = RESERVED_FAMILIES.get(code[:3])
    later = f": the {code[:3]} rules ({family}) come in a later release" if family else ""
    return f"{code!r} selects no rule yet{later}"


@cache
def _torchfix_twins() -> dict[str, str]:
    """TorchFix's codes -> the ml-policy rule that checks the same (rules imported only to
    explain a rejected selector)."""
    rules = registry.rules("lint")
    return {tor: rule.code for rule in rules for tor in getattr(rule, "torchfix_codes", ())}


@cache
def _known_prefixes() -> frozenset[str]:
    """Every valid selector: each prefix (from "ML" on) of each rule code and reserved family."""
    return frozenset(
        name[:end] for name in (*RULE_CODES, *RESERVED_FAMILIES) for end in range(2, len(name) + 1)
    )


def _closest_code(code: str) -> str | None:
    if code.upper() in _known_prefixes():
        return code.upper()
    families = {known[:3] for known in RULE_CODES}
    close = difflib.get_close_matches(code.upper(), [*RULE_CODES, *families], n=1, cutoff=0.75)
    return close[0] if close else None
