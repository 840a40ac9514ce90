"""What the Hub rules share: calls kept with their scope, judged once the file is seen.

A string constant or a splatted dict may be bound after the call in the text
(a module constant below the function that uses it), so the arguments are read
in `finish`, when every binding of the module is known.
"""

from __future__ import annotations

from ml_policy.lint.calls import Unknown, literal_bool
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext
from ml_policy.lint.scopes import Scope, ScopedRule
from ml_policy.rules.supply_chain.arguments import keyword_value, mutated_names, string_value
from ml_policy.rules.supply_chain.repo_ids import is_hub_id

# Keywords that name the repository or path a loader reads.
ID_KEYWORDS = ("pretrained_model_name_or_path", "repo_id", "repo_or_dir", "path", "model")


class CollectingRule(ScopedRule):
    """Keeps candidate calls with the scope they are in, for `finish`."""

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.calls: list[tuple[cst.Call, Scope]] = []
        self.mutated = context.fact(mutated_names)

    def keep(self, call: cst.Call) -> None:
        self.calls.append((call, self.scope))

    def keyword(
        self, call: cst.Call, keyword: str, scope: Scope
    ) -> cst.BaseExpression | Unknown | None:
        """The value passed as `keyword=`, also through a known `**` dict."""
        return keyword_value(call, keyword, scope, self.mutated)

    def is_true(self, call: cst.Call, keyword: str, scope: Scope) -> bool:
        value = self.keyword(call, keyword, scope)
        return isinstance(value, cst.BaseExpression) and literal_bool(value) is True


def local_path_argument(call: cst.Call, scope: Scope) -> bool:
    """Whether the call's first argument (or its id keyword) is a literal local path."""
    for arg in call.args:
        named = arg.keyword is not None and arg.keyword.value in ID_KEYWORDS
        if named or (arg.keyword is None and not arg.star):
            text = string_value(arg.value, scope)
            return text is not None and not is_hub_id(text)
        if arg.star:
            return False
    return False
