"""The one runner of write plans, on every executor.

:func:`run_plans` runs the same sequence wherever the write tasks execute:

1. presize every target array (here, on the driver; metadata only);
2. run every plan's write tasks, all plans at once, on dask's local
   scheduler, a ``distributed`` client or a ``concurrent.futures``-style
   executor such as ``cluster_tools``'; each finished task is reported to the
   progress bar and to the observer as it completes;
3. finalize (here, once per plan) every plan whose tasks all finished: merge
   the boxes they wrote into the properties file;
4. raise :class:`~wkdist.errors.JobIncompleteError` naming the task failures
   (shard and worker traceback) and every shard not confirmed written, if any.

A :class:`RunObserver` sees steps 2 and 3 on the driver; this is where a job
journal records progress. Plans minus shards already written are made with
:meth:`WritePlan.without <wkdist.dask_bridge.plan.WritePlan.without>`.
"""

from __future__ import annotations

import functools
import sys
from concurrent.futures import Executor, Future, as_completed
from typing import TYPE_CHECKING, Any, Protocol

from dask.base import compute
from dask.callbacks import Callback

from wkdist.dask_bridge.tasks import presize_target
from wkdist.errors import JobIncompleteError, ShardFailedError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import TracebackType

    from distributed import Client

    from wkdist.dask_bridge.plan import WritePlan
    from wkdist.dask_bridge.tasks import BatchResult
    from wkdist.geometry import BoundingBox
    from wkdist.location import Location

#: How many unfinished shards an error message lists (``JobIncompleteError.unfinished`` has all).
LISTED_SHARDS = 20

#: Dashboard links this process printed already.
_ANNOUNCED: set[str] = set()

#: A write task, by its plan's index in ``plans`` and its batch's index in the plan.
TaskId = tuple[int, int]


class RunObserver(Protocol):
    """Watches a run on the driver (e.g. a job journal). Called from the thread
    that called :func:`run_plans`, in the order things happen."""

    def task_finished(self, plan: WritePlan, shards: tuple[BoundingBox, ...]) -> None:
        """A write task of ``plan`` finished: the target ``shards`` (target-mag
        voxels, a batch of ``plan.batches``) are written completely."""

    def plan_finalized(self, plan: WritePlan, written: BoundingBox) -> None:
        """Every task of ``plan`` finished and the Mag(1) box ``written`` was merged
        into the properties file (if the plan's target has one)."""


class _Run:
    """What happened so far: finished tasks and their boxes, failures; reports
    each finished task to the progress bar and the observer."""

    def __init__(
        self,
        plans: Sequence[WritePlan],
        observer: RunObserver | None,
        advance: Callable[[], None],
    ) -> None:
        self.plans = plans
        self.observer = observer
        self.advance = advance
        self.results: dict[TaskId, BatchResult] = {}
        self.failures: list[BaseException] = []

    def finished(self, task: TaskId, result: BatchResult) -> None:
        self.results[task] = result
        self.advance()
        if self.observer is not None:
            plan = self.plans[task[0]]
            self.observer.task_finished(plan, plan.batches[task[1]])

    def failed(self, error: BaseException) -> None:
        self.failures.append(error)

    def complete(self, index: int) -> bool:
        return all((index, b) in self.results for b in range(len(self.plans[index].batches)))

    def unfinished(self) -> list[tuple[Location, BoundingBox]]:
        return [
            (plan.target.path, box)
            for p, plan in enumerate(self.plans)
            for b, batch in enumerate(plan.batches)
            if (p, b) not in self.results
            for box in batch
        ]


def _task_ids(plans: Sequence[WritePlan]) -> list[TaskId]:
    return [(p, b) for p, plan in enumerate(plans) for b in range(len(plan.batches))]


# ------------------------------------------------------------------ backends
class _FinishedTasks(Callback):
    """Reports the write tasks that dask's local scheduler completed."""

    def __init__(self, keys: dict[object, TaskId], run: _Run) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.keys = keys
        self.run = run

    def _posttask(self, key: object, result: object, *_: object) -> None:
        task = self.keys.get(key)
        if task is not None:
            self.run.finished(task, result)  # type: ignore[arg-type]


def _write_delayeds(plans: Sequence[WritePlan]) -> tuple[list[TaskId], list[Any]]:
    delayeds = [delayed for plan in plans for delayed in plan.write_delayeds()]
    return _task_ids(plans), delayeds


