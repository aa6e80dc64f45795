"""A development JWT secret kept on this machine, so that ``ledgergraph serve`` (sandbox mode)
and ``ledgergraph token`` agree without any configuration. Never used in production mode."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "ledgergraph"


def dev_jwt_secret() -> str:
    path = state_dir() / "dev-jwt-secret"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    # Created owner-only; if another process won the race, use its secret.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret
