"""Running independent calls of a user function, one per chunk, where jobs run.

The chunk-wise methods (``View.for_each_chunk``, ``for_zipped_chunks``,
``map_chunk``) hand every chunk to a function that reads and writes by itself.
This module runs those calls on the active dask scheduler (dask's local threads,
or a ``distributed.Client``), or on a ``concurrent.futures``-style executor such
as cluster_tools', with progress, and reports failures by chunk: a
:class:`~wkdist.errors.JobIncompleteError` naming the first failure (chunk and
worker traceback) and every chunk whose call did not finish.
"""

from __future__ import annotations

import functools
import socket
import sys
import traceback
from concurrent.futures import Executor, Future, as_completed, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dask.base import compute
from dask.callbacks import Callback
from dask.delayed import delayed

from wkdist.errors import JobIncompleteError, ShardFailedError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from distributed import Client

#: How many unfinished chunks an error message lists (``JobIncompleteError.unfinished`` has all).
LISTED_CHUNKS = 20


@dataclass(frozen=True)
class ChunkTask:
    """One call: ``func(args)``; ``label`` names the chunk in reports."""

    label: str
    args: Any


def call_chunk(func: Callable[[Any], Any], task: ChunkTask) -> Any:  # noqa: ANN401 - user result
    """``func(task.args)``; any exception is re-raised as :class:`ShardFailedError`
    naming the chunk, with the worker's traceback as text (tracebacks do not
    survive pickling back from a worker)."""
    try:
        return func(task.args)
    except Exception as error:
        remote = traceback.format_exc()
        raise ShardFailedError(
            f"{task.label} failed on {socket.gethostname()}: {type(error).__name__}: {error}\n"
            f"--- traceback on the worker ---\n{remote}",
            shard=task.label,
            remote_traceback=remote,
        ) from error


def call_chunk_caught(func: Callable[[Any], Any], task: ChunkTask) -> tuple[bool, Any]:
    """``(True, result)`` or ``(False, ShardFailedError)``: executors such as
    cluster_tools' sequential one run calls inside ``submit`` and would raise there."""
    try:
        return True, call_chunk(func, task)
    except ShardFailedError as error:
        return False, error


def _describe(failure: BaseException) -> str:
    remote = getattr(failure, "error", None)  # cluster_tools' RemoteException
    if isinstance(remote, str):
        return f"{type(failure).__name__} in job {getattr(failure, 'job_id', '?')}:\n{remote.strip()}"
    return f"{type(failure).__name__}: {failure}"


def _incomplete(failures: Sequence[BaseException], unfinished: list[str]) -> JobIncompleteError:
    listed = "\n".join(f"  {label}" for label in unfinished[:LISTED_CHUNKS])
    if len(unfinished) > LISTED_CHUNKS:
        listed += f"\n  ... and {len(unfinished) - LISTED_CHUNKS} more"
    distinct = list({f"{type(e).__name__}: {e}": e for e in failures}.values())
    cause = _describe(distinct[0]) if distinct else "calls did not finish"
    return JobIncompleteError(
        f"{len(unfinished)} chunk(s) were not processed ({len(distinct)} distinct "
        f"failure(s)).\nFirst failure: {cause}\nUnfinished chunks:\n{listed}",
        list(unfinished),
    )


class _FinishedKeys(Callback):
    """Records the keys that dask's local scheduler completed."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.keys: set[object] = set()

    def _posttask(self, key: object, *_: object) -> None:
        self.keys.add(key)


def _run_local(
    func: Callable[[Any], Any], tasks: Sequence[ChunkTask], *, progress: bool
) -> list[Any]:
    calls = [delayed(call_chunk, pure=False)(func, task) for task in tasks]
    tracker = _FinishedKeys()
    try:
        with tracker:
            if not progress:
                return list(compute(*calls))
            from dask.diagnostics.progress import ProgressBar

            with ProgressBar(out=sys.stderr):
                return list(compute(*calls))
    except Exception as error:
        unfinished = [t.label for t, c in zip(tasks, calls, strict=True) if c.key not in tracker.keys]
        raise _incomplete([error], unfinished) from error


def _run_on_client(
    func: Callable[[Any], Any], tasks: Sequence[ChunkTask], client: Client, *, progress: bool
) -> list[Any]:
    from distributed import progress as distributed_progress
    from distributed import wait as distributed_wait

    futures = client.map(functools.partial(call_chunk, func), list(tasks), pure=False)
    try:
        if progress:
            distributed_progress(futures)
        distributed_wait(futures)
        failures = [f.exception() for f in futures if f.status == "error"]
        unfinished = [t.label for t, f in zip(tasks, futures, strict=True) if f.status != "finished"]
        if unfinished:
            raise _incomplete(failures, unfinished)
        return list(client.gather(futures))
    finally:
        client.cancel(futures)


def _run_on_executor(
    func: Callable[[Any], Any], tasks: Sequence[ChunkTask], executor: Executor, *, progress: bool
) -> list[Any]:
    run = functools.partial(call_chunk_caught, func)
    map_to_futures: Any = getattr(executor, "map_to_futures", None)
    futures: list[Future[tuple[bool, Any]]] = (
        list(map_to_futures(run, list(tasks)))  # cluster_tools: one array job
        if map_to_futures is not None
        else [executor.submit(run, task) for task in tasks]
    )
    if progress and futures:
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True)) as bar:
            advance = bar.add_task("chunks", total=len(futures))
            for _ in as_completed(futures):
                bar.advance(advance)
    else:
        wait(futures)
    # A call's own failure comes back as its outcome; a lost job as the future's exception.
    outcomes = [
        (False, error) if (error := f.exception()) is not None else f.result() for f in futures
    ]
    failures = [value for ok, value in outcomes if not ok]
    if failures:
        unfinished = [t.label for t, (ok, _) in zip(tasks, outcomes, strict=True) if not ok]
        raise _incomplete(failures, unfinished) from failures[0]
    return [value for _, value in outcomes]


def _active_client() -> Client | None:
    from distributed import get_client

    try:
        return get_client()
    except ValueError:
        return None


def run_chunk_tasks(
    func: Callable[[Any], Any],
    tasks: Sequence[ChunkTask],
    *,
    executor: Executor | Client | None = None,
    progress: bool | None = None,
) -> list[Any]:
    """Call ``func`` once per task, in parallel; return the results in task order.

    Parameters
    ----------
    func
        Called with each task's ``args``; must be picklable for process-based runners.
    tasks
        The calls to make.
    executor
        ``None`` (default): the active dask scheduler (a ``distributed.Client``
        if one exists, else dask's configured local scheduler, threads by
        default). A ``distributed.Client``: that client. Any other
        ``concurrent.futures``-style executor (e.g. ``cluster_tools.get_executor``).
    progress
        Show a progress bar (default: when stderr is a terminal).

    Raises
    ------
    JobIncompleteError
        If a call failed: the first failure (chunk and worker traceback) and the
        chunks not processed.
    """
    from distributed import Client

    show = sys.stderr.isatty() if progress is None else progress
    if not tasks:
        return []
    client = executor if isinstance(executor, Client) else None
    if executor is None:
        client = _active_client()
        if client is None:
            return _run_local(func, tasks, progress=show)
    if client is not None:
        return _run_on_client(func, tasks, client, progress=show)
    assert executor is not None
    return _run_on_executor(func, tasks, executor, progress=show)  # type: ignore[arg-type]
