"""Dataset tests that run jobs use both schedulers (threads, 2-process LocalCluster)."""

from __future__ import annotations

from tests.dask_bridge.conftest import local_cluster, scheduler

__all__ = ["local_cluster", "scheduler"]
