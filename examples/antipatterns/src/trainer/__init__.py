"""A training package with ML anti-patterns (see README.md)."""
