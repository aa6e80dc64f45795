"""The Sage app's budget (``connectors/sage/budget.py``) over each store: one Redis, a Redis
Cluster and, for one process, memory. Slots in flight, the day's counters, priorities, a fair
share per tenant, and slots of a dead worker coming back when their lease runs out."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from redis.crc import key_slot

from ledgergraph.cache import RedisOptions, RedisStore, Store
from ledgergraph.connectors.sage import budget_ledger
from ledgergraph.connectors.sage.budget import AppBudget, Slot
from ledgergraph.connectors.sage.budget_ledger import AppLimits, MemoryLedger, RedisLedger
from ledgergraph.connectors.sage.priority import Priority, calls_for
from ledgergraph.errors import RateLimited, SageQuotaExhausted, ServiceUnavailable
from tests.redis_server import free_port
from tests.support.fixtures import backend_store_fixture

# Generous: a slot given back late (a loaded test machine) would wait out its lease.
store = backend_store_fixture(RedisOptions(timeout=5.0))
shared_redis = pytest.mark.parametrize("store", ["redis", "cluster"], indirect=True)

MAX_WAIT = 10.0


def _budget(store: Store, *, max_wait: float = MAX_WAIT, **limits: Any) -> AppBudget:
    settings = AppLimits(**{"in_flight": 4, "tenant_in_flight": None, **limits})
    if isinstance(store, RedisStore):
        return AppBudget(RedisLedger(store, settings), max_wait=max_wait)
    return AppBudget(MemoryLedger(settings), max_wait=max_wait)


@pytest.fixture
async def budgets(store: Store) -> AsyncIterator[Callable[..., AppBudget]]:
    """``make(**limits)``: budgets on the test's store, closed after the test."""
    made: list[AppBudget] = []

    def make(**limits: Any) -> AppBudget:
        made.append(_budget(store, **limits))
        return made[-1]

    yield make
    for budget in made:
        await budget.aclose()


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():  # noqa: ASYNC110
        await asyncio.sleep(0.005)


async def _acquire_as(budget: AppBudget, tenant: str, priority: Priority) -> Slot:
    with calls_for(priority):
        return await budget.acquire(tenant)


def _queue(
    budget: AppBudget,
    tenant: str,
    priority: Priority,
    served: list[str],
    label: str,
    *,
    release: bool = True,
) -> asyncio.Task[Slot]:
    """A call waiting for a slot that notes when it got one (and gives it back at once)."""

    async def wait() -> Slot:
        slot = await _acquire_as(budget, tenant, priority)
        served.append(label)
        if release:
            await budget.release(slot)
        return slot

    return asyncio.create_task(wait())


@shared_redis
async def test_two_workers_never_hold_more_slots_than_the_cap_together(
    budgets: Callable[..., AppBudget],
) -> None:
    first, second = budgets(in_flight=3), budgets(in_flight=3)
    holding = peak = 0

    async def call(budget: AppBudget) -> None:
        nonlocal holding, peak
        async with budget.call("acme"):
            holding += 1
            peak = max(peak, holding)
            await asyncio.sleep(0.01)
            holding -= 1

    await asyncio.gather(*(call(b) for b in [first, second] * 10))

    assert peak == 3
    assert (await first.usage()).usage.used == 20


async def test_a_call_that_finds_no_slot_within_the_wait_is_rate_limited(
    store: Store,
) -> None:
    budget = _budget(store, in_flight=1, max_wait=0.05)
    held = await budget.acquire("acme")

    with pytest.raises(RateLimited) as refused:
        await budget.acquire("acme")

    assert refused.value.extensions["budget"] == "sage_app"
    await budget.release(held)
    assert budget.waiting_calls() == {"interactive": 0, "polling": 0, "background": 0}
    await budget.aclose()


async def test_a_cancelled_call_gives_its_slot_back(
    budgets: Callable[..., AppBudget],
) -> None:
    budget = budgets(in_flight=1)
    started = asyncio.Event()

    async def call() -> None:
        async with budget.call("acme"):
            started.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(call())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert (await budget.usage()).usage.in_flight == 0
    await budget.release(await budget.acquire("acme"))


