"""Where tasks run: the one place that submits work, shows progress and collects failures.

:func:`run_tasks` runs groups of independent tasks on dask's local scheduler,
a ``distributed`` client or a ``concurrent.futures``-style executor such as
cluster_tools' (one array job per group), and reports each finished task as it
completes. Both runners build on it: :func:`wkdist.run.run_plans` (write
plans: presize, writes, finalization) and :func:`wkdist.run.tasks.run_chunk_tasks`
(a user function per chunk). They differ only in what they do with the
results and how they name what did not finish (:func:`incomplete_error`).
"""

from __future__ import annotations

import functools
import sys
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dask.base import compute
from dask.callbacks import Callback
from dask.delayed import Delayed, delayed

from wkdist.errors import JobIncompleteError, ShardFailedError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import TracebackType

    from distributed import Client

#: How many unfinished shards or chunks an error message lists
#: (``JobIncompleteError.unfinished`` has all).
LISTED_UNFINISHED = 20

#: Dashboard links this process printed already.
_ANNOUNCED: set[str] = set()

#: A task, by its group's index and its index in the group.
TaskId = tuple[int, int]


@dataclass(frozen=True)
class TaskGroup:
    """The tasks ``func(arg)`` for each of ``args``; one array job on cluster_tools.

    ``graph`` gives the same tasks as dask ``Delayed`` objects (one per arg, in
    order) for dask's schedulers, e.g. to let dask compute their inputs;
    default: ``delayed(func)(arg)``. ``func`` must be picklable for
    process-based executors.
    """

    func: Callable[[Any], Any]
    args: Sequence[Any]
    graph: Sequence[Delayed] | None = None

    def delayeds(self) -> list[Delayed]:
        if self.graph is not None:
            return list(self.graph)
        return [delayed(self.func, pure=False)(arg) for arg in self.args]


@dataclass
class Outcome:
    """What a run produced: the result of every finished task, and the failures."""

    results: dict[TaskId, Any] = field(default_factory=dict)
    failures: list[BaseException] = field(default_factory=list)

    def group_results(self, group: int, size: int) -> list[Any] | None:
        """The results of group ``group`` (``size`` tasks) in order, or ``None``
        if one of its tasks did not finish."""
        if any((group, index) not in self.results for index in range(size)):
            return None
        return [self.results[(group, index)] for index in range(size)]


class _Run:
    """Collects results and failures; reports each finished task."""

    def __init__(
        self, advance: Callable[[], None], on_finished: Callable[[TaskId, Any], None] | None
    ) -> None:
        self.outcome = Outcome()
        self.advance = advance
        self.on_finished = on_finished

    def finished(self, task: TaskId, result: object) -> None:
        self.outcome.results[task] = result
        self.advance()
        if self.on_finished is not None:
            self.on_finished(task, result)

    def failed(self, error: BaseException) -> None:
        self.outcome.failures.append(error)


def _task_ids(groups: Sequence[TaskGroup]) -> list[TaskId]:
    return [(g, index) for g, group in enumerate(groups) for index in range(len(group.args))]


def _delayeds(groups: Sequence[TaskGroup]) -> list[Delayed]:
    return [task for group in groups for task in group.delayeds()]


# ------------------------------------------------------------------ backends
class _FinishedTasks(Callback):
    """Reports the tasks that dask's local scheduler completed."""

    def __init__(self, keys: dict[object, TaskId], run: _Run) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.keys = keys
        self.run = run

    def _posttask(self, key: object, result: object, *_: object) -> None:
        task = self.keys.get(key)
        if task is not None:
            self.run.finished(task, result)


def _run_on_dask(groups: Sequence[TaskGroup], run: _Run) -> None:
    """dask's configured local scheduler (threads by default); it stops at the first failure."""
    tasks = _delayeds(groups)
    keys = {task.key: task_id for task_id, task in zip(_task_ids(groups), tasks, strict=True)}
    try:
        with _FinishedTasks(keys, run):
            compute(*tasks)
    except Exception as error:  # noqa: BLE001 - reported in JobIncompleteError
        run.failed(error)


def _run_on_client(groups: Sequence[TaskGroup], run: _Run, client: Client) -> None:
    from distributed import as_completed as distributed_as_completed

    futures = client.compute(_delayeds(groups))
    ids = {future.key: task_id for task_id, future in zip(_task_ids(groups), futures, strict=True)}
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


def _caught(func: Callable[[Any], Any], arg: object) -> tuple[bool, Any]:
    """``(True, func(arg))`` or ``(False, exception)``: executors such as
    cluster_tools' sequential one run tasks inside ``submit`` and would raise
    there, before the other tasks were submitted."""
    try:
        return True, func(arg)
    except Exception as error:  # noqa: BLE001 - handed back to the driver
        return False, error


