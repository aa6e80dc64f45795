"""What createInvoice, createBill and createCreditNote share: one document write."""

from __future__ import annotations

import dataclasses
from typing import Any

from ledgergraph import model
from ledgergraph.connectors.sage.resources import Resource
from ledgergraph.events import EventKind
from ledgergraph.resolvers.context import Context
from ledgergraph.resolvers.lists import business_of
from ledgergraph.resolvers.mutations.lines import sage_lines, validate
from ledgergraph.resolvers.mutations.references import sage_id
from ledgergraph.resolvers.mutations.runner import Write, key_for, run_write
from ledgergraph.schema.inputs import DocumentInput


@dataclasses.dataclass(frozen=True, slots=True)
class DocumentKind:
    operation: str
    object_type: str
    resource: Resource
    root: str
    lines_key: str
    default_role: model.AccountRole
    invalidates: tuple[str, ...]


async def create_document(
    context: Context,
    kind: DocumentKind,
    data: DocumentInput,
    *,
    key_argument: str | None,
    business: str | None,
) -> Any:
    key = key_for(context, key_argument)
    business_id = await business_of(context, business)
    validate(data.lines)
    contact_id = sage_id(
        data.contact_id, expect="Contact", business_id=business_id, field="input.contactId"
    )
    reads = context.loaders.reads

    async def execute(idempotency_id: str) -> dict[str, Any]:
        mapper = await reads.mapper(business_id)
        country = getattr(mapper, "country_code", None)
        body: dict[str, Any] = {
            "contact_id": contact_id,
            "date": data.date.isoformat(),
            kind.lines_key: await sage_lines(
                context,
                business_id,
                data.lines,
                default_role=kind.default_role,
                region=data.tax_region,
                country=country,
            ),
        }
        optional = {
            "due_date": data.due_date.isoformat() if data.due_date else None,
            "reference": data.reference,
            "notes": data.notes,
            "tax_address_region_id": data.tax_region,
            "vendor_reference": data.vendor_reference,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        return await context.runtime.writes.write(
            "POST", context.tenant, business_id, kind.resource.path, kind.root, body, idempotency_id
        )

    async def build(payload: dict[str, Any]) -> Any:
        return kind.resource.build(await reads.mapper(business_id), payload)

    write = Write(
        operation=kind.operation,
        business_id=business_id,
        payload={"input": dataclasses.asdict(data)},
        object_type=kind.object_type,
        kind=EventKind.CREATED,
        invalidates=kind.invalidates,
    )
    return await run_write(context, key, write, execute, build)
