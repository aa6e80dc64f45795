"""Dependent rounds of Sage calls: how many times a request waited for Sage in a chain.

Recorded from the start and end of every Sage API request a server in this process sends
(httpx event hooks on its client). A request's round is one more than the highest round of
the requests that had *finished* before it started; a query's rounds are the highest round.
Ordering only, no durations: requests asked for together overlap as long as each Sage call
takes longer than the server needs to send the next (give the sandbox some latency).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx


@dataclass
class Rounds:
    api_url: str
    spans: list[tuple[float, float]] = field(default_factory=list)
    _started: dict[int, float] = field(default_factory=dict)

    def watch(self, http: httpx.AsyncClient) -> Rounds:
        """Record the Sage API requests ``http`` sends from now on."""
        http.event_hooks["request"].append(self._on_request)
        http.event_hooks["response"].append(self._on_response)
        return self

    def reset(self) -> None:
        self.spans.clear()

    def count(self) -> int:
        depth: list[int] = []
        ordered = sorted(self.spans)
        for i, (start, _) in enumerate(ordered):
            before = [depth[j] for j in range(i) if ordered[j][1] <= start]
            depth.append(1 + max(before, default=0))
        return max(depth, default=0)

    async def _on_request(self, request: httpx.Request) -> None:
        if str(request.url).startswith(self.api_url):
            self._started[id(request)] = time.perf_counter()

    async def _on_response(self, response: httpx.Response) -> None:
        started = self._started.pop(id(response.request), None)
        if started is not None:
            self.spans.append((started, time.perf_counter()))
