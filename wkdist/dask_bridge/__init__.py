"""Plans and the dask bridge: lazy dask arrays over mags, and the one write-plan type."""

from __future__ import annotations

from wkdist.dask_bridge.plan import WritePlan
from wkdist.dask_bridge.read import view_to_dask
from wkdist.dask_bridge.tasks import WriteTarget
from wkdist.dask_bridge.write import plan_write

__all__ = ["WritePlan", "WriteTarget", "plan_write", "view_to_dask"]
