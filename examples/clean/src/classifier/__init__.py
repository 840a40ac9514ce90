"""A small classifier trained on feature vectors."""
