"""Check one file with every enabled rule: the cheap stages first, libcst only when needed.

1. text pre-filter (`lint/prefilter.py`): rules whose trigger strings are absent
   or (in files under the stdlib parse's limit) whose text screen says no are
   dropped; a file with no rule left is not parsed at all;
2. the stdlib `ast` parse (also the syntax check: MLE001) and each rule's
   screen, on the file's context (import table, shared facts) from the same tree;
3. one libcst parse and one batched traversal for the rules left: of the file with
   the bodies of top-level defs and classes that hold none of the rules' `places`
   cut to `...`, when every rule left names its places (`lint/excerpt.py`);
4. positions (PositionProvider's, `lint/positions.py`) of the reported nodes only,
   mapped back to the file's lines.

So a syntax error is MLE001 only in a file some rule could fire on: elsewhere it is
Ruff's to report (the bundles run Ruff). Text that cannot be read or decoded is
MLE001 in every file. Stages 2 and 3 each have a limit in Python tokens
(`lint/limits.py`): a file over a stage's limit that the earlier stages cannot
clear is one MLE001 naming the rules that did not check it.
"""

from __future__ import annotations

import ast
import re
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ml_policy.config import Settings
from ml_policy.diagnostics import Diagnostic, Edit, Fix
from ml_policy.lint import noqa
from ml_policy.lint.excerpt import Excerpt, excerpt
from ml_policy.lint.lazy import cst
from ml_policy.lint.limits import (
    AST_MAX_TOKENS,
    CST_MAX_TOKENS,
    count_tokens,
    too_many_for_ast,
    too_many_for_cst,
)
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext, Finding, Rule
from ml_policy.lint.source import Source, SourceError, read_source
from ml_policy.parse_error import not_checked

if TYPE_CHECKING:
    from libcst.metadata import CodeRange


def lint_bytes(
    path: Path,
    data: bytes,
    settings: Settings,
    rules: Sequence[type[Rule]],
    *,
    prefilter: bool = True,
) -> list[Diagnostic]:
    """Every finding of `rules` in a file's bytes (a parse error is a finding too).

    `prefilter=False` skips the text pre-filter (for tests that prove it drops nothing).
    """
    enabled = [rule for rule in rules if settings.is_enabled(rule.code, path)]
    return lint_enabled(path, data, settings, enabled, prefilter=prefilter) if enabled else []


def lint_enabled(
    path: Path,
    data: bytes,
    settings: Settings,
    rules: Sequence[type[Rule]],
    *,
    prefilter: bool = True,
) -> list[Diagnostic]:
    """`lint_bytes` for rules already known to be enabled for `path` (the runner's case)."""
    try:
        source = read_source(path, data)
    except SourceError as error:
        return [not_checked(str(error), path, error.line, error.column)]
    return lint_source(path, source, settings, rules, prefilter=prefilter)


def lint_source(
    path: Path,
    source: Source,
    settings: Settings,
    rules: Sequence[type[Rule]],
    *,
    prefilter: bool = True,
) -> list[Diagnostic]:
    text = ScreenText(source.text)
    triggered = _triggered(path, text, settings, rules, prefilter=prefilter)
    if not triggered:
        return []  # not even parsed: a syntax error here is Ruff's to report
    tokens: int | None = None  # counted only for long texts: a token is one character or more
    if len(source.text) > AST_MAX_TOKENS:
        tokens = count_tokens(source.text, AST_MAX_TOKENS)
        if tokens > AST_MAX_TOKENS:  # too large to parse, and to scan: named by the triggers
            return [too_many_for_ast(path, triggered)]
    candidates = _text_screened(triggered, text) if prefilter else triggered
    if not candidates:
        return []
    try:
        with warnings.catch_warnings():  # invalid escapes etc. are Ruff's to report, not ours
            warnings.simplefilter("ignore")
            tree = ast.parse(source.text, filename=str(path))
    except SyntaxError as error:
        message = error.msg + _newer_syntax_hint(source.text, error.lineno or 0)
        return [_parse_error(path, source, message, error.lineno or 1, error.offset or 1)]
    except (ValueError, RecursionError, MemoryError) as error:  # null bytes; absurd nesting
        return [_parse_error(path, source, f"cannot parse: {error}", 1, 1)]
    context = FileContext.of_tree(tree, path, settings)
    screened = [rule for rule in candidates if rule.screen_context(context)]
    if not screened:
        return []
    if len(source.text) > CST_MAX_TOKENS:
        if tokens is None:
            tokens = count_tokens(source.text, AST_MAX_TOKENS)
        if tokens > CST_MAX_TOKENS:
            return [too_many_for_cst(path, tokens, screened)]
    return _run_rules(source, screened, context)