def _run_on_executor(groups: Sequence[TaskGroup], run: _Run, executor: Executor) -> None:
    """Submit every group (cluster_tools: one array job each), then collect the
    tasks as they complete."""
    futures: dict[Future[tuple[bool, Any]], TaskId] = {}
    for g, group in enumerate(groups):
        task = functools.partial(_caught, group.func)
        map_to_futures: Any = getattr(executor, "map_to_futures", None)
        if map_to_futures is not None:
            submitted = list(map_to_futures(task, list(group.args)))
        else:
            submitted = [executor.submit(task, arg) for arg in group.args]
        futures.update({future: (g, index) for index, future in enumerate(submitted)})
    for future in as_completed(futures):
        # A task's own failure comes back as its outcome; a lost job as the future's exception.
        error = future.exception()
        if error is not None:
            run.failed(error)
            continue
        ok, value = future.result()
        if ok:
            run.finished(futures[future], value)
        else:
            run.failed(value)


# ------------------------------------------------------------------ reporting
class _ProgressBar:
    """A rich progress bar over the tasks, on stderr; silent if not shown."""

    def __init__(self, total: int, what: str, *, show: bool) -> None:
        self.total = total
        self.what = what
        self.show = show and total > 0

    def __enter__(self) -> Callable[[], None]:
        if not self.show:
            return lambda: None
        from rich.console import Console
        from rich.progress import Progress

        self.bar = Progress(console=Console(stderr=True))
        self.bar.__enter__()
        task = self.bar.add_task(self.what, total=self.total)
        return functools.partial(self.bar.advance, task)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.show:
            self.bar.__exit__(kind, error, trace)


def _describe(failure: BaseException) -> str:
    """One failure, led by the failed shard or chunk where the task said which."""
    remote = getattr(failure, "error", None)  # cluster_tools' RemoteException: the remote traceback
    if not isinstance(remote, str):
        return f"{type(failure).__name__}: {failure}"
    job = getattr(failure, "job_id", "?")
    headline = remote.rfind(f"{ShardFailedError.__name__}: ")
    if headline < 0:
        return f"{type(failure).__name__} in SLURM job {job}:\n{remote.strip()}"
    return f"{remote[headline:].strip()}\n(SLURM job {job})"


def incomplete_error(
    failures: Sequence[BaseException],
    unfinished: Sequence[object],
    listed: Sequence[str],
    *,
    noun: str,
    state: str,
    advice: str = "",
) -> JobIncompleteError:
    """The error of a run that left ``unfinished`` (named by ``listed``, one line
    each) undone: ``"<count> <noun>(s) <state> (...)"``."""
    lines = "\n".join(f"  {line}" for line in listed[:LISTED_UNFINISHED])
    if len(listed) > LISTED_UNFINISHED:
        lines += f"\n  ... and {len(listed) - LISTED_UNFINISHED} more"
    # Tasks that depend on a failed one fail with its exception: count each once.
    distinct = list({f"{type(e).__name__}: {e}": e for e in failures}.values())
    cause = _describe(distinct[0]) if distinct else "tasks did not finish"
    return JobIncompleteError(
        f"{len(unfinished)} {noun}(s) {state} ({len(distinct)} distinct failure(s)).{advice}\n"
        f"First failure: {cause}\nUnfinished {noun}s:\n{lines}",
        list(unfinished),
    )


# ------------------------------------------------------------------ the entry point
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
) -> Callable[[Sequence[TaskGroup], _Run], None]:
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


def show_progress(progress: bool | None) -> bool:
    """Whether to show progress: ``progress``, by default when stderr is a terminal."""
    return sys.stderr.isatty() if progress is None else progress


def run_tasks(
    groups: Sequence[TaskGroup],
    *,
    executor: Executor | Client | None = None,
    progress: bool = False,
    what: str = "tasks",
    on_finished: Callable[[TaskId, Any], None] | None = None,
) -> Outcome:
    """Run every task of ``groups`` at the same time; never raises for a failed task.

    Parameters
    ----------
    groups
        The tasks.
    executor
        ``None``: the active dask scheduler (a ``distributed.Client`` if one
        exists, e.g. inside :func:`wkdist.cluster`, else dask's local scheduler,
        which stops at the first failure). A ``distributed.Client``: that
        client. Any other ``concurrent.futures``-style executor (e.g. from
        ``cluster_tools.get_executor``): each group is mapped over it.
    progress
        Show a progress bar named ``what`` on stderr (and a client's dashboard link).
    on_finished
        Called on the driver, in the calling thread, with each finished task and its result.
    """
    backend = _backend(executor, show=progress)
    total = sum(len(group.args) for group in groups)
    with _ProgressBar(total, what, show=progress) as advance:
        run = _Run(advance, on_finished)
        if total:
            backend(groups, run)
    return run.outcome
