"""Reading the sandbox's seeded ``truth`` blocks as ``ledgergraph.model`` values.

The truth uses model.py's names; the one addition is a combined Canadian tax system
(``GST_PST``, ``GST_QST``), which the unified model reports as ``taxSystem: null`` with the
parts as the rate's components. Any other name fails the tests, so a mismatch between the
sandbox's vocabulary and the model cannot slip through. Nothing here is product code.
"""

from __future__ import annotations

from ledgergraph.connectors.sage.mapping import Supply
from ledgergraph.model import AccountClassification, AccountRole, TaxKind, TaxSystem


class UnknownTruthName(AssertionError):
    pass


# Combined systems model.py has no member for: the mapper reports ``tax_system=None`` and
# the parts as the rate's components.
COMBINED_TAX_SYSTEMS: dict[str, tuple[TaxSystem, ...]] = {
    "GST_PST": (TaxSystem.GST, TaxSystem.PST),
    "GST_QST": (TaxSystem.GST, TaxSystem.QST),
}


def tax_kind(name: str) -> TaxKind:
    if name in TaxKind.__members__:
        return TaxKind(name)
    raise UnknownTruthName(f"truth tax kind {name!r} is not in model.py")


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
    unknown = [name for name in names if name not in AccountRole.__members__]
    if unknown:
        raise UnknownTruthName(f"truth roles {unknown} are not in model.py")
    return frozenset(AccountRole(name) for name in names)


def supplies(name: str | None) -> Supply | None:
    """What a truth says a revenue account is kept for (None: goods and services alike)."""
    if name is None:
        return None
    if name in Supply.__members__:
        return Supply(name)
    raise UnknownTruthName(f"truth supply {name!r} is not a mapping Supply")
