"""``createInvoice``, ``createBill`` and ``createCreditNote``: one document write each, exactly
once per idempotency key."""

from __future__ import annotations

import dataclasses
from typing import Any

from ledgergraph import kinds, model
from ledgergraph.errors import BadUserInput
from ledgergraph.events import EventKind
from ledgergraph.kinds import ObjectKind
from ledgergraph.resolvers.context import Context, Info
from ledgergraph.resolvers.lists import business_of
from ledgergraph.resolvers.mutations.lines import sage_lines, validate
from ledgergraph.resolvers.mutations.lookups import TaxPlace, sage_id, tax_place
from ledgergraph.resolvers.mutations.runner import Write, builder, key_for, run_write
from ledgergraph.schema.arguments import IdempotencyKey, WriteBusinessArg
from ledgergraph.schema.inputs import DocumentInput


@dataclasses.dataclass(frozen=True, slots=True)
class DocumentWrite:
    """How one mutation writes one kind of document."""

    operation: str
    object_kind: ObjectKind
    lines_key: str
    default_role: model.AccountRole
    # Sage takes a bill only with the date it falls due.
    needs_due_date: bool = False


async def create_document(
    context: Context,
    document: DocumentWrite,
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
        place = TaxPlace(region=data.tax_region)
        if any(line.tax_rate_id is None for line in data.lines):
            place = await tax_place(
                context,
                business_id,
                contact_id,
                explicit=data.tax_region,
                sales=document.default_role is model.AccountRole.SALES,
            )
        body: dict[str, Any] = {
            "contact_id": contact_id,
            "date": data.date.isoformat(),
            document.lines_key: await sage_lines(
                context,
                business_id,
                data.lines,
                default_role=document.default_role,
                place=place,
                country=mapper.country_code,
            ),
        }
        optional = {
            "due_date": data.due_date.isoformat() if data.due_date else None,
            "reference": data.reference,
            "notes": data.notes,
            # Sage taxes by this province or state (CA/US); the lines' rates were chosen for it.
            "tax_address_region_id": place.region,
            "vendor_reference": data.vendor_reference,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        resource = document.object_kind.resource
        return await context.runtime.writes.write(
            "POST", context.tenant, business_id, resource.path, resource.root, body, idempotency_id
        )

    write = Write(
        operation=document.operation,
        business_id=business_id,
        payload={"input": dataclasses.asdict(data)},
        object_kind=document.object_kind,
        event=EventKind.CREATED,
    )
    return await run_write(context, key, write, execute, builder(context, write))


def document_mutation(document: DocumentWrite) -> Any:
    """The resolver of the mutation that creates one document of ``document``'s kind."""

    async def resolve(
        info: Info,
        input: DocumentInput,
        idempotency_key: IdempotencyKey = None,
        business: WriteBusinessArg = None,
    ) -> Any:
        if document.needs_due_date and input.due_date is None:
            noun = document.object_kind.type_name.lower()
            raise BadUserInput(f"input.dueDate is required for a {noun}.", field="input.dueDate")
        return await create_document(
            info.context, document, input, key_argument=idempotency_key, business=business
        )

    return resolve


create_invoice = document_mutation(
    DocumentWrite("createInvoice", kinds.INVOICE, "invoice_lines", model.AccountRole.SALES)
)
create_bill = document_mutation(
    DocumentWrite(
        "createBill", kinds.BILL, "invoice_lines", model.AccountRole.PURCHASES, needs_due_date=True
    )
)
create_credit_note = document_mutation(
    DocumentWrite(
        "createCreditNote", kinds.CREDIT_NOTE, "credit_note_lines", model.AccountRole.SALES
    )
)
