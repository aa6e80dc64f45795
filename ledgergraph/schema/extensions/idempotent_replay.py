"""Mark responses answered from an idempotency record: ``extensions.idempotentReplay``."""

from __future__ import annotations

from typing import Any

from strawberry.extensions import SchemaExtension


class IdempotentReplay(SchemaExtension):
    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        if getattr(context, "idempotent_replay", False):
            return {"idempotentReplay": True}
        return {}
