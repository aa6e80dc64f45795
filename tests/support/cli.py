"""``ledgergraph <command>`` run as a user runs it: a separate process, its exit code and its
output."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping


async def run_cli(env: Mapping[str, str | None], *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``ledgergraph *args`` with ``env`` over the test's
    environment; a ``None`` value removes that variable."""
    merged = {k: v for k, v in (dict(os.environ) | dict(env)).items() if v is not None}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ledgergraph.cli",
        *args,
        env=merged,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()
