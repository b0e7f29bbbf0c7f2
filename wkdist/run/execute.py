"""Running shard-job plans: on dask (local threads or a ``distributed`` client) or
on a ``concurrent.futures``-style executor such as ``cluster_tools``', with
progress, and with failures reported by shard.

Whatever the runner, a job either writes every planned shard and merges the
boxes into the properties file, or raises :class:`~wkdist.errors.JobIncompleteError`
naming the task failures (shard and worker traceback) and every shard not
confirmed written.
"""

from __future__ import annotations

import functools
import sys
from concurrent.futures import Executor, Future, as_completed, wait
from typing import TYPE_CHECKING, Any

import dask
from dask.callbacks import Callback

from wkdist.dask_bridge.write import presize_target
from wkdist.errors import JobIncompleteError, ShardFailedError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from dask.delayed import Delayed
    from distributed import Client

    from wkdist.dask_bridge.shard_jobs import BatchResult, ShardJobPlan
    from wkdist.geometry import BoundingBox
    from wkdist.location import Location

#: How many unfinished shards an error message lists (``JobIncompleteError.unfinished`` has all).
LISTED_SHARDS = 20


def _active_client() -> Client | None:
    from distributed import get_client

    try:
        return get_client()
    except ValueError:
        return None


def _is_client(executor: object) -> bool:
    from distributed import Client

    return isinstance(executor, Client)


def _batch_keys(plan: ShardJobPlan) -> Iterator[tuple[tuple[str, int], tuple[BoundingBox, ...]]]:
    """The graph key of each batch's write task, with the shards it writes."""
    for index, batch in enumerate(plan.batches):
        yield (plan.write_name, index), batch


def _incomplete(
    failures: Sequence[BaseException], unfinished: list[tuple[Location, BoundingBox]]
) -> JobIncompleteError:
    listed = "\n".join(f"  {path}: {box}" for path, box in unfinished[:LISTED_SHARDS])
    if len(unfinished) > LISTED_SHARDS:
        listed += f"\n  ... and {len(unfinished) - LISTED_SHARDS} more"
    # Tasks that depend on a failed one fail with its exception: count each once.
    distinct = list({f"{type(e).__name__}: {e}": e for e in failures}.values())
    cause = _describe(distinct[0]) if distinct else "tasks did not finish"
    return JobIncompleteError(
        f"{len(unfinished)} shard(s) were not confirmed written ({len(distinct)} distinct "
        "failure(s)). Remove what the job created (a copy's target, new mags) and run it "
        "again.\n"
        f"First failure: {cause}\nUnfinished shards:\n{listed}",
        unfinished,
    )


def _describe(failure: BaseException) -> str:
    """One failure, led by the failed shard where the task said which."""
    remote = getattr(failure, "error", None)  # cluster_tools' RemoteException: the remote traceback
    if not isinstance(remote, str):
        return f"{type(failure).__name__}: {failure}"
    job = getattr(failure, "job_id", "?")
    headline = remote.rfind(f"{ShardFailedError.__name__}: ")
    if headline < 0:
        return f"{type(failure).__name__} in SLURM job {job}:\n{remote.strip()}"
    return f"{remote[headline:].strip()}\n(SLURM job {job})"


