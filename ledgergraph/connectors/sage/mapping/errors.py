"""What the mapping layer raises: bad country files, bad tenant overrides, unreadable payloads."""

from __future__ import annotations


class MappingError(ValueError):
    """Base of every error raised by ``connectors.sage.mapping``."""


class CountryFileError(MappingError):
    """A country mapping file is missing, not JSON, or breaks the schema.

    Raised at load time so a broken file stops the process instead of mislabelling books.
    """


class OverridesError(MappingError):
    """A tenant's mapping overrides do not match the ``Overrides`` schema."""


class PayloadError(MappingError):
    """A field of a Sage payload cannot be read as what Sage documents it to be."""
