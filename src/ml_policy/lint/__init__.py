"""The ML lint engine: pre-filter, screen with ast, one libcst parse for all rules, cache, pool."""
