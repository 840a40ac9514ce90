"""The calls that fetch a model, dataset or file from a remote repository, and where
each takes the repository id (0-based position and keyword)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Download:
    """A fetching API: where its repository id goes, and what it fetches."""

    what: str  # for messages
    position: int
    keyword: str
    hub: bool = True  # a Hugging Face Hub id pinned by `revision=` (else torch.hub / a URL)


FROM_PRETRAINED = Download("`from_pretrained`", 0, "pretrained_model_name_or_path")
TORCH_HUB_LOAD = Download("`torch.hub.load`", 0, "repo_or_dir", hub=False)
STATE_DICT_FROM_URL = Download("`load_state_dict_from_url`", 0, "url", hub=False)

_HF_HUB_DOWNLOAD = Download("`hf_hub_download`", 0, "repo_id")
_SNAPSHOT_DOWNLOAD = Download("`snapshot_download`", 0, "repo_id")
LOAD_DATASET = Download("`load_dataset`", 0, "path")

DOWNLOADS = {
    "huggingface_hub.hf_hub_download": _HF_HUB_DOWNLOAD,
    "huggingface_hub.file_download.hf_hub_download": _HF_HUB_DOWNLOAD,
    "huggingface_hub.snapshot_download": _SNAPSHOT_DOWNLOAD,
    "huggingface_hub._snapshot_download.snapshot_download": _SNAPSHOT_DOWNLOAD,
    "datasets.load_dataset": LOAD_DATASET,
    "datasets.load.load_dataset": LOAD_DATASET,
    "transformers.pipeline": Download("`pipeline`", 1, "model"),
    "transformers.pipelines.pipeline": Download("`pipeline`", 1, "model"),
    "torch.hub.load": TORCH_HUB_LOAD,
    "torch.hub.load_state_dict_from_url": STATE_DICT_FROM_URL,
    "torch.utils.model_zoo.load_url": STATE_DICT_FROM_URL,
}

# Text every finding needs (an import or an attribute names one of them).
TRIGGERS = (
    "from_pretrained",
    "hf_hub_download",
    "snapshot_download",
    "load_dataset",
    "pipeline",
    "hub",
    "load_url",
)

# For the triggers but `from_pretrained`: the module whose import every finding needs (a
# relative import, as inside the package itself, never resolves to these names).
TRIGGER_MODULES = {
    "hf_hub_download": "huggingface_hub",
    "snapshot_download": "huggingface_hub",
    "load_dataset": "datasets",
    "pipeline": "transformers",
    "hub": "torch",
    "load_url": "torch",
}

# `datasets`' packaged builders: `load_dataset("csv", data_files=...)` reads local files.
PACKAGED_BUILDERS = frozenset(
    {
        "arrow",
        "audiofolder",
        "cache",
        "csv",
        "eval",
        "folder_based_builder",
        "generator",
        "hdf5",
        "imagefolder",
        "json",
        "lance",
        "niftifolder",
        "pandas",
        "parquet",
        "pdffolder",
        "spark",
        "sql",
        "text",
        "videofolder",
        "webdataset",
        "xml",
    }
)
# torch.hub.load_state_dict_from_url(url, model_dir, map_location, progress, check_hash, ...)
CHECK_HASH_POSITION = 4
