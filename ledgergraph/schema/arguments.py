"""Arguments several root fields take, declared once."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

BusinessArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="A business of the Sage user (default: the selected one)."),
]
# Writes say where they write to.
WriteBusinessArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="The business to write to (default: the selected one)."),
]
IdempotencyKey = Annotated[
    str | None,
    strawberry.argument(
        description="Required (here or as the Idempotency-Key header): unique per operation; "
        "send the same key again when retrying."
    ),
]
First = Annotated[int | None, strawberry.argument(description="Page size, 1-200 (default 20).")]
After = Annotated[str | None, strawberry.argument(description="Continue after this cursor.")]
ModifiedSince = Annotated[
    dt.datetime | None, strawberry.argument(description="Only objects changed since then.")
]
