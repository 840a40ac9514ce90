"""Secrets (MLK): detect-secrets with ML token plugins, a slim baseline, inline allow comments."""
