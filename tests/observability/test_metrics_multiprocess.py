"""Metrics with ``--workers``: every gauge says how the workers' values combine (the
default, one series per pid including dead workers', is never what a dashboard wants); the
end-to-end sums over workers are in ``tests/test_supervisor.py``."""

from __future__ import annotations

from prometheus_client import Gauge

from ledgergraph.observability import metrics


def test_every_gauge_names_its_multiprocess_mode() -> None:
    gauges = {name: value for name, value in vars(metrics).items() if isinstance(value, Gauge)}
    modes = {name: gauge._multiprocess_mode for name, gauge in gauges.items()}

    assert "WORKER_STARTED" in modes
    assert [name for name, mode in modes.items() if mode == "all"] == []
    assert modes["WORKER_STARTED"] == "liveall", "one series per live worker, by pid"
