"""The poller's cursor for one resource kind of one business, and how a poll advances it.

Sage offers two filters for incremental sync: ``updated_or_created_since`` (inclusive) and
``deleted_since`` (exclusive), both at one-second resolution. Each poll asks for everything
from a little before the newest version already seen (``overlap`` seconds, for changes Sage
commits late) and drops what it has already reported: the state keeps, for the overlap
window, which version of which object was seen. So a change is reported exactly once however
often the window re-reads it, and a poll that is lost midway (a crash, a lost lease) is simply
repeated from the stored state by whoever polls next.

Limits inherited from Sage's one-second timestamps: two edits of one object within the same
second look like one version (the second is reported only if a later edit follows), and an
object created and edited within one second is reported as CREATED.

Pure functions of plain data: no I/O here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ledgergraph.events import EventKind, instant

__all__ = ["Change", "KindState"]


@dataclass(frozen=True, slots=True)
class Change:
    object_id: str
    kind: EventKind
    version: int  # updated_at (or deleted_at) in whole seconds since the epoch


@dataclass(frozen=True, slots=True)
class KindState:
    # Changes older than this (seconds since the epoch) happened before anyone subscribed to
    # this kind: they are remembered as seen but never reported.
    origin: int
    changed_since: int  # the newest updated_at seen
    deleted_since: int  # the newest deleted_at seen
    seen_changed: Mapping[str, int] = field(default_factory=dict)
    seen_deleted: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def starting_at(cls, now: float) -> KindState:
        start = math.floor(now)
        return cls(origin=start, changed_since=start, deleted_since=start)

    def since(self, overlap: float) -> tuple[int, int]:
        """The (``updated_or_created_since``, ``deleted_since``) values of the next poll."""
        back = math.ceil(overlap)
        # deleted_since excludes its own second: one more keeps a deletion at .000 in view.
        return self.changed_since - back, self.deleted_since - back - 1

    def advance(
        self,
        changed: Iterable[Mapping[str, Any]],
        deleted: Iterable[Mapping[str, Any]],
        *,
        overlap: float,
        now: float,
    ) -> tuple[list[Change], KindState]:
        """The changes not reported yet among a poll's answers, and the state after them.

        ``changed`` are the items of ``updated_or_created_since``, ``deleted`` those of
        ``deleted_since`` (each with at least ``id`` and its timestamps). ``now`` stands in for
        a deletion time Sage did not send (it never moves the cursor).
        """
        back = math.ceil(overlap)
        changes: list[Change] = []
        seen_changed = dict(self.seen_changed)
        seen_deleted = dict(self.seen_deleted)

        newest = self.changed_since
        for item in sorted(_versioned(changed, "updated_at"), key=lambda p: p[1]):
            payload, version = item
            object_id = str(payload["id"])
            newest = max(newest, version)
            if payload.get("deleted_at"):
                continue  # reported through deleted_since
            previous = seen_changed.get(object_id)
            if previous is not None and previous >= version:
                continue
            seen_changed[object_id] = version
            if version < self.origin:
                continue
            created = instant(payload.get("created_at")) == version and previous is None
            changes.append(
                Change(object_id, EventKind.CREATED if created else EventKind.UPDATED, version)
            )

        newest_deleted = self.deleted_since
        fallback = math.floor(now)
        gone = [
            (payload, instant(payload.get("deleted_at")))
            for payload in deleted
            if payload.get("id") is not None
        ]
        for payload, stamp in sorted(gone, key=lambda p: fallback if p[1] is None else p[1]):
            object_id = str(payload["id"])
            version = fallback if stamp is None else stamp
            if stamp is not None:
                # Only Sage's own clock moves the cursor; ours may run ahead of it.
                newest_deleted = max(newest_deleted, stamp)
            if object_id in seen_deleted:
                continue
            seen_deleted[object_id] = version
            seen_changed.pop(object_id, None)
            if version < self.origin:
                continue
            changes.append(Change(object_id, EventKind.DELETED, version))

        state = KindState(
            origin=self.origin,
            changed_since=newest,
            deleted_since=newest_deleted,
            seen_changed={i: v for i, v in seen_changed.items() if v >= newest - back},
            seen_deleted={i: v for i, v in seen_deleted.items() if v >= newest_deleted - back - 1},
        )
        return changes, state

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "origin": self.origin,
                "changed_since": self.changed_since,
                "deleted_since": self.deleted_since,
                "seen_changed": dict(self.seen_changed),
                "seen_deleted": dict(self.seen_deleted),
            },
            separators=(",", ":"),
            sort_keys=True,
        ).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> KindState:
        data = json.loads(raw)
        return cls(
            origin=int(data["origin"]),
            changed_since=int(data["changed_since"]),
            deleted_since=int(data["deleted_since"]),
            seen_changed={str(k): int(v) for k, v in data.get("seen_changed", {}).items()},
            seen_deleted={str(k): int(v) for k, v in data.get("seen_deleted", {}).items()},
        )


def _versioned(
    items: Iterable[Mapping[str, Any]], field_name: str
) -> list[tuple[Mapping[str, Any], int]]:
    """Items with an id and a readable ``field_name`` timestamp, paired with it."""
    found = []
    for payload in items:
        version = instant(payload.get(field_name))
        if payload.get("id") is not None and version is not None:
            found.append((payload, version))
    return found
