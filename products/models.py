"""Products models."""
