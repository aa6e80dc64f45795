"""An emulator of Sage Accounting's OAuth server and API v3.1, upstream of the tests and demo."""

from __future__ import annotations

from ledgergraph.sandbox.app import create_sandbox_app
from ledgergraph.sandbox.config import RateLimits, SandboxConfig
from ledgergraph.sandbox.runner import RunningSandbox, serve_app, serve_sandbox

__all__ = [
    "RateLimits",
    "RunningSandbox",
    "SandboxConfig",
    "create_sandbox_app",
    "serve_app",
    "serve_sandbox",
]
