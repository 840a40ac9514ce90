"""Every rule family and every rule, by code: the one list the rest is derived from.

A family is a command and hook (`ml-policy deps`, hook `ml-policy-deps`), the
checker that runs its rules, and its rules as "module:Class" by code. Codes
are written here rather than collected by importing every rule module, so
that validating a configuration (at every start) imports no rule; a test
checks each entry against its class. Adding a rule is one file plus one line
here. `ml-policy rule`, docs/rules, the README's rule table, the codes a
configuration may name and the per-family commands all come from this list.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from ml_policy.rule import BaseRule


@dataclass(frozen=True)
class Family:
    """A command (and hook) with its checker ("module:function") and its rules by code."""

    name: str
    checker: str | None
    rules: dict[str, str] = field(default_factory=dict)

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(sorted({code[:3] for code in self.rules}))


# Findings of no family: a file that could not be read or parsed was not checked, and
# saying nothing would read as "clean"; every checker reports it and nothing switches it off.
PARSE_ERROR = "MLE001"
ALWAYS_ON = ("MLE",)
_PARSE_ERROR_RULE = "ml_policy.parse_error:ParseError"

_HYPER = "ml_policy.rules.hyperparameters"
_LOADING = "ml_policy.rules.data_loading"
_THREADS = "ml_policy.rules.threaded_loading"
_TORCHFIX = "ml_policy.rules.torchfix"
_LOOPS = "ml_policy.rules.training_loops"
_REPRO = "ml_policy.rules.reproducibility"
_SUPPLY = "ml_policy.rules.supply_chain"
_TRAINING = "ml_policy.rules.training"
_DEPS = "ml_policy.deps.rules"
_IMAGES = "ml_policy.images.rules"
_DRIFT = "ml_policy.drift"
_TORCHFIX = "ml_policy.rules.torchfix"

FAMILIES = (
    Family(
        "lint",
        "ml_policy.lint.runner:check",
        {
            "MLM001": f"{_HYPER}.mutated_mutable_default:MutatedMutableDefault",
            "MLM002": f"{_HYPER}.ml_object_default:MLObjectDefault",
            "MLM003": f"{_HYPER}.module_class_attribute:ModuleClassAttribute",
            "MLM004": f"{_HYPER}.argparse_append_default:ArgparseAppendDefault",
            "MLP001": f"{_LOADING}.synchronous_dataloader:SynchronousDataLoader",
            "MLP002": f"{_THREADS}.threaded_cpu_bound_loading:ThreadedCpuBoundLoading",
            "MLP003": f"{_LOADING}.dataloader_pin_memory:DataLoaderPinMemory",
            "MLT001": f"{_TORCHFIX}.removed_function:RemovedFunction",
            "MLT002": f"{_TORCHFIX}.require_grad_typo:RequireGradTypo",
            "MLT003": f"{_TORCHFIX}.checkpoint_use_reentrant:CheckpointUseReentrant",
            "MLT004": f"{_TORCHFIX}.deprecated_function:DeprecatedFunction",
            "MLT005": f"{_TORCHFIX}.private_collate:PrivateCollate",
            "MLC004": f"{_LOOPS}.loss_accumulated_with_graph:LossAccumulatedWithGraph",
            "MLC005": f"{_LOOPS}.missing_zero_grad:MissingZeroGrad",
            "MLC006": f"{_LOOPS}.eval_without_no_grad:EvalWithoutNoGrad",
            "MLR001": f"{_REPRO}.global_seed_in_library_code:GlobalSeedInLibraryCode",
            "MLR002": f"{_REPRO}.unseeded_shuffle:UnseededShuffle",
            "MLS001": f"{_SUPPLY}.unsafe_deserialization:UnsafeDeserialization",
            "MLS002": f"{_SUPPLY}.trust_remote_code_unpinned:TrustRemoteCodeUnpinned",
            "MLS003": f"{_SUPPLY}.unpinned_model_download:UnpinnedModelDownload",
            "MLT101": f"{_TORCHFIX}.unstable_log1p:UnstableLog1p",
            "MLT102": f"{_TORCHFIX}.unstable_expm1:UnstableExpm1",
            "MLT103": f"{_TORCHFIX}.unstable_logsumexp:UnstableLogsumexp",
            "MLT104": f"{_TORCHFIX}.torchvision_pretrained:TorchvisionPretrained",
            "MLT105": f"{_TORCHFIX}.torchvision_to_tensor:TorchvisionV2ToTensor",
            "MLT106": f"{_TORCHFIX}.zero_grad_set_to_none:ZeroGradSetToNoneFalse",
            "MLC001": f"{_TRAINING}.softmax_without_dim:SoftmaxWithoutDim",
            "MLC002": f"{_TRAINING}.unregistered_submodules:UnregisteredSubmodules",
            "MLC003": f"{_TRAINING}.discarded_tensor_result:DiscardedTensorResult",
            "MLC007": (
                f"{_TRAINING}.functional_dropout_without_training:FunctionalDropoutWithoutTraining"
            ),
        },
    ),
    Family(
        "deps",
        "ml_policy.deps.checker:check",
        {
            "MLD001": f"{_DEPS}.unpinned_ml_dependency:UnpinnedMlDependency",
            "MLD002": f"{_DEPS}.overpinned_library_dependency:OverpinnedLibraryDependency",
            "MLD003": f"{_DEPS}.missing_lock_file:MissingLockFile",
            "MLD004": f"{_DEPS}.extra_index_url:ExtraIndexUrl",
            "MLD005": f"{_DEPS}.torch_family_mismatch:TorchFamilyMismatch",
            "MLD006": f"{_DEPS}.unpinned_install_command:UnpinnedInstallCommand",
            "MLI001": f"{_IMAGES}.alpine_base_for_ml:AlpineBaseForMl",
            "MLI002": f"{_IMAGES}.cuda_base_mismatch:CudaBaseMismatch",
            "MLI003": f"{_IMAGES}.unpinned_base_image:UnpinnedBaseImage",
            "MLI004": f"{_IMAGES}.build_tools_in_final_stage:BuildToolsInFinalStage",
            "MLI005": f"{_IMAGES}.weights_baked_into_image:WeightsBakedIntoImage",
        },
    ),
    Family(
        "artifacts",
        "ml_policy.artifacts:check",
        {
            "MLA001": "ml_policy.artifacts.large_artifact:LargeArtifact",
            "MLA002": "ml_policy.artifacts.notebook_outputs:NotebookOutputs",
        },
    ),
    Family(
        "secrets",
        "ml_policy.secrets.checker:check",
        {
            "MLK001": "ml_policy.secrets.ml_service_token:MlServiceToken",
            "MLK002": "ml_policy.secrets.secret:Secret",
        },
    ),
    Family(
        "check-config",
        "ml_policy.drift.checker:check",
        {
            "MLG001": f"{_DRIFT}.ruff_weaker_than_bundle:RuffWeakerThanBundle",
            "MLG002": f"{_DRIFT}.mypy_weaker_than_bundle:MypyWeakerThanBundle",
            "MLG003": f"{_DRIFT}.bandit_weaker_than_bundle:BanditWeakerThanBundle",
            "MLG004": f"{_DRIFT}.hooks_weaker_than_bundle:HooksWeakerThanBundle",
            "MLG005": f"{_DRIFT}.ml_policy_weaker_than_bundle:MlPolicyWeakerThanBundle",
            "MLG006": f"{_DRIFT}.stale_override:StaleOverride",
            "MLG007": f"{_DRIFT}.config_not_read:ConfigNotRead",
            "MLG008": f"{_DRIFT}.checks_off_project_wide:ChecksOffProjectWide",
        },
    ),
)

# The release of ml-policy that added each rule. A bundle version turns on only the rules
# of its release and before, so a repository meets new rules when it upgrades its bundle,
# not when it bumps the hook's rev (a later rule is still selected by its full code). The
# first release's codes are frozen in tests/test_registry.py: a new rule needs a line here.
FIRST_RELEASE = "0.1.0"
_ADDED_LATER = {
    "MLG001": "0.2.0",
    "MLG002": "0.2.0",
    "MLG003": "0.2.0",
    "MLG004": "0.2.0",
    "MLG005": "0.2.0",
    "MLG006": "0.2.0",
    "MLG007": "0.2.0",
    "MLG008": "0.2.0",
    "MLT001": "0.3.0",
    "MLT002": "0.3.0",
    "MLT003": "0.3.0",
    "MLT004": "0.3.0",
    "MLT005": "0.3.0",
    "MLC004": "0.3.0",
    "MLC005": "0.3.0",
    "MLC006": "0.3.0",
    "MLR001": "0.3.0",
    "MLR002": "0.3.0",
    "MLS001": "0.3.0",
    "MLS002": "0.3.0",
    "MLS003": "0.3.0",
    "MLT101": "0.3.0",
    "MLT102": "0.3.0",
    "MLT103": "0.3.0",
    "MLT104": "0.3.0",
    "MLT105": "0.3.0",
    "MLT106": "0.3.0",
    "MLC001": "0.3.0",
    "MLC002": "0.3.0",
    "MLC003": "0.3.0",
    "MLC007": "0.3.0",
    "MLI001": "0.3.0",
    "MLI002": "0.3.0",
    "MLI003": "0.3.0",
    "MLI004": "0.3.0",
    "MLI005": "0.3.0",
}

# What a lint verdict reads beyond its file, by rule code: a function of (path, settings)
# whose string joins the cache key, so a change there is not answered from the cache.
# Named here, not on the rule class, so that a warm run imports no rule.
CACHE_CONTEXTS = {
    "MLS001": f"{_SUPPLY}.torch_pin:cache_context",
    "MLT004": f"{_SUPPLY}.torch_pin:amp_cache_context",
}

_SPECS = {PARSE_ERROR: _PARSE_ERROR_RULE} | {
    code: spec for family in FAMILIES for code, spec in family.rules.items()
}
RULE_CODES = tuple(sorted(_SPECS))

# Families filed for later releases, until their first rule arrives. Naming one
# (`select = ["MLX"]`) is valid, so a configuration or bundle can be written ahead of
# them; it selects no rule yet. Every family filed so far has shipped.
_PLANNED: dict[str, str] = {}
RESERVED_FAMILIES = {
    prefix: what
    for prefix, what in _PLANNED.items()
    if not any(code.startswith(prefix) for code in RULE_CODES)
}


def added(code: str) -> str:
    """The release of ml-policy that added the rule `code`."""
    return _ADDED_LATER.get(code, FIRST_RELEASE)


def added_after(release: str) -> frozenset[str]:
    """The codes of rules added in a release later than `release`."""
    return frozenset(code for code in RULE_CODES if _version(added(code)) > _version(release))


def _version(release: str) -> tuple[int, ...]:
    return tuple(int(part) for part in release.split("."))


def family(name: str) -> Family:
    return next(f for f in FAMILIES if f.name == name)


def load(spec: str) -> object:
    """The object a "module:attribute" spec names (the module is imported now)."""
    module, _, attribute = spec.partition(":")
    return getattr(importlib.import_module(module), attribute)


@cache
def rule_class(code: str) -> type[BaseRule] | None:
    spec = _SPECS.get(code.upper())
    return None if spec is None else _rule(spec)


@cache
def rules(family_name: str | None = None) -> tuple[type[BaseRule], ...]:
    """The rule classes of one family (of every family and MLE001 when None), by code.

    Kept once loaded: the deps checker asks for its rules for every manifest."""
    if family_name is None:
        return tuple(_rule(_SPECS[code]) for code in RULE_CODES)
    return tuple(_rule(spec) for _, spec in sorted(family(family_name).rules.items()))


def _rule(spec: str) -> type[BaseRule]:
    return cast("type[BaseRule]", load(spec))
