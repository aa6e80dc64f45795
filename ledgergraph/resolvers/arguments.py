"""Turning GraphQL arguments into what Sage understands."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledgergraph import model
from ledgergraph.errors import BadUserInput
from ledgergraph.ids import GlobalId

# Unified status → Sage artefact status id.
SAGE_STATUS = {
    model.DocumentStatus.DRAFT: "DRAFT",
    model.DocumentStatus.PRO_FORMA: "PRO_FORMA",
    model.DocumentStatus.UNPAID: "UNPAID",
    model.DocumentStatus.PARTIALLY_PAID: "PART_PAID",
    model.DocumentStatus.PAID: "PAID",
    model.DocumentStatus.VOID: "VOID",
    model.DocumentStatus.DISPUTED: "DISPUTED",
}


def business_id(value: str, *, field: str = "business") -> str:
    """Sage's id of the business a Business global ID names. Sage's raw id (32 lowercase hex
    digits, what ``remoteId`` shows) is accepted too: it names the same business."""
    if len(value) == 32 and all(c in "0123456789abcdef" for c in value):
        return value
    try:
        gid = GlobalId.decode(value, expect="Business")
    except BadUserInput as exc:
        raise BadUserInput(
            f"{field} must be a Business ID (Business.id, e.g. from businesses {{ id }}); "
            f"{exc.message}",
            field=field,
        ) from exc
    if gid.business_id != gid.remote_id:
        raise BadUserInput(f"{value!r} is not a Business ID.", field=field)
    return gid.remote_id


def business_id_from(value: str | None, *, field: str = "business") -> str | None:
    """An optional ``business`` argument (None: the selected business)."""
    return None if value is None else business_id(value, field=field)


def document_filters(
    *,
    modified_since: dt.datetime | None = None,
    status: model.DocumentStatus | None = None,
    contact: str | None = None,
    from_date: dt.date | None = None,
    to_date: dt.date | None = None,
    search: str | None = None,
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if modified_since is not None:
        params["updated_or_created_since"] = modified_since.isoformat()
    if status is not None and status in SAGE_STATUS:
        params["status_id"] = SAGE_STATUS[status]
    if contact is not None:
        params["contact_id"] = GlobalId.decode(contact, expect="Contact").remote_id
    if from_date is not None:
        params["from_date"] = from_date.isoformat()
    if to_date is not None:
        params["to_date"] = to_date.isoformat()
    if search:
        params["search"] = search
    return params
