"""Job tests run on the threaded scheduler and on a 2-process LocalCluster."""

from __future__ import annotations

from tests.dask_bridge.conftest import local_cluster, scheduler

__all__ = ["local_cluster", "scheduler"]
