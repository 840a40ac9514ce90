"""The shape of an ML lint rule: one class per rule, as in Fixit.

A rule is a batchable libcst visitor (it has `visit_<Node>` methods and
`get_visitors`): all rules that can fire on a file share one traversal of
one parse. It is a plain class, so that importing the rules does not import
libcst. Before any libcst work a rule gets four
cheap chances to say the file cannot matter:

- `applies_to(path, settings)`: whether it checks such a file at all (tests);
- `triggers`: the file's text must contain one of these strings (API names
  such as "DataLoader", not "torch");
- `text_screen(text)`: a sharper test on the text (`lint/prefilter.py`), such
  as "some def has a default that is a display, a call or a name";
- `screen_context(context)`: a test on the stdlib `ast` (about ten times
  cheaper to parse than libcst) that a candidate exists (`screen(tree)`
  asks it of a tree alone).

The first three run before any parse: a file that no rule passes them for is
not parsed at all. The text tests must be sound (never drop a file the rule
would report on); the pre-filter's tests check that. Only files that pass all
four are parsed with libcst (and on a file too large for a stage, only the
rules still in are named as not checked). A rule whose verdicts are local
names its `places` (stdlib nodes): when every rule left does, libcst parses
only the top-level defs and classes that hold one, and the module's other
top-level statements (`lint/excerpt.py`). A rule
records findings with `self.report(node, message)`; positions are computed
afterwards, only for files that have findings.

What several screens and rules of a file need (binding counts, the calls of an
API, the module's scopes) is a fact of the file's `FileContext`: computed once,
on first use, by `context.fact(compute)`. The screens walk the stdlib tree once,
shared: `context.nodes(ast.Call, ...)`. Each rule decides its own verdict.

Each rule documents itself in its docstring with Ruff's sections (What it
does / Why is this bad? / Example / Use instead / References) and carries
`valid` and `invalid` snippets, which are both tests and the examples
`ml-policy rule CODE` prints (indented triple-quoted blocks are dedented by
`Rule.examples`). In `invalid` snippets, every line that must be reported
ends with the comment `# error`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, TypeVar, cast

from ml_policy.config import Settings
from ml_policy.diagnostics import Applicability
from ml_policy.lint.astwalk import NodeIndex, index_nodes
from ml_policy.lint.excerpt import Excerpt
from ml_policy.lint.imports import ImportTable
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.rule import BaseRule


@dataclass(frozen=True)
class Finding:
    """A rule's report before it has a position: the node and what to say."""

    code: str
    node: cst.CSTNode
    message: str
    # A fix replaces nodes of the parsed module with new ones: (old, new) pairs.
    fix: tuple[tuple[cst.CSTNode, cst.CSTNode], ...] = ()
    fix_message: str = ""
    applicability: Applicability = Applicability.SAFE


class Visitor:
    """A batchable libcst visitor: its `visit_<Node>` and `leave_<Node>` methods."""

    def get_visitors(self) -> dict[str, Callable[[cst.CSTNode], object]]:
        """The visit_/leave_ methods, as libcst's visit_batched asks of a batchable visitor."""
        return {n: getattr(self, n) for n in dir(self) if n.startswith(("visit_", "leave_"))}


Fact = TypeVar("Fact")
Node = TypeVar("Node", bound=ast.AST)


@dataclass
class FileContext:
    """What the screens and rules know about the file they check."""

    path: Path
    settings: Settings
    imports: ImportTable
    tree: ast.Module  # the stdlib parse the screens use
    index: NodeIndex  # its nodes by class, from one walk that the screens share
    findings: list[Finding] = field(default_factory=list)
    # Visitors that collect facts in the rules' traversal, ahead of the rules.
    visitors: list[Visitor] = field(default_factory=list)
    facts: dict[Callable[[FileContext], object], object] = field(default_factory=dict)
    # What libcst parses, when not the whole file (set before the rules' visitors are made).
    excerpt: Excerpt | None = None

    @classmethod
    def of_tree(
        cls, tree: ast.Module, path: Path = Path(), settings: Settings | None = None
    ) -> FileContext:
        """A context for a tree; with no path or settings, for a tree screened alone."""
        index = index_nodes(tree)
        imports = ImportTable.from_index(index)
        return cls(path, settings or Settings(root=Path()), imports, tree, index)

    def nodes(self, *kinds: type[Node]) -> Iterator[Node]:
        """The nodes of the stdlib tree whose class is one of `kinds` (exactly), in no
        particular order, from one walk of the tree that every screen shares."""
        for kind in kinds:
            yield from cast("list[Node]", self.index.get(kind, ()))

    def seen_by_libcst(self, node: ast.AST) -> bool:
        """Whether a node of the stdlib tree is in what libcst parses (not in a cut body)."""
        return self.excerpt is None or not self.excerpt.is_cut(node)

    def fact(self, compute: Callable[[FileContext], Fact]) -> Fact:
        """`compute(self)`, computed once for the file and shared by its screens and rules."""
        if compute not in self.facts:
            self.facts[compute] = compute(self)
        return cast(Fact, self.facts[compute])


class Rule(BaseRule, Visitor):
    """Base class of every ML lint rule."""

    triggers: ClassVar[tuple[str, ...]]
    marks_lines = True
    # TorchFix's codes for the same check: a noqa comment naming TOR106 suppresses MLT101.
    torchfix_codes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, context: FileContext) -> None:
        self.context = context

    @classmethod
    def applies_to(cls, path: Path, settings: Settings) -> bool:
        """Whether the rule checks this file at all (some skip tests). Default: yes."""
        del path, settings
        return True

    # Whether `screen_context` costs less than `text_screen` on a file that is parsed anyway
    # (measured over the benchmark corpus): then the text screen runs only until some rule
    # keeps the file for the parse.
    cheap_on_tree: ClassVar[bool] = False

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        """Whether the file may hold a finding, from its text alone (sound). Default: yes."""
        del text
        return True

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        """Whether the file may hold a finding (cheap, on the stdlib ast). Default: yes."""
        del context
        return True

    @classmethod
    def places(cls, context: FileContext) -> Iterable[ast.AST] | None:
        """Where in the stdlib tree the rule's findings may be, for a rule whose verdict on
        a node never reads the body of another top-level def or class: only the top-level
        statement around it, the module's other statements and def and class headers, and
        the file's stdlib facts (the import table). Asked only of files the screens kept;
        libcst then sees the other defs and classes with their bodies cut to `...`
        (`lint/excerpt.py`). None: anywhere (the default)."""
        del context
        return None

    @classmethod
    def screen(cls, tree: ast.Module) -> bool:
        """`screen_context` of a tree alone (for tests and tools)."""
        return cls.screen_context(FileContext.of_tree(tree))

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of a Name/Attribute through the file's imports."""
        return self.context.imports.resolve(node)

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        fix: tuple[tuple[cst.CSTNode, cst.CSTNode], ...] = (),
        fix_message: str = "",
    ) -> None:
        applicability = self.fix_applicability or Applicability.SAFE
        self.context.findings.append(
            Finding(self.code, node, message, fix, fix_message, applicability)
        )

    def finish(self) -> None:
        """Called after the traversal, for rules that decide once they have seen the whole file."""
