r"""Which files and lines could hold a secret, decided before detect-secrets looks at them.

detect-secrets calls every plugin and filter on every line through its
dependency injection (~12k lines/s per core), and searching a whole text
with every plugin's pattern costs about as much (the IBM, SoftLayer and
Cloudant patterns open with a look-behind, which defeats the regex engine's
literal search: ~0.5 s per MB). Instead, for each enabled pattern, the
factors every match of it contains (`factors.py`: literal strings, runs of a
class, stretches of the pattern itself) are looked for (`lookup.py`, C-speed
searches of the file's bytes):

1. In the file's text. A pattern with a factor missing cannot match; a file
   with no pattern left never reaches detect-secrets.
2. In the lines detect-secrets itself gives its plugins (its transformers and
   line splitting, `scan.py`), for the patterns left: each runs on the lines
   that have its most selective factor, and only lines where one matches go
   through detect-secrets' filters and plugins. A regex plugin finds nothing
   on a line none of its patterns matches, so skipping the others changes no
   finding, and the `nextline` pragma still sees the line before. When
   detect-secrets would scan the text's own lines (`may_be_transformed`),
   this is done on the text first: a file without such a line is skipped.

Why step 1 may read the text although detect-secrets may scan other lines:
its transformers write `key = "value"` (INI: every file whose first content
is a `[section]`, and files of no known type with a `[global]` header added)
and `key: "value"` (YAML) lines. Their keys and values are the file's text
with whitespace changed (YAML folds line breaks into spaces, strip and
rstrip drop it), `\` written before `"`, `''` read as `'` and `%%` as `%`;
around them they write ` = "`, `: "` and `"`. So a stretch of a transformed
line without whitespace, `"`, `'`, `\` or `%` (factors.UNSAFE) is in the
file's text, unless it ends with the `:` written after a key or is the lone
`=` written between spaces; robust factors (`factors.robust_factors`) hold no
more than that. Three things can write text the file does not have:
configparser's `%(name)s` interpolation, YAML escapes in double-quoted
scalars, and YAML `!!binary` values (re-encoded on one line):
`may_invent_text` finds files that might have them, and step 1 keeps every
pattern for those. Likewise a whole run of a class without those characters
and without separators (`:=,[]{}`) in a transformed line is a whole run in
the text (`factors.exact_runs`): where the transformers write or drop, the
text has whitespace, quotes or separators, except next to a YAML escape
(`keeps_whole_runs`). tests/test_secrets_screen.py checks both on hypothesis
documents and compares screened and full scans.

A plugin whose findings do not come from its patterns alone (entropy and
keyword detectors, anything unknown) makes the screen unusable: then every
file and line goes to detect-secrets, as before.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from re import Pattern
from typing import Any

from ml_policy.secrets import lookup
from ml_policy.secrets.factors import (
    Chain,
    Factor,
    Literals,
    Run,
    Segment,
    Shape,
    robust_factors,
)


@dataclass(frozen=True)
class PatternScreen:
    """One pattern a plugin matches lines with, and the robust factors every match contains."""

    pattern: Pattern[str]
    factors: tuple[Factor, ...]


class Screen:
    """The patterns of every enabled plugin, and how to look for their factors."""

    def __init__(self, patterns: Sequence[PatternScreen]) -> None:
        self.patterns = tuple(patterns)
        distinct = list(dict.fromkeys(f for p in self.patterns for f in p.factors))
        self._checks = [lookup.check(f) for f in distinct]
        index = {f: i for i, f in enumerate(distinct)}
        # Each pattern's factors, the cheapest and most selective looked for first.
        self._plans = [tuple(index[f] for f in sorted(p.factors, key=_order)) for p in patterns]
        self._guards = _guards(distinct, {plan[0] for plan in self._plans if plan})

    def possible(
        self, text: str, data: bytes | None = None, *, fenced: bool = True
    ) -> tuple[PatternScreen, ...]:
        """The patterns whose factors are all in `text`: those that could match one of its
        lines. `data`: bytes to search instead of its UTF-8; `fenced`: see lookup.Text."""
        found = lookup.Text(text, data, fenced=fenced)
        known: list[bool | None] = [None] * len(self._checks)
        for guard, members in self._guards:
            if not guard(found):
                for i in members:
                    known[i] = False
        possible = []
        for pattern, plan in zip(self.patterns, self._plans, strict=True):
            for i in plan:
                has = known[i]
                if has is None:
                    has = known[i] = self._checks[i](found)
                if not has:
                    break
            else:
                possible.append(pattern)
        return tuple(possible)


def _guards(factors: list[Factor], first: set[int]) -> list[tuple[lookup.Check, tuple[int, ...]]]:
    """One search for literal sets that begin alike (`glpat-`, `glcbt-`, ... all begin with
    `gl`): if it finds none of their strings, none of them is there. For the sets
    looked for first, which are rarely found (token prefixes)."""
    groups: dict[tuple[bool, bytes], list[int]] = {}
    for i in sorted(first):
        factor = factors[i]
        if isinstance(factor, Literals):
            starts = {s[:2] for s in lookup.literal_bytes(factor)}
            if len(starts) == 1 and len(start := starts.pop()) == 2:
                groups.setdefault((factor.ignore_case, start), []).append(i)
    guards = []
    for (ignore_case, _), members in groups.items():
        if len(members) > 1:
            strings = frozenset(s for i in members for s in _strings(factors[i]))
            guards.append((lookup.check(Literals(strings, ignore_case)), tuple(members)))
    return guards


def _strings(factor: Factor) -> frozenset[str]:
    return factor.strings if isinstance(factor, Literals) else frozenset()


def _order(factor: Factor) -> tuple[int, int]:
    """Literals of three characters or more first (a fast search, rarely found), runs of
    classes without `_` (rare in code), shorter literals, other runs, then expressions."""
    if isinstance(factor, Literals):
        return (0 if factor.shortest >= 3 else 2), -factor.shortest
    if isinstance(factor, Run):
        return (3 if _has_underscore(factor) else 1), -factor.length
    return {Shape: 4, Chain: 5}.get(type(factor), 6), 0


def _has_underscore(run: Run) -> bool:
    return re.fullmatch(run.charset, "_", run.flags) is not None


def candidate_lines(lines: Sequence[str], patterns: Sequence[PatternScreen]) -> list[int]:
    """The indices of `lines` (as plugins see them: right-stripped) some pattern matches."""
    if not patterns:
        return []
    joined = lookup.Lines(lines)
    found: set[int] = set()
    for screen in patterns:
        indices = _lines_with(screen, joined)
        found.update(i for i in indices if i not in found and screen.pattern.search(lines[i]))
    return sorted(found)


def _lines_with(screen: PatternScreen, lines: lookup.Lines) -> Iterable[int]:
    """The lines that have the pattern's most selective factor; every line if it has none."""
    anchor = _anchor(screen.factors)
    if anchor is None:
        return range(lines.count)
    return sorted(lookup.lines_with(anchor, lines))


