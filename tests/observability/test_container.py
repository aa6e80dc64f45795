"""The container image builds (where a Docker engine is available), and the deployment files
agree with what LedgerGraph serves."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
FAMILIES = re.compile(r"\bledgergraph_[a-z_]+")


def _docker_engine() -> str | None:
    """Why the image cannot be built here, or None when it can."""
    if shutil.which("docker") is None:
        return "the docker command is not installed"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60)
    if info.returncode != 0:
        return f"no Docker engine answers `docker info`: {info.stderr.strip()[:200]}"
    return None


def test_the_image_builds() -> None:
    reason = _docker_engine()
    if reason is not None:
        pytest.skip(reason)
    built = subprocess.run(
        ["docker", "build", "--quiet", "--tag", "ledgergraph:test", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert built.returncode == 0, built.stderr[-4000:]
    user = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Config.User}}", "ledgergraph:test"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert user.stdout.strip() not in ("", "root", "0")


def test_the_dashboard_charts_only_families_ledgergraph_exports() -> None:
    from prometheus_client.metrics import MetricWrapperBase

    from ledgergraph.observability import metrics

    exported = {
        f"{family.name}{suffix}"
        for value in vars(metrics).values()
        if isinstance(value, MetricWrapperBase)
        for family in value.describe()
        for suffix in ("", "_total", "_bucket", "_count", "_sum")
    }
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "ledgergraph.json").read_text())
    charted = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in FAMILIES.findall(target["expr"])
    }

    assert charted
    assert charted - exported == set()


def test_compose_runs_two_workers_behind_the_proxy_on_a_durable_redis() -> None:
    compose = (DEPLOY / "compose.yaml").read_text()
    proxy = (DEPLOY / "nginx.conf").read_text()
    scrape = (DEPLOY / "prometheus.yml").read_text()

    workers = re.findall(r"^  (ledgergraph-\d):", compose, re.MULTILINE)
    assert len(workers) == 2
    assert all(f"server {w}:8000" in proxy and f'"{w}:8000"' in scrape for w in workers)
    assert "--appendonly" in compose
    assert "noeviction" in compose
    assert "location = /metrics { return 404; }" in proxy
