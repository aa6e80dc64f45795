"""Per-app budgets: per minute, per day and in flight, answered with 429 and Retry-After."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from ledgergraph.sandbox import RateLimits, RunningSandbox, SandboxConfig
from ledgergraph.sandbox.tokens import Clock
from tests.sandbox_client import FakeClock, Probe, authorize, bearer

BUDGET = 3


@pytest.fixture(autouse=True)
def _probe_routes(probe: Probe) -> None:
    """Gives every sandbox here the stand-in ``/v3.1/probes`` routes."""


@pytest.fixture
def sandbox_clock() -> Clock:
    return FakeClock()


def _assert_too_many_requests(response: httpx.Response, retry_after: int) -> None:
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(retry_after)
    assert response.json()[0]["$dataCode"] == "TooManyRequests"


@pytest.mark.parametrize(
    "limits",
    [RateLimits(per_minute=BUDGET, per_day=None), RateLimits(per_minute=None, per_day=BUDGET)],
    ids=["per_minute", "per_day"],
)
class TestWindowBudgets:
    @pytest.fixture
    def sandbox_config(self, limits: RateLimits) -> SandboxConfig:
        # The token must outlive a day-long window.
        return SandboxConfig(controls=True, limits=limits, access_token_ttl=2 * 86_400)

    @pytest.fixture
    def window(self, limits: RateLimits) -> int:
        return 60 if limits.per_minute is not None else 86_400

    async def test_the_request_over_budget_gets_429_with_the_wait_until_the_window_reopens(
        self, api: httpx.AsyncClient, sandbox_clock: FakeClock, window: int
    ) -> None:
        allowed = [(await api.get("probes")).status_code for _ in range(BUDGET)]
        sandbox_clock.advance(20.4)

        refused = await api.get("probes")

        assert allowed == [200] * BUDGET
        _assert_too_many_requests(refused, retry_after=window - 20)

    async def test_the_budget_is_back_when_the_window_has_passed(
        self, api: httpx.AsyncClient, sandbox_clock: FakeClock, window: int
    ) -> None:
        for _ in range(BUDGET + 1):
            await api.get("probes")
        sandbox_clock.advance(window)

        assert (await api.get("probes")).status_code == 200

    async def test_requests_the_auth_middleware_refuses_are_not_charged(
        self, api: httpx.AsyncClient, http: httpx.AsyncClient
    ) -> None:
        for _ in range(BUDGET):
            assert (await http.get("/v3.1/probes", headers=bearer("bogus"))).status_code == 401

        assert (await api.get("probes")).status_code == 200

    async def test_the_budget_is_per_app_not_per_token(
        self, api: httpx.AsyncClient, http: httpx.AsyncClient, sandbox: RunningSandbox
    ) -> None:
        for _ in range(BUDGET):
            await api.get("probes")
        other = await authorize(http, sandbox.url)

        response = await http.get("/v3.1/probes", headers=bearer(other["access_token"]))

        assert response.status_code == 429


class TestConcurrency:
    @pytest.fixture
    def sandbox_config(self) -> SandboxConfig:
        limits = RateLimits(concurrent=2, retry_after_seconds=7)
        return SandboxConfig(controls=True, limits=limits)

    async def test_a_request_beyond_the_in_flight_limit_gets_429_until_one_finishes(
        self, api: httpx.AsyncClient, probe: Probe
    ) -> None:
        held = [asyncio.create_task(api.get("held_probes")) for _ in range(2)]
        await probe.wait_held(2)

        refused = await api.get("probes")
        probe.release()
        finished = await asyncio.gather(*held)
        after = await api.get("probes")

        _assert_too_many_requests(refused, retry_after=7)
        assert [r.status_code for r in finished] == [200, 200]
        assert after.status_code == 200

    async def test_the_stats_keep_the_most_requests_that_were_in_flight_at_once(
        self, api: httpx.AsyncClient, http: httpx.AsyncClient, probe: Probe
    ) -> None:
        await api.get("probes")
        held = [asyncio.create_task(api.get("held_probes")) for _ in range(2)]
        await probe.wait_held(2)
        await api.get("probes")  # refused: a 429 is not in flight
        probe.release()
        await asyncio.gather(*held)
        await api.get("probes")

        stats = (await http.get("/__sandbox/stats")).json()
        assert stats["peak_in_flight"] == 2


@pytest.mark.parametrize(
    "sandbox_config", [SandboxConfig(controls=True, limits=RateLimits(per_minute=1))]
)
async def test_refused_requests_are_counted_in_the_stats(
    http: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    statuses = [(await api.get("probes")).status_code for _ in range(3)]

    stats = (await http.get("/__sandbox/stats")).json()
    assert statuses == [200, 429, 429]
    assert stats["rate_limited"] == 2
    assert stats["statuses"]["429"] == 2
