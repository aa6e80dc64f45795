"""The GraphiQL page: Strawberry's, with LedgerGraph's example query, its assets served from
this server instead of a CDN, and (development only) the demo tenant's token pre-filled."""

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


def render(template: str, *, dev_token: str | None) -> str:
    html = _EXAMPLE.sub(
        lambda _m: f"const EXAMPLE_QUERY = {json.dumps(EXAMPLE_QUERY)};", template, count=1
    )
    for cdn, local in _CDN.items():
        html = html.replace(cdn, f"{ASSETS_PATH}/{local}")
    if dev_token:
        headers = json.dumps({"Authorization": f"Bearer {dev_token}"})
        html = html.replace("const defaultHeaders = {};", f"const defaultHeaders = {headers};", 1)
    return html


def add_routes(app: web.Application) -> None:
    app.router.add_static(ASSETS_PATH, ASSETS_DIR, append_version=False)
