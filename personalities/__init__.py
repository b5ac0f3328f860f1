"""Personality prototypes as YAML, and their loader."""
