"""``/ledger_accounts``: the chart of accounts (no DELETE in Sage; exclude from the chart instead).

``control_name`` marks control accounts; it cannot be set or changed through the API, and a
control account keeps its type and name and stays in the chart.
"""

from __future__ import annotations

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.body import Body
from ledgergraph.sandbox.api.refs import enum_ref, ledger_account_ref, tax_rate_ref
from ledgergraph.sandbox.api.resource import Predicate, Resource
from ledgergraph.sandbox.api.resources import checks
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, day, instant, money, ref
from ledgergraph.sandbox.books.money import ZERO
from ledgergraph.sandbox.books.records import LedgerAccount
from ledgergraph.sandbox.books.reference import account_types

AREAS = (
    "banking",
    "expenses",
    "journals",
    "other_payments",
    "other_receipts",
    "reporting",
    "sales",
)
# visible_scopes uses singular names for the two "other" areas (Sage's example).
_SCOPE_NAMES = {"other_payments": "other_payment", "other_receipts": "other_receipt"}
MAX_NOMINAL_CODE = 99_999_999


def serialise(scope: Scope, account: LedgerAccount) -> JSON:
    books = scope.books
    account_type = account_types()[account.type_id]
    payload: JSON = {
        **ref("ledger_accounts", account.id, account.displayed_as),
        "created_at": instant(account.created_at),
        "updated_at": instant(account.updated_at),
        "ledger_account_group": {
            "id": account_type.group_id,
            "displayed_as": account_type.group_displayed_as,
        },
        "name": account.name,
        "display_name": account.display_name,
        "visible_scopes": [_SCOPE_NAMES.get(a, a) for a in AREAS if a in account.visible_in],
        "included_in_chart": account.included_in_chart,
        "nominal_code": account.nominal_code,
        "ledger_account_type": enum_ref("ledger_account_types", account.type_id),
        "ledger_account_classification": None,
        "tax_rate": tax_rate_ref(books, account.tax_rate_id, scope.today),
        "fixed_tax_rate": account.fixed_tax_rate,
    }
    payload |= {f"visible_in_{area}": area in account.visible_in for area in AREAS}
    if q.flag(scope.query, "show_balance_details"):
        payload["balance_details"] = _balance_details(scope, account)
    payload |= {
        "is_control_account": account.is_control_account,
        "control_name": account.control_name,
        "display_formatted": f"{account.nominal_code:04d} - {account.name}",
        "tax_recoverable": account.tax_recoverable,
        "recoverable_percentage": money(account.recoverable_percentage),
        "non_recoverable_ledger_account": ledger_account_ref(
            books, account.non_recoverable_ledger_account_id
        ),
        "cis_materials": account.cis_materials,
        "tax_instalment": account.tax_instalment,
        "cis_labour": account.cis_labour,
        "gifi_code": account.gifi_code,
    }
    return payload


def _balance_details(scope: Scope, account: LedgerAccount) -> JSON:
    """Debits and credits posted to the account between ``from_date`` and ``to_date``: the
    sums of its ledger entries (``books.ledger``), so every account's details together balance.
    """
    from_date = q.day(scope.query, "from_date")
    to_date = q.day(scope.query, "to_date")
    movements = scope.once(
        "ledger_movements", lambda: scope.books.ledger_movements(from_date, to_date)
    )
    debits, credits = movements.get(account.id, (ZERO, ZERO))
    balance = debits - credits
    return {
        "balance": money(abs(balance)),
        "credit_or_debit": "credit" if balance < 0 else "debit",
        "credits": money(credits),
        "debits": money(debits),
        "from_date": day(from_date),
        "to_date": day(to_date),
    }


def filters(scope: Scope) -> Predicate:
    query = scope.query
    visible_in = q.choice(query, "visible_in", AREAS)
    not_visible_in = q.choice(query, "not_visible_in", AREAS)
    in_chart = q.flag(query, "show_included_in_chart")
    control = q.flag(query, "show_control_accounts")
    types = set((q.text(query, "ledger_account_type_id") or "").split(",")) - {""}
    classification = q.text(query, "ledger_account_classification_id")
    search = (q.text(query, "search") or "").lower()
    for name in ("show_balance_details", "exclude_deleted_entries", "sort_order_from_user_setting"):
        q.flag(query, name)
    q.day(query, "from_date")
    q.day(query, "to_date")

    def keep(a: LedgerAccount) -> bool:
        if visible_in is not None and visible_in not in a.visible_in:
            return False
        if not_visible_in is not None and not_visible_in in a.visible_in:
            return False
        if in_chart is not None and a.included_in_chart != in_chart:
            return False
        if control is not None and a.is_control_account != control:
            return False
        if types and a.type_id not in types:
            return False
        if classification is not None and a.classification_id != classification:
            return False
        if search:
            codes = (str(a.nominal_code), f"{a.nominal_code:04d}")
            return search in a.name.lower() or any(code.startswith(search) for code in codes)
        return True

    return keep


