"""Start-up problems are the configuration's: one line on stderr naming the setting and the
fix, exit code 2, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.redis_server import free_port


def _serve(env: dict[str, str], home: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERGRAPH_")}
    return subprocess.run(
        [sys.executable, "-m", "ledgergraph.cli", "serve", "--no-browser"],
        env=clean | {"HOME": str(home), "LEDGERGRAPH_PORT": str(free_port())} | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"LEDGERGRAPH_REDIS_URL": "localhost:6379"}, "LEDGERGRAPH_REDIS_URL"),
        ({"LEDGERGRAPH_TOKEN_ENCRYPTION_KEYS": "not-a-key"}, "LEDGERGRAPH_TOKEN_ENCRYPTION_KEYS"),
        ({"LEDGERGRAPH_PORT": "eighty"}, "LEDGERGRAPH_PORT"),
        ({"LEDGERGRAPH_WORKERS": "0"}, "LEDGERGRAPH_WORKERS"),
        ({"LEDGERGRAPH_MODE": "production"}, "LEDGERGRAPH_"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_exit_2(
    env: dict[str, str], names: str, tmp_path: Path
) -> None:
    result = _serve(env, tmp_path)

    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ledgergraph: "), result.stderr
    assert names in last


# With workers, the supervisor finds the port taken before it starts any (no Redis is reached).
@pytest.mark.parametrize(
    "workers",
    [
        {},
        {"LEDGERGRAPH_WORKERS": "2", "LEDGERGRAPH_REDIS_URL": "redis://127.0.0.1:1/0"},
    ],
    ids=["one process", "workers"],
)
def test_a_port_in_use_is_one_line_saying_so_and_exit_2(
    workers: dict[str, str], tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _serve({"LEDGERGRAPH_PORT": str(port)} | workers, tmp_path)

    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "already in use" in result.stderr.strip().splitlines()[-1]
