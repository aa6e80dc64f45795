"""Configuration: ``LEDGERGRAPH_*`` environment variables or a ``.env`` file.

With no Sage credentials the server runs on the embedded sandbox with an in-memory store,
so ``ledgergraph serve`` works on a fresh machine with nothing configured.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SAGE_AUTH_URL = "https://www.sageone.com/oauth2/auth/central?filter=apiv3.1"
SAGE_TOKEN_URL = "https://oauth.accounting.sage.com/token"
SAGE_REVOKE_URL = "https://oauth.accounting.sage.com/revoke"
SAGE_API_URL = "https://api.accounting.sage.com/v3.1"
# Business-scoped resources the Sage passthrough reaches by default (what the sandbox serves);
# never /businesses or /user, which are about the Sage user rather than one business.
SAGE_PASSTHROUGH_PATHS = (
    "contacts",
    "sales_invoices",
    "purchase_invoices",
    "sales_credit_notes",
    "contact_payments",
    "ledger_accounts",
    "tax_rates",
    "products",
    "services",
    "bank_accounts",
    "financial_settings",
    "business_settings",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LEDGERGRAPH_", env_file=".env", extra="ignore", frozen=True
    )

    mode: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = Field(
        default=None, description="Base URL browsers reach this server at (OAuth callback)."
    )

    redis_url: str | None = None
    cache_redis_url: str | None = Field(
        default=None, description="Optional separate Redis for disposable response-cache entries."
    )
    store_prefix: str = "lg:"
    redis_timeout: float = Field(
        default=2.0,
        description="Upper bound on one Redis operation, waiting for a connection "
        "included: past it a request fails fast with SERVICE_UNAVAILABLE.",
    )
    redis_connect_timeout: float = 2.0
    # Redis answers in well under a millisecond: a few connections carry a lot, and fewer
    # connections mean fewer simultaneous connects in a burst.
    redis_max_connections: int = 16
    response_cache: bool = Field(default=True, description="Cache Sage GET responses.")
    response_cache_ttls: dict[str, float] = Field(
        default_factory=dict,
        description='TTL in seconds per resource kind, e.g. {"contacts": 30}; 0 disables one.',
    )
    response_cache_default_ttl: float = 60.0
    response_cache_stale_window: float = Field(
        # Every entry lives this much longer, including those a write's invalidation already
        # made unreachable (generations are not enumerated): the cache's memory grows by about
        # (refills a second) x (page size) x (window). Five minutes of old answers bridge a
        # spent budget's first minutes without multiplying a write-heavy store by sixty.
        default=300.0,
        ge=0,
        le=12 * 3600,
        description="Seconds a cached Sage response is kept past its TTL, to be served (with "
        "extensions.stale) when the Sage budget refuses a fresh read; 0: never served stale.",
    )
    # Too small a copy costs memory as well as time: every concurrent request then decodes its
    # own copy of the pages it misses (bench/warm.py: RSS 672 MB at 32, 272 MB at 256).
    response_cache_local_mb: int = Field(
        default=256,
        ge=0,
        description="Megabytes of memory each process spends keeping recently used cache "
        "entries, decoded, and the objects built from them (a warm hit then reads only a small "
        "generation key from Redis); 0: none.",
    )
    dataloaders: bool = Field(
        default=True,
        description="Batch and de-duplicate Sage reads per request (off only to benchmark).",
    )

    sage_client_id: str | None = None
    sage_client_secret: SecretStr | None = None
    sage_auth_url: str = SAGE_AUTH_URL
    sage_token_url: str = SAGE_TOKEN_URL
    sage_revoke_url: str = SAGE_REVOKE_URL
    sage_api_url: str = SAGE_API_URL
    sage_scope: Literal["full_access", "readonly"] = "full_access"
    sandbox: bool = Field(default=False, description="Embed the sandbox even with credentials.")
    sandbox_port: int = 0
    sandbox_controls: bool = True

    jwt_secret: SecretStr | None = None
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    token_encryption_keys: SecretStr | None = None
    connect_return_url: str | None = Field(
        default=None,
        description="Where the browser goes after the connect flow when its link names no "
        "return URL (always allowed).",
    )
    connect_return_urls: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Return URLs a connect link may name, comma-separated: origins "
        "(https://app.example.com) or URL prefixes (https://app.example.com/settings/). "
        "Outside production any http(s) localhost, 127.0.0.1 or [::1] origin is allowed too.",
    )
    connect_state_ttl: float = 600.0
    connect_link_ttl: float = Field(
        default=600.0, gt=0, description="Seconds a connect link stays valid (until first used)."
    )

    token_refresh_margin: float = Field(
        default=60.0, description="Refresh an access token this many seconds before it expires."
    )
    refresh_lock_ttl: float = 15.0
    refresh_wait_timeout: float = 20.0
    keepalive_window: float = Field(
        default=7 * 24 * 3600.0,
        description="Refresh connections whose refresh token lapses within this many seconds.",
    )
    keepalive_interval: float = 3600.0

    allow_volatile_store: bool = Field(
        default=False,
        description="Start in production even though the state store would lose its data on a "
        "restart (no AOF) or evict keys: every tenant would then have to connect again.",
    )

    idempotency_ttl: float = Field(
        default=24 * 3600.0, description="How long mutation results are kept for replays."
    )
    idempotency_lease: float = Field(
        default=10.0,
        gt=0,
        description="Lease of an unfinished mutation's key, renewed while it runs: how long "
        "a crashed worker's mutation blocks client retries of its key.",
    )
    write_retry_attempts: int = 5
    write_retry_budget: float = 30.0

    http_connect_timeout: float = 5.0
    http_read_timeout: float = 30.0
    http_max_connections: int = 100
    read_retry_attempts: int = 4
    read_retry_budget: float = 20.0
    retry_base_delay: float = 0.2
    retry_max_delay: float = 5.0

    # Sync notifications (ledgergraph/sync): polling Sage for changes of tenants with live
    # syncEvents subscribers, and the per-tenant event stream they read.
    sync_enabled: bool = Field(
        default=True, description="Poll Sage for tenants with live subscribers in this process."
    )
    sync_poll_interval: float = Field(
        default=15.0,
        gt=0,
        description="Seconds between two polls of a business's changes while it is active "
        "(the base interval; see sync_idle_max_interval).",
    )
    sync_idle_max_interval: float = Field(
        default=120.0,
        gt=0,
        description="Longest interval between two polls of a business whose polls keep "
        "finding nothing: each empty poll doubles its interval up to this, a change or a "
        "LedgerGraph write snaps it back to sync_poll_interval. At most sync_poll_interval: "
        "no adaptive backoff.",
    )
    sync_jitter: float = Field(
        default=0.1,
        ge=0,
        lt=1,
        description="Each poll interval is jittered by up to this fraction, either way, so "
        "businesses do not poll in lockstep.",
    )
    sync_slow_below: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="When less than this fraction of the Sage app's daily budget is left, "
        "poll intervals stretch by sync_slow_below / fraction left (polling gives way first).",
    )
    sync_max_stretch: float = Field(
        default=8.0, ge=1, description="The most poll intervals stretch when the day runs low."
    )
    sync_lease_ttl: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a poller's lease on a tenant lasts unless renewed; another process "
        "takes over a dead poller's tenants within about this long.",
    )
    sync_subscriber_ttl: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a process's subscriber registration lasts unless renewed.",
    )
    sync_overlap: float = Field(
        default=2.0,
        ge=0,
        description="Seconds each poll re-reads before its cursor (late commits in Sage).",
    )
    sync_max_backoff: float = Field(
        default=300.0, gt=0, description="Longest pause of a tenant's polling after errors/429."
    )
    sync_concurrency: int = Field(
        default=4, ge=1, description="Sage requests in flight at once for one tenant's poll."
    )
    sync_max_hold: float = Field(
        default=30.0,
        ge=0,
        description="Longest a poll's report waits while LedgerGraph's own writes to the "
        "business are under way (so they are not reported as changes made in Sage).",
    )
    sync_stream_max_len: int | None = Field(
        default=10_000, ge=1, description="Events kept per tenant stream (None: unbounded)."
    )
    sync_stream_max_age: float | None = Field(
        default=7 * 24 * 3600.0,
        gt=0,
        description="Seconds events are kept per tenant stream (None: no age limit).",
    )
    sync_own_write_ttl: float = Field(
        default=24 * 3600.0,
        gt=0,
        description="Seconds LedgerGraph remembers its own writes so polling does not report "
        "them again.",
    )

    # Security (ledgergraph/security): token keys, the admin key, query and rate limits.
    jwt_public_key: str | None = Field(
        default=None,
        description="PEM public key (or a path to one) verifying RS256/ES256 tenant tokens.",
    )
    jwt_jwks_file: str | None = Field(
        default=None, description="JWKS file of public keys (chosen by kid) for tenant tokens."
    )
    jwt_leeway: float = Field(
        default=30.0, ge=0, le=300, description="Seconds of clock skew tolerated on exp/nbf/iat."
    )
    admin_api_key: SecretStr | None = Field(
        default=None,
        description="Key for the /admin/ operator endpoints (header only); unset disables them.",
    )
    introspection: bool | None = Field(
        default=None, description="Schema introspection; unset: on in development only."
    )
    graphiql: bool | None = Field(
        default=None, description="GraphiQL on GET /graphql; unset: on in development only."
    )
    shutdown_grace: float = Field(
        default=20.0,
        ge=0,
        description="On SIGTERM/SIGINT, how long in-flight requests may take to finish.",
    )
    workers: int = Field(
        default=1,
        ge=1,
        description="Server processes sharing the port (SO_REUSEPORT) under one supervisor; "
        "more than one needs LEDGERGRAPH_REDIS_URL.",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        gt=0,
        description="Largest request body accepted (413 PAYLOAD_TOO_LARGE beyond).",
    )
    attachment_max_bytes: int = Field(
        default=2_621_440,
        gt=0,
        le=2_621_440,
        description="Largest file uploadAttachment accepts (multipart requests; read in "
        "chunks and refused with 413 PAYLOAD_TOO_LARGE as soon as it is exceeded). At most "
        "Sage's own limit, 2,621,440 bytes.",
    )
    attachment_url_ttl: float = Field(
        default=300.0,
        gt=0,
        description="Seconds an Attachment.downloadUrl stays valid (it needs no token).",
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Browser origins allowed to call /graphql (comma-separated; '*' for any). "
        "Also the cross-origin pages allowed to open its WebSocket. Outside production any "
        "http(s) localhost, 127.0.0.1 or [::1] origin is allowed too (a front-end dev server).",
    )
    legacy_graphql_ws: bool = Field(
        default=False, description="Also accept the legacy graphql-ws WebSocket protocol."
    )
    max_subscriptions_per_connection: int = Field(default=20, ge=1)
    max_query_depth: int = Field(default=15, ge=1)
    max_query_tokens: int = Field(default=1500, ge=10)
    max_query_aliases: int = Field(default=30, ge=0)
    max_query_cost: int = Field(
        default=50_000, ge=1, description="Objects a query may return (list sizes x nesting)."
    )
    parser_cache_size: int = Field(default=256, ge=1)
    validation_cache_size: int = Field(default=256, ge=1)
    rate_limit_requests: int = Field(
        # 100 a second on average, and a dashboard opening twenty panels at once is one small
        # burst within the 60 s window: the sliding window counts a minute, not each second.
        # Sage is protected by sage_budget_per_minute; a request answered from the cache
        # costs Sage nothing, so this limit only stops a runaway client.
        default=6000,
        ge=0,
        description="Requests per tenant per rate_limit_window (bursts allowed within the "
        "window); 0: no limit.",
    )
    rate_limit_window: float = Field(default=60.0, gt=0)
    # Per worker (security/admission.py): a noisy tenant holds at most this many operations'
    # worth of the worker's CPU; a dashboard's panels opened at once queue for a moment.
    graphql_tenant_concurrency: int = Field(
        default=8,
        ge=0,
        description="GraphQL queries and mutations of one tenant executing at once on a worker; "
        "the tenant's further operations queue; 0: no limit.",
    )
    graphql_tenant_queue: int = Field(
        default=100,
        ge=0,
        description="Operations of one tenant that may queue on a worker; past it, RATE_LIMITED.",
    )
    graphql_tenant_queue_wait: float = Field(
        default=10.0,
        ge=0,
        description="Seconds a queued operation may wait to start; past it, RATE_LIMITED.",
    )
    graphql_worker_concurrency: int = Field(
        default=64,
        ge=0,
        description="GraphQL queries and mutations executing at once on a worker, every tenant "
        "together; when full, the tenant that used the least loop time lately starts first; "
        "0: no limit.",
    )
    graphql_tenant_heavy_concurrency: int = Field(
        default=1,
        ge=1,
        description="Operations at once of a tenant using over twice the average loop time of "
        "the other active tenants on a worker, and over 5 % of it (instead of "
        "GRAPHQL_TENANT_CONCURRENCY).",
    )
    graphql_tenant_heavy_share: float = Field(
        default=0.1,
        ge=0.05,
        le=1.0,
        description="The share of a worker's loop a heavy tenant (see "
        "GRAPHQL_TENANT_HEAVY_CONCURRENCY) may use while other tenants are active: past it, "
        "its operations wait until its use decays (1: no cap).",
    )
    graphql_fair_half_life: float = Field(
        default=2.0,
        gt=0,
        description="Seconds over which a tenant's measured loop time halves, for fair admission.",
    )
    sage_budget_per_minute: int = Field(
        default=600, ge=0, description="Sage calls per business per minute; 0: no budget."
    )
    # The Sage app's budget, shared by every tenant and worker (connectors/sage/budget.py).
    # Sage's limits are per client application: 1,296,000 requests a day, 150 in flight.
    sage_app_budget: bool = Field(
        default=True, description="Share the Sage app's limits fleet-wide (off only to benchmark)."
    )
    sage_app_in_flight: int = Field(
        default=140, ge=1, description="Sage calls in flight at once, fleet-wide (Sage: 150)."
    )
    sage_app_per_day: int = Field(
        default=1_296_000, ge=1, description="Sage calls per UTC day, fleet-wide (Sage's limit)."
    )
    sage_app_per_minute: int = Field(
        default=0,
        ge=0,
        description="Sage calls per minute, fleet-wide; 0: none (Sage documents none).",
    )
    sage_app_tenant_in_flight: int = Field(
        default=35,
        ge=0,
        description="Sage calls one tenant may have in flight, fleet-wide; 0: no cap of its own.",
    )
    sage_app_lease: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a call's slot stays taken unless renewed: a killed worker's "
        "slots come back within this.",
    )
    sage_app_max_wait: float = Field(
        default=10.0,
        gt=0,
        description="Longest a Sage call waits for a slot before failing with RATE_LIMITED.",
    )
    sage_app_polling_floor: float = Field(
        default=0.10,
        ge=0,
        lt=1,
        description="Below this fraction of the day's budget left, sync polling stops.",
    )
    sage_app_background_floor: float = Field(
        default=0.20,
        ge=0,
        lt=1,
        description="Below this fraction of the day's budget left, background calls stop.",
    )
    sage_passthrough_paths: Annotated[tuple[str, ...], NoDecode] = Field(
        default=SAGE_PASSTHROUGH_PATHS,
        description="Sage v3.1 resources the passthrough (/sage/..., /admin/tenants/<t>/sage/...) "
        "may reach, comma-separated first path segments (e.g. contacts,sales_invoices).",
    )

    # Operations (ledgergraph/observability): metrics and logs.
    metrics: bool = Field(
        default=True,
        description="Serve Prometheus metrics on GET /metrics (keep it off the public internet: "
        "scrape the workers directly, not through the proxy).",
    )
    metrics_tenant_labels: bool = Field(
        default=False,
        description="Also count GraphQL operations and Sage calls per tenant and business "
        "(one series each: for small fleets only).",
    )
    log_format: Literal["json", "text"] | None = Field(
        default=None,
        description="json (one object per line) or text; unset: json in production, text in "
        "development.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("redis_url", "cache_redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError(
                "must be a Redis URL: redis://host:6379/0, rediss:// (TLS) or unix:///path"
            )
        return value

    @field_validator("cors_origins", "connect_return_urls", "sage_passthrough_paths", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @field_validator("admin_api_key")
    @classmethod
    def _long_admin_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("LEDGERGRAPH_ADMIN_API_KEY must be at least 16 characters")
        return value

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else not self.production

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else not self.production

    @property
    def uses_sandbox(self) -> bool:
        """True when LedgerGraph should embed and talk to its own Sage sandbox."""
        return self.sandbox or not (self.sage_client_id and self.sage_client_secret)

    @property
    def effective_log_format(self) -> Literal["json", "text"]:
        if self.log_format is not None:
            return self.log_format
        return "json" if self.production else "text"

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @property
    def cors_allows_loopback(self) -> bool:
        """Pages served from this machine (any port) may call /graphql: development only."""
        return not self.production