def _run_on_dask(plans: Sequence[WritePlan], run: _Run) -> None:
    """dask's configured local scheduler (threads by default); it stops at the first failure."""
    tasks, delayeds = _write_delayeds(plans)
    keys = {delayed.key: task for task, delayed in zip(tasks, delayeds, strict=True)}
    try:
        with _FinishedTasks(keys, run):
            compute(*delayeds)
    except Exception as error:  # noqa: BLE001 - reported in JobIncompleteError
        run.failed(error)


def _run_on_client(plans: Sequence[WritePlan], run: _Run, client: Client) -> None:
    from distributed import as_completed as distributed_as_completed

    tasks, delayeds = _write_delayeds(plans)
    futures = client.compute(delayeds)
    ids = {future.key: task for task, future in zip(tasks, futures, strict=True)}
    try:
        for future in distributed_as_completed(futures):
            if future.status == "error":
                run.failed(future.exception())
                continue
            # A result lost with its worker is computed again (result() waits for it);
            # with no worker left, result() raises the scheduler's error.
            try:
                result = future.result()
            except Exception as error:  # noqa: BLE001 - reported in JobIncompleteError
                run.failed(error)
                continue
            run.finished(ids[future.key], result)
    finally:
        client.cancel(futures)


def _run_batch(plan: WritePlan, batch: tuple[BoundingBox, ...]) -> BatchResult:
    return plan.run_batch(batch)


def _run_on_executor(plans: Sequence[WritePlan], run: _Run, executor: Executor) -> None:
    """Submit every plan's batches (cluster_tools: one array job per plan), then
    collect them as they complete."""
    futures: dict[Future[BatchResult], TaskId] = {}
    for p, plan in enumerate(plans):
        task = functools.partial(_run_batch, plan)
        map_to_futures: Any = getattr(executor, "map_to_futures", None)
        if map_to_futures is not None:
            submitted = list(map_to_futures(task, plan.batches))
        else:
            submitted = [executor.submit(task, batch) for batch in plan.batches]
        futures.update({future: (p, b) for b, future in enumerate(submitted)})
    for future in as_completed(futures):
        error = future.exception()
        if error is None:
            run.finished(futures[future], future.result())
        else:
            run.failed(error)


# ------------------------------------------------------------------ reporting
class _ProgressBar:
    """A rich progress bar over the write tasks, on stderr; silent if not shown."""

    def __init__(self, total: int, *, show: bool) -> None:
        self.total = total
        self.show = show and total > 0

    def __enter__(self) -> Callable[[], None]:
        if not self.show:
            return lambda: None
        from rich.console import Console
        from rich.progress import Progress

        self.bar = Progress(console=Console(stderr=True))
        self.bar.__enter__()
        task = self.bar.add_task("write tasks", total=self.total)
        return functools.partial(self.bar.advance, task)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.show:
            self.bar.__exit__(kind, error, trace)


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
        "failure(s)). Running the job again writes them (its tasks are idempotent).\n"
        f"First failure: {cause}\nUnfinished shards:\n{listed}",
        list[object](unfinished),
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


# ------------------------------------------------------------------ the runner
def _active_client() -> Client | None:
    from distributed import get_client

    try:
        return get_client()
    except ValueError:
        return None


def _is_client(executor: object) -> bool:
    from distributed import Client

    return isinstance(executor, Client)


def _backend(
    executor: Executor | Client | None, *, show: bool
) -> Callable[[Sequence[WritePlan], _Run], None]:
    if executor is None:
        client = _active_client()
        if client is None:
            return _run_on_dask
        executor = client
    if _is_client(executor):
        if show:
            link = executor.dashboard_link  # type: ignore[union-attr]
            if link not in _ANNOUNCED:  # once per command, not once per stage
                _ANNOUNCED.add(link)
                print(f"wkdist: dask dashboard at {link}", file=sys.stderr)
        return functools.partial(_run_on_client, client=executor)  # type: ignore[arg-type]
    return functools.partial(_run_on_executor, executor=executor)  # type: ignore[arg-type]


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
    show = sys.stderr.isatty() if progress is None else progress
    backend = _backend(executor, show=show)
    for plan in plans:
        presize_target(plan.target, plan.needed_shape)
    with _ProgressBar(sum(len(plan.batches) for plan in plans), show=show) as advance:
        run = _Run(plans, observer, advance)
        backend(plans, run)
    written = []
    for index, plan in enumerate(plans):
        if not run.complete(index):
            continue
        box = plan.finalize([run.results[(index, b)] for b in range(len(plan.batches))])
        written.append(box)
        if observer is not None:
            observer.plan_finalized(plan, box)
    unfinished = run.unfinished()
    if run.failures or unfinished:
        first = run.failures[0] if run.failures else None
        raise _incomplete(run.failures, unfinished) from first
    return written
