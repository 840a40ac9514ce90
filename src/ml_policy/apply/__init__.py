"""init (and later sync, upgrade): merge a bundle into a repository's config files per key."""
