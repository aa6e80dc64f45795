"""Names of everything LedgerGraph keeps in the store: the only place they are spelled out.

Per-tenant names carry the tenant as a Redis Cluster hash tag (``tenant:{acme}:token``), so a
tenant's state lives on one shard. The store adds its own prefix and namespace (``lg:kv:``,
``lg:lock:``, ``lg:stream:``) in front.
"""

from __future__ import annotations

__all__ = [
    "api_key",
    "api_keys_of",
    "cache_entry",
    "cache_fill",
    "cache_generation",
    "connect_link",
    "connect_state",
    "connection",
    "events",
    "idempotency",
    "list_total",
    "rate_limit",
    "refresh_lock",
    "sage_app",
    "sage_budget",
    "sage_user_budget",
    "store_epoch",
    "sync_cursor",
    "sync_lease",
    "sync_own_write",
    "sync_state",
    "sync_subscribers",
    "sync_writes_in_flight",
    "tenant_prefix",
    "tenants_index",
    "token",
]


def tenant_prefix(tenant: str) -> str:
    """``tenant:{<tenant>}:``, the start of every name that belongs to ``tenant``."""
    if not tenant or "{" in tenant or "}" in tenant:
        # A brace would move the hash tag and could make two tenants' names collide.
        raise ValueError(f"tenant id {tenant!r} must be non-empty and free of braces")
    return f"tenant:{{{tenant}}}:"


def token(tenant: str) -> str:
    """Versioned record: the tenant's encrypted Sage token pair."""
    return tenant_prefix(tenant) + "token"


def connection(tenant: str) -> str:
    """Versioned record: the tenant's connection (selected business, status, overrides)."""
    return tenant_prefix(tenant) + "connection"


def refresh_lock(tenant: str) -> str:
    """Lock: single-flight token refresh across the fleet."""
    return tenant_prefix(tenant) + "refresh"


def events(tenant: str) -> str:
    """Stream: the tenant's sync events."""
    return tenant_prefix(tenant) + "events"


def idempotency(tenant: str, key: str) -> str:
    """Versioned record: the outcome of the mutation sent with ``idempotencyKey=key``."""
    return tenant_prefix(tenant) + "idempotency:" + key


def sync_lease(tenant: str) -> str:
    """Lock: the one sync worker polling this tenant."""
    return tenant_prefix(tenant) + "sync"


def sync_cursor(tenant: str, kind: str) -> str:
    """Plain value: how far the sync worker has seen changes of resource ``kind``."""
    return tenant_prefix(tenant) + "sync-cursor:" + kind


def sync_state(tenant: str, business: str, kind: str) -> str:
    """Versioned record: the sync poller's cursor for resource ``kind`` of a business."""
    return tenant_prefix(tenant) + f"sync-state:{business}:{kind}"


def sync_subscribers(tenant: str) -> str:
    """Versioned record: which processes have live subscribers of the tenant, until when."""
    return tenant_prefix(tenant) + "sync-subscribers"


def sync_own_write(tenant: str, business: str, object_type: str, object_id: str) -> str:
    """Plain value: the version of an object LedgerGraph itself just wrote (not re-reported)."""
    return tenant_prefix(tenant) + f"sync-own:{business}:{object_type}:{object_id}"


def sync_writes_in_flight(tenant: str, business: str) -> str:
    """Versioned record: LedgerGraph's writes to the business under way (token → expiry)."""
    return tenant_prefix(tenant) + f"sync-writing:{business}"


def cache_generation(tenant: str, business: str, kind: str) -> str:
    """Plain value: the current generation of cached ``kind`` responses of a business."""
    return tenant_prefix(tenant) + f"cache:{business}:{kind}"


def cache_entry(tenant: str, business: str, kind: str, generation: str, digest: str) -> str:
    """Plain value: one cached response, ``digest`` identifying the request."""
    return tenant_prefix(tenant) + f"cache:{business}:{kind}:{generation}:{digest}"


def cache_fill(tenant: str, business: str, kind: str, generation: str, digest: str) -> str:
    """Plain value (lease token): the one process fetching this response for the cache;
    others wait for the entry instead of asking Sage again (see ``response_cache``)."""
    return tenant_prefix(tenant) + f"cache-fill:{business}:{kind}:{generation}:{digest}"


def list_total(tenant: str, business: str, kind: str, digest: str) -> str:
    """Plain value: how many items a filtered list (``digest``) had when last read, so its
    pages can all be asked for at once (see ``known_totals``); outlives cache generations."""
    return tenant_prefix(tenant) + f"list-total:{business}:{kind}:{digest}"


def rate_limit(tenant: str, window: int) -> str:
    """Plain value (counter): the tenant's requests in fixed window number ``window``."""
    return tenant_prefix(tenant) + f"rate:{window}"


def sage_user_budget(tenant: str, window: int) -> str:
    """Plain value (counter): the tenant's Sage calls about its Sage user (``/businesses``)
    in window number ``window``."""
    return tenant_prefix(tenant) + f"sage-budget:{window}"


def sage_budget(business: str, window: int) -> str:
    """Plain value (counter): Sage calls for a business in window number ``window``.

    Keyed by the business, not a tenant: it is Sage's allowance the budget protects, and
    every tenant connected to a business spends from the same one.
    """
    if not business or "{" in business or "}" in business:
        raise ValueError(f"business id {business!r} must be non-empty and free of braces")
    return f"business:{{{business}}}:sage-budget:{window}"


def sage_app(name: str) -> str:
    """The Sage app's fleet-wide budget (``connectors/sage/budget_ledger.py``): ``slots``
    (sorted set of leases), ``slots-by-tenant`` (hash), ``day:<n>`` and ``minute:<n>``
    (counters), ``day-by-tenant:<n>`` (sorted set), ``waiting:<class>`` (sorted set). All
    under one hash tag: each of its scripts takes several of them atomically, on one shard."""
    return "sage-app:{sage-app}:" + name


def tenants_index() -> str:
    """Versioned record: every tenant that has connected."""
    return "tenants"


def api_key(prefix: str) -> str:
    """Versioned record: one tenant API key (its hash, tenant, scope, times), found by the
    public prefix every key starts with. Not per-tenant: a request names only the key."""
    return "api-key:" + prefix


def api_keys_of(tenant: str) -> str:
    """Versioned record: the prefixes of the tenant's API keys (for listing them)."""
    return tenant_prefix(tenant) + "api-keys"


def connect_state(nonce: str) -> str:
    """Plain value: the PKCE verifier of an OAuth round trip in flight."""
    return "connect:state:" + nonce


def connect_link(nonce: str) -> str:
    """Plain value: a one-time connect link not yet used."""
    return "connect:link:" + nonce


def store_epoch(shard: str = "") -> str:
    """The store's epoch marker: its disappearance means the store lost its data. On a Redis
    Cluster there is one per shard, ``shard`` being a hash tag that lives there (see
    ``Store.shard_tags``): a shard can lose its data alone."""
    return f"fleet:{{{shard}}}:epoch" if shard else "fleet:epoch"
