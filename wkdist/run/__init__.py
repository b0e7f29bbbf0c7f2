"""Where plans execute: the active dask scheduler (local default or a
``distributed`` client) or a ``cluster_tools`` executor."""

from __future__ import annotations

from wkdist.run.execute import run_plans

__all__ = ["run_plans"]