def _code_taken(scope: Scope, code: int, own_id: str | None) -> bool:
    return any(
        a.nominal_code == code and a.id != own_id for a in scope.books.ledger_accounts.values()
    )


def _apply(scope: Scope, account: LedgerAccount, body: Body, *, creating: bool) -> None:
    type_id = checks.enum_id(
        body, "ledger_account_type_id", "ledger_account_types", required=creating
    )
    in_chart = body.boolean("included_in_chart", required=creating)
    name = body.string("name", required=creating, max_length=200)
    display_name = body.string("display_name", required=creating, max_length=200)
    code = body.integer("nominal_code", required=creating)
    if code is not None and not 1 <= code <= MAX_NOMINAL_CODE:
        body.problem("nominal_code", f"The nominal code must be between 1 and {MAX_NOMINAL_CODE}")
    elif code is not None and _code_taken(scope, code, None if creating else account.id):
        body.problem("nominal_code", "This nominal code is already in use")
    tax_rate = checks.tax_rate_id(scope, body, "tax_rate_id")
    fixed = body.boolean("fixed_tax_rate")
    visibility = {area: body.boolean(f"visible_in_{area}") for area in AREAS}
    recoverable = body.boolean("tax_recoverable")
    percentage = body.decimal("recoverable_percentage")
    non_recoverable = checks.ledger_account_id(scope, body, "non_recoverable_ledger_account_id")
    gifi = body.integer("gifi_code")
    cis = {flag: body.boolean(flag) for flag in ("cis_materials", "cis_labour")}
    body.string("control_name")
    if account.is_control_account:
        if type_id is not None and type_id != account.type_id:
            body.problem(
                "ledger_account_type_id", "The type of a control account cannot be changed"
            )
        if name is not None and name != account.name:
            body.problem("name", "The name of a control account cannot be changed")
        if in_chart is False:
            body.problem("included_in_chart", "A control account cannot be excluded from the chart")
    body.problems.raise_if_any()

    if type_id is not None:
        if creating:
            account.visible_in = account_types()[type_id].visible_in
        account.type_id = type_id
    if in_chart is not None:
        account.included_in_chart = in_chart
    if name is not None:
        account.name = name
    if display_name is not None:
        account.display_name = display_name
    if code is not None:
        account.nominal_code = code
    if body.has("tax_rate_id"):
        account.tax_rate_id = tax_rate
    if fixed is not None:
        account.fixed_tax_rate = fixed
    shown = set(account.visible_in)
    for area, shown_there in visibility.items():
        if shown_there is True:
            shown.add(area)
        elif shown_there is False:
            shown.discard(area)
    account.visible_in = frozenset(shown)
    if recoverable is not None:
        account.tax_recoverable = recoverable
    if body.has("recoverable_percentage"):
        account.recoverable_percentage = percentage
    if body.has("non_recoverable_ledger_account_id"):
        account.non_recoverable_ledger_account_id = non_recoverable
    if body.has("gifi_code"):
        account.gifi_code = gifi
    for cis_field, flag_value in cis.items():
        if flag_value is not None:
            setattr(account, cis_field, flag_value)


def create(scope: Scope, body: Body) -> LedgerAccount:
    books = scope.books
    now = books.now()
    account = LedgerAccount(
        id=books.new_id(),
        created_at=now,
        updated_at=now,
        nominal_code=0,
        name="",
        display_name="",
        type_id="",
    )
    _apply(scope, account, body, creating=True)
    books.ledger_accounts[account.id] = account
    return account


def update(scope: Scope, account: LedgerAccount, body: Body) -> LedgerAccount:
    _apply(scope, account, body, creating=False)
    scope.books.touch(account)
    return account


LEDGER_ACCOUNTS: Resource[LedgerAccount] = Resource(
    name="ledger_accounts",
    root="ledger_account",
    store=lambda books: books.ledger_accounts,
    displayed_as=lambda scope, a: a.displayed_as,
    serialise=serialise,
    filters=filters,
    order=lambda a: (a.nominal_code, a.id),
    create=create,
    update=update,
)
