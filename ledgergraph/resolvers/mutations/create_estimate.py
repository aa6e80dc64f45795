"""``createEstimate``: a sales estimate, exactly once per idempotency key; written as a quote
is (``create_quote``), to Sage's ``/sales_estimates``."""

from __future__ import annotations

from ledgergraph import kinds
from ledgergraph.resolvers.mutations.create_quote import quote_mutation

create_estimate = quote_mutation("createEstimate", kinds.ESTIMATE)
