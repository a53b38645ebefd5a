"""Adapters: convert third-party exports into the import format (one CSV per contract table)."""