def _candidates(
    path: Path,
    source: Source,
    settings: Settings,
    rules: Sequence[type[Rule]],
    *,
    prefilter: bool,
) -> list[type[Rule]]:
    """The rules that check this file and that its text does not rule out."""
    text = ScreenText(source.text)
    triggered = _triggered(path, text, settings, rules, prefilter=prefilter)
    return _text_screened(triggered, text) if prefilter else triggered


def _triggered(
    path: Path,
    text: ScreenText,
    settings: Settings,
    rules: Sequence[type[Rule]],
    *,
    prefilter: bool,
) -> list[type[Rule]]:
    """The rules that check this file and whose trigger strings are in its text.

    Where the parser may read identifiers other than as written, the triggers are looked for
    as it reads them (NFKC).
    """
    applicable = [rule for rule in rules if rule.applies_to(path, settings)]
    if not prefilter or not applicable:
        return applicable
    haystack = text.raw if text.exact else text.normalized
    return [rule for rule in applicable if any(t in haystack for t in rule.triggers)]


def _text_screened(rules: list[type[Rule]], text: ScreenText) -> list[type[Rule]]:
    """The rules whose text screens keep the file (not used where identifiers may read
    differently: the scans read them as written).

    A text screen only saves the stdlib parse, and some rules' screens on the tree cost
    less than their text screens (`Rule.cheap_on_tree`): once a rule keeps the file, it is
    parsed anyway and those rules skip their text screens (sound either way)."""
    if not text.exact:
        return rules
    kept = {rule for rule in rules if not rule.cheap_on_tree and rule.text_screen(text)}
    for rule in rules:
        if rule.cheap_on_tree and (kept or rule.text_screen(text)):
            kept.add(rule)
    return [rule for rule in rules if rule in kept]


def _run_rules(
    source: Source, rules: Sequence[type[Rule]], context: FileContext
) -> list[Diagnostic]:
    path = context.path
    part = _excerpt(source, rules, context)
    module = _parsed_excerpt(part) if part is not None else None
    if module is None:  # the whole file (also where libcst cannot read the excerpt)
        part = None
        try:
            module = cst.parse_module(source.text)
        except cst.ParserSyntaxError as error:
            line, column = error.raw_line, error.raw_column + 1
            return [_parse_error(path, source, error.message, line, column)]
        except RecursionError:
            return [_parse_error(path, source, "cannot parse: nesting too deep", 1, 1)]
    context.excerpt = part
    visitors = [rule(context) for rule in rules]
    try:
        # The facts' visitors first: a rule sees each node after them. Duck-typed visitors.
        cst.visit_batched(module, [*context.visitors, *visitors])  # type: ignore[list-item]
        for visitor in visitors:
            visitor.finish()
        if not context.findings:
            return []
        aliases = {rule.code: rule.torchfix_codes for rule in rules}
        file_line = part.file_line if part is not None else None
        return _diagnostics(path, source, module, context.findings, aliases, file_line)
    except RecursionError:  # libcst recurses per nesting level; Python's parser allows deeper
        return [_parse_error(path, source, "cannot check: nesting too deep", 1, 1)]


