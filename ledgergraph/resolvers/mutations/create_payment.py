"""``createPayment``: a receipt, payment or refund allocated to invoices or bills, exactly
once per idempotency key."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgergraph import kinds, model
from ledgergraph.errors import BadUserInput
from ledgergraph.resolvers.context import Context, Info
from ledgergraph.resolvers.mutations.lookups import sage_id
from ledgergraph.resolvers.mutations.runner import create_from_input
from ledgergraph.schema.arguments import IdempotencyKey, WriteBusinessArg
from ledgergraph.schema.inputs import PaymentInput

SAGE_TRANSACTION_TYPES = {
    model.PaymentKind.CUSTOMER_RECEIPT: "CUSTOMER_RECEIPT",
    model.PaymentKind.SUPPLIER_PAYMENT: "VENDOR_PAYMENT",
    model.PaymentKind.CUSTOMER_REFUND: "CUSTOMER_REFUND",
    model.PaymentKind.SUPPLIER_REFUND: "VENDOR_REFUND",
}
PAYMENT_METHODS = frozenset({"CASH", "CHECK", "ELECTRONIC", "CREDIT_DEBIT", "ONLINE_PAYMENT"})
# A supplier refund settles supplier credit notes, as a customer refund settles credit notes.
ALLOCATABLE = tuple(
    k.type_name for k in (kinds.INVOICE, kinds.BILL, kinds.CREDIT_NOTE, kinds.SUPPLIER_CREDIT_NOTE)
)


def payment_body(data: PaymentInput, business_id: str) -> dict[str, Any]:
    if data.total_amount <= 0:
        raise BadUserInput("input.totalAmount must be positive.", field="input.totalAmount")
    if data.payment_method is not None and data.payment_method not in PAYMENT_METHODS:
        raise BadUserInput(
            f"input.paymentMethod must be one of {', '.join(sorted(PAYMENT_METHODS))}.",
            field="input.paymentMethod",
        )
    allocated = sum((a.amount for a in data.allocations), Decimal(0))
    if allocated > data.total_amount:
        raise BadUserInput(
            "input.allocations add up to more than input.totalAmount.", field="input.allocations"
        )
    allocations = []
    for i, allocation in enumerate(data.allocations):
        field = f"input.allocations[{i}]"
        if allocation.amount <= 0:
            raise BadUserInput(f"{field}.amount must be positive.", field=f"{field}.amount")
        allocations.append(
            {
                "artefact_id": sage_id(
                    allocation.document_id,
                    expect=ALLOCATABLE,
                    business_id=business_id,
                    field=f"{field}.documentId",
                ),
                "amount": str(allocation.amount),
            }
        )
    body: dict[str, Any] = {
        "transaction_type_id": SAGE_TRANSACTION_TYPES[data.kind],
        "contact_id": sage_id(
            data.contact_id,
            expect=kinds.CONTACT.type_name,
            business_id=business_id,
            field="input.contactId",
        ),
        "bank_account_id": sage_id(
            data.bank_account_id,
            expect=kinds.BANK_ACCOUNT.type_name,
            business_id=business_id,
            field="input.bankAccountId",
        ),
        "date": data.date.isoformat(),
        "total_amount": str(data.total_amount),
        "allocated_artefacts": allocations,
    }
    if data.reference is not None:
        body["reference"] = data.reference
    if data.payment_method is not None:
        body["payment_method_id"] = data.payment_method
    return body


# Its refusals rank after the business's (the IDs it reads are checked against it).
async def _body(context: Context, business_id: str, data: PaymentInput) -> dict[str, Any]:
    return payment_body(data, business_id)


async def create_payment(
    info: Info,
    input: PaymentInput,
    idempotency_key: IdempotencyKey = None,
    business: WriteBusinessArg = None,
) -> Any:
    return await create_from_input(
        info.context,
        "createPayment",
        kinds.PAYMENT,
        input,
        key_argument=idempotency_key,
        business=business,
        body=_body,
    )
