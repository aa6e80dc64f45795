"""Secrets never reach a log: tokens, JWTs, the client secret, authorization codes, connect
links and Fernet keys are redacted in every record, whoever logs it — also while things fail."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from cryptography.fernet import Fernet

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.security.redaction import REDACTED, install_log_redaction, redact
from ledgergraph.types import TenantId
from tests.security.helpers import Tenant, connect_tenant, post
from tests.security.keys import claims, hs256
from tests.support.browser import consent, start_connect
from tests.support.server import ENCRYPTION_KEY, JWT_SECRET, LiveServer

pytestmark = pytest.mark.redis

JWT = hs256(claims())
FERNET_KEY = Fernet.generate_key().decode()
FERNET_TOKEN = Fernet(FERNET_KEY).encrypt(b"refresh-token").decode()
SECRETS_IN_TEXT = {
    "bearer-header": (f"Authorization: Bearer {JWT}", JWT),
    "bearer-in-dict": ("{'authorization': 'Bearer opaque-token-123'}", "opaque-token-123"),
    "basic-header": ("Authorization: Basic c2FuZGJveDpzZWNyZXQ=", "c2FuZGJveDpzZWNyZXQ="),
    "bare-jwt": (f"could not verify {JWT} today", JWT),
    "oauth-callback": ("GET /oauth/sage/callback?code=GB/4f2a9c&state=s.t.u HTTP/1.1", "4f2a9c"),
    "token-form": ("grant_type=refresh_token&refresh_token=rt-abc123&client_id=c", "rt-abc123"),
    "client-secret": ("client_secret=sandbox-secret&code=abc", "sandbox-secret"),
    "json-tokens": ('{"access_token": "at-987", "token_type": "bearer"}', "at-987"),
    "connect-link": ("GET /connect/sage?link=l1nk.v4lue HTTP/1.1", "l1nk.v4lue"),
    "fernet-key": (f"keys={FERNET_KEY},other", FERNET_KEY),
    "fernet-token": (f"stored {FERNET_TOKEN}", FERNET_TOKEN),
    "env-secret": ("LEDGERGRAPH_JWT_SECRET=hunter2hunter2", "hunter2hunter2"),
    "admin-key": ("X-Admin-Key: adm1n-k3y-0123456789", "adm1n-k3y-0123456789"),
    "bare-api-key": (f"used lgk_ab12cd34_{'S' * 43} twice", "S" * 43),
}


@pytest.mark.parametrize(("text", "secret"), SECRETS_IN_TEXT.values(), ids=SECRETS_IN_TEXT)
def test_secrets_are_redacted_from_text(text: str, secret: str) -> None:
    redacted = redact(text)
    assert secret not in redacted
    assert REDACTED in redacted


@pytest.mark.parametrize(
    "text",
    [
        'GraphQL error {"code": "NOT_FOUND", "retryable": false}',
        "token_type=bearer",
        "refresh of tenant acme failed: REAUTH_REQUIRED",
        "GET /v3.1/contacts?page=2&items_per_page=200 200",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_every_logger_is_redacted_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    install_log_redaction()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("aiohttp.access").info("GET /oauth/sage/callback?code=%s", "GB/c0de")
    try:
        raise RuntimeError(f"Sage said no to {JWT}")
    except RuntimeError:
        logging.getLogger("ledgergraph.test").exception("with %s", f"Bearer {JWT}")
    assert "GB/c0de" not in caplog.text
    assert JWT not in caplog.text
    assert "Sage said no to" in caplog.text  # the message stays readable


def _with_code(callback_url: str, code: str) -> str:
    parts = urlsplit(callback_url)
    query = dict(parse_qsl(parts.query)) | {"code": code}
    return urlunsplit(parts._replace(query=urlencode(query)))


async def test_no_secret_is_logged_while_connecting_and_failing(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    token = server.token("acme")
    # A failed exchange: a code Sage never issued.
    callback = await consent(
        http, await start_connect(http, server.url, token), user_id=SOLO_USER_ID
    )
    issued_code = dict(parse_qsl(urlsplit(callback).query))["code"]
    failed = await http.get(_with_code(callback, "GB/" + "0" * 64), headers={"Accept": "text/html"})
    assert failed.status_code == 400
    # Bad tenant tokens, of every kind.
    forged = hs256(claims(), "a-secret-the-server-does-not-know-xyz")
    for bad in (forged, JWT + "x", "not-a-jwt-but-secret-ish"):
        assert (await post(http, server, "{ __typename }", token=bad)).status == 401
    # A successful connect (the authorization code is in the callback URL, in access logs).
    acme: Tenant = await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)
    assert server.runtime is not None
    stored = await server.runtime.tokens.load(TenantId(acme.name))
    assert stored is not None

    logged = caplog.text
    assert "/oauth/sage/callback?code=[REDACTED]" in logged  # the access log saw the code
    for secret in (
        issued_code,
        forged,
        token,
        acme.token,
        stored.tokens.access_token,
        stored.tokens.refresh_token,
        sandbox.config.client_secret,
        JWT_SECRET,
        ENCRYPTION_KEY,
    ):
        assert secret not in logged


async def test_an_internal_error_about_a_secret_logs_no_secret(
    server: LiveServer,
    http: httpx.AsyncClient,
    acme: Tenant,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert server.runtime is not None
    stored = await server.runtime.tokens.load(TenantId(acme.name))
    assert stored is not None
    leaked = stored.tokens.refresh_token

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"refresh_token={leaked} rejected; Authorization: Bearer {leaked}")

    monkeypatch.setattr(server.runtime.sage, "business_for", broken)
    caplog.set_level(logging.DEBUG)

    answer = await post(http, server, "{ contacts { totalCount } }", token=acme.token)

    assert answer.codes == ["INTERNAL_SERVER_ERROR"]
    assert "unexpected error" in caplog.text  # logged, with its traceback...
    assert leaked not in caplog.text  # ...but not the secret
    assert leaked not in str(answer.body)
