"""The soak (bench/soak.py) in its one-minute CI variant: a worker SIGKILLed and restarted,
Redis paused and restarted, Sage faults, expiring tokens -- and every target still met."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.redis

SOAK = Path(__file__).resolve().parent.parent / "bench" / "soak.py"


def test_a_minute_of_chaos_loses_no_connection_write_or_event(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(SOAK), "--duration", "60", "--log-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        # A hang guard only: the run itself takes about 80 s.
        timeout=600,
        check=False,
    )
    report = run.stdout[run.stdout.find("== Chaos") :]
    print(report)  # the figures, shown with pytest -rP
    assert "== Targets" in run.stdout, f"{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    assert run.returncode == 0, f"{report}\n{run.stderr[-2000:]}\nworker logs: {tmp_path}"
    assert "soak: all targets met" in run.stdout
