"""The ``ledgergraph`` command line."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from ledgergraph import __version__
from ledgergraph.api import schema
from ledgergraph.auth import TenantAuthenticator
from ledgergraph.cli import main
from ledgergraph.dev_secrets import dev_jwt_secret
from ledgergraph.sandbox import SandboxConfig, serve_sandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.support.browser import connect_with_link
from tests.support.cli import run_cli
from tests.support.server import serve_ledgergraph, server_env


@pytest.fixture(autouse=True)
def isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    for name in ("LEDGERGRAPH_JWT_SECRET", "LEDGERGRAPH_SAGE_CLIENT_ID", "LEDGERGRAPH_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"ledgergraph {__version__}"


def test_schema_prints_the_sdl(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert capsys.readouterr().out.strip() == schema.as_str().strip()


def test_token_in_sandbox_mode_uses_the_machines_development_secret(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["token", "--tenant", "acme"]) == 0
    token = capsys.readouterr().out.strip()
    assert TenantAuthenticator(dev_jwt_secret()).verify(token).tenant == "acme"


def test_token_uses_the_configured_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGERGRAPH_JWT_SECRET", "configured-secret-that-is-long-enough")
    assert main(["token", "--tenant", "beta", "--ttl", "60"]) == 0
    token = capsys.readouterr().out.strip()
    assert (
        TenantAuthenticator("configured-secret-that-is-long-enough").verify(token).tenant == "beta"
    )


def test_token_in_production_without_a_secret_explains_what_is_missing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGERGRAPH_MODE", "production")
    assert main(["token", "--tenant", "acme"]) == 2
    assert "LEDGERGRAPH_JWT_SECRET" in capsys.readouterr().err


def test_the_development_secret_is_stable_and_owner_only(tmp_path: Path) -> None:
    first = dev_jwt_secret()
    assert dev_jwt_secret() == first
    secret_file = tmp_path / "ledgergraph" / "dev-jwt-secret"
    assert secret_file.stat().st_mode & 0o077 == 0


def test_connect_link_without_redis_says_how_to_get_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEDGERGRAPH_REDIS_URL", raising=False)

    assert main(["connect-link", "--tenant", "acme"]) == 2

    err = capsys.readouterr().err
    assert "LEDGERGRAPH_REDIS_URL" in err
    assert "createConnectLink" in err
    assert "/admin/tenants/<tenant>/connect-link" in err


@pytest.mark.redis
async def test_connect_link_mints_a_link_the_server_redeems(
    redis_url: str, key_prefix: str
) -> None:
    async with (
        serve_sandbox(SandboxConfig(controls=True, scale=0.2)) as sandbox,
        serve_ledgergraph(sandbox, redis_url=redis_url, prefix=key_prefix) as server,
        httpx.AsyncClient(timeout=30) as http,
    ):
        port = urlsplit(server.url).port
        assert port is not None
        env = server_env(sandbox, port=port, redis_url=redis_url, prefix=key_prefix)
        code, out, err = await run_cli(
            env,
            "connect-link",
            "--tenant",
            "acme",
            "--return-url",
            "http://localhost:3000/done",
            "--ttl",
            "90",
        )
        refused_code, _, refused = await run_cli(
            env, "connect-link", "--tenant", "acme", "--return-url", "https://evil.example/"
        )

        assert code == 0, err
        url = out.strip()
        assert url.startswith(f"{server.url}/connect/sage?link=")
        assert "expires" in err
        result = await connect_with_link(http, url, user_id=SOLO_USER_ID)
        assert result.response.status_code == 302
        assert result.response.headers["Location"].startswith(
            "http://localhost:3000/done?connected=1&business="
        )
        body = await server.graphql(http, "acme", "{ connection { status } }")
        assert body["data"]["connection"]["status"] == "CONNECTED"
        assert refused_code == 2
        assert "LEDGERGRAPH_CONNECT_RETURN_URLS" in refused
