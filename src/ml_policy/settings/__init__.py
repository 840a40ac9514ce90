"""`[tool.ml-policy]`, one concern a module: each key declared once (model), how values are
checked (kinds, codes, patterns, validation), read (tomlfile, pyproject, layers) and found for
each folder (resolver). `ml_policy.config` is the public face; only bundles imports from here
directly, because the resolver imports bundles.
"""
