"""Where plans execute: the active dask scheduler (local default or a
``distributed`` client) or a ``cluster_tools`` executor, chosen directly or
through a cluster profile (:func:`wkdist.run.clusters.cluster`)."""

from __future__ import annotations

from wkdist.run.clusters import cluster
from wkdist.run.execute import RunObserver, run_plans

__all__ = ["RunObserver", "cluster", "run_plans"]
