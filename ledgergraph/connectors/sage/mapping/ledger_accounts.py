"""Sage ledger accounts → ``LedgerAccount`` (classification, roles), and the reverse lookup.

Classification comes from Sage's ``ledger_account_type``; roles (and what the account supplies,
goods or services) from the first matching rule of the country file (nominal codes, control
names, types, name keywords), then of the defaults. The tenant's override (by Sage id, else by
nominal code) replaces classification or roles.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledgergraph.connectors.sage.mapping.overrides import NO_OVERRIDES, Overrides
from ledgergraph.connectors.sage.mapping.rules import NIL_KINDS, AccountRule, CountryRules, Supply
from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    flag,
    integer,
    ref,
    ref_id,
    required_id,
    text,
)
from ledgergraph.model import AccountClassification, AccountRole, LedgerAccount, TaxRate


@dataclass(frozen=True, slots=True)
class AccountClassificationResult:
    classification: AccountClassification | None
    roles: tuple[AccountRole, ...]
    supplies: Supply | None = None


def _rule_matches(
    rule: AccountRule, code: int | None, type_id: str | None, control: str | None, name: str
) -> bool:
    if rule.has_code_condition:
        if code is None:
            return False
        digits = str(code)
        if not (
            code in rule.codes
            or any(low <= code <= high for low, high in rule.code_ranges)
            or any(digits.startswith(prefix) for prefix in rule.code_prefixes)
        ):
            return False
    if rule.types and type_id not in rule.types:
        return False
    if rule.control_names and control not in rule.control_names:
        return False
    return not rule.name_keywords or any(k.casefold() in name for k in rule.name_keywords)


def classify_ledger_account(
    data: Payload, rules: CountryRules, overrides: Overrides = NO_OVERRIDES
) -> AccountClassificationResult:
    """Classification and roles of one Sage ledger account payload."""
    code = integer(data, "nominal_code")
    type_id = ref_id(data, "ledger_account_type")
    control = text(data, "control_name")
    name = (text(data, "name") or text(data, "display_name") or "").casefold()
    classification = rules.classification_by_type.get(type_id) if type_id else None
    roles: tuple[AccountRole, ...] = ()
    supplies: Supply | None = None
    for rule in rules.account_rules:
        if _rule_matches(rule, code, type_id, control, name):
            roles = rule.roles
            classification = rule.classification or classification
            supplies = rule.supplies
            break
    override = overrides.for_ledger_account(required_id(data, "ledger account"), code)
    if override is not None:
        if "classification" in override.model_fields_set:
            classification = override.classification
        if "roles" in override.model_fields_set:
            roles = override.roles or ()
    return AccountClassificationResult(classification, roles, supplies)


def _visible(data: Payload, flag_name: str, scope: str) -> bool:
    if data.get(flag_name) is not None:
        return flag(data, flag_name)
    scopes = data.get("visible_scopes")
    return isinstance(scopes, list) and scope in scopes


def ledger_account(
    data: Payload, business_id: str, rules: CountryRules, overrides: Overrides = NO_OVERRIDES
) -> LedgerAccount:
    """A ``LedgerAccount`` from a ``/ledger_accounts`` item (full detail or ``attributes=all``)."""
    ident = required_id(data, "ledger account")
    code = integer(data, "nominal_code")
    classified = classify_ledger_account(data, rules, overrides)
    return LedgerAccount(
        business_id=business_id,
        remote_id=ident,
        remote_data=dict(data),
        # Sage shows nominal codes zero-padded ("0041"); the integer on the wire drops that.
        code="" if code is None else str(code).zfill(rules.nominal_code_width),
        name=text(data, "name") or text(data, "display_name") or text(data, "displayed_as") or "",
        classification=classified.classification,
        roles=classified.roles,
        account_type=ref_id(data, "ledger_account_type"),
        default_tax_rate=ref(data, "tax_rate"),
        is_control_account=flag(data, "is_control_account"),
        visible_in_sales=_visible(data, "visible_in_sales", "sales"),
        visible_in_purchases=_visible(data, "visible_in_expenses", "expenses"),
    )


def _code_order(account: LedgerAccount) -> tuple[int, int, str]:
    if account.code.isdigit():
        return (0, int(account.code), account.code)
    return (1, 0, account.code)


def _tax_fit(account: LedgerAccount, rate: TaxRate | None, kinds: dict[str, TaxRate]) -> int:
    # Sage books a line at its account's default tax rate unless told otherwise, so an account
    # whose default is the line's rate (or of its kind) is the one meant for such sales:
    # DE 8400 "Erlöse 19 % USt" for a 19 % line, not 8120 "Steuerfreie Umsätze".
    if rate is None:
        return 0
    default = account.default_tax_rate.id if account.default_tax_rate is not None else None
    if default is None:
        return 2
    if default == rate.remote_id:
        return 0
    found = kinds.get(default)
    if found is None or found.kind is None or rate.kind is None:
        return 2
    if found.kind == rate.kind:
        return 1
    return 3 if (found.kind in NIL_KINDS) == (rate.kind in NIL_KINDS) else 4


def _supply_fit(supplies: Supply | None, wanted: Supply | None) -> int:
    if wanted is None:
        # A line that says nothing is a sale of goods, as on Sage's own invoice form.
        return 1 if supplies is Supply.SERVICES else 0
    if supplies is wanted:
        return 0
    return 1 if supplies is None else 2


def ledger_account_for(
    role: AccountRole,
    accounts: Iterable[LedgerAccount],
    rules: CountryRules,
    *,
    tax_rate: TaxRate | None = None,
    rates: Iterable[TaxRate] = (),
    supplies: Supply | None = None,
) -> LedgerAccount | None:
    """The tenant's account for ``accountRole: <role>``, or None when no account has the role.

    ``tax_rate`` is the line's rate (``rates`` the business's, to know the kind of each
    account's default rate) and ``supplies`` what the line sells. Tie-breaks, in order: visible
    where the role is used (sales roles prefer accounts visible in sales, purchase and expense
    roles those visible in purchases); the account's default tax rate is the line's, else of
    its kind, else absent, else as (un)taxed as the line's; the account supplies what the line
    does (a line that says nothing prefers an account not kept for services); lowest nominal
    code (numerically; non-numeric codes last); Sage id.
    """
    area = rules.role_areas.get(role)
    by_id = {rate.remote_id: rate for rate in rates}

    def rank(account: LedgerAccount) -> tuple[int, int, int, tuple[int, int, str], str]:
        if area == "sales":
            hidden = 0 if account.visible_in_sales else 1
        elif area == "purchases":
            hidden = 0 if account.visible_in_purchases else 1
        else:
            hidden = 0
        kept_for = classify_ledger_account(account.remote_data, rules).supplies
        return (
            hidden,
            _tax_fit(account, tax_rate, by_id),
            _supply_fit(kept_for, supplies),
            _code_order(account),
            account.remote_id,
        )

    return min((a for a in accounts if role in a.roles), key=rank, default=None)
