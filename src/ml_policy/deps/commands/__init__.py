"""Package installs in install commands: Dockerfiles, shell scripts, CI workflows, notebooks.

The MLD006 (unpinned-install-command) and MLD004 (extra-index-url) rules
read what `pip install`, `python -m pip install`, `uv pip install`, `uv add`
and `conda`/`mamba`/`micromamba` `install`/`create` are asked to install, and
the index options they are given. Each file kind is read with its real
syntax (Dockerfile instructions, YAML, notebook JSON) down to POSIX shell
text, which `ml_policy.deps.shell` splits into commands and words.

Positions are 1-based, counted in characters, lines split at `\\n`; a
word's span starts at its first character, the opening quote when it is
quoted, and ends just past its last (the closing quote). An index option's
span covers the option and its value. Notebook positions are within the
cell (`cell` is the cell's 1-based index among all cells).
Precision first: arguments the shell expands are returned with
`literal=False`, and text that cannot be placed exactly is left out.

One module a file kind (`dockerfile`, `scripts`, `workflow`, `notebook`),
`installers` for the install commands in their shell text and `scan` for
the positions of what they install.
"""

from ml_policy.deps.commands.scan import CommandScan, IndexOption, InstallArg, scan_file
from ml_policy.deps.manifests import is_command_file, is_dockerfile

__all__ = [
    "CommandScan",
    "IndexOption",
    "InstallArg",
    "is_command_file",
    "is_dockerfile",
    "scan_file",
]
