"""Per-request dataloaders, keyed by (business, Sage id): they de-duplicate and batch.

They live in the request's context only (never a WebSocket connection's), so their in-process
caches die with the request; the response cache behind ``SageReads`` is what lasts.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from strawberry.dataloader import DataLoader

from ledgergraph import model
from ledgergraph.connectors.sage import resources as r
from ledgergraph.connectors.sage.reads import SageReads

Key = tuple[str, str]  # (business id, Sage id)
T = TypeVar("T")


def _by_business(keys: Sequence[Key]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for business, remote_id in keys:
        grouped[business].append(remote_id)
    return grouped


class ByIdLoader(DataLoader[Key, T | None], Generic[T]):
    """Objects of one resource by id: one batch per business, as cheap as ``many`` makes it."""

    resource: r.Resource

    def __init__(self, reads: SageReads, *, batching: bool = True) -> None:
        super().__init__(load_fn=self._load, max_batch_size=None if batching else 1, cache=batching)
        self._reads = reads

    async def _load(self, keys: Sequence[Key]) -> list[T | None]:
        grouped = _by_business(keys)
        found = await asyncio.gather(
            *(self._reads.many(self.resource, b, ids) for b, ids in grouped.items())
        )
        merged = {
            (b, i): obj for b, objs in zip(grouped, found, strict=True) for i, obj in objs.items()
        }
        return [merged.get(key) for key in keys]


class ReferenceLoader(DataLoader[Key, T | None], Generic[T]):
    """Reference data by id, served from the business's whole list (fetched once)."""

    resource: r.Resource

    def __init__(self, reads: SageReads, *, batching: bool = True) -> None:
        super().__init__(load_fn=self._load, max_batch_size=None if batching else 1, cache=batching)
        self._reads = reads
        self._batching = batching
        self._lists: dict[str, asyncio.Task[list[T]]] = {}

    def all(self, business: str) -> asyncio.Task[list[T]]:
        task = self._lists.get(business)
        if task is None:
            task = asyncio.ensure_future(self._reads.everything(self.resource, business))
            self._lists[business] = task
        return task

    async def _load(self, keys: Sequence[Key]) -> list[T | None]:
        if not self._batching:
            # The naive baseline the benchmark compares against: one GET per reference.
            return [await self._reads.one(self.resource, b, i) for b, i in keys]
        businesses = list(dict.fromkeys(b for b, _ in keys))
        lists = await asyncio.gather(*(self.all(b) for b in businesses))
        index: dict[Key, T] = {
            (b, obj.remote_id): obj  # type: ignore[attr-defined]
            for b, objs in zip(businesses, lists, strict=True)
            for obj in objs
        }
        return [index.get(key) for key in keys]


class ContactByIdLoader(ByIdLoader[model.Contact]):
    resource = r.CONTACTS


class InvoiceByIdLoader(ByIdLoader[model.Invoice]):
    resource = r.INVOICES


class BillByIdLoader(ByIdLoader[model.Bill]):
    resource = r.BILLS


class CreditNoteByIdLoader(ByIdLoader[model.CreditNote]):
    resource = r.CREDIT_NOTES


class PaymentByIdLoader(ByIdLoader[model.Payment]):
    resource = r.PAYMENTS


class ProductByIdLoader(ByIdLoader[model.Item]):
    resource = r.PRODUCTS


class ServiceByIdLoader(ByIdLoader[model.Item]):
    resource = r.SERVICES


class TaxRateByIdLoader(ReferenceLoader[model.TaxRate]):
    resource = r.TAX_RATES


class LedgerAccountByIdLoader(ReferenceLoader[model.LedgerAccount]):
    resource = r.LEDGER_ACCOUNTS


class BankAccountByIdLoader(ReferenceLoader[model.BankAccount]):
    resource = r.BANK_ACCOUNTS


class BusinessByIdLoader(DataLoader[str, model.Business]):
    def __init__(self, reads: SageReads) -> None:
        super().__init__(load_fn=self._load)
        self._reads = reads

    async def _load(self, keys: Sequence[str]) -> list[model.Business]:
        return list(await asyncio.gather(*(self._reads.business_details(k) for k in keys)))


class FinancialSettingsByBusinessLoader(DataLoader[str, model.FinancialSettings]):
    def __init__(self, reads: SageReads) -> None:
        super().__init__(load_fn=self._load)
        self._reads = reads

    async def _load(self, keys: Sequence[str]) -> list[model.FinancialSettings | BaseException]:
        # One business's failure (a lapsed subscription) must not fail the others' fields.
        return list(
            await asyncio.gather(
                *(self._reads.financial_settings(k) for k in keys), return_exceptions=True
            )
        )


class Loaders:
    """The loaders of one request."""

    def __init__(self, reads: SageReads, *, batching: bool = True) -> None:
        """``batching=False`` turns batching and de-duplication off (a benchmark baseline)."""
        self.reads = reads
        self.batching = batching
        self.business = BusinessByIdLoader(reads)
        self.financial_settings = FinancialSettingsByBusinessLoader(reads)
        self.contact = ContactByIdLoader(reads, batching=batching)
        self.invoice = InvoiceByIdLoader(reads, batching=batching)
        self.bill = BillByIdLoader(reads, batching=batching)
        self.credit_note = CreditNoteByIdLoader(reads, batching=batching)
        self.payment = PaymentByIdLoader(reads, batching=batching)
        self.product = ProductByIdLoader(reads, batching=batching)
        self.service = ServiceByIdLoader(reads, batching=batching)
        self.tax_rate = TaxRateByIdLoader(reads, batching=batching)
        self.ledger_account = LedgerAccountByIdLoader(reads, batching=batching)
        self.bank_account = BankAccountByIdLoader(reads, batching=batching)

    def prime(self, objects: Sequence[Any]) -> None:
        """Remember objects a list already returned, so resolving them costs nothing."""
        if not self.batching:
            return
        for obj in objects:
            loader = self._loader_for(obj)
            if loader is not None:
                loader.prime((obj.business_id, obj.remote_id), obj)

    def _loader_for(self, obj: Any) -> DataLoader[Key, Any] | None:
        table: dict[type, DataLoader[Key, Any]] = {
            model.Contact: self.contact,
            model.Invoice: self.invoice,
            model.Bill: self.bill,
            model.CreditNote: self.credit_note,
            model.Payment: self.payment,
        }
        return table.get(type(obj))
