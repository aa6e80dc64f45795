"""The executor LedgerGraph runs operations with: Strawberry's, with a memo per subscription event.

graphql-core 3.3 memoises the sub-fields it collects per executor, keyed by the identity of
the field list it collected them for, and keeps that list alive with the entry. The executor
of each subscription event is a shallow copy of the subscription's, so it shares the memo; and
since every event collects its root fields anew, every event adds an entry that no later event
can hit. The memo then grows by one entry per event delivered for as long as the subscription
stays open: a leak per event, across every long-lived ``syncEvents`` subscriber. Here each
event's executor starts with a memo of its own, which goes when the event is delivered.
"""

from __future__ import annotations

from typing import Any

from graphql.pyutils import RefMap
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

__all__ = ["LedgerGraphExecutor"]


class LedgerGraphExecutor(StrawberryGraphQLCoreExecutionContext):
    def build_per_event_executor(self, payload: Any) -> LedgerGraphExecutor:
        executor = super().build_per_event_executor(payload)
        assert isinstance(executor, LedgerGraphExecutor)
        executor._relevant_sub_fields = {}
        executor._stream_usages = RefMap()
        return executor
