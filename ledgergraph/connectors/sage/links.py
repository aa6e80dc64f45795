"""Connect links: one-time, short-lived URLs a browser opens, with no headers, to connect a
tenant to Sage, and the allow-list of return URLs they may send the browser back to.

The mutation ``createConnectLink``, ``connection.connectUrl``, ``ledgergraph connect-link`` and
``POST /admin/tenants/{tenant}/connect-link`` all mint links here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ledgergraph.connectors.sage.connect import ConnectService
from ledgergraph.errors import BadUserInput
from ledgergraph.settings import Settings
from ledgergraph.types import TenantId

if TYPE_CHECKING:
    from ledgergraph.runtime import Runtime

# An operator may e-mail a link; a week is the most any link lives.
MAX_LINK_TTL = 7 * 24 * 3600.0
_MAX_URL_LENGTH = 2048
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class ConnectLink:
    url: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class _Place:
    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def of(cls, url: str) -> _Place | None:
        # Browsers read "\" as "/" and strip whitespace: such URLs could point elsewhere
        # than they seem to, so they are never allowed.
        if len(url) > _MAX_URL_LENGTH or not url.isascii() or any(c in url for c in "\\ \t\r\n"):
            return None
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return None
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            return None
        if parts.username is not None or parts.password is not None:
            return None
        return cls(
            scheme=parts.scheme,
            host=parts.hostname.lower(),
            port=port or _DEFAULT_PORTS[parts.scheme],
            path=parts.path or "/",
        )

    def admits(self, other: _Place) -> bool:
        """True when ``other`` is this origin, under this path prefix."""
        if (self.scheme, self.host, self.port) != (other.scheme, other.host, other.port):
            return False
        prefix = self.path.rstrip("/")
        return not prefix or other.path == self.path or other.path.startswith(prefix + "/")


class ReturnUrls:
    """Where a connect flow may send the browser afterwards."""

    def __init__(self, allowed: Iterable[str], *, loopback: bool) -> None:
        places = [_Place.of(url) for url in allowed]
        self._allowed = tuple(p for p in places if p is not None)
        self._loopback = loopback

    @classmethod
    def from_settings(cls, settings: Settings, *, public_url: str | None = None) -> ReturnUrls:
        """The configured list, the default return URL, and this server's own origin (its
        pages, e.g. /examples/, may bring a browser back to themselves)."""
        allowed = list(settings.connect_return_urls)
        if settings.connect_return_url:
            allowed.append(settings.connect_return_url)
        if public_url:
            parts = urlsplit(public_url)
            allowed.append(f"{parts.scheme}://{parts.netloc}/")
        return cls(allowed, loopback=not settings.production)

    def check(self, url: str) -> str:
        place = _Place.of(url)
        if place is None:
            raise BadUserInput(
                "returnUrl must be an absolute http(s) URL without credentials, spaces or "
                "backslashes.",
                field="returnUrl",
            )
        if self._loopback and place.host in _LOOPBACK_HOSTS:
            return url
        if any(allowed.admits(place) for allowed in self._allowed):
            return url
        raise BadUserInput(
            f"returnUrl {url!r} is not allowed: add its origin or a prefix of it to "
            "LEDGERGRAPH_CONNECT_RETURN_URLS.",
            field="returnUrl",
        )


class ConnectLinks:
    def __init__(
        self,
        connect: ConnectService,
        *,
        public_url: str,
        return_urls: ReturnUrls,
        ttl: float,
    ) -> None:
        self._connect = connect
        self._base = public_url.rstrip("/")
        self._return_urls = return_urls
        self._ttl = ttl

    @classmethod
    def of(cls, runtime: Runtime) -> ConnectLinks:
        return cls(
            runtime.connect,
            public_url=runtime.public_url,
            return_urls=ReturnUrls.from_settings(runtime.settings, public_url=runtime.public_url),
            ttl=runtime.settings.connect_link_ttl,
        )

    async def create(
        self, tenant: TenantId, *, return_url: str | None = None, ttl: float | None = None
    ) -> ConnectLink:
        """A fresh link; ``return_url`` is checked against the allow-list (BAD_USER_INPUT)."""
        if ttl is not None and not 0 < ttl <= MAX_LINK_TTL:
            raise BadUserInput(
                f"ttlSeconds must be more than 0 and at most {MAX_LINK_TTL:.0f} (a week).",
                field="ttlSeconds",
            )
        checked = self._return_urls.check(return_url) if return_url is not None else None
        issued = await self._connect.create_link(tenant, ttl=ttl or self._ttl, return_url=checked)
        return ConnectLink(
            url=f"{self._base}/connect/sage?{urlencode({'link': issued.token})}",
            expires_at=dt.datetime.fromtimestamp(issued.expires_at, tz=dt.UTC).replace(
                microsecond=0
            ),
        )


def return_to(url: str, **params: str) -> str:
    """``url`` with ``params`` added to its query (any fragment stays last)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))