class _FinishedKeys(Callback):  # type: ignore[misc]
    """Records the keys that dask's local scheduler completed."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: set[object] = set()

    def _posttask(self, key: object, *_: object) -> None:
        self.keys.add(key)


def _unfinished(plans: Sequence[ShardJobPlan], finished: set[object]) -> list[tuple[Location, BoundingBox]]:
    return [
        (plan.target.path, box)
        for plan in plans
        for key, batch in _batch_keys(plan)
        if key not in finished
        for box in batch
    ]


def _run_on_threads(plans: Sequence[ShardJobPlan], *, progress: bool) -> list[BoundingBox]:
    delayeds = [plan.to_delayed() for plan in plans]
    tracker = _FinishedKeys()
    try:
        with tracker:
            if not progress:
                return list(dask.compute(*delayeds))
            from dask.diagnostics import ProgressBar

            with ProgressBar(out=sys.stderr):
                return list(dask.compute(*delayeds))
    except Exception as error:
        raise _incomplete([error], _unfinished(plans, tracker.keys)) from error


def _run_on_client(
    plans: Sequence[ShardJobPlan], client: Client, *, progress: bool
) -> list[BoundingBox]:
    from dask.delayed import Delayed
    from distributed import progress as distributed_progress
    from distributed import wait as distributed_wait

    finals = [plan.to_delayed() for plan in plans]
    writes: list[Delayed] = [
        Delayed(key, final.dask, layer=final.__dask_layers__()[0])
        for plan, final in zip(plans, finals)
        for key, _ in _batch_keys(plan)
    ]
    # Futures for the write tasks too (same graph, same keys), to know which finished.
    futures = client.compute([*finals, *writes])
    try:
        if progress:
            print(f"wkdist: dask dashboard at {client.dashboard_link}", file=sys.stderr)
            distributed_progress(futures)
        distributed_wait(futures)
        failures = [f.exception() for f in futures[len(plans) :] if f.status == "error"]
        finished = {f.key for f in futures[len(plans) :] if f.status == "finished"}
        if failures or len(finished) < len(writes):
            raise _incomplete(failures, _unfinished(plans, finished))
        return list(client.gather(futures[: len(plans)]))
    finally:
        client.cancel(futures)


def _run_batch(plan: ShardJobPlan, batch: tuple[BoundingBox, ...]) -> BatchResult:
    return plan.run_batch(batch)


def _submit(plan: ShardJobPlan, executor: Executor) -> list[Future[BatchResult]]:
    """Presize here and submit the plan's shard batches to ``executor``."""
    presize_target(plan.target, plan.needed_shape)
    run = functools.partial(_run_batch, plan)
    map_to_futures: Any = getattr(executor, "map_to_futures", None)
    if map_to_futures is not None:  # cluster_tools: one array job for all batches
        return list(map_to_futures(run, plan.batches))
    return [executor.submit(run, batch) for batch in plan.batches]


def _wait(futures: list[Future[BatchResult]], *, progress: bool) -> None:
    if not progress or not futures:
        wait(futures)
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True)) as bar:
        task = bar.add_task("shard batches", total=len(futures))
        for _ in as_completed(futures):
            bar.advance(task)


def _run_on_executor(
    plans: Sequence[ShardJobPlan], executor: Executor, *, progress: bool
) -> list[BoundingBox]:
    """Submit every plan's batches (they write different arrays), wait for all,
    then finalize here each plan whose batches all succeeded."""
    submitted = [(plan, _submit(plan, executor)) for plan in plans]
    _wait([future for _, futures in submitted for future in futures], progress=progress)
    failures: list[BaseException] = []
    finished: set[object] = set()
    boxes = []
    for plan, futures in submitted:
        errors = [e for f in futures if (e := f.exception()) is not None]
        failures += errors
        finished.update(key for (key, _), f in zip(_batch_keys(plan), futures) if f.exception() is None)
        if not errors:
            boxes.append(plan.finalize([f.result() for f in futures]))
    if failures:
        raise _incomplete(failures, _unfinished(plans, finished)) from failures[0]
    return boxes


def run_plans(
    plans: Sequence[ShardJobPlan],
    *,
    executor: Executor | Client | None = None,
    progress: bool | None = None,
) -> list[BoundingBox]:
    """Run ``plans`` and return the Mag(1) box each one wrote.

    Parameters
    ----------
    plans
        Fused shard-job plans.
    executor
        ``None`` (default): the active dask scheduler (a ``distributed.Client``
        if one exists, e.g. inside :func:`wkdist.cluster`, else dask's local
        threads), all plans in one graph. A ``distributed.Client``: that
        client. Any other ``concurrent.futures``-style executor (e.g. from
        ``cluster_tools.get_executor``): each plan's shard batches are mapped
        over it, all plans at once (one array job each with cluster_tools).
    progress
        Show a progress bar (dask's; rich's for executors; and the dashboard
        link with ``distributed``).
        Default: only when stderr is a terminal.

    Raises
    ------
    JobIncompleteError
        If a task failed or its worker was lost for good: the message gives the
        first failure (shard and worker traceback) and the unfinished shards.
    """
    show = sys.stderr.isatty() if progress is None else progress
    client = executor if _is_client(executor) else None
    if executor is None:
        client = _active_client()
        if client is None:
            return _run_on_threads(plans, progress=show)
    if client is not None:
        return _run_on_client(plans, client, progress=show)
    assert executor is not None
    return _run_on_executor(plans, executor, progress=show)  # type: ignore[arg-type]
