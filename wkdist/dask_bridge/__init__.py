"""The dask bridge: lazy dask arrays over mags, and shard-aligned write plans."""

from __future__ import annotations

from wkdist.dask_bridge.read import view_to_dask
from wkdist.dask_bridge.write import plan_write

__all__ = ["plan_write", "view_to_dask"]
