from __future__ import annotations

from tests.support.fixtures import http_fixture, sandbox_fixture, server_fixture

sandbox = sandbox_fixture(scale=0.2)
http = http_fixture()
server = server_fixture()
