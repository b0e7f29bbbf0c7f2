"""The one runner of write plans, on every executor.

:func:`run_plans` runs the same sequence wherever the write tasks execute:

1. presize every target array (here, on the driver; metadata only);
2. run every plan's write tasks, all plans at once, on dask's local
   scheduler, a ``distributed`` client or a ``concurrent.futures``-style
   executor such as ``cluster_tools``' (:func:`wkdist.run.backends.run_tasks`);
   each finished task is reported to the progress bar and to the observer as
   it completes;
3. finalize (here, once per plan) every plan whose tasks all finished: merge
   the boxes they wrote into the properties file;
4. raise :class:`~wkdist.errors.JobIncompleteError` naming the task failures
   (shard and worker traceback) and every shard not confirmed written, if any.

A :class:`RunObserver` sees steps 2 and 3 on the driver; this is where a job
journal records progress. Plans minus shards already written are made with
:meth:`WritePlan.without <wkdist.dask_bridge.plan.WritePlan.without>`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from wkdist.dask_bridge.tasks import presize_target
from wkdist.run.backends import TaskGroup, incomplete_error, run_tasks, show_progress

if TYPE_CHECKING:
    from collections.abc import Sequence
    from concurrent.futures import Executor

    from distributed import Client

    from wkdist.dask_bridge.plan import WritePlan
    from wkdist.dask_bridge.tasks import BatchResult
    from wkdist.geometry import BoundingBox
    from wkdist.run.backends import TaskId


class RunObserver(Protocol):
    """Watches a run on the driver (e.g. a job journal). Called from the thread
    that called :func:`run_plans`, in the order things happen."""

    def task_finished(self, plan: WritePlan, shards: tuple[BoundingBox, ...]) -> None:
        """A write task of ``plan`` finished: the target ``shards`` (target-mag
        voxels, a batch of ``plan.batches``) are written completely."""

    def plan_finalized(self, plan: WritePlan, written: BoundingBox) -> None:
        """Every task of ``plan`` finished and the Mag(1) box ``written`` was merged
        into the properties file (if the plan's target has one)."""


def run_plans(
    plans: Sequence[WritePlan],
    *,
    executor: Executor | Client | None = None,
    progress: bool | None = None,
    observer: RunObserver | None = None,
) -> list[BoundingBox]:
    """Run ``plans`` and return the Mag(1) box each one wrote.

    Parameters
    ----------
    plans
        Write plans (:class:`~wkdist.dask_bridge.plan.WritePlan`) of different
        target arrays; their tasks run at the same time.
    executor
        ``None`` (default): the active dask scheduler (a ``distributed.Client``
        if one exists, e.g. inside :func:`wkdist.cluster`, else dask's local
        scheduler). A ``distributed.Client``: that client. Any other
        ``concurrent.futures``-style executor (e.g. from
        ``cluster_tools.get_executor``): each plan's batches are mapped over
        it (one array job per plan with cluster_tools).
    progress
        Show a progress bar of the write tasks on stderr. Default: only when
        stderr is a terminal.
    observer
        Told on the driver about each finished write task and each finalized plan.

    Raises
    ------
    JobIncompleteError
        If a task failed or its worker was lost for good: the message gives the
        first failure (shard and worker traceback) and the unfinished shards.
        Plans whose tasks all finished are finalized before it is raised.
    """
    for plan in plans:
        presize_target(plan.target, plan.needed_shape)

    def finished(task: TaskId, _: BatchResult) -> None:
        assert observer is not None
        plan = plans[task[0]]
        observer.task_finished(plan, plan.batches[task[1]])

    outcome = run_tasks(
        [TaskGroup(plan.run_batch, plan.batches, plan.write_delayeds()) for plan in plans],
        executor=executor,
        progress=show_progress(progress),
        what="write tasks",
        on_finished=None if observer is None else finished,
    )
    written = []
    for index, plan in enumerate(plans):
        results = outcome.group_results(index, len(plan.batches))
        if results is None:
            continue
        box = plan.finalize(results)
        written.append(box)
        if observer is not None:
            observer.plan_finalized(plan, box)
    unfinished = [
        (plan.target.path, box)
        for p, plan in enumerate(plans)
        for b, batch in enumerate(plan.batches)
        if (p, b) not in outcome.results
        for box in batch
    ]
    if outcome.failures or unfinished:
        raise incomplete_error(
            outcome.failures,
            unfinished,
            [f"{path}: {box}" for path, box in unfinished],
            noun="shard",
            state="were not confirmed written",
            advice=" Running the job again writes them (its tasks are idempotent).",
        ) from (outcome.failures[0] if outcome.failures else None)
    return written
