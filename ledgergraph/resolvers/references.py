"""Resolvers that follow a reference (``invoice.contact``, ``line.taxRate``…) through the
request's dataloaders; a reference Sage did not send costs nothing."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from ledgergraph import model
from ledgergraph.resolvers.context import Info


async def contact_of(root: Any, info: Info) -> Any:
    ref: model.Ref | None = root.contact
    if ref is None:
        return None
    return await info.context.loaders.contact.load((root.business_id, ref.id))


async def tax_rate_of(root: Any, info: Info) -> Any:
    ref: model.Ref | None = root.tax_rate
    if ref is None:
        return None
    return await info.context.loaders.tax_rate.load((root.business_id, ref.id))


async def ledger_account_of(root: Any, info: Info) -> Any:
    ref: model.Ref | None = root.ledger_account
    if ref is None:
        return None
    return await info.context.loaders.ledger_account.load((root.business_id, ref.id))


async def bank_account_of(root: Any, info: Info) -> Any:
    ref: model.Ref | None = root.bank_account
    if ref is None:
        return None
    return await info.context.loaders.bank_account.load((root.business_id, ref.id))


async def item_of(root: model.LineItem, info: Info) -> Any:
    if root.item is None:
        return None
    loaders = info.context.loaders
    loader = loaders.service if root.item_kind is model.ItemKind.SERVICE else loaders.product
    return await loader.load((root.business_id, root.item.id))


async def default_tax_rate_of(root: model.LedgerAccount, info: Info) -> Any:
    if root.default_tax_rate is None:
        return None
    return await info.context.loaders.tax_rate.load((root.business_id, root.default_tax_rate.id))


async def sales_ledger_account_of(root: model.Item, info: Info) -> Any:
    if root.sales_ledger_account is None:
        return None
    key = (root.business_id, root.sales_ledger_account.id)
    return await info.context.loaders.ledger_account.load(key)


async def purchase_ledger_account_of(root: model.Item, info: Info) -> Any:
    if root.purchase_ledger_account is None:
        return None
    key = (root.business_id, root.purchase_ledger_account.id)
    return await info.context.loaders.ledger_account.load(key)


async def sales_tax_rate_of(root: model.Item, info: Info) -> Any:
    if root.sales_tax_rate is None:
        return None
    return await info.context.loaders.tax_rate.load((root.business_id, root.sales_tax_rate.id))


async def allocated_document(root: model.Allocation, info: Info) -> Any:
    loaders = info.context.loaders
    table: dict[str, DataLoader[tuple[str, str], Any]] = {
        "INVOICE": loaders.invoice,
        "BILL": loaders.bill,
        "CREDIT_NOTE": loaders.credit_note,
    }
    loader = table.get(root.document_type)
    if loader is None:
        return None
    return await loader.load((root.business_id, root.document.id))
