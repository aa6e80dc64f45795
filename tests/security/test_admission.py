"""Per-tenant admission of GraphQL operations on a worker: the queue itself, then a server
whose noisy tenant floods it while another tenant's query goes straight through."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.security.admission import OperationAdmission, OperationRefused
from tests.support.fixtures import http_fixture, sandbox_fixture, server_fixture
from tests.support.server import LiveServer
from tests.support.tenants import connect_tenant
from tests.support.ws import GraphQLWebSocket, OperationFailed


async def _hold(admission: OperationAdmission, tenant: str, release: asyncio.Event) -> None:
    async with admission.admit(tenant):
        await release.wait()


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):  # a generous bound: a broken queue fails, never hangs
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.001)


async def test_a_tenants_operations_beyond_its_share_start_in_arrival_order() -> None:
    admission = OperationAdmission(per_tenant=2, max_queued=10, max_wait=30)
    release = asyncio.Event()
    holders = [asyncio.create_task(_hold(admission, "noisy", release)) for _ in range(2)]
    await _until(lambda: admission.running("noisy") == 2)
    started: list[int] = []

    async def queued(n: int) -> None:
        async with admission.admit("noisy"):
            started.append(n)

    waiters = []
    for n in range(4):
        waiters.append(asyncio.create_task(queued(n)))
        await _until(lambda: admission.queued("noisy") == len(waiters))
    async with admission.admit("quiet"):  # another tenant is not behind the queue
        assert started == []
        assert admission.queued("noisy") == 4
    release.set()
    await asyncio.gather(*holders, *waiters)

    assert started == [0, 1, 2, 3]
    assert (admission.running("noisy"), admission.queued("noisy")) == (0, 0)


@pytest.mark.parametrize(
    ("max_queued", "max_wait", "why"),
    [(0, 30.0, "as many are queued already"), (5, 0.01, "did not start within 0.01 s")],
)
async def test_an_operation_without_room_or_time_in_the_queue_is_refused(
    max_queued: int, max_wait: float, why: str
) -> None:
    admission = OperationAdmission(per_tenant=1, max_queued=max_queued, max_wait=max_wait)
    release = asyncio.Event()
    holder = asyncio.create_task(_hold(admission, "noisy", release))
    await _until(lambda: admission.running("noisy") == 1)

    with pytest.raises(OperationRefused, match=why) as refused:
        async with admission.admit("noisy"):
            pytest.fail("a refused operation must not run")

    assert refused.value.code == "RATE_LIMITED"
    assert (admission.running("noisy"), admission.queued("noisy")) == (1, 0)
    release.set()
    await holder
    assert admission.running("noisy") == 0


async def test_a_waiter_cancelled_after_its_turn_came_passes_the_turn_on() -> None:
    admission = OperationAdmission(per_tenant=1, max_queued=5, max_wait=30)
    release = asyncio.Event()
    holder = asyncio.create_task(_hold(admission, "noisy", release))
    await _until(lambda: admission.running("noisy") == 1)
    first = asyncio.create_task(_hold(admission, "noisy", asyncio.Event()))
    second = asyncio.create_task(_hold(admission, "noisy", release))
    await _until(lambda: admission.queued("noisy") == 2)

    release.set()
    await holder  # hands its turn to ``first``, which is cancelled before it runs
    first.cancel()
    await second

    assert first.cancelled()
    assert (admission.running("noisy"), admission.queued("noisy")) == (0, 0)


# -- a server ----------------------------------------------------------------------------------

sandbox = sandbox_fixture(scale=0.2)
http = http_fixture()
PER_TENANT, QUEUE = 2, 3
admitting = server_fixture(
    name="admitting",
    graphql_tenant_concurrency=PER_TENANT,
    graphql_tenant_queue=QUEUE,
    graphql_tenant_queue_wait=30.0,
    rate_limit_requests=0,
    sync_enabled=False,
)
# Each query a different page size, so none shares another's Sage read or cache entry.
SUBSCRIPTION = "subscription { syncEvents(types: [CONTACT]) { cursor } }"
QUERY = "query($n: Int!) @maxAge(seconds: 0) { contacts(first: $n) { nodes { id } } }"


@pytest.mark.redis
async def test_a_tenant_flooding_a_worker_does_not_delay_another_tenants_query(
    admitting: LiveServer, http: httpx.AsyncClient
) -> None:
    for tenant in ("noisy", "quiet"):
        await connect_tenant(http, admitting, tenant, user_id=SOLO_USER_ID)
    admission = admitting.runtime.admission if admitting.runtime else None
    assert admission is not None
    response = await http.post(
        f"{admitting.sandbox.url}/__sandbox/faults", json={"latency_ms": 300}
    )
    assert response.status_code == 200
    flood = [
        asyncio.create_task(admitting.graphql(http, "noisy", QUERY, {"n": n + 1}))
        for n in range(PER_TENANT + QUEUE)
    ]
    await _until(lambda: admission.queued("noisy") == QUEUE)
    running = admission.running("noisy")

    overflow = await admitting.graphql(http, "noisy", QUERY, {"n": 50})
    quiet = await admitting.graphql(http, "quiet", QUERY, {"n": 1})

    still_flooding = sum(not task.done() for task in flood)
    answers = await asyncio.gather(*flood)
    assert running == PER_TENANT
    assert overflow["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert "errors" not in quiet
    assert still_flooding >= QUEUE  # the quiet query did not wait behind the queued ones
    assert all("errors" not in answer for answer in answers)


@pytest.mark.redis
async def test_websocket_queries_queue_too_but_subscriptions_do_not(
    admitting: LiveServer, http: httpx.AsyncClient
) -> None:
    await connect_tenant(http, admitting, "noisy", user_id=SOLO_USER_ID)
    admission = admitting.runtime.admission if admitting.runtime else None
    assert admission is not None
    async with GraphQLWebSocket.open(admitting.url, token=admitting.token("noisy")) as socket:
        subscriptions = [await socket.subscribe(SUBSCRIPTION) for _ in range(PER_TENANT + 1)]
        response = await http.post(
            f"{admitting.sandbox.url}/__sandbox/faults", json={"latency_ms": 300}
        )
        assert response.status_code == 200
        flood = [await socket.subscribe(QUERY, {"n": n + 1}) for n in range(PER_TENANT + QUEUE + 1)]
        answers = [await operation.next(timeout=20) for operation in flood[:-1]]
        with pytest.raises(OperationFailed) as refused:
            await flood[-1].next(timeout=20)
        for subscription in subscriptions:
            await subscription.nothing(within=0.05)  # still open: no error, no end
            await subscription.stop()

    assert refused.value.codes == ["RATE_LIMITED"]
    assert all("errors" not in answer for answer in answers)
