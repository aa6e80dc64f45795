"""The GraphiQL page: Strawberry's, with LedgerGraph's example query, its assets served from
this server instead of a CDN, and (development only) the demo tenant's token in the Headers tab.

The token goes in the Headers tab rather than in the fetcher's hidden headers because GraphiQL
sends the tab's headers with every HTTP request *and* as the ``connection_init`` payload of
every subscription's WebSocket: what the user sees (and edits) is exactly what the server gets.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from aiohttp import web

ASSETS_PATH = "/graphiql-assets"
ASSETS_DIR = Path(__file__).parent / "static" / "graphiql"

EXAMPLE_QUERY = """# Welcome to LedgerGraph: one accounting model over Sage. Try:
{
  connection {
    status
    business { id name countryCode currency }
  }
  invoices(first: 5) {
    totalCount
    nodes {
      number status totalAmount { amount currency }
      contact { name email }
      lines { description taxRate { kind rate } ledgerAccount { code roles } }
    }
  }
}

# Live changes (run it, then create an invoice from another tab):
# subscription {
#   syncEvents(types: [INVOICE]) {
#     kind source objectId
#     object { ... on Invoice { number status totalAmount { amount currency } } }
#   }
# }
"""

_EXAMPLE = re.compile(r"const EXAMPLE_QUERY = `.*?`;", re.DOTALL)
_CDN = {
    "https://unpkg.com/react@18.2.0/umd/react.production.min.js": "react.production.min.js",
    "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js": (
        "react-dom.production.min.js"
    ),
    "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js": "js.cookie.min.js",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.css": "graphiql.min.css",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.js": "graphiql.min.js",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css": "plugin-explorer.css",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": (
        "plugin-explorer.umd.js"
    ),
}

# Where Strawberry's template sets up the Headers tab (its first tab, and new tabs).
_HEADERS_STATE = "const [headers, setHeaders] = React.useState(parameters.headers);"
_HEADERS_PROP = "headers: headers,"


class TemplateChanged(RuntimeError):
    """Strawberry's GraphiQL template no longer has a line this module rewrites."""


def render(template: str, *, dev_token: str | None) -> str:
    html = _EXAMPLE.sub(
        lambda _m: f"const EXAMPLE_QUERY = {json.dumps(EXAMPLE_QUERY)};", template, count=1
    )
    for cdn, local in _CDN.items():
        html = html.replace(cdn, f"{ASSETS_PATH}/{local}")
    if dev_token:
        html = _prefill_headers(html, {"Authorization": f"Bearer {dev_token}"})
    return html


def initial_headers(headers: dict[str, str]) -> str:
    """The Headers tab's text, as a person would type it."""
    return json.dumps(headers, indent=2)


def _prefill_headers(html: str, headers: dict[str, str]) -> str:
    # A headers= link (GraphiQL's own sharing) still wins over the default.
    text = json.dumps(initial_headers(headers))
    html = _replace_once(
        html,
        _HEADERS_STATE,
        f"const INITIAL_HEADERS = {text};\n"
        "        const [headers, setHeaders] = React.useState(\n"
        "          parameters.headers || INITIAL_HEADERS,\n"
        "        );",
    )
    return _replace_once(
        html, _HEADERS_PROP, "headers: headers,\n          defaultHeaders: INITIAL_HEADERS,"
    )


def _replace_once(html: str, old: str, new: str) -> str:
    if html.count(old) != 1:
        raise TemplateChanged(
            f"Strawberry's GraphiQL template no longer contains {old!r} exactly once; update "
            "ledgergraph/http/graphiql.py to match strawberry/static/graphiql.html."
        )
    return html.replace(old, new, 1)


def add_routes(app: web.Application) -> None:
    app.router.add_static(ASSETS_PATH, ASSETS_DIR, append_version=False)
