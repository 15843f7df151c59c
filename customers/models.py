"""Customers models."""
