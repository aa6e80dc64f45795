"""LedgerGraph: one unified GraphQL accounting model over Sage Accounting v3.1."""

__version__ = "0.1.0"
