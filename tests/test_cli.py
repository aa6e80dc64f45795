"""The ``ledgergraph`` command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgergraph.auth import TenantAuthenticator
from ledgergraph.cli import main
from ledgergraph.dev_secrets import dev_jwt_secret
from ledgergraph.schema import schema


@pytest.fixture(autouse=True)
def isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    for name in ("LEDGERGRAPH_JWT_SECRET", "LEDGERGRAPH_SAGE_CLIENT_ID", "LEDGERGRAPH_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


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
