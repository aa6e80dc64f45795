"""Strawberry schema extensions, one per file."""
