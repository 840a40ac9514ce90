"""`ml-policy check-config`: where a repository's configuration is weaker than its bundle (MLG)."""
