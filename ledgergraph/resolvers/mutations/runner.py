"""Run a write exactly once per (tenant, idempotency key).

The key comes from the ``idempotencyKey`` argument or, failing that, the ``Idempotency-Key``
HTTP header. The record is claimed before anything is sent; a replay answers from the record
without calling Sage; definite outcomes are stored, transient failures release the key.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from ledgergraph.cache import StoreError
from ledgergraph.errors import BadUserInput, LedgerGraphError, ValidationFailed
from ledgergraph.events import EventKind
from ledgergraph.idempotency import Claim, Replay, State, sage_idempotency_id
from ledgergraph.kinds import ObjectKind
from ledgergraph.resolvers.context import Context
from ledgergraph.resolvers.lists import business_of
from ledgergraph.security.text import control_character_message, find_control_character

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

log = logging.getLogger(__name__)

# Sage's payload of the object written: what the record stores and a replay re-maps.
SagePayload = dict[str, Any]
# A create mutation's input: a Strawberry input type, so a dataclass.
Input = TypeVar("Input", bound="DataclassInstance")


@dataclass(frozen=True, slots=True)
class Write:
    operation: str
    business_id: str
    # The validated, resolved input: it is what the fingerprint covers.
    payload: dict[str, Any]
    # What is written: it says which cached reads the write makes stale and how its event
    # reports it.
    object_kind: ObjectKind
    event: EventKind


def key_for(context: Context, argument: str | None) -> str:
    key = argument if argument is not None else context.headers.get("Idempotency-Key")
    if key is None:
        raise BadUserInput(
            "Mutations need an idempotency key: pass idempotencyKey (or the Idempotency-Key "
            "header) with a value unique to this operation, and reuse it when retrying.",
            field="idempotencyKey",
        )
    return key


async def run_write(
    context: Context,
    key: str,
    write: Write,
    execute: Callable[[str], Awaitable[SagePayload]],
    build: Callable[[SagePayload], Awaitable[Any]],
) -> Any:
    """``execute(sage_idempotency_id)`` performs the Sage call(s) and returns the written
    object's payload; ``build`` maps a payload to the unified object."""
    refuse_control_characters(write.payload)
    runtime = context.runtime
    # What maps Sage's answer is made before writing: once Sage has written, the answer must
    # not depend on the store still answering.
    await context.loaders.reads.mapper(write.business_id)
    outcome = await runtime.idempotency.begin(
        context.tenant, key, write.operation, {"business": write.business_id, **write.payload}
    )
    if isinstance(outcome, Replay):
        context.idempotent_replay = True
        if outcome.record.state is State.FAILED:
            raise _stored_error(outcome.record.result)
        return await build(outcome.record.result)
    claim: Claim = outcome
    events, tenant = runtime.events, context.tenant
    try:
        # Until the write is recorded as LedgerGraph's own, the poller holds back its reports.
        in_flight = await events.begin_own_write(tenant, write.business_id)
    except BaseException:
        await runtime.idempotency.release(claim)
        raise
    try:
        async with runtime.idempotency.held(claim):
            payload = await execute(
                sage_idempotency_id(tenant, write.business_id, key, claim.fingerprint)
            )
    except ValidationFailed as exc:
        await runtime.idempotency.fail(claim, {"message": exc.message, **exc.extensions})
        await _end_quietly(context, write, in_flight)
        raise
    except BaseException:
        await runtime.idempotency.release(claim)
        await _end_quietly(context, write, in_flight)
        raise
    try:
        await _after_success(context, write, claim, payload)
        await events.end_own_write(tenant, write.business_id, in_flight)
    except StoreError as exc:
        # Sage wrote it: the answer is the object, whatever the store says. A retry with the
        # same key sends the same idempotency_id, which Sage answers with this object again.
        log.warning("a %s succeeded but recording it failed: %s", write.operation, exc)
    return await build(payload)


