"""Servicing models."""
