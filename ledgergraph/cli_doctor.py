"""``ledgergraph doctor``: checks this machine's configuration the way the server would use it
— settings, the state store's durability, Sage's reachability and the clock — and prints, for
each problem, what to fix. Exit code 0 when nothing failed (warnings allowed), 1 otherwise."""

from __future__ import annotations

import argparse
import asyncio
import email.utils
import time
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pydantic

__all__ = ["add_parser", "run"]

Level = Literal["ok", "warn", "FAIL"]
# Sage access tokens live five minutes and are refreshed a minute early: a clock off by more
# than this refreshes too late (or needlessly often).
SKEW_FAIL = 30.0
SKEW_WARN = 5.0
SAGE_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Finding:
    level: Level
    subject: str
    detail: str
    fix: str = ""


def add_parser(commands: Any) -> None:
    commands.add_parser(
        "doctor",
        help="check the configuration, Redis durability, Sage reachability and the clock",
        description="Checks what the server would use (LEDGERGRAPH_* variables, .env) and "
        "prints what to fix. Exit code 0 when nothing failed.",
    )


def run(args: argparse.Namespace) -> int:
    findings = asyncio.run(examine())
    for finding in findings:
        print(f"{finding.level:<5} {finding.subject}: {finding.detail}")
        if finding.fix:
            print(f"      fix: {finding.fix}")
    failed = sum(f.level == "FAIL" for f in findings)
    warned = sum(f.level == "warn" for f in findings)
    print(f"{failed} problem(s), {warned} warning(s).")
    return 1 if failed else 0


async def examine() -> list[Finding]:
    from ledgergraph.serving import settings_error
    from ledgergraph.settings import Settings

    try:
        settings = Settings()
    except pydantic.ValidationError as exc:
        return [Finding("FAIL", "configuration", settings_error(exc), "correct that variable")]
    findings = configuration(settings)
    findings += await state_store(settings)
    findings += await sage(settings)
    findings += await sage_budget(settings)
    return findings


def configuration(settings: Any) -> list[Finding]:
    from ledgergraph.encryption import TokenCipher
    from ledgergraph.errors import LedgerGraphError

    production = settings.production
    findings = [Finding("ok", "mode", settings.mode)]

    def problem(subject: str, detail: str, fix: str) -> None:
        findings.append(Finding("FAIL" if production else "warn", subject, detail, fix))

    if not (settings.jwt_secret or settings.jwt_public_key or settings.jwt_jwks_file):
        problem(
            "tenant tokens",
            "no LEDGERGRAPH_JWT_SECRET (nor a public key or JWKS file)",
            "set LEDGERGRAPH_JWT_SECRET to the secret your app's backend signs tenant tokens with",
        )
    keys = settings.token_encryption_keys
    try:
        TokenCipher.from_config(keys.get_secret_value() if keys else None, allow_generated=False)
    except LedgerGraphError as exc:
        problem(
            "token encryption",
            exc.message,
            "set LEDGERGRAPH_TOKEN_ENCRYPTION_KEYS to a Fernet key (python -c 'from "
            "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')",
        )
    else:
        findings.append(Finding("ok", "token encryption", "keys configured"))
    if settings.uses_sandbox:
        problem(
            "Sage",
            "no Sage credentials: the embedded sandbox stands in for Sage",
            "set LEDGERGRAPH_SAGE_CLIENT_ID and LEDGERGRAPH_SAGE_CLIENT_SECRET",
        )
    if production and not settings.public_url:
        problem(
            "public URL",
            "LEDGERGRAPH_PUBLIC_URL is not set: the OAuth callback would name "
            f"http://{settings.host}:{settings.port}",
            "set LEDGERGRAPH_PUBLIC_URL to the https:// address browsers reach",
        )
    if production and settings.graphiql_enabled:
        findings.append(
            Finding("warn", "GraphiQL", "on in production", "unset LEDGERGRAPH_GRAPHIQL")
        )
    return findings


async def state_store(settings: Any) -> list[Finding]:
    from ledgergraph.cache import StoreError, open_store
    from ledgergraph.durability import FIX

    if not settings.redis_url:
        return [
            Finding(
                "FAIL" if settings.production else "warn",
                "state store",
                "LEDGERGRAPH_REDIS_URL is not set: tenants' connections live in one process's "
                "memory and vanish with it; several workers cannot share them",
                "set LEDGERGRAPH_REDIS_URL=redis://host:6379/0 (a Redis with AOF)",
            )
        ]
    findings = []
    for subject, url in (("state store", settings.redis_url), ("cache", settings.cache_redis_url)):
        if not url:
            continue
        store = open_store(url, prefix=settings.store_prefix)
        try:
            await store.ping()
            durability = await store.durability()
        except StoreError as exc:
            findings.append(
                Finding("FAIL", subject, f"cannot reach Redis ({exc})", f"check {url!r}")
            )
            continue
        finally:
            await store.aclose()
        if subject == "cache":
            findings.append(Finding("ok", subject, f"reachable ({durability.detail})"))
        elif durability.survives_restart is False or durability.evicts is True:
            findings.append(
                Finding(
                    "FAIL" if settings.production else "warn",
                    subject,
                    f"not durable ({durability.detail}): a restart or memory pressure would "
                    "lose every tenant's Sage connection",
                    FIX,
                )
            )
        elif durability.survives_restart is None:
            findings.append(
                Finding(
                    "warn",
                    subject,
                    f"reachable, durability unknown ({durability.detail})",
                    "confirm with your Redis provider that AOF is on and keys are never evicted",
                )
            )
        else:
            findings.append(Finding("ok", subject, f"reachable and durable ({durability.detail})"))
    return findings