async def _end_quietly(context: Context, write: Write, in_flight: str | None) -> None:
    """Nothing was written: the poller need not wait (the entry would expire anyway)."""
    try:
        await context.runtime.events.end_own_write(context.tenant, write.business_id, in_flight)
    except StoreError as exc:
        log.warning("could not end a write's in-flight entry: %s", exc)


async def _after_success(
    context: Context, write: Write, claim: Claim, payload: SagePayload
) -> None:
    runtime = context.runtime
    await runtime.idempotency.succeed(claim, payload)
    await runtime.sage.invalidate(context.tenant, write.business_id, *write.object_kind.invalidates)
    # What this request read before the write (the bank accounts it checked the input against,
    # say) is now stale too: the answer's nested fields must show the books after the write.
    context.forget()
    event_type = write.object_kind.event_type
    if payload.get("id") and event_type is not None:
        # Published at once, and remembered so the sync poller does not report it again.
        await runtime.events.record_own_write(
            context.tenant,
            write.business_id,
            event_type,
            str(payload["id"]),
            write.event,
            payload.get("updated_at"),
        )


async def run_create(context: Context, key: str, write: Write, body: dict[str, Any]) -> Any:
    """``run_write`` for a plain POST of ``body`` (already validated) to the kind's resource."""
    return await _run_sent(context, key, write, "POST", write.object_kind.resource.path, body)


async def create_from_input(
    context: Context,
    operation: str,
    kind: ObjectKind,
    input: Input,
    *,
    key_argument: str | None,
    business: str | None,
    body: Callable[[Context, str, Input], Awaitable[dict[str, Any]]],
    validate: Callable[[Input], None] | None = None,
) -> Any:
    """``run_create`` of a new ``kind`` from ``input`` in the ``business`` argument's business,
    Sage's body made by ``body(context, business_id, input)``. The refusals rank as the order
    here: the idempotency key, ``validate(input)`` (what needs no reads), the business, then
    whatever ``body`` refuses."""
    key = key_for(context, key_argument)
    if validate is not None:
        validate(input)
    business_id = await business_of(context, business)
    sage_body = await body(context, business_id, input)
    write = Write(
        operation=operation,
        business_id=business_id,
        payload={"input": asdict(input)},
        object_kind=kind,
        event=EventKind.CREATED,
    )
    return await run_create(context, key, write, sage_body)


async def run_update(
    context: Context, key: str, write: Write, remote_id: str, body: dict[str, Any]
) -> Any:
    """``run_write`` for a plain PUT of ``body`` (already validated) to the object
    ``remote_id`` of the kind's resource."""
    path = f"{write.object_kind.resource.path}/{remote_id}"
    return await _run_sent(context, key, write, "PUT", path, body)


async def _run_sent(
    context: Context,
    key: str,
    write: Write,
    method: Literal["POST", "PUT"],
    path: str,
    body: dict[str, Any],
) -> Any:
    root = write.object_kind.resource.root

    async def execute(idempotency_id: str) -> SagePayload:
        return await context.runtime.writes.write(
            method, context.tenant, write.business_id, path, root, body, idempotency_id
        )

    return await run_write(context, key, write, execute, builder(context, write))


def builder(context: Context, write: Write) -> Callable[[SagePayload], Awaitable[Any]]:
    """What maps Sage's payload of the written object to the unified object."""
    resource = write.object_kind.resource
    reads = context.loaders.reads

    async def build(payload: SagePayload) -> Any:
        return resource.build(await reads.mapper(write.business_id), payload)

    return build


def refuse_control_characters(payload: Any) -> None:
    """Refuse text with control characters anywhere in a mutation's input, naming the field
    (variables were checked before execution; this catches literals in the document)."""
    found = find_control_character(payload)
    if found is not None:
        raise BadUserInput(control_character_message(*found), field=found[0])


def _stored_error(stored: Any) -> LedgerGraphError:
    data = dict(stored or {})
    message = str(data.pop("message", "Sage rejected this request."))
    data.pop("code", None)
    data.pop("retryable", None)
    return ValidationFailed(message, **data)
