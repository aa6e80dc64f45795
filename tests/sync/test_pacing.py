"""The pace of each business: doubling while idle, back to the base on a change or a write,
jittered apart, and stretched when the Sage app's day runs low."""

from __future__ import annotations

import random
import statistics

import pytest

from ledgergraph.sync.pacing import CachedHeadroom, Pacing, Schedule

STEADY = Pacing(interval=10.0, idle_max=80.0, jitter=0.0, slow_below=0.3, max_stretch=8.0)


def test_an_idle_business_slows_down_by_doubling_up_to_the_idle_maximum() -> None:
    schedule = Schedule(STEADY)
    schedule.keep(["b"], now=0.0)
    intervals = []
    for poll in range(7):
        schedule.polled("b", now=float(poll), changed=False)
        intervals.append(schedule.interval("b"))
    # The first empty poll keeps the pace (edits come in bursts), then it doubles.
    assert intervals == [10.0, 20.0, 40.0, 80.0, 80.0, 80.0, 80.0]


def test_a_change_snaps_the_interval_back_to_the_base() -> None:
    schedule = Schedule(STEADY)
    schedule.keep(["b"], now=0.0)
    for _ in range(5):
        schedule.polled("b", now=0.0, changed=False)
    assert schedule.interval("b") == 80.0
    schedule.polled("b", now=100.0, changed=True)
    assert schedule.interval("b") == 10.0
    assert schedule.next_due() == 110.0


def test_a_write_brings_an_idle_business_forward_without_delaying_a_busy_one() -> None:
    schedule = Schedule(STEADY)
    schedule.keep(["idle", "busy"], now=0.0)
    for _ in range(5):
        schedule.polled("idle", now=0.0, changed=False)
    schedule.polled("busy", now=0.0, changed=True)
    assert schedule.due(now=79.0) == ["busy"]

    schedule.snap_back("idle", now=5.0)
    schedule.snap_back("busy", now=5.0)
    assert (schedule.interval("idle"), schedule.interval("busy")) == (10.0, 10.0)
    assert schedule.due(now=10.0) == ["busy"]
    assert schedule.due(now=15.0) == ["busy", "idle"]


def test_a_new_business_is_due_at_once_and_a_dropped_one_is_forgotten() -> None:
    schedule = Schedule(STEADY)
    schedule.keep(["a", "b"], now=3.0)
    assert schedule.due(now=3.0) == ["a", "b"]
    schedule.keep(["b"], now=4.0)
    assert schedule.interval("a") is None
    assert schedule.due(now=4.0) == ["b"]


def test_jitter_spreads_businesses_that_start_together() -> None:
    pacing = Pacing(interval=10.0, idle_max=10.0, jitter=0.1)
    schedule = Schedule(pacing, rng=random.Random(7))
    businesses = [f"b{n}" for n in range(50)]
    schedule.keep(businesses, now=0.0)
    for business in businesses:
        schedule.polled(business, now=0.0, changed=False)
    due = [d for b in businesses if (d := schedule.due_at(b)) is not None]
    assert len(due) == len(businesses)
    assert all(9.0 <= d <= 11.0 for d in due)
    assert statistics.pstdev(due) > 0.3


@pytest.mark.parametrize(
    ("left", "stretch"),
    [(1.0, 1.0), (0.3, 1.0), (0.15, 2.0), (0.075, 4.0), (0.01, 8.0), (0.0, 8.0)],
)
def test_low_headroom_stretches_every_interval(left: float, stretch: float) -> None:
    assert STEADY.stretch(left) == pytest.approx(stretch)
    schedule = Schedule(STEADY)
    schedule.keep(["b"], now=0.0)
    schedule.polled("b", now=0.0, changed=True, stretch=STEADY.stretch(left))
    assert schedule.next_due() == pytest.approx(10.0 * stretch)


class Dial:
    """A headroom that reads a dial the test turns (or breaks)."""

    def __init__(self) -> None:
        self.left = 1.0
        self.broken = False
        self.reads = 0

    async def day_fraction_left(self) -> float:
        self.reads += 1
        if self.broken:
            raise ConnectionError("the budget's store is down")
        return self.left


async def test_the_process_reads_the_headroom_at_most_once_per_ttl() -> None:
    now = [0.0]
    dial = Dial()
    cached = CachedHeadroom(dial, ttl=1.0, clock=lambda: now[0])
    dial.left = 0.5
    assert [await cached.day_fraction_left() for _ in range(5)] == [0.5] * 5
    assert dial.reads == 1
    dial.left, now[0] = 0.2, 1.5
    assert await cached.day_fraction_left() == 0.2
    assert dial.reads == 2


async def test_a_failing_headroom_keeps_the_last_known_answer() -> None:
    now = [0.0]
    dial = Dial()
    cached = CachedHeadroom(dial, ttl=1.0, clock=lambda: now[0])
    dial.left = 0.1
    assert await cached.day_fraction_left() == 0.1
    dial.broken, now[0] = True, 2.0
    assert await cached.day_fraction_left() == 0.1
