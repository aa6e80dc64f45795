"""Every bench script that has a ``--smoke`` flag, run as CI runs it: tiny sizes, as a
subprocess. It must exit 0 and print its figures (a table, or lines setting a figure against
its target); its timings are printed (``pytest -rP``), never asserted. A new script joins by
declaring ``--smoke``."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.redis

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(
    path.name for path in BENCH.glob("*.py") if '"--smoke"' in path.read_text(encoding="utf-8")
)
# What a script prints beyond its table that must hold even at tiny sizes.
MUST_PRINT = {
    # Issue 14: the Sage call counter of a two-worker server equals the sandbox's own count.
    "workers.py": re.compile(
        r"^Sage calls: LedgerGraph counted \d+, the sandbox \d+: equal$", re.MULTILINE
    ),
    # Issue 12: the three servers' answers compared equal, and the timed rounds stayed warm.
    # Issue 12: node batching and reverse relations are measured ...
    "relations.py": re.compile(r"at minimum\s*\|?$", re.MULTILINE),
    "warm.py": re.compile(
        r"all data equal;(.|\n)*^Sage calls during the timed rounds: 0$", re.MULTILINE
    ),
    # Issue 15: the month-end dashboard's cold Sage calls, by list, at their derived minimum.
    "dashboard.py": re.compile(
        r"^minimum by list: .+$(.|\n)*^Sage calls cold: \d+, minimum \d+: PASS$", re.MULTILINE
    ),
}
# ... and what must not appear even at tiny sizes.
MUST_NOT_PRINT = {
    # ... and none costs more Sage calls than its minimum.
    "relations.py": re.compile(r"ABOVE MINIMUM"),
}
_CELL_SEPARATOR = re.compile(r"\s*\|\s*|\s{2,}")


def has_figures(output: str) -> bool:
    """A table of figures, or a line setting a figure against its target."""
    return has_table(output) or any(
        "target" in line and re.search(r"\d", line) for line in output.splitlines()
    )


def has_table(output: str) -> bool:
    """Whether ``output`` has a table of figures: two consecutive lines of two or more cells
    (separated by ``|`` or by runs of spaces), one of them with a number."""
    lines = [_cells(line) for line in output.splitlines()]
    return any(
        len(a) >= 2 and len(b) >= 2 and any(re.search(r"\d", cell) for cell in a + b)
        for a, b in itertools.pairwise(lines)
    )


def _cells(line: str) -> list[str]:
    return [cell for cell in _CELL_SEPARATOR.split(line.strip()) if cell]


def test_the_smoke_scripts_are_found_and_their_figures_recognised() -> None:
    assert "workers.py" in SCRIPTS
    assert has_figures("server  req/s\n1 worker  12.5")
    assert has_figures("16 queries: 4 Sage calls, minimum 4 (1.00x; target 1.00x: PASS)")
    assert not has_figures("workers bench: logs in /tmp/x\n(12 s)")


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_bench_runs_and_prints_its_figures(script: str, tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH / script), "--smoke"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,  # a hang guard only: a smoke run takes seconds
        check=False,
    )
    print(run.stdout)  # the figures, shown with pytest -rP

    assert run.returncode == 0, f"{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    assert has_figures(run.stdout), run.stdout
    if script in MUST_PRINT:
        assert MUST_PRINT[script].search(run.stdout), run.stdout
    if script in MUST_NOT_PRINT:
        assert not MUST_NOT_PRINT[script].search(run.stdout), run.stdout
