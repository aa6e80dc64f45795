"""``/graphql``: Strawberry's aiohttp view, with tenant authentication and orjson."""

from __future__ import annotations

import json
import re

import orjson
from aiohttp import web
from strawberry.aiohttp.views import GraphQLView

from ledgergraph.errors import Unauthenticated
from ledgergraph.http.errors import http_error
from ledgergraph.http.keys import DEV_TOKEN, RUNTIME
from ledgergraph.resolvers.context import Context

EXAMPLE_QUERY = """# Welcome to LedgerGraph. Try:
{
  connection {
    status
    business { id name countryCode currency }
    availableBusinesses { id name }
  }
  businesses { id name selected }
}
"""


class LedgerGraphView(GraphQLView[Context, None]):
    async def get_context(self, request: web.Request, response: web.StreamResponse) -> Context:
        runtime = request.app[RUNTIME]
        try:
            principal = runtime.authenticator.authenticate(request.headers.get("Authorization"))
        except Unauthenticated as exc:
            raise http_error(exc) from exc
        return Context(runtime=runtime, principal=principal, headers=request.headers)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: web.Request) -> web.Response:
        html = _EXAMPLE.sub(
            lambda _m: f"const EXAMPLE_QUERY = {json.dumps(EXAMPLE_QUERY)};",
            self.graphql_ide_html,
            count=1,
        )
        token = request.app.get(DEV_TOKEN)
        if token:
            # Development only: GraphiQL works out of the box as the demo tenant.
            headers = json.dumps({"Authorization": f"Bearer {token}"})
            html = html.replace(
                "const defaultHeaders = {};", f"const defaultHeaders = {headers};", 1
            )
        return web.Response(text=html, content_type="text/html")


_EXAMPLE = re.compile(r"const EXAMPLE_QUERY = `.*?`;", re.DOTALL)