def _anchor(factors: tuple[Factor, ...]) -> lookup.Anchor | None:
    """A segment or chain (a stretch of the pattern itself), else the longest run,
    else the most selective literals."""
    expressions = [f for f in factors if isinstance(f, Segment | Chain)]
    runs = [f for f in factors if isinstance(f, Run)]
    literals = [f for f in factors if isinstance(f, Literals)]
    if expressions:
        return expressions[-1]
    if runs:
        return max(runs, key=lambda run: run.length)
    return max(literals, key=lambda f: f.shortest, default=None)


# --- which plugins can be screened ---------------------------------------------------------


def build(plugins: Iterable[object]) -> Screen | None:
    """The screen for detect-secrets' configured plugins; None when one cannot be screened."""
    patterns: list[Pattern[str]] = []
    for plugin in plugins:
        own = _line_patterns(plugin)
        if own is None:
            return None
        patterns += own
    unique = dict.fromkeys(patterns)
    return Screen([PatternScreen(p, robust_factors(p)) for p in unique])


def _line_patterns(plugin: object) -> list[Pattern[str]] | None:
    """Every pattern the plugin matches lines with, if nothing but them can make it report.

    Known implementations only: detect-secrets' regex detectors (`analyze_string`
    yields `findall` of each `denylist` pattern; `analyze_line` wraps it), our
    JWT detector (its one pattern is its denylist) and our ML detectors (their
    denylist, then contextual token patterns, each needing a match on the line).
    """
    kind = type(plugin)
    methods = {name: _where(getattr(kind, name, None)) for name in _ALLOWED}
    if any(where not in _allowed()[name] for name, where in methods.items()):
        return None
    denylist: Any = getattr(plugin, "denylist", None)
    contextual: Any = getattr(plugin, "contextual", ())
    if not isinstance(denylist, list | tuple) or not isinstance(contextual, list | tuple):
        return None
    found = [*denylist, *(token for _, token in contextual)]
    if not all(isinstance(p, Pattern) and isinstance(p.pattern, str) for p in found):
        return None
    return found


