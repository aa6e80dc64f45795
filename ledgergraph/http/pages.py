"""The few HTML pages a person sees during the connect flow."""

from __future__ import annotations

from html import escape

from ledgergraph.types import BusinessRef

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f5f6f8;margin:0}
main{max-width:32rem;margin:4rem auto;background:#fff;border-radius:12px;padding:2rem;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:1.4rem;margin-top:0}.err{color:#b00020}
label{display:block;padding:.6rem;border:1px solid #ddd;border-radius:8px;margin:.4rem 0}
button{background:#00815d;color:#fff;border:0;border-radius:8px;padding:.7rem 1.4rem;
font-size:1rem;cursor:pointer;margin-top:1rem}small{color:#666}
"""


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)} · LedgerGraph</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def success(business: BusinessRef) -> str:
    country = f" ({escape(business.country_code)})" if business.country_code else ""
    return _page(
        "Connected",
        f"<h1>Connected to Sage</h1><p>LedgerGraph now reads and writes the books of "
        f"<strong>{escape(business.name)}</strong>{country}.</p>"
        "<p><small>You can close this window.</small></p>",
    )


def chooser(businesses: tuple[BusinessRef, ...], chooser_token: str) -> str:
    options = "".join(
        f"<label><input type=radio name=business_id value='{escape(b.id)}'"
        f"{' checked' if i == 0 else ''}> {escape(b.name)}</label>"
        for i, b in enumerate(businesses)
    )
    return _page(
        "Choose a business",
        "<h1>Which Sage business should LedgerGraph use?</h1>"
        "<form method=post action='/connect/sage/select'>"
        f"<input type=hidden name=chooser value='{escape(chooser_token)}'>{options}"
        "<button type=submit>Use this business</button></form>",
    )


def error(message: str) -> str:
    return _page(
        "Connection failed",
        f"<h1>Could not connect to Sage</h1><p class=err>{escape(message)}</p>",
    )
