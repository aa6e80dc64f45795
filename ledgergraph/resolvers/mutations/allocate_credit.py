"""``allocateCredit``: set credit notes and money on account against a contact's invoices or
bills (Sage's ``POST /contact_allocations``), exactly once per idempotency key.

The side follows from the documents: invoices make a CUSTOMER_ALLOCATION (credits: credit
notes, receipts' money on account), bills a VENDOR_ALLOCATION (supplier credit notes, supplier
payments' money on account). Sage signs the amounts (documents positive, credits negative)
and wants them to balance. Money on account is named in Sage by the payment's
``payment_on_account`` id, read from the payment inside the write, so a retry after a lost
answer sends the same body.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from ledgergraph import kinds, model
from ledgergraph.errors import BadUserInput
from ledgergraph.events import EventKind
from ledgergraph.ids import GlobalId
from ledgergraph.resolvers.context import Context, Info
from ledgergraph.resolvers.lists import business_of
from ledgergraph.resolvers.mutations.lookups import sage_id
from ledgergraph.resolvers.mutations.money_inputs import cents
from ledgergraph.resolvers.mutations.runner import Write, builder, key_for, run_write
from ledgergraph.schema.arguments import IdempotencyKey, WriteBusinessArg
from ledgergraph.schema.contact_allocation import AllocateCreditInput, AllocationPartInput

# What each side settles, and the credits it may use (a payment's money on account: either).
_SETTLED = {
    kinds.INVOICE.type_name: model.ContactKind.CUSTOMER,
    kinds.BILL.type_name: model.ContactKind.SUPPLIER,
}
_CREDITS = {
    kinds.CREDIT_NOTE.type_name: model.ContactKind.CUSTOMER,
    kinds.SUPPLIER_CREDIT_NOTE.type_name: model.ContactKind.SUPPLIER,
    kinds.PAYMENT.type_name: None,
}
_SAGE_TYPES = {
    model.ContactKind.CUSTOMER: "CUSTOMER_ALLOCATION",
    model.ContactKind.SUPPLIER: "VENDOR_ALLOCATION",
}


@dataclasses.dataclass(frozen=True, slots=True)
class _Part:
    type_name: str
    remote_id: str
    amount: Decimal
    field: str


def _parts(
    parts: list[AllocationPartInput], allowed: dict[str, Any], business_id: str, name: str
) -> list[_Part]:
    if not parts:
        raise BadUserInput(f"input.{name} needs at least one document.", field=f"input.{name}")
    read = []
    for i, part in enumerate(parts):
        field = f"input.{name}[{i}]"
        cents(part.amount, f"{field}.amount")
        remote = sage_id(
            part.document_id,
            expect=tuple(allowed),
            business_id=business_id,
            field=f"{field}.documentId",
        )
        type_name = GlobalId.decode(str(part.document_id)).type_name
        read.append(_Part(type_name, remote, part.amount, f"{field}.documentId"))
    return read


def _side(documents: list[_Part], credits: list[_Part]) -> model.ContactKind:
    side = _SETTLED[documents[0].type_name]
    for part in documents:
        if _SETTLED[part.type_name] is not side:
            raise BadUserInput(
                f"{part.field}: invoices and bills cannot be allocated together.",
                field=part.field,
            )
    for part in credits:
        credit_side = _CREDITS[part.type_name]
        if credit_side not in (None, side):
            raise BadUserInput(
                f"{part.field}: a {part.type_name} cannot settle a {documents[0].type_name}.",
                field=part.field,
            )
    return side


async def _artefact_id(context: Context, business_id: str, part: _Part) -> str:
    """Sage's id of what a part names: a payment's money on account has an id of its own."""
    if part.type_name != kinds.PAYMENT.type_name:
        return part.remote_id
    payment: dict[str, Any] = await context.runtime.sage.get(
        context.tenant,
        f"{kinds.PAYMENT.resource.path}/{part.remote_id}",
        business=business_id,
        cached=False,
    )
    on_account = payment.get("payment_on_account") or {}
    if not on_account.get("id"):
        raise BadUserInput(f"{part.field}: the payment has no money on account.", field=part.field)
    return str(on_account["id"])


async def allocate_credit(
    info: Info,
    input: AllocateCreditInput,
    idempotency_key: IdempotencyKey = None,
    business: WriteBusinessArg = None,
) -> Any:
    context = info.context
    key = key_for(context, idempotency_key)
    business_id = await business_of(context, business)
    contact_id = sage_id(
        input.contact_id,
        expect=kinds.CONTACT.type_name,
        business_id=business_id,
        field="input.contactId",
    )
    documents = _parts(input.documents, _SETTLED, business_id, "documents")
    credits = _parts(input.credits, _CREDITS, business_id, "credits")
    side = _side(documents, credits)
    settled = sum((p.amount for p in documents), Decimal(0))
    if sum((p.amount for p in credits), Decimal(0)) != settled:
        raise BadUserInput(
            f"input.credits must add up to input.documents ({settled}).", field="input.credits"
        )
    resource = kinds.CONTACT_ALLOCATION.resource

    async def execute(idempotency_id: str) -> dict[str, Any]:
        lines = [{"artefact_id": p.remote_id, "amount": str(p.amount)} for p in documents]
        for part in credits:
            artefact_id = await _artefact_id(context, business_id, part)
            lines.append({"artefact_id": artefact_id, "amount": str(-part.amount)})
        body: dict[str, Any] = {
            "transaction_type_id": _SAGE_TYPES[side],
            "contact_id": contact_id,
            "allocated_artefacts": lines,
        }
        if input.date is not None:
            body["date"] = input.date.isoformat()
        return await context.runtime.writes.write(
            "POST",
            context.tenant,
            business_id,
            resource.path,
            resource.root,
            body,
            idempotency_id,
        )

    write = Write(
        operation="allocateCredit",
        business_id=business_id,
        payload={"input": dataclasses.asdict(input)},
        object_kind=kinds.CONTACT_ALLOCATION,
        event=EventKind.CREATED,
    )
    return await run_write(context, key, write, execute, builder(context, write))
