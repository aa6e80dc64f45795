"""What a mutation names by global ID (the object it changes, or the one it adds to) and the
business that object is in; and the change of an object from an ``…UpdateInput``."""

from __future__ import annotations

import dataclasses
from typing import Any

from ledgergraph.errors import BadUserInput
from ledgergraph.events import EventKind
from ledgergraph.ids import GlobalId
from ledgergraph.kinds import ObjectKind
from ledgergraph.resolvers.context import Context
from ledgergraph.resolvers.mutations.runner import Write, run_update


@dataclasses.dataclass(frozen=True, slots=True)
class Target:
    gid: GlobalId
    business_id: str


async def target(
    context: Context, value: str, expect: str | tuple[str, ...], field: str | None = None
) -> Target:
    """The object ``value`` names and its business, the caller's access to it checked.
    ``field`` is the input field it came from, for errors (an ``id`` argument's name none)."""
    try:
        gid = GlobalId.decode(value, expect=expect)
    except BadUserInput as exc:
        if field is None:
            raise
        raise BadUserInput(f"{field}: {exc.message}", field=field) from exc
    business = await context.runtime.sage.business_for(context.tenant, gid.business_id)
    return Target(gid, business.id)


async def update_from_input(
    context: Context,
    key: str,
    operation: str,
    kind: ObjectKind,
    changed: Target,
    input: Any,
    body: dict[str, Any],
) -> Any:
    """``run_update`` of ``body``, the Sage fields ``input`` changes (already validated)."""
    if not body:
        raise BadUserInput("input changes nothing: give at least one field.", field="input")
    write = Write(
        operation=operation,
        business_id=changed.business_id,
        payload={"id": changed.gid.remote_id, "input": dataclasses.asdict(input)},
        object_kind=kind,
        event=EventKind.UPDATED,
    )
    return await run_update(context, key, write, changed.gid.remote_id, body)
