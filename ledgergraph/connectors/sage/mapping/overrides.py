"""Per-tenant corrections to the country mapping; they win over the country files.

The caller keeps them with the tenant's connection as plain JSON::

    {"tax_rates": {"<sage tax rate id>": {"kind": "REDUCED", "tax_system": "VAT"}},
     "ledger_accounts": {"<sage id or nominal code>": {"roles": ["SALES"],
                                                       "classification": "REVENUE"}}}

A field that is present replaces the derived value, even when it is ``null`` (``"kind": null``
marks a rate as deliberately unclassified); a field that is absent leaves the derivation alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from ledgergraph.connectors.sage.mapping.errors import OverridesError
from ledgergraph.model import AccountClassification, AccountRole, TaxKind, TaxSystem


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TaxRateOverride(_Strict):
    kind: TaxKind | None = None
    tax_system: TaxSystem | None = None


class LedgerAccountOverride(_Strict):
    classification: AccountClassification | None = None
    roles: tuple[AccountRole, ...] | None = None


def _nominal_code(key: str) -> int | None:
    # Sage ids are 32 hex characters; nominal codes have at most 8 digits ("0041" means 41).
    stripped = key.strip()
    return int(stripped) if stripped.isdigit() and len(stripped) <= 12 else None


class Overrides(_Strict):
    tax_rates: dict[str, TaxRateOverride] = {}
    ledger_accounts: dict[str, LedgerAccountOverride] = {}

    _by_code: dict[int, LedgerAccountOverride] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        for key, override in self.ledger_accounts.items():
            code = _nominal_code(key)
            if code is not None:
                self._by_code.setdefault(code, override)

    @classmethod
    def parse(cls, data: Overrides | Mapping[str, Any] | None) -> Overrides:
        """Validate the JSON a connection stores; ``None`` or ``{}`` means no overrides."""
        if isinstance(data, Overrides):
            return data
        if not data:
            return NO_OVERRIDES
        if not isinstance(data, Mapping):
            raise OverridesError(f"mapping overrides must be an object, not {type(data).__name__}")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise OverridesError(f"invalid mapping overrides:\n{exc}") from exc

    def to_json(self) -> dict[str, Any]:
        """The plain dict to store with the connection (only what was set)."""
        return self.model_dump(mode="json", exclude_unset=True)

    def for_tax_rate(self, sage_id: str) -> TaxRateOverride | None:
        return self.tax_rates.get(sage_id)

    def for_ledger_account(
        self, sage_id: str, nominal_code: int | None
    ) -> LedgerAccountOverride | None:
        """By Sage id first, then by nominal code."""
        found = self.ledger_accounts.get(sage_id)
        if found is None and nominal_code is not None:
            found = self._by_code.get(nominal_code)
        return found


NO_OVERRIDES = Overrides()
