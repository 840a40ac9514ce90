"""MLS002: `trust_remote_code=True` without a revision pinned to a commit."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import ClassVar

from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext
from ml_policy.rules.supply_chain.arguments import pins_commit
from ml_policy.rules.supply_chain.hub_rule import CollectingRule, local_path_argument

KEYWORD = "trust_remote_code"


class TrustRemoteCodeUnpinned(CollectingRule):
    """## What it does
    Checks for calls that pass `trust_remote_code=True` (as a keyword, in a
    literal `**{...}` or `**dict(...)`, or in a `**kwargs` dict bound once to
    such a literal) without also passing `revision=` pinned to a full 40-hex
    commit id.

    ## Why is this bad?
    `trust_remote_code=True` makes `transformers`, `datasets`, `kernels` and
    friends import and run Python files from the model repository. Without a
    pinned commit, they run whatever the repository holds at download time: a
    new push (or a compromised account) changes the code your program executes,
    with your credentials and data. A branch or a tag (`main`, `v1.0`) can be
    moved; a commit id cannot, so only a commit id pins the code you reviewed.

    Silent when `trust_remote_code` is not a literal `True`, when `revision`
    (or `version=`, as the `kernels` library names it) is not a literal (it
    cannot be judged), when an unknown `**kwargs` could pass a revision, with
    `local_files_only=True` (nothing is fetched), and when the repository is a
    literal local path (`./x`, `/x`, `a/b/c`): that code is your own.

    ## Example
    ```python
    from transformers import AutoModel

    model = AutoModel.from_pretrained("org/model", trust_remote_code=True)
    ```

    ## Use instead
    ```python
    from transformers import AutoModel

    model = AutoModel.from_pretrained(
        "org/model",
        trust_remote_code=True,
        revision="0123456789abcdef0123456789abcdef01234567",  # reviewed commit
    )
    ```

    ## References
    - [transformers: Using a model with custom code](https://huggingface.co/docs/transformers/custom_models#using-a-model-with-custom-code)
    - [Hugging Face Hub: Security](https://huggingface.co/docs/hub/security)
    - [bandit B615: huggingface_unsafe_download](https://bandit.readthedocs.io/en/latest/plugins/b615_huggingface_unsafe_download.html)
    """

    code = "MLS002"
    name = "trust-remote-code-unpinned"
    summary = "`trust_remote_code=True` without `revision=` pinned to a commit"
    triggers: ClassVar[tuple[str, ...]] = (KEYWORD,)
    valid: ClassVar[tuple[str, ...]] = (
        """
        from transformers import AutoModel

        sha = "0123456789abcdef0123456789abcdef01234567"
        a = AutoModel.from_pretrained("org/m", trust_remote_code=True, revision=sha)
        g = AutoTokenizer.from_pretrained("org/m", local_files_only=True, trust_remote_code=True)
        k = get_kernel("org/kernels", version=version, trust_remote_code=True)
        b = AutoModel.from_pretrained("org/m", trust_remote_code=False)
        c = AutoModel.from_pretrained("org/m", trust_remote_code=args.trust)
        d = AutoModel.from_pretrained("org/m", trust_remote_code=True, revision=args.rev)
        e = AutoModel.from_pretrained("./checkpoint", trust_remote_code=True)
        f = AutoModel.from_pretrained("org/m", trust_remote_code=True, **hub_kwargs)
        options = dict(trust_remote_code=True)
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        from transformers import AutoModel as M
        from datasets import load_dataset

        a = M.from_pretrained("org/m", trust_remote_code=True)  # error
        b = M.from_pretrained(name, revision="main", trust_remote_code=True)  # error
        c = load_dataset("org/data", **{"trust_remote_code": True})  # error
        """,
        """
        from transformers import AutoTokenizer

        hub = {"trust_remote_code": True, "revision": "v1.0"}


        def load(name):
            return AutoTokenizer.from_pretrained(name, **hub)  # error
        """,
    )

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return any(_trusts(node) for node in context.nodes(ast.keyword, ast.Dict))

    @classmethod
    def places(cls, context: FileContext) -> Iterator[ast.Call]:
        # The reported calls pass the keyword, or a `**` dict (bound in a scope around them).
        for node in context.nodes(ast.Call):
            if any(item.arg in {KEYWORD, None} for item in node.keywords):
                yield node

    def visit_Call(self, node: cst.Call) -> None:
        if not (isinstance(node.func, cst.Name) and node.func.value == "dict"):
            self.keep(node)

    def finish(self) -> None:
        for call, scope in self.calls:
            if not self.is_true(call, KEYWORD, scope):
                continue
            if self.is_true(call, "local_files_only", scope):
                continue  # the cache only: nothing is fetched
            pinned = self.keyword(call, "revision", scope)
            if pinned is None:  # the `kernels` library names it `version=`
                pinned = self.keyword(call, "version", scope)
            if pins_commit(pinned, scope) is not False:
                continue  # a commit, or a revision that cannot be read
            if local_path_argument(call, scope):
                continue
            self.report(call, self._message)

    _message = (
        "`trust_remote_code=True` without `revision=` pinned to a commit: the repository's "
        "code runs as it is at download time, whoever pushed it"
    )


def _trusts(node: ast.AST) -> bool:
    """`trust_remote_code=True`, or a `{"trust_remote_code": True}` entry."""
    if isinstance(node, ast.keyword):
        return node.arg == KEYWORD and _is_true(node.value)
    if isinstance(node, ast.Dict):
        return any(
            isinstance(key, ast.Constant) and key.value == KEYWORD and _is_true(value)
            for key, value in zip(node.keys, node.values, strict=True)
        )
    return False


def _is_true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is True
