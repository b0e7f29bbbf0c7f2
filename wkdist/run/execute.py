"""Running write plans, with progress, on dask or on a cluster_tools executor."""

from __future__ import annotations

import sys
from concurrent.futures import Executor, wait
from typing import TYPE_CHECKING

import dask

from wkdist.dask_bridge.shard_jobs import ShardJobPlan, run_shard_batch
from wkdist.dask_bridge.write import finalize_write, presize_target

if TYPE_CHECKING:
    from collections.abc import Sequence

    from dask.delayed import Delayed

    from wkdist.geometry import BoundingBox


def _active_client() -> object | None:
    try:
        from distributed import get_client
    except ImportError:  # pragma: no cover - distributed is a dependency
        return None
    try:
        return get_client()
    except ValueError:
        return None


def _compute_on_dask(delayeds: list[Delayed], *, progress: bool) -> list[BoundingBox]:
    client = _active_client()
    if client is not None:
        if progress:
            print(f"wkdist: dask dashboard at {client.dashboard_link}", file=sys.stderr)
            from distributed import progress as distributed_progress

            futures = client.compute(delayeds)
            distributed_progress(futures)
            return list(client.gather(futures))
        return list(dask.compute(*delayeds))
    if progress:
        from dask.diagnostics import ProgressBar

        with ProgressBar(out=sys.stderr):
            return list(dask.compute(*delayeds))
    return list(dask.compute(*delayeds))


def _run_on_executor(plan: ShardJobPlan, executor: Executor) -> BoundingBox:
    """Presize here, map the shard batches over ``executor``, finalize here."""
    presize_target(plan.target, plan.needed_shape)
    futures = [
        executor.submit(run_shard_batch, plan.producer, plan.target, batch, plan.clip_mag1)
        for batch in plan.batches
    ]
    wait(futures)
    boxes = [future.result() for future in futures]  # raises the first failure
    return finalize_write(plan.target, boxes)


def run_plans(
    plans: Sequence[ShardJobPlan | Delayed],
    *,
    executor: Executor | None = None,
    progress: bool | None = None,
) -> list[BoundingBox]:
    """Run ``plans`` and return the Mag(1) box each one wrote.

    Parameters
    ----------
    plans
        Fused shard-job plans or dask write plans (``Delayed``).
    executor
        ``None`` (default): the active dask scheduler (a ``distributed.Client`` if
        one exists, else dask's local threads), all plans in one graph. A
        ``concurrent.futures``-style executor (e.g. from
        ``cluster_tools.get_executor``): each fused plan's shard batches are
        mapped over it, plan after plan.
    progress
        Show a progress bar (and the dashboard link with ``distributed``).
        Default: only when stderr is a terminal.
    """
    show = sys.stderr.isatty() if progress is None else progress
    if executor is None:
        delayeds = [p.to_delayed() if isinstance(p, ShardJobPlan) else p for p in plans]
        return _compute_on_dask(delayeds, progress=show)
    results = []
    for plan in plans:
        if not isinstance(plan, ShardJobPlan):
            raise TypeError(
                f"executor= runs fused shard jobs only; got {type(plan).__name__}. "
                "Run dask write plans on a dask scheduler (executor=None)."
            )
        results.append(_run_on_executor(plan, executor))
    return results