def _excerpt(source: Source, rules: Sequence[type[Rule]], context: FileContext) -> Excerpt | None:
    """The part of the file libcst needs, when every rule says where its findings may be."""
    # A `global` statement rebinds a module name from inside a def: never cut away.
    places: list[ast.AST] = list(context.nodes(ast.Global))
    for rule in rules:
        found = rule.places(context)
        if found is None:
            return None
        places.extend(found)
    return excerpt(source.text, context.tree, places)


def _parsed_excerpt(part: Excerpt) -> cst.Module | None:
    try:
        return cst.parse_module(part.text)
    except (cst.ParserSyntaxError, RecursionError):
        return None  # the whole file's parse says what is wrong


def _diagnostics(
    path: Path,
    source: Source,
    module: cst.Module,
    findings: list[Finding],
    aliases: Mapping[str, tuple[str, ...]],
    file_line: Callable[[int], int] | None,
) -> list[Diagnostic]:
    """The findings as diagnostics, less those a `# noqa` naming their code (or the
    TorchFix code of the same check, `aliases`) suppresses. `file_line` maps the lines of
    an excerpt (`module`) to the file's."""
    from ml_policy.lint.positions import on_lines, positions  # imports libcst's internals

    wanted = [finding.node for finding in findings]
    wanted.extend(old for finding in findings for old, _ in finding.fix)
    ranges = positions(module, wanted)
    if file_line is not None:
        ranges = on_lines(ranges, file_line)
    suppressed = noqa.suppressions(source.text)
    diagnostics = []
    for finding in findings:
        where = ranges[finding.node]
        other_codes = aliases.get(finding.code, ())
        if noqa.is_suppressed(finding.code, where.start.line, suppressed, other_codes):
            continue
        fix = _fix(finding, module, ranges, source) if finding.fix else None
        diagnostics.append(_at(path, source, finding.code, finding.message, where, fix))
    return diagnostics


def _fix(
    finding: Finding, module: cst.Module, ranges: Mapping[cst.CSTNode, CodeRange], source: Source
) -> Fix | None:
    if source.cells:
        return None  # edits into notebook JSON are out of scope: the finding is still reported
    edits = tuple(
        Edit(
            module.code_for_node(new),
            ranges[old].start.line,
            ranges[old].start.column + 1,
            ranges[old].end.line,
            ranges[old].end.column + 1,
        )
        for old, new in finding.fix
    )
    return Fix(finding.fix_message, edits, finding.applicability)


def _at(
    path: Path, source: Source, code: str, message: str, where: CodeRange, fix: Fix | None
) -> Diagnostic:
    cell, line = source.locate(where.start.line)
    _, end_line = source.locate(where.end.line)
    return Diagnostic(
        code,
        message,
        path,
        line,
        where.start.column + 1,
        end_line,
        where.end.column + 1,
        fix=fix,
        cell=cell,
    )


# PEP 695 generics and type aliases (Python 3.12): the newer syntax ML code meets most.
PEP_695 = re.compile(r"\s*(?:async\s+)?(?:def|class)\s+\w+\s*\[|\s*type\s+\w+\b.*=")


def _newer_syntax_hint(text: str, line: int) -> str:
    """Why a valid file fails here: it uses syntax newer than the running Python.

    (A second parser would know for sure, but libcst's crashes the process on
    some pathological input that the stdlib parser rejects cleanly.)
    """
    lines = text.splitlines()
    if sys.version_info >= (3, 12) or not 0 < line <= len(lines):
        return ""
    if not PEP_695.match(lines[line - 1]):
        return ""
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f" (Python 3.12 syntax; ml-policy runs on {running}: run it on a newer Python)"


def _parse_error(path: Path, source: Source, message: str, line: int, column: int) -> Diagnostic:
    cell, cell_line = source.locate(max(line, 1))
    text = f"cannot parse: {message}" if not message.startswith("cannot") else message
    return not_checked(text, path, cell_line, column, cell=cell)
