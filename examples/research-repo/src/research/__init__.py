"""Fine-tuning experiments."""
