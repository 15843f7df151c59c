"""Applications models."""
