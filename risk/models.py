"""Risk models."""
