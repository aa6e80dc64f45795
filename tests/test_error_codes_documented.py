"""Every error code the server can emit is explained in the README: a client must never meet a
code it cannot look up."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# ``code = "X"`` on an error class, ``"code": "X"`` or ``code="X"`` where one is built.
CODE = re.compile(r"""(?:\bcode\s*=\s*|["']code["']\s*:\s*)["']([A-Z][A-Z0-9_]{3,})["']""")


def emitted_codes() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "ledgergraph").rglob("*.py"):
        if "sandbox" in path.parts:
            continue  # the Sage emulator speaks Sage's codes, not LedgerGraph's
        found.update(CODE.findall(path.read_text("utf-8")))
    return found


def test_the_scan_finds_the_codes_it_should() -> None:
    assert {"BAD_USER_INPUT", "IDEMPOTENCY_IN_PROGRESS", "PAYLOAD_TOO_LARGE"} <= emitted_codes()


def test_every_emitted_code_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    missing = sorted(code for code in emitted_codes() if f"`{code}`" not in readme)
    assert missing == [], f"codes the README does not explain: {missing}"
