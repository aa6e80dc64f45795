"""A tiny GraphQL-over-WebSocket client: graphql-transport-ws (default) or legacy graphql-ws.

    async with GraphQLWebSocket.open(server.url, token=server.token("acme")) as socket:
        events = await socket.subscribe("subscription { syncEvents { cursor kind } }")
        message = await events.next()          # {"data": {...}} or {"errors": [...]}

A refused ``connection_init`` raises ``ConnectionRefused`` with the close code (and, for
graphql-ws, the ``connection_error`` payload). Like real clients (graphql-ws, gql, browsers), it
accepts text frames only: a binary frame fails the test (``BinaryFrame``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"

_DONE = object()


class ConnectionRefused(Exception):
    def __init__(self, code: int | None, reason: str, payload: Any = None) -> None:
        super().__init__(f"connection refused ({code}): {reason} {payload or ''}".strip())
        self.code = code
        self.reason = reason
        self.payload = payload


class BinaryFrame(AssertionError):
    """The server sent a binary frame; both GraphQL WebSocket protocols are text-only."""

    def __init__(self, data: bytes) -> None:
        super().__init__(f"binary WebSocket frame received (messages must be text): {data[:80]!r}")


def _message(raw: str | bytes) -> dict[str, Any]:
    if isinstance(raw, bytes):
        raise BinaryFrame(raw)
    message: dict[str, Any] = json.loads(raw)
    return message


class OperationFailed(Exception):
    """The server answered the operation with an ``error`` message."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(json.dumps(errors))
        self.errors = errors

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code", "") for e in self.errors]


@dataclass(slots=True)
class Operation:
    id: str
    socket: GraphQLWebSocket
    queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    completed: bool = False

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109
        """The next result payload; ``OperationFailed`` on an error, ``StopAsyncIteration`` at
        completion, ``TimeoutError`` if nothing came within ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            item = await self.queue.get()
        if item is _DONE:
            self.completed = True
            raise StopAsyncIteration
        if isinstance(item, Exception):
            self.completed = True
            raise item
        result: dict[str, Any] = item
        return result

    async def data(self, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109
        """The next result's data; fails the test if the result carried errors."""
        result = await self.next(timeout)
        assert not result.get("errors"), result
        data: dict[str, Any] = result["data"]
        return data

    async def nothing(self, within: float) -> None:
        """Assert that no message arrives for ``within`` seconds."""
        with contextlib.suppress(TimeoutError):
            item = await self.next(within)
            raise AssertionError(f"expected no message, got {item}")

    async def stop(self) -> None:
        if not self.completed:
            stop = "complete" if self.socket.protocol == TRANSPORT_WS else "stop"
            await self.socket.send({"id": self.id, "type": stop})
            self.completed = True


class GraphQLWebSocket:
    def __init__(self, connection: ClientConnection, protocol: str) -> None:
        self.connection = connection
        self.protocol = protocol
        self._ids = itertools.count(1)
        self._operations: dict[str, Operation] = {}
        self._reader: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()
        self.binary_frame: BinaryFrame | None = None

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        server_url: str,
        *,
        token: str | None = None,
        payload: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        protocol: str = TRANSPORT_WS,
    ) -> AsyncIterator[GraphQLWebSocket]:
        """Connect to ``<server_url>/graphql`` and initialise; ``token`` goes in the
        connection_init payload as ``Authorization: Bearer <token>``."""
        url = server_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        init: dict[str, Any] = dict(payload or {})
        if token is not None:
            init["Authorization"] = f"Bearer {token}"
        async with connect(
            f"{url}/graphql",
            subprotocols=[protocol],  # type: ignore[list-item]
            additional_headers=dict(headers or {}),
            open_timeout=5,
            close_timeout=1,
        ) as connection:
            socket = cls(connection, protocol)
            await socket._initialise(init)
            socket._reader = asyncio.create_task(socket._read())
            try:
                yield socket
            finally:
                socket._reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await socket._reader
            if socket.binary_frame is not None:
                raise socket.binary_frame

    async def subscribe(self, query: str, variables: Mapping[str, Any] | None = None) -> Operation:
        operation = Operation(str(next(self._ids)), self)
        self._operations[operation.id] = operation
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        payload = {"query": query, "variables": dict(variables or {})}
        await self.send({"id": operation.id, "type": kind, "payload": payload})
        return operation

    async def send(self, message: Mapping[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def _initialise(self, payload: dict[str, Any]) -> None:
        await self.send({"type": "connection_init", "payload": payload})
        try:
            while True:
                async with asyncio.timeout(5):
                    message = _message(await self.connection.recv())
                if message["type"] == "connection_ack":
                    return
                if message["type"] == "connection_error":
                    with contextlib.suppress(ConnectionClosed, TimeoutError):
                        async with asyncio.timeout(1):
                            await self.connection.recv()
                    raise ConnectionRefused(
                        self.connection.close_code,
                        self.connection.close_reason or "",
                        message.get("payload"),
                    )
        except ConnectionClosed as exc:
            rcvd = exc.rcvd
            raise ConnectionRefused(
                rcvd.code if rcvd else None, rcvd.reason if rcvd else ""
            ) from None

    async def _read(self) -> None:
        try:
            async for raw in self.connection:
                message = _message(raw)
                kind = message.get("type")
                if kind == "ping":
                    await self.send({"type": "pong"})
                    continue
                operation = self._operations.get(message.get("id", ""))
                if operation is None:
                    continue
                if kind in ("next", "data"):
                    operation.queue.put_nowait(message["payload"])
                elif kind == "error":
                    errors = message["payload"]
                    operation.queue.put_nowait(
                        OperationFailed(errors if isinstance(errors, list) else [errors])
                    )
                elif kind == "complete":
                    operation.queue.put_nowait(_DONE)
        except ConnectionClosed:
            pass
        except BinaryFrame as binary:
            # Fails the operations waiting for a message, and the ``open`` block at its end.
            self.binary_frame = binary
            for operation in self._operations.values():
                operation.queue.put_nowait(binary)
            await self.connection.close(1003, "binary frame")
        finally:
            self.closed.set()
            for operation in self._operations.values():
                operation.queue.put_nowait(_DONE)
