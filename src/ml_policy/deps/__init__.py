"""Dependency policy (the MLD rules): manifest readers, pin classification and the rules."""
