"""MLS003: a model, dataset or file fetched from a remote repository at no pinned commit."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from ml_policy.config import Settings
from ml_policy.deps.commits import is_commit
from ml_policy.lint.calls import UNKNOWN, argument, literal_bool
from ml_policy.lint.imports import ImportTable
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext
from ml_policy.lint.scopes import Scope
from ml_policy.rules.data_loading.dataloaders import is_test_code
from ml_policy.rules.supply_chain.arguments import (
    ast_string_candidate,
    pins_commit,
    string_names,
    string_value,
)
from ml_policy.rules.supply_chain.downloads import (
    CHECK_HASH_POSITION,
    DOWNLOADS,
    FROM_PRETRAINED,
    LOAD_DATASET,
    PACKAGED_BUILDERS,
    STATE_DICT_FROM_URL,
    TORCH_HUB_LOAD,
    TRIGGER_MODULES,
    TRIGGERS,
    Download,
)
from ml_policy.rules.supply_chain.hub_rule import CollectingRule
from ml_policy.rules.supply_chain.repo_ids import is_hub_id
from ml_policy.rules.supply_chain.text_screens import (
    imports_module,
    may_pass_string,
    word_search,
)

# The triggers with the module each needs, as words: `hub` is not in `huggingface_hub`.
_TRIGGER_WORDS = {word: re.compile(rf"{word}\b") for word in TRIGGER_MODULES}


# The fetching functions' last names, by where they take the id: a call must pass it a
# string literal or a name bound to one (`_candidate`, the stdlib screen, reads no more).
def _fetch_calls() -> dict[tuple[str, int], tuple[str, ...]]:
    found: dict[tuple[str, int], dict[str, None]] = {}
    for name, download in DOWNLOADS.items():
        where = (download.keyword, download.position)
        found.setdefault(where, {})[name.rsplit(".", 1)[1]] = None
    return {where: tuple(names) for where, names in found.items()}


_FETCH_CALLS = _fetch_calls()
# torch.hub's `owner/name` or `owner/name:ref` (a branch, tag or commit of a GitHub repository).
_GITHUB_REPO = re.compile(r"[\w.-]+/[\w.-]+(?::(?P<ref>[\w./-]+))?")


class UnpinnedModelDownload(CollectingRule):
    """## What it does
    Checks for models, datasets and files fetched from a remote repository
    without a pinned commit: `from_pretrained`, `hf_hub_download`,
    `snapshot_download`, `load_dataset` and `pipeline(model=...)` given a Hub id
    and no `revision=` that is a full 40-hex commit id; `torch.hub.load` of a
    GitHub `owner/name` with no `:<commit>` (`trust_repo=True` is named in the
    message: it runs the repository's `hubconf.py` without asking); and
    `torch.hub.load_state_dict_from_url` of a URL without `check_hash=True`.

    ## Why is this bad?
    A repository id names whatever the repository holds when the program
    runs. A new push changes the weights (and the results) under the same
    code, and a compromised or renamed repository serves different files, which
    `torch.load` may then unpickle. A branch or tag (`main`, `v1.0`) is not a
    pin: both can be moved. Only a commit id names fixed content.

    Silent when the id is not a literal string (a parameter, a config value), or
    a name bound once to one (a module constant); for local paths (`./x`, `/x`,
    `~/x`, `a/b/c`, `model.bin`) and `datasets`' packaged builders (`csv`,
    `json`, `imagefolder`, ...); when the revision is not a literal or an unknown
    `**kwargs` could pass one; with `local_files_only=True` (the cache only);
    for `torch.hub.load(..., source="local")`;
    when `trust_remote_code=True` is passed (MLS002 reports that call); and in
    tests and test helpers (`test_*.py`, `tests/`, `test_utils/`), which fetch
    small fixtures by the hundred.

    ## Example
    ```python
    from transformers import AutoModel

    model = AutoModel.from_pretrained("google-bert/bert-base-uncased")
    ```

    ## Use instead
    ```python
    from transformers import AutoModel

    BERT_COMMIT = "86b5e0934494bd15c9632b12f734a8a67f723594"
    model = AutoModel.from_pretrained("google-bert/bert-base-uncased", revision=BERT_COMMIT)
    ```

    ## References
    - [huggingface_hub: Download files from a specific version](https://huggingface.co/docs/huggingface_hub/guides/download#from-specific-version)
    - [torch.hub.load](https://pytorch.org/docs/stable/hub.html#torch.hub.load)
    - [bandit B615: huggingface_unsafe_download](https://bandit.readthedocs.io/en/latest/plugins/b615_huggingface_unsafe_download.html)
    - [CWE-494: Download of Code Without Integrity Check](https://cwe.mitre.org/data/definitions/494.html)
    """

    code = "MLS003"
    cheap_on_tree = True
    name = "unpinned-model-download"
    summary = "Model, dataset or file fetched from a remote repository without a pinned commit"
    triggers: ClassVar[tuple[str, ...]] = TRIGGERS
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch
        from datasets import load_dataset
        from transformers import AutoModel

        SHA = "0123456789abcdef0123456789abcdef01234567"
        a = AutoModel.from_pretrained("org/model", revision=SHA)
        b = AutoModel.from_pretrained("./checkpoints/best")
        c = AutoModel.from_pretrained(args.model_name)
        d = AutoModel.from_pretrained("org/model", revision=args.revision)
        e = load_dataset("csv", data_files="train.csv")
        f = torch.hub.load("./hubconf_dir", "model", source="local")
        g = torch.hub.load(f"pytorch/vision:{SHA}", "resnet50")


        class Model:
            @classmethod
            def load(cls, pretrained_model_name_or_path):
                return cls.from_pretrained(pretrained_model_name_or_path)
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import torch as T
        from huggingface_hub import hf_hub_download
        from transformers import AutoTokenizer, pipeline

        MODEL = "org/model"
        tok = AutoTokenizer.from_pretrained(MODEL)  # error
        tok = AutoTokenizer.from_pretrained("gpt2", revision="v1.0")  # error
        path = hf_hub_download("org/model", "weights.safetensors")  # error
        pipe = pipeline("text-generation", "org/model")  # error
        hub = T.hub.load("pytorch/vision:v0.10.0", "resnet18", trust_repo=True)  # error
        state = T.hub.load_state_dict_from_url("https://example.com/w.pth")  # error
        """,
        """
        from datasets import load_dataset as load


        def data():
            return load("glue", "mrpc")  # error
        """,
    )

    @classmethod
    def applies_to(cls, path: Path, settings: Settings) -> bool:
        return not is_test_code(path)  # tests fetch tiny fixtures by the hundred

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        if not text.exact:
            return True
        if may_pass_string(text.text, ("from_pretrained",), FROM_PRETRAINED.keyword, 0):
            return True
        if not any(
            word_search(pattern, text.raw) and imports_module(text.raw, TRIGGER_MODULES[word])
            for word, pattern in _TRIGGER_WORDS.items()
        ):
            return False
        return any(
            may_pass_string(text.text, names, keyword, position)
            for (keyword, position), names in _FETCH_CALLS.items()
        )

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        names = context.fact(string_names)
        return any(_candidate(node, context.imports, names) for node in context.nodes(ast.Call))

    @classmethod
    def places(cls, context: FileContext) -> Iterator[ast.Call]:
        # A call's verdict reads its arguments and what its scopes bind them to.
        names = context.fact(string_names)
        return (
            node for node in context.nodes(ast.Call) if _candidate(node, context.imports, names)
        )

    def visit_Call(self, node: cst.Call) -> None:
        if self._download(node) is not None:
            self.keep(node)

    def _download(self, call: cst.Call) -> Download | None:
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "from_pretrained":
            return FROM_PRETRAINED
        name = self.resolve(call.func)
        return None if name is None else DOWNLOADS.get(name)

    def finish(self) -> None:
        for call, scope in self.calls:
            download = self._download(call)
            found = argument(call, download.keyword, download.position) if download else None
            if download is None or not isinstance(found, cst.Arg):
                continue
            source = string_value(found.value, scope)
            if source is None:
                continue
            if download is TORCH_HUB_LOAD:
                message = self._torch_hub(call, scope, source)
            elif download is STATE_DICT_FROM_URL:
                message = _unchecked_url(call, source)
            else:
                message = self._hub(call, scope, download, source)
            if message:
                self.report(call, message)

    def _hub(self, call: cst.Call, scope: Scope, download: Download, repo: str) -> str | None:
        """The message for a Hugging Face Hub fetch of `repo`, None when it is pinned."""
        if not is_hub_id(repo) or (download is LOAD_DATASET and repo in PACKAGED_BUILDERS):
            return None
        if self.is_true(call, "trust_remote_code", scope):
            return None  # MLS002's finding
        if self.is_true(call, "local_files_only", scope):
            return None  # reads the cache, never the network
        revision = self.keyword(call, "revision", scope)
        if pins_commit(revision, scope) is not False:
            return None
        how = "without `revision=`" if revision is None else "at a branch or tag"
        return (
            f"{download.what} fetches `{repo}` {how}: whatever the repository holds at run time "
            "is used; pin `revision=` to a commit id"
        )

    def _torch_hub(self, call: cst.Call, scope: Scope, repo: str) -> str | None:
        source = self.keyword(call, "source", scope)
        if source is not None and not (
            isinstance(source, cst.BaseExpression) and string_value(source, scope) == "github"
        ):
            return None  # "local", or a source that cannot be read
        match = _GITHUB_REPO.fullmatch(repo)
        if match is None or is_commit(match["ref"] or ""):
            return None
        trusted = (
            " and `trust_repo=True` runs its hubconf.py unasked"
            if self.is_true(call, "trust_repo", scope)
            else ""
        )
        return (
            f"`torch.hub.load` fetches `{repo}` at no commit{trusted}: "
            "pin it as `owner/name:<commit id>`"
        )


def _unchecked_url(call: cst.Call, url: str) -> str | None:
    if not url.startswith(("http://", "https://")):
        return None
    check = argument(call, "check_hash", CHECK_HASH_POSITION)
    if check is UNKNOWN or (check is not None and literal_bool(check.value) is not False):
        return None  # True, a value that cannot be read, or a splat that may pass it
    return (
        "`load_state_dict_from_url` without `check_hash=True`: the downloaded file is "
        "never compared with the hash in its name"
    )


def _candidate(call: ast.Call, imports: ImportTable, names: frozenset[str]) -> bool:
    """A fetching call whose id argument could be a literal (the screen)."""
    if isinstance(call.func, ast.Attribute) and call.func.attr == "from_pretrained":
        download: Download | None = FROM_PRETRAINED
    else:
        name = imports.resolve_ast(call.func)
        download = None if name is None else DOWNLOADS.get(name)
    if download is None:
        return False
    values = [k.value for k in call.keywords if k.arg == download.keyword]
    if len(call.args) > download.position:
        values.append(call.args[download.position])
    return any(ast_string_candidate(value, names) for value in values)
