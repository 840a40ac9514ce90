"""Large-file, git-lfs and notebook checks (the MLA rules).

MLA001 large-artifact: weights, datasets or any file over the bundle's size
limit, or outside git-lfs where the settings require it. MLA002
notebook-outputs: notebooks with committed outputs or over their size limit.
"""

from ml_policy.artifacts.checker import check

__all__ = ["check"]
