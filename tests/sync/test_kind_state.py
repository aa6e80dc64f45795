"""How one poll advances a kind's cursor: each version of each object reported once."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledgergraph.events import EventKind, sage_timestamp
from ledgergraph.sync.state import Change, KindState

T0 = 1_750_000_000  # whole seconds since the epoch
OVERLAP = 2.0


def item(object_id: str, updated: int, created: int | None = None) -> dict[str, Any]:
    return {
        "id": object_id,
        "created_at": sage_timestamp(created if created is not None else updated - 100),
        "updated_at": sage_timestamp(updated),
    }


def gone(object_id: str, deleted: int) -> dict[str, Any]:
    return {"id": object_id, "deleted_at": sage_timestamp(deleted)}


def test_changes_from_before_the_first_subscriber_are_not_reported() -> None:
    state = KindState.starting_at(T0 + 0.7)
    changes, _ = state.advance(
        [item("old", T0 - 1), item("new", T0 + 1, created=T0 + 1), item("edited", T0)],
        [gone("removed-before", T0 - 1)],
        overlap=OVERLAP,
        now=T0 + 2,
    )
    assert changes == [
        Change("edited", EventKind.UPDATED, T0),
        Change("new", EventKind.CREATED, T0 + 1),
    ]


def test_re_reading_the_overlap_window_reports_nothing_twice() -> None:
    state = KindState.starting_at(T0)
    answer = [item("a", T0 + 1), item("b", T0 + 2)]
    first, state = state.advance(answer, [], overlap=OVERLAP, now=T0 + 3)
    again, state = state.advance(answer, [], overlap=OVERLAP, now=T0 + 4)
    assert [c.object_id for c in first] == ["a", "b"]
    assert again == []


def test_a_change_committed_late_within_the_overlap_is_reported_once() -> None:
    state = KindState.starting_at(T0)
    _, state = state.advance([item("b", T0 + 5)], [], overlap=OVERLAP, now=T0 + 5)
    # "a" was written at T0 + 4 but only became visible after the poll that saw "b".
    late, state = state.advance(
        [item("a", T0 + 4), item("b", T0 + 5)], [], overlap=OVERLAP, now=T0 + 6
    )
    assert late == [Change("a", EventKind.UPDATED, T0 + 4)]
    assert state.since(OVERLAP)[0] == T0 + 5 - 2


def test_a_new_version_of_a_seen_object_is_an_update() -> None:
    state = KindState.starting_at(T0)
    created, state = state.advance(
        [item("a", T0 + 1, created=T0 + 1)], [], overlap=OVERLAP, now=T0 + 1
    )
    updated, state = state.advance(
        [item("a", T0 + 3, created=T0 + 1)], [], overlap=OVERLAP, now=T0 + 3
    )
    assert [c.kind for c in created + updated] == [EventKind.CREATED, EventKind.UPDATED]


def test_deletions_are_reported_once_even_without_a_deletion_time() -> None:
    state = KindState.starting_at(T0)
    deleted, state = state.advance(
        [], [gone("a", T0 + 1), {"id": "b"}], overlap=OVERLAP, now=T0 + 2
    )
    again, state = state.advance([], [gone("a", T0 + 1), {"id": "b"}], overlap=OVERLAP, now=T0 + 3)
    assert deleted == [
        Change("a", EventKind.DELETED, T0 + 1),
        Change("b", EventKind.DELETED, T0 + 2),
    ]
    assert again == []
    # deleted_since excludes its own second: the next poll asks from one second earlier;
    # and only Sage's timestamps move the cursor, never the stand-in for a missing one.
    assert state.since(OVERLAP)[1] == T0 + 1 - 2 - 1


def test_the_state_survives_the_store() -> None:
    state = KindState.starting_at(T0)
    _, state = state.advance([item("a", T0 + 1)], [gone("b", T0 + 1)], overlap=OVERLAP, now=T0)
    assert KindState.from_bytes(state.to_bytes()) == state


# -- a model of Sage: edits with a commit delay, polled at arbitrary times -----------------------

edit = st.tuples(
    st.sampled_from("abcde"),  # object
    st.floats(min_value=0, max_value=30),  # when it was written
    st.floats(min_value=0, max_value=OVERLAP),  # how long until Sage shows it
)


@settings(max_examples=200, deadline=None)
@given(
    edits=st.lists(edit, max_size=25),
    polls=st.lists(st.floats(min_value=0, max_value=40), max_size=15),
)
def test_polling_reports_every_last_version_once_however_edits_and_polls_interleave(
    edits: list[tuple[str, float, float]], polls: list[float]
) -> None:
    origin = T0
    state = KindState.starting_at(origin)
    reported: list[Change] = []
    for at in [*sorted(polls), 60.0]:  # and one poll long after everything settled
        since, _ = state.since(OVERLAP)
        visible: dict[str, int] = {}
        for object_id, written, delay in sorted(edits, key=lambda e: e[1]):
            if written + delay <= at:
                visible[object_id] = T0 + math.floor(written)
        answer = [item(i, v) for i, v in visible.items() if v >= since]
        changes, state = state.advance(answer, [], overlap=OVERLAP, now=T0 + at)
        reported.extend(changes)

    versions = [(c.object_id, c.version) for c in reported]
    assert len(versions) == len(set(versions)), "a version was reported twice"
    final: dict[str, int] = {}
    for object_id, written, _ in sorted(edits, key=lambda e: e[1]):
        final[object_id] = T0 + math.floor(written)
    assert dict(versions) == final, "the last version of an object was missed"
