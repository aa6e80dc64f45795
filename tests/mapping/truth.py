"""Reading the sandbox's seeded ``truth`` blocks in ``ledgergraph.model``'s names.

The books engineer's vocabulary (``ledgergraph/sandbox/books/countries/vocabulary.json``)
differs from model.py in places; the lead aligns the names later. Until then every known
difference is listed here, and any name that is neither model.py's nor listed fails the
tests, so a new mismatch cannot slip through unnoticed. Nothing here is product code.
"""

from __future__ import annotations

from ledgergraph.model import AccountClassification, AccountRole, TaxKind, TaxSystem


class UnknownTruthName(AssertionError):
    pass


# Same meaning, different name.
TAX_KIND_RENAMES: dict[str, TaxKind] = {"OUT_OF_SCOPE": TaxKind.OUTSIDE_SCOPE}
ROLE_RENAMES: dict[str, AccountRole] = {
    "RECEIVABLES": AccountRole.ACCOUNTS_RECEIVABLE,
    "PAYABLES": AccountRole.ACCOUNTS_PAYABLE,
    "OUTPUT_TAX": AccountRole.SALES_TAX,
    "INPUT_TAX": AccountRole.PURCHASE_TAX,
}

# Combined systems model.py has no member for: the mapper reports ``tax_system=None`` and
# the parts as the rate's components.
COMBINED_TAX_SYSTEMS: dict[str, tuple[TaxSystem, ...]] = {
    "GST_PST": (TaxSystem.GST, TaxSystem.PST),
    "GST_QST": (TaxSystem.GST, TaxSystem.QST),
}


def tax_kind(name: str) -> TaxKind:
    if name in TAX_KIND_RENAMES:
        return TAX_KIND_RENAMES[name]
    if name in TaxKind.__members__:
        return TaxKind(name)
    raise UnknownTruthName(f"truth tax kind {name!r} is neither in model.py nor a known rename")


def tax_system(name: str) -> TaxSystem | None:
    """The model's system for a truth system; None for a combined one (see components)."""
    if name in COMBINED_TAX_SYSTEMS:
        return None
    if name in TaxSystem.__members__:
        return TaxSystem(name)
    raise UnknownTruthName(f"truth tax system {name!r} is neither in model.py nor known")


def classification(name: str) -> AccountClassification:
    if name in AccountClassification.__members__:
        return AccountClassification(name)
    raise UnknownTruthName(f"truth classification {name!r} is not in model.py")


def roles(names: tuple[str, ...]) -> frozenset[AccountRole]:
    """The model roles a truth role list means; every truth role must have one."""
    found: set[AccountRole] = set()
    for name in names:
        if name in ROLE_RENAMES:
            found.add(ROLE_RENAMES[name])
        elif name in AccountRole.__members__:
            found.add(AccountRole(name))
        else:
            raise UnknownTruthName(f"truth role {name!r} is neither in model.py nor known")
    return frozenset(found)
