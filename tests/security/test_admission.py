"""Admission of GraphQL operations on a worker: the per-tenant queue, the fair order by loop
time used, heavy tenants narrowed, then servers whose noisy tenant floods them while another
tenant's queries go straight through (over HTTP and graphql-transport-ws)."""

from __future__ import annotations

import asyncio
import time
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
    [(0, 30.0, "its queue is full"), (5, 0.01, "did not start within 0.01 s")],
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


class _Clock:
    """A clock the test moves: decay and "recently active" without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_free_place_goes_to_the_waiting_tenant_that_used_the_least_loop_time() -> None:
    admission = OperationAdmission(
        per_tenant=4, max_queued=10, max_wait=30, worker_limit=1, meter=False, clock=_Clock()
    )
    admission.charge("noisy", 5.0)
    admission.charge("busy", 1.0)
    release = asyncio.Event()
    holder = asyncio.create_task(_hold(admission, "other", release))
    await _until(lambda: admission.running("other") == 1)
    started: list[str] = []

    async def queued(tenant: str) -> None:
        async with admission.admit(tenant):
            started.append(tenant)

    waiters = []
    for tenant in ("noisy", "busy", "quiet"):  # the heaviest first, the quietest last
        waiters.append(asyncio.create_task(queued(tenant)))
        await _until(lambda: admission.queued(tenant) == 1)  # noqa: B023
    assert started == []  # the worker is full: nobody jumps the holder
    release.set()
    await asyncio.gather(holder, *waiters)

    assert started == ["quiet", "busy", "noisy"]


async def test_a_heavy_tenant_runs_narrower_while_another_tenant_is_active() -> None:
    clock = _Clock()
    admission = OperationAdmission(
        per_tenant=3, max_queued=10, max_wait=30, heavy_concurrency=1, meter=False, clock=clock
    )
    release_quiet, release_noisy = asyncio.Event(), asyncio.Event()
    quiet = [asyncio.create_task(_hold(admission, "quiet", release_quiet))]
    await _until(lambda: admission.running("quiet") == 1)
    admission.charge("quiet", 0.01)
    admission.charge("noisy", 5.0)

    noisy = [asyncio.create_task(_hold(admission, "noisy", release_noisy)) for _ in range(3)]
    await _until(lambda: admission.queued("noisy") == 2)
    quiet += [asyncio.create_task(_hold(admission, "quiet", release_quiet)) for _ in range(2)]
    await _until(lambda: admission.running("quiet") == 3)  # admitted at once, all of them

    assert (admission.limit("noisy"), admission.running("noisy")) == (1, 1)
    assert admission.limit("quiet") == 3
    release_quiet.set()
    await asyncio.gather(*quiet)
    clock.now += admission.recent  # quiet is no longer active: noisy is alone again
    await _until(lambda: admission.running("noisy") == 3)  # widened with no event but time
    assert admission.limit("noisy") == 3
    release_noisy.set()
    await asyncio.gather(*noisy)


async def test_a_heavy_tenant_over_its_loop_share_waits_until_its_use_decays() -> None:
    clock = _Clock()
    admission = OperationAdmission(
        per_tenant=3,
        max_queued=10,
        max_wait=30,
        heavy_concurrency=1,
        heavy_share=0.1,
        half_life=2.0,
        meter=False,
        clock=clock,
    )
    release_quiet = asyncio.Event()
    quiet = asyncio.create_task(_hold(admission, "quiet", release_quiet))
    await _until(lambda: admission.running("quiet") == 1)
    # A steady 10 % of the loop settles at 0.29 s decayed: 2 s is far over it.
    admission.charge("noisy", 2.0)
    noisy = asyncio.create_task(_hold(admission, "noisy", asyncio.Event()))
    await _until(lambda: admission.queued("noisy") == 1)
    assert (admission.limit("noisy"), admission.running("noisy")) == (0, 0)
    async with admission.admit("quiet"):  # the other tenant is not held back
        assert admission.running("quiet") == 2

    clock.now += 3 * admission.half_life  # 2 s decays to 0.25 s, under the cap
    await _until(lambda: admission.running("noisy") == 1)  # with no event but time
    assert admission.limit("noisy") == 1  # heavy still: narrowed, no longer held
    noisy.cancel()
    release_quiet.set()
    await quiet


@pytest.mark.parametrize(("used", "limit"), [(0.05, 3), (5.0, 1)])
def test_only_a_tenant_using_a_noticeable_share_of_the_loop_is_narrowed(
    used: float, limit: int
) -> None:
    admission = OperationAdmission(
        per_tenant=3, max_queued=10, max_wait=30, heavy_concurrency=1, meter=False, clock=_Clock()
    )
    admission.charge("other", 0.0)  # active on the worker, using nothing
    admission.charge("tenant", used)

    assert admission.limit("tenant") == limit
    assert admission.limit("other") == 3


async def test_the_loop_time_of_an_operation_and_its_tasks_is_charged_to_its_tenant() -> None:
    admission = OperationAdmission(per_tenant=2, max_queued=10, max_wait=30)

    def burn() -> None:
        until = time.perf_counter() + 0.02
        while time.perf_counter() < until:
            pass

    async def spawned() -> None:
        burn()

    async with admission.admit("busy"):
        burn()
        await asyncio.create_task(spawned())
    async with admission.admit("idle"):
        await asyncio.sleep(0)

    assert admission.usage("busy") > 0.03
    assert admission.usage("idle") < admission.usage("busy") / 10


# -- a server ----------------------------------------------------------------------------------

sandbox = sandbox_fixture(scale=0.2)
http = http_fixture()
PER_TENANT, QUEUE = 2, 3
admitting = server_fixture(
    name="admitting",
    graphql_tenant_concurrency=PER_TENANT,
    graphql_tenant_queue=QUEUE,
    graphql_tenant_queue_wait=30.0,
    # Never narrowed: these tests are about the per-tenant queue alone.
    graphql_tenant_heavy_concurrency=PER_TENANT,
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


# -- a fair server -------------------------------------------------------------------------

fair = server_fixture(
    name="fair",
    graphql_tenant_concurrency=3,
    graphql_tenant_queue=QUEUE,
    graphql_tenant_queue_wait=30.0,
    graphql_tenant_heavy_concurrency=1,
    # Narrowed, not held: the cap on a heavy tenant's share has a test of its own above.
    graphql_tenant_heavy_share=1.0,
    graphql_fair_half_life=3600.0,  # the configured cost below does not fade during the test
    rate_limit_requests=0,
    sync_enabled=False,
)


@pytest.mark.redis
@pytest.mark.parametrize("transport", ["http", "ws"])
async def test_a_heavy_tenant_waits_while_another_tenants_queries_run_at_once(
    transport: str, fair: LiveServer, http: httpx.AsyncClient
) -> None:
    for tenant in ("noisy", "quiet"):
        await connect_tenant(http, fair, tenant, user_id=SOLO_USER_ID)
    admission = fair.runtime.admission if fair.runtime else None
    assert admission is not None
    admission.charge("quiet", 0.001)  # quiet is active on the worker, noisy used far more
    admission.charge("noisy", admission.half_life)  # as if it held the loop for a while
    response = await http.post(f"{fair.sandbox.url}/__sandbox/faults", json={"latency_ms": 300})
    assert response.status_code == 200

    async with (
        GraphQLWebSocket.open(fair.url, token=fair.token("noisy")) as noisy_socket,
        GraphQLWebSocket.open(fair.url, token=fair.token("quiet")) as quiet_socket,
    ):

        async def query(tenant: str, n: int) -> dict[str, object]:
            if transport == "http":
                return await fair.graphql(http, tenant, QUERY, {"n": n})
            socket = noisy_socket if tenant == "noisy" else quiet_socket
            return await (await socket.subscribe(QUERY, {"n": n})).next(timeout=20)

        flood = [asyncio.create_task(query("noisy", n + 1)) for n in range(3)]
        await _until(lambda: admission.queued("noisy") == 2)
        quiet = [asyncio.create_task(query("quiet", n + 10)) for n in range(3)]
        await _until(lambda: admission.running("quiet") == 3)
        noisy_running, noisy_queued = admission.running("noisy"), admission.queued("noisy")
        answers = await asyncio.gather(*flood, *quiet)

    assert (noisy_running, noisy_queued) == (1, 2)
    assert admission.limit("noisy") == 1
    assert all("errors" not in answer for answer in answers)