_ALLOWED = ("analyze_line", "analyze_string", "_contextual_secrets")
Where = tuple[str, str] | None  # (source file, qualified name) of a function


def _where(function: object) -> Where:
    """Names a function by its source, not its identity: detect-secrets loads our
    plugin file as a module of its own, whose classes are not those of ml_policy."""
    code = getattr(function, "__code__", None)
    if code is None:
        return None
    return os.path.realpath(code.co_filename), str(getattr(function, "__qualname__", ""))


@cache
def _allowed() -> dict[str, frozenset[Where]]:
    from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector

    from ml_policy.secrets import exact
    from ml_policy.secrets import plugins as ml

    return {
        "analyze_line": frozenset(
            map(_where, [BasePlugin.analyze_line, ml._MLTokenDetector.analyze_line])
        ),
        "analyze_string": frozenset(
            map(
                _where,
                [
                    RegexBasedDetector.analyze_string,
                    ml._MLTokenDetector.analyze_string,
                    exact.JwtTokenDetector.analyze_string,
                ],
            )
        ),
        "_contextual_secrets": frozenset(
            [
                None,  # detect-secrets' own detectors have none
                _where(ml._MLTokenDetector._contextual_secrets),
                _where(ml.WandbDetector._contextual_secrets),
            ]
        ),
    }


# --- whether detect-secrets' lines are the file's lines -----------------------------------------


def may_be_transformed(name: str, lines: Sequence[str]) -> bool:
    """Whether detect-secrets might scan other lines than the text's own (see `scan_file`:
    an INI parse of every file, YAML for YAML files, then an INI parse with a `[global]`
    header for files of no known type, when the first pass found nothing)."""
    from detect_secrets.util.filetype import FileType, determine_file_type

    kind = determine_file_type(name)
    if kind is FileType.YAML or _section_first(lines):
        return True
    return kind is FileType.OTHER and not any(map(_not_an_option, lines))


def _section_first(lines: Sequence[str]) -> bool:
    """configparser reads a file only if a `[section]` comes before any other content."""
    for line in lines:
        content = line.strip()
        if content and not content.startswith(("#", ";")):
            return content.startswith("[")
    return False


_INDENTED = re.compile(r"\s")  # configparser's indentation test (`\S` for the first character)


def _not_an_option(line: str) -> bool:
    """A line configparser rejects in any file: not indented (no continuation), not a
    comment or section, without `=` or `:` (not an option)."""
    content = line.strip()
    if not content or content.startswith(("#", ";", "[")) or _INDENTED.match(line):
        return False
    return "=" not in content and ":" not in content


def may_invent_text(name: str, text: str) -> bool:
    """Whether a transformer could write a factor that the text does not contain.

    configparser's `%(name)s` interpolation joins values. In a YAML
    double-quoted scalar, an escape (after a backslash) can spell a character
    that is not whitespace or a quote, and an escaped line break joins lines;
    a `!!binary` value is re-encoded as one line (a tag needs `!`, and spells
    `binary` or escapes it with `%`). (A key that is a collection cannot make
    a line: SafeLoader refuses unhashable keys, and detect-secrets then reads
    the file's own lines.)
    """
    if "%(" in text:
        return True
    from detect_secrets.util.filetype import FileType, determine_file_type

    if determine_file_type(name) is not FileType.YAML:
        return False
    if '"' in text and _SAFE_ESCAPE.search(text):
        return True
    return "!" in text and ("binary" in text or "%" in text)


def keeps_whole_runs(name: str, text: str) -> bool:
    r"""Whether a whole run of a class without separators in a transformed line is a whole
    run of the text too (factors.exact_runs). Not where a YAML escape may stand next to
    it: `\tAB` in a double-quoted scalar is a tab and `AB` in the line, `tAB` in the text."""
    from detect_secrets.util.filetype import FileType, determine_file_type

    return not ('"' in text and "\\" in text and determine_file_type(name) is FileType.YAML)


# PyYAML's escapes that give a safe character (factors.UNSAFE): \0 \a \b \e \/ and
# the numbered ones; and an escaped line break, which joins two lines.
_SAFE_ESCAPE = re.compile(r"\\[0abe/xuU\r\n\x85\u2028\u2029]")
