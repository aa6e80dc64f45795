"""The two HTML pages of the sandbox's authorization server: consent, and an error page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from aiohttp import web

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;background:#f3f5f7;color:#1d2327;margin:0}
main{max-width:30rem;margin:4rem auto;background:#fff;border-radius:10px;padding:2rem 2.25rem;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:1.3rem;margin:0 0 .25rem}p.sub{color:#5b6670;margin:0 0 1.5rem}
label{display:block;font-weight:600;margin-bottom:.35rem}
select{width:100%;padding:.45rem;font:inherit;border:1px solid #c3cad1;border-radius:6px}
ul{list-style:none;padding:0;margin:.5rem 0 1.5rem;border:1px solid #e2e6ea;border-radius:6px}
li{padding:.5rem .75rem;border-top:1px solid #e2e6ea;display:flex;justify-content:space-between}
li:first-child{border-top:0}.cc{color:#5b6670;font-size:.85rem}.lead{color:#00815d;font-size:.8rem}
.actions{display:flex;gap:.75rem}
button{flex:1;padding:.6rem;font:inherit;font-weight:600;border-radius:6px;cursor:pointer}
.approve{background:#00815d;color:#fff;border:0}.deny{background:#fff;border:1px solid #c3cad1}
.note{color:#5b6670;font-size:.8rem;margin-top:1.25rem}
"""

# Switching user reloads the page so the business list matches; approving works without script.
_SWITCH_USER = (
    "const u=new URL(location.href);u.searchParams.set('user_id',this.value);location.href=u"
)


@dataclass(frozen=True, slots=True)
class BusinessRow:
    name: str
    country_code: str
    is_lead: bool


def _page(title: str, body: str, *, status: int = 200) -> web.Response:
    html = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return web.Response(text=html, status=status, content_type="text/html")


def consent_page(
    *,
    client_id: str,
    scope: str,
    hidden: Mapping[str, str],
    users: Sequence[tuple[str, str]],
    selected_user_id: str,
    businesses: Sequence[BusinessRow],
) -> web.Response:
    """``users`` are ``(id, label)`` pairs; ``hidden`` carries the authorization request."""
    options = "".join(
        f"<option value='{escape(uid)}'{' selected' if uid == selected_user_id else ''}>"
        f"{escape(label)}</option>"
        for uid, label in users
    )
    rows = (
        "".join(
            f"<li><span>{escape(b.name)} <span class='cc'>{escape(b.country_code)}</span></span>"
            f"{'<span class=lead>lead business</span>' if b.is_lead else ''}</li>"
            for b in businesses
        )
        or "<li>No businesses</li>"
    )
    fields = "".join(
        f"<input type='hidden' name='{escape(name)}' value='{escape(value)}'>"
        for name, value in hidden.items()
    )
    access = "read and write" if scope == "full_access" else "read"
    body = (
        "<h1>Sage Accounting</h1>"
        f"<p class='sub'><b>{escape(client_id)}</b> asks for {access} access to your books.</p>"
        f"<form method='post'>{fields}"
        f"<label for='user_id'>Sign in as</label>"
        f"<select id='user_id' name='user_id' onchange=\"{_SWITCH_USER}\">{options}</select>"
        f"<ul>{rows}</ul>"
        "<div class='actions'>"
        "<button class='approve' name='approve' value='yes'>Approve</button>"
        "<button class='deny' name='approve' value='no'>Deny</button></div></form>"
        "<p class='note'>LedgerGraph sandbox: an emulation of Sage's sign-in and consent.</p>"
    )
    return _page("Sage Accounting — authorize", body)


def error_page(message: str, *, status: int = 400) -> web.Response:
    body = f"<h1>Authorization failed</h1><p class='sub'>{escape(message)}</p>"
    return _page("Sage Accounting — error", body, status=status)
