"""The unified enums (``ledgergraph.model``), registered as GraphQL enums under their names."""

from __future__ import annotations

import strawberry

from ledgergraph import model

strawberry.enum(model.ContactKind, description="What a contact is to the business.")
strawberry.enum(model.DocumentStatus, description="Where an invoice, bill or credit note stands.")
strawberry.enum(model.PaymentKind, description="Which way money moved, and why.")
strawberry.enum(
    model.AccountClassification, description="The financial statement section of an account."
)
strawberry.enum(model.AccountRole, description="What a ledger account is used for, in any country.")
strawberry.enum(model.TaxKind, description="The kind of a tax rate, in any country.")
strawberry.enum(model.TaxSystem, description="The tax a rate belongs to.")
strawberry.enum(model.ItemKind, description="Product, stock item or service.")
strawberry.enum(model.BankAccountKind, description="The kind of bank account.")

ContactKind = model.ContactKind
DocumentStatus = model.DocumentStatus
PaymentKind = model.PaymentKind
AccountClassification = model.AccountClassification
AccountRole = model.AccountRole
TaxKind = model.TaxKind
TaxSystem = model.TaxSystem
ItemKind = model.ItemKind
BankAccountKind = model.BankAccountKind

__all__ = [
    "AccountClassification",
    "AccountRole",
    "BankAccountKind",
    "ContactKind",
    "DocumentStatus",
    "ItemKind",
    "PaymentKind",
    "TaxKind",
    "TaxSystem",
]
