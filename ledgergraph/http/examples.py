"""``/examples/``: the example front end (``examples/`` in the repository), served next to
GraphiQL so it runs with no build step and no CORS set-up.

``/examples/config.json`` tells the page where GraphQL is and, in sandbox/development mode,
hands it the demo tenant's development token (the one GraphiQL is pre-filled with). Any other
server answers ``"token": null`` and the page asks for a token.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from ledgergraph.http.keys import DEV_TOKEN

EXAMPLES_PATH = "/examples"
_PACKAGE = Path(__file__).resolve().parents[2]


def examples_dir() -> Path | None:
    """The example's files: the repository's ``examples/`` in a source checkout, else a copy
    packaged under ``ledgergraph/http/static/examples`` (a wheel built with it)."""
    candidates = (
        # Only a checkout has pyproject.toml beside the package; in site-packages an
        # ``examples`` folder would belong to some other distribution.
        _PACKAGE / "examples" if (_PACKAGE / "pyproject.toml").is_file() else None,
        Path(__file__).parent / "static" / "examples",
    )
    return next((d for d in candidates if d is not None and (d / "index.html").is_file()), None)


async def _config(request: web.Request) -> web.Response:
    return web.json_response(
        {"graphqlUrl": "/graphql", "token": request.app.get(DEV_TOKEN)},
        headers={"Cache-Control": "no-store"},
    )


def add_routes(app: web.Application, directory: Path | None = None) -> None:
    """Serve the example under /examples/; nothing if its files are not there."""
    directory = directory or examples_dir()
    if directory is None:
        return
    index = directory / "index.html"

    async def page(_request: web.Request) -> web.FileResponse:
        return web.FileResponse(index, headers={"Cache-Control": "no-cache"})

    async def to_page(_request: web.Request) -> web.Response:
        raise web.HTTPFound(f"{EXAMPLES_PATH}/")

    app.router.add_get(EXAMPLES_PATH, to_page)
    app.router.add_get(f"{EXAMPLES_PATH}/", page)
    app.router.add_get(f"{EXAMPLES_PATH}/config.json", _config)
    app.router.add_static(EXAMPLES_PATH, directory, append_version=False)
