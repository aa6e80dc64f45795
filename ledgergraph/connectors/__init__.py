"""Upstream systems LedgerGraph talks to; one sub-package each."""
