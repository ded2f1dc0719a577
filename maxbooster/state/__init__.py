"""Reflex state classes: thin, one per feature."""