HOLDER = """
import asyncio, sys
from ledgergraph.cache import RedisStore
from ledgergraph.connectors.sage.budget import AppBudget
from ledgergraph.connectors.sage.budget_ledger import AppLimits, RedisLedger

async def main() -> None:
    store = RedisStore(sys.argv[1], prefix=sys.argv[2])
    budget = AppBudget(RedisLedger(store, AppLimits(in_flight=2, lease=float(sys.argv[3]))))
    for _ in range(2):
        await budget.acquire("acme")
    print("held", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


@pytest.mark.redis
@pytest.mark.parametrize("url_fixture", ["redis_url", "redis_cluster_url"])
async def test_the_slots_of_a_killed_worker_come_back_when_their_lease_runs_out(
    url_fixture: str, request: pytest.FixtureRequest, key_prefix: str
) -> None:
    url: str = request.getfixturevalue(url_fixture)
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, url, key_prefix, "0.5", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert worker.stdout is not None
        assert await worker.stdout.readline() == b"held\n"
        async with RedisStore(url, prefix=key_prefix) as store:
            impatient = _budget(store, in_flight=2, max_wait=0.05)
            with pytest.raises(RateLimited):
                await impatient.acquire("globex")

            os.kill(worker.pid, signal.SIGKILL)  # no chance to give anything back
            await worker.wait()
            patient = _budget(store, in_flight=2)
            slots = [await patient.acquire("globex"), await patient.acquire("globex")]

            assert (await patient.usage()).usage.holding == {"globex": 2}
            for slot in slots:
                await patient.release(slot)
            await impatient.aclose()
            await patient.aclose()
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()


async def test_a_long_call_keeps_its_slot_past_the_lease(
    budgets: Callable[..., AppBudget],
) -> None:
    budget = budgets(in_flight=1, lease=0.15)
    slot = await budget.acquire("acme")
    await asyncio.sleep(0.5)  # a call outliving its lease, renewed meanwhile

    assert (await budget.usage()).usage.holding == {"acme": 1}
    await budget.release(slot)


async def test_interactive_calls_are_served_before_polling_and_background(
    budgets: Callable[..., AppBudget],
) -> None:
    budget = budgets(in_flight=1)
    held = await budget.acquire("acme")
    served: list[str] = []
    waiters = [
        _queue(budget, "acme", Priority.BACKGROUND, served, "background"),
        _queue(budget, "acme", Priority.POLLING, served, "polling"),
        _queue(budget, "acme", Priority.INTERACTIVE, served, "interactive"),
    ]
    await _until(lambda: sum(budget.waiting_calls().values()) == 3)

    await budget.release(held)
    await asyncio.gather(*waiters)

    assert served == ["interactive", "polling", "background"]


@shared_redis
async def test_polling_on_one_worker_waits_while_interactive_calls_wait_on_another(
    budgets: Callable[..., AppBudget],
) -> None:
    poller, server = budgets(in_flight=1), budgets(in_flight=1)
    held = await server.acquire("acme")
    served: list[str] = []
    polling = _queue(poller, "acme", Priority.POLLING, served, "polling")
    await _until(lambda: poller.waiting_calls()["polling"] == 1)
    interactive = _queue(server, "acme", Priority.INTERACTIVE, served, "interactive")
    await _until(lambda: server.waiting_calls()["interactive"] == 1)

    await server.release(held)
    await asyncio.gather(interactive, polling)

    assert served == ["interactive", "polling"]


async def test_waiting_tenants_are_served_in_turn(budgets: Callable[..., AppBudget]) -> None:
    budget = budgets(in_flight=1)
    held = await budget.acquire("noisy")
    served: list[str] = []
    waiters = [_queue(budget, "noisy", Priority.INTERACTIVE, served, "noisy") for _ in range(3)]
    await _until(lambda: budget.waiting_calls()["interactive"] == 3)
    waiters.append(_queue(budget, "quiet", Priority.INTERACTIVE, served, "quiet"))
    await _until(lambda: budget.waiting_calls()["interactive"] == 4)

    await budget.release(held)
    await asyncio.gather(*waiters)

    assert served == ["noisy", "quiet", "noisy", "noisy"]


def _queue_for(
    budget: AppBudget, tenant: str, business: str, served: list[str]
) -> asyncio.Task[None]:
    """An interactive call of ``tenant`` for ``business`` that notes when it got a slot."""

    async def wait() -> None:
        slot = await budget.acquire(tenant, business)
        served.append(f"{tenant}/{business}")
        await budget.release(slot)

    return asyncio.create_task(wait())


async def test_a_tenant_with_many_businesses_gets_one_tenants_turns_shared_by_its_businesses(
    budgets: Callable[..., AppBudget],
) -> None:
    budget = budgets(in_flight=1)
    held = await budget.acquire("other")
    served: list[str] = []
    calls = [("many", "b1"), ("many", "b1"), ("many", "b2"), ("many", "b3")]
    calls += [("one", "a"), ("one", "a")]
    waiters = []
    for tenant, business in calls:
        waiters.append(_queue_for(budget, tenant, business, served))
        await _until(lambda: budget.waiting_calls()["interactive"] == len(waiters))

    await budget.release(held)
    await asyncio.gather(*waiters)

    assert served == ["many/b1", "one/a", "many/b2", "one/a", "many/b3", "many/b1"]


async def test_a_tenant_holding_its_share_waits_while_another_tenant_is_served(
    budgets: Callable[..., AppBudget],
) -> None:
    budget = budgets(in_flight=3, tenant_in_flight=2)
    noisy = [await budget.acquire("noisy"), await budget.acquire("noisy")]
    served: list[str] = []
    more_noise = [
        _queue(budget, "noisy", Priority.INTERACTIVE, served, "noisy", release=False)
        for _ in range(4)
    ]
    await _until(lambda: budget.waiting_calls()["interactive"] == 4)

    quiet = await budget.acquire("quiet")

    assert served == []
    assert (await budget.usage()).usage.holding == {"noisy": 2, "quiet": 1}
    await budget.release(quiet)
    for slot in noisy:
        await budget.release(slot)
    # In the order they are served: their queue order is the order their first (direct)
    # claims were answered, which several Redis connections need not keep.
    for served_next in asyncio.as_completed(more_noise):
        await budget.release(await served_next)


async def test_the_day_is_refused_only_once_its_budget_is_spent(
    budgets: Callable[..., AppBudget],
) -> None:
    budget = budgets(per_day=3)
    for _ in range(3):
        await budget.release(await budget.acquire("acme"))

    with pytest.raises(SageQuotaExhausted) as refused:
        await budget.acquire("acme")

    assert refused.value.code == "SAGE_QUOTA_EXHAUSTED"
    assert refused.value.extensions["resetsAt"].endswith("T00:00:00Z")
    assert await budget.day_fraction_left() == 0.0


async def test_polling_stops_at_its_floor_while_interactive_calls_go_on(
    budgets: Callable[..., AppBudget],
) -> None:
    budget = budgets(per_day=10, polling_floor=0.5, background_floor=0.7)
    outcomes: list[tuple[int, str, str]] = []
    for call in range(10):
        for priority in Priority:
            try:
                slot = await _acquire_as(budget, "acme", priority)
            except SageQuotaExhausted:
                outcomes.append((call, priority.name, "refused"))
            else:
                await budget.release(slot)

    first_refused = {
        name: min(call for call, refused, _ in outcomes if refused == name)
        for name in ("BACKGROUND", "POLLING", "INTERACTIVE")
    }
    assert first_refused["BACKGROUND"] < first_refused["POLLING"] < first_refused["INTERACTIVE"]
    assert (await budget.usage()).usage.used == 10


async def test_token_refreshes_are_counted_without_waiting(
    budgets: Callable[..., AppBudget],
) -> None:
    budget = budgets(in_flight=1, per_day=5)
    held = await budget.acquire("acme")  # every slot taken

    for _ in range(2):
        await budget.charge("acme")

    usage = (await budget.usage()).usage
    assert usage.used == 3
    assert usage.heaviest == [("acme", 3)]
    await budget.release(held)


async def test_the_heaviest_tenants_of_the_day_come_first(
    budgets: Callable[..., AppBudget],
) -> None:
    budget = budgets()
    for tenant, calls in {"light": 1, "heavy": 3, "middle": 2}.items():
        for _ in range(calls):
            await budget.release(await budget.acquire(tenant))

    usage = await budget.usage(top=2)

    assert usage.usage.heaviest == [("heavy", 3), ("middle", 2)]
    assert usage.as_json()["remaining"] == 1_296_000 - 6


async def test_without_its_store_the_budget_fails_fast_with_service_unavailable() -> None:
    options = RedisOptions(timeout=0.2, connect_timeout=0.1)
    async with RedisStore(f"redis://127.0.0.1:{free_port()}/0", options=options) as down:
        budget = _budget(down)

        with pytest.raises(ServiceUnavailable):
            await budget.acquire("acme")


@pytest.mark.parametrize("prefix", ["lg:kv:", "test-0123456789ab:kv:"])
def test_every_name_of_the_budget_lives_in_one_cluster_slot(prefix: str) -> None:
    names = budget_ledger.key_names(day=20_000, minute=28_800_000).values()

    assert {key_slot((prefix + name).encode()) for name in names} == {key_slot(b"sage-app")}


@pytest.mark.parametrize("name", ["ACQUIRE", "RELEASE", "RENEW", "CHARGE", "USAGE"])
def test_every_budget_script_touches_only_the_keys_it_is_given(name: str) -> None:
    source: str = getattr(budget_ledger, name)
    calls = re.findall(r"redis\.call\('(\w+)'(?:,\s*([^,)]+))?", source)

    assert len(calls) == source.count("redis.call(")
    for command, key in calls:
        if command != "TIME":
            assert re.fullmatch(r"KEYS\[[^\]]+\]|marks", key.strip()), f"{command}: {key}"