async def sage(settings: Any) -> list[Finding]:
    if settings.uses_sandbox:
        return []
    findings = []
    skew: float | None = None
    async with httpx.AsyncClient(timeout=SAGE_TIMEOUT) as http:
        for subject, url in (
            ("Sage API", settings.sage_api_url),
            ("Sage OAuth", settings.sage_token_url),
        ):
            started = time.time()
            try:
                # Unauthenticated: any HTTP answer (a 401 too) shows the way there is open.
                response = await http.get(url)
            except httpx.HTTPError as exc:
                findings.append(
                    Finding(
                        "FAIL",
                        subject,
                        f"{url} cannot be reached ({type(exc).__name__}: {exc})",
                        "allow outbound HTTPS to it (firewall, proxy: HTTPS_PROXY)",
                    )
                )
                continue
            findings.append(Finding("ok", subject, f"{url} answers (HTTP {response.status_code})"))
            date = response.headers.get("Date")
            if skew is None and date:
                with_date = email.utils.parsedate_to_datetime(date).timestamp()
                skew = (started + time.time()) / 2 - with_date
    findings.append(clock(skew))
    return findings


# Sage's own limit of requests in flight per app.
SAGE_IN_FLIGHT = 150
BUSY_DAY = 0.8
HEAVIEST = 5


async def sage_budget(settings: Any) -> list[Finding]:
    """The Sage app's budget as configured, and today's use of it fleet-wide (Redis only:
    a memory store's budget belongs to the one running process)."""
    from ledgergraph.cache import StoreError, open_store
    from ledgergraph.connectors.sage.budget import app_budget

    subject = "Sage budget"
    if not settings.sage_app_budget:
        return [
            Finding(
                "warn",
                subject,
                "off: nothing keeps the fleet within Sage's per-app limits (429s for everyone)",
                "unset LEDGERGRAPH_SAGE_APP_BUDGET",
            )
        ]
    findings = []
    if settings.sage_app_in_flight > SAGE_IN_FLIGHT:
        findings.append(
            Finding(
                "warn",
                subject,
                f"{settings.sage_app_in_flight} calls in flight allowed; Sage refuses more "
                f"than {SAGE_IN_FLIGHT} per app",
                f"set LEDGERGRAPH_SAGE_APP_IN_FLIGHT below {SAGE_IN_FLIGHT} (default 140)",
            )
        )
    if not settings.redis_url:
        return findings
    store = open_store(settings.redis_url, prefix=settings.store_prefix)
    try:
        budget = app_budget(settings, store)
        assert budget is not None
        usage = await budget.usage(top=HEAVIEST)
    except ValueError as exc:
        return [*findings, Finding("FAIL", subject, str(exc), "correct the SAGE_APP_ settings")]
    except StoreError as exc:
        return [*findings, Finding("FAIL", subject, f"cannot read today's usage ({exc})")]
    finally:
        await store.aclose()
    used, limit = usage.usage.used, usage.limits.per_day
    heaviest = ", ".join(f"{tenant} {calls:,}" for tenant, calls in usage.usage.heaviest)
    detail = (
        f"{used:,} of {limit:,} calls today ({used / limit:.0%}), resets {usage.resets_at}; "
        f"{usage.usage.in_flight} of {usage.limits.in_flight} in flight; heaviest tenants: "
        f"{heaviest or 'none yet'}"
    )
    if used >= limit * BUSY_DAY:
        fix = "find out what the heaviest tenants are doing; polling slows and stops first"
        return [*findings, Finding("warn", subject, detail, fix)]
    return [*findings, Finding("ok", subject, detail)]


def clock(skew: float | None) -> Finding:
    if skew is None:
        return Finding("warn", "clock", "Sage sent no Date header: skew unknown")
    detail = f"{abs(skew):.1f} s {'ahead of' if skew > 0 else 'behind'} Sage"
    fix = "synchronise this machine's clock (NTP: chrony or systemd-timesyncd)"
    if abs(skew) > SKEW_FAIL:
        return Finding("FAIL", "clock", detail + ": token refreshes would be mistimed", fix)
    if abs(skew) > SKEW_WARN:
        return Finding("warn", "clock", detail, fix)
    return Finding("ok", "clock", detail)
