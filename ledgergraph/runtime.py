"""Everything a running LedgerGraph process shares: store, HTTP client, token manager, Sage
client and connect flow — built once from settings and closed on shutdown."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import httpx

from ledgergraph import kinds
from ledgergraph.auth import Principal, TenantAuthenticator
from ledgergraph.cache import RedisOptions, Store, open_store
from ledgergraph.cache.epoch import StoreEpoch
from ledgergraph.cache.response_cache import ResponseCache
from ledgergraph.connectors.sage.budget import AppBudget, app_budget, counting_hook
from ledgergraph.connectors.sage.client import SageClient
from ledgergraph.connectors.sage.connect import ConnectService
from ledgergraph.connectors.sage.connections import Connections
from ledgergraph.connectors.sage.mapping import CountryMapper
from ledgergraph.connectors.sage.oauth import OAuthConfig, SageOAuth
from ledgergraph.connectors.sage.reads import MapperFactory
from ledgergraph.connectors.sage.retry import RetryPolicy
from ledgergraph.connectors.sage.tokens import TokenManager, TokenPolicy
from ledgergraph.connectors.sage.writes import SageWrites
from ledgergraph.dev_secrets import dev_jwt_secret
from ledgergraph.encryption import TokenCipher
from ledgergraph.events import EventLog
from ledgergraph.idempotency import Idempotency
from ledgergraph.observability.sage_calls import ObservedTransport
from ledgergraph.security.admission import OperationAdmission, operation_admission
from ledgergraph.security.api_keys import ApiKeys, is_api_key
from ledgergraph.security.jwks import public_keys
from ledgergraph.security.ratelimit import RequestLimiter
from ledgergraph.security.wiring import request_limiter, upstream_budget
from ledgergraph.settings import Settings
from ledgergraph.signing import Signer
from ledgergraph.sync.service import SyncService

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SageEndpoints:
    client_id: str
    client_secret: str
    auth_url: str
    token_url: str
    revoke_url: str
    api_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SageEndpoints:
        if not settings.sage_client_id or settings.sage_client_secret is None:
            raise ValueError("Sage credentials are not configured")
        return cls(
            client_id=settings.sage_client_id,
            client_secret=settings.sage_client_secret.get_secret_value(),
            auth_url=settings.sage_auth_url,
            token_url=settings.sage_token_url,
            revoke_url=settings.sage_revoke_url,
            api_url=settings.sage_api_url,
        )


@dataclass(slots=True)
class Runtime:
    settings: Settings
    endpoints: SageEndpoints
    public_url: str
    store: Store
    cache_store: Store
    http: httpx.AsyncClient
    authenticator: TenantAuthenticator
    connections: Connections
    tokens: TokenManager
    events: EventLog
    sage: SageClient
    sync: SyncService
    connect: ConnectService
    mappers: MapperFactory
    writes: SageWrites
    idempotency: Idempotency
    epoch: StoreEpoch
    api_keys: ApiKeys
    # Per-tenant request rate limit (None: unlimited).
    requests: RequestLimiter | None = None
    # The Sage app's budget, shared fleet-wide (None: switched off).
    sage_budget: AppBudget | None = None
    # Operations of one tenant executing at once on this worker (None: unlimited).
    admission: OperationAdmission | None = None
    # Signs short-lived links every worker verifies (attachment downloads); None: no links.
    signer: Signer | None = None

    async def authenticate(self, authorization: str | None) -> Principal:
        """``Authorization: Bearer <tenant JWT>`` or ``Bearer lgk_...`` (a tenant API key,
        checked against the store on every request)."""
        scheme, _, credential = (authorization or "").partition(" ")
        if scheme.lower() == "bearer" and is_api_key(credential.strip()):
            return await self.api_keys.authenticate(credential.strip())
        return self.authenticator.authenticate(authorization)

    async def aclose(self) -> None:
        if self.sage_budget is not None:
            await self.sage_budget.aclose()
        await self.http.aclose()
        if self.cache_store is not self.store:
            await self.cache_store.aclose()
        await self.store.aclose()


def _jwt_secret(settings: Settings, *, sandbox: bool) -> str | None:
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    if settings.jwt_public_key or settings.jwt_jwks_file:
        return None  # RS256/ES256 tokens only
    if settings.production or not sandbox:
        raise ValueError(
            "LEDGERGRAPH_JWT_SECRET (or LEDGERGRAPH_JWT_PUBLIC_KEY / LEDGERGRAPH_JWT_JWKS_FILE) "
            "is required outside sandbox mode: it verifies the tenant tokens your app's "
            "backend mints."
        )
    log.warning(
        "No LEDGERGRAPH_JWT_SECRET set: using this machine's development secret (sandbox mode "
        "only; `ledgergraph token` uses it too)."
    )
    return dev_jwt_secret()


async def open_runtime(
    settings: Settings, endpoints: SageEndpoints, *, public_url: str, sandbox: bool
) -> Runtime:
    cipher = TokenCipher.from_config(
        settings.token_encryption_keys.get_secret_value()
        if settings.token_encryption_keys
        else None,
        allow_generated=sandbox and not settings.production,
    )
    jwt_secret = _jwt_secret(settings, sandbox=sandbox)
    redis_options = RedisOptions(
        timeout=settings.redis_timeout,
        connect_timeout=settings.redis_connect_timeout,
        max_connections=settings.redis_max_connections,
    )
    store = open_store(settings.redis_url, prefix=settings.store_prefix, options=redis_options)
    # Disposable cache entries may live in their own (evicting) Redis, apart from state.
    cache_store = (
        open_store(settings.cache_redis_url, prefix=settings.store_prefix, options=redis_options)
        if settings.cache_redis_url
        else store
    )
    response_cache = (
        ResponseCache(
            cache_store.kv,
            ttls=kinds.cache_ttls() | settings.response_cache_ttls,
            default_ttl=settings.response_cache_default_ttl,
            local_bytes=settings.response_cache_local_mb * 2**20,
            stale_window=settings.response_cache_stale_window,
        )
        if settings.response_cache
        else None
    )
    budget = app_budget(settings, store)
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(settings.http_read_timeout, connect=settings.http_connect_timeout),
        # Sage requests that take no slot of the app's budget are still counted against it.
        event_hooks={
            "request": [
                counting_hook(budget, api_url=endpoints.api_url, token_url=endpoints.token_url)
            ]
            if budget is not None
            else []
        },
        # Every Sage request is counted, timed and traced where it leaves the process.
        transport=ObservedTransport(
            httpx.AsyncHTTPTransport(
                limits=httpx.Limits(
                    max_connections=settings.http_max_connections,
                    max_keepalive_connections=settings.http_max_connections,
                )
            ),
            api_url=endpoints.api_url,
            token_url=endpoints.token_url,
            revoke_url=endpoints.revoke_url,
        ),
        headers={"User-Agent": "LedgerGraph/0.1"},
    )
    oauth = SageOAuth(
        OAuthConfig(
            client_id=endpoints.client_id,
            client_secret=endpoints.client_secret,
            auth_url=endpoints.auth_url,
            token_url=endpoints.token_url,
            revoke_url=endpoints.revoke_url,
            scope=settings.sage_scope,
        ),
        http,
    )
    events = EventLog(
        store.streams,
        store.kv,
        max_len=settings.sync_stream_max_len,
        max_age=settings.sync_stream_max_age,
        own_write_ttl=settings.sync_own_write_ttl,
    )
    epoch = StoreEpoch(store.kv, shards=store.shard_tags)
    connections = Connections(store.kv, epoch=epoch, events=events)
    tokens = TokenManager(
        kv=store.kv,
        locks=store.locks,
        oauth=oauth,
        cipher=cipher,
        connections=connections,
        events=events,
        policy=TokenPolicy(
            margin=settings.token_refresh_margin,
            lock_ttl=settings.refresh_lock_ttl,
            wait_timeout=settings.refresh_wait_timeout,
        ),
    )
    sage = SageClient(
        http=http,
        api_url=endpoints.api_url,
        tokens=tokens,
        connections=connections,
        events=events,
        cache=response_cache,
        retry=RetryPolicy(
            attempts=settings.read_retry_attempts,
            budget=settings.read_retry_budget,
            base_delay=settings.retry_base_delay,
            max_delay=settings.retry_max_delay,
        ),
        budget=upstream_budget(settings, store.kv),
        app_budget=budget,
    )
    # Connect-flow signatures must verify on every process: derive from the shared JWT secret
    # (or, with public-key tokens only, from the shared token encryption keys).
    signing_secret = jwt_secret or _connect_secret(settings, sandbox=sandbox)
    signer = Signer(hashlib.sha256(b"ledgergraph-connect:" + signing_secret.encode()).digest())
    connect = ConnectService(
        oauth=oauth,
        http=http,
        api_url=endpoints.api_url,
        tokens=tokens,
        connections=connections,
        kv=store.kv,
        signer=signer,
        redirect_uri=f"{public_url.rstrip('/')}/oauth/sage/callback",
        state_ttl=settings.connect_state_ttl,
        events=events,
    )
    return Runtime(
        settings=settings,
        endpoints=endpoints,
        public_url=public_url,
        store=store,
        cache_store=cache_store,
        http=http,
        authenticator=TenantAuthenticator(
            jwt_secret,
            public_keys=public_keys(settings.jwt_public_key, settings.jwt_jwks_file),
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=settings.jwt_leeway,
        ),
        connections=connections,
        tokens=tokens,
        events=events,
        sage=sage,
        sync=SyncService.from_settings(
            settings, store=store, events=events, sage=sage, headroom=budget
        ),
        connect=connect,
        mappers=CountryMapper.for_business,
        writes=SageWrites(
            sage,
            retry=RetryPolicy(
                attempts=settings.write_retry_attempts,
                budget=settings.write_retry_budget,
                base_delay=settings.retry_base_delay,
                max_delay=settings.retry_max_delay,
            ),
        ),
        idempotency=Idempotency(
            store.kv, ttl=settings.idempotency_ttl, lease=settings.idempotency_lease
        ),
        epoch=epoch,
        api_keys=ApiKeys(store.kv),
        requests=request_limiter(settings, store.kv),
        sage_budget=budget,
        admission=operation_admission(settings),
        signer=signer,
    )


async def open_for_operator(settings: Settings) -> Runtime:
    """The runtime an operator command needs (the server's store and signing secrets), without
    serving; ``ValueError`` if the configuration cannot work. The embedded sandbox's address
    belongs to a running server, and nothing an operator command does calls Sage."""
    if settings.uses_sandbox:
        endpoints = SageEndpoints("sandbox", "sandbox", "", "", "", "")
    else:
        endpoints = SageEndpoints.from_settings(settings)
    public_url = settings.public_url or f"http://{settings.host}:{settings.port}"
    return await open_runtime(
        settings, endpoints, public_url=public_url, sandbox=settings.uses_sandbox
    )


def _connect_secret(settings: Settings, *, sandbox: bool) -> str:
    if settings.token_encryption_keys is not None:
        return settings.token_encryption_keys.get_secret_value()
    if sandbox and not settings.production:
        return dev_jwt_secret()
    raise ValueError(
        "LEDGERGRAPH_TOKEN_ENCRYPTION_KEYS is required when tenant tokens are verified "
        "with public keys only: the connect flow's signatures derive from it."
    )
