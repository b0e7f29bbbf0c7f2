"""Running independent calls of a user function, one per chunk, where jobs run.

The chunk-wise methods (``View.for_each_chunk``, ``for_zipped_chunks``,
``map_chunk``) hand every chunk to a function that reads and writes by itself.
:func:`run_chunk_tasks` runs those calls with the runners' backends
(:func:`wkdist.run.backends.run_tasks`: the active dask scheduler or an
executor, with progress) and reports failures by chunk: a
:class:`~wkdist.errors.JobIncompleteError` naming the first failure (chunk and
worker traceback) and every chunk whose call did not finish.
"""

from __future__ import annotations

import functools
import socket
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wkdist.errors import ShardFailedError
from wkdist.run.backends import TaskGroup, incomplete_error, run_tasks, show_progress

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from concurrent.futures import Executor

    from distributed import Client


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
    outcome = run_tasks(
        [TaskGroup(functools.partial(call_chunk, func), tasks)],
        executor=executor,
        progress=show_progress(progress),
        what="chunks",
    )
    results = outcome.group_results(0, len(tasks))
    if results is not None and not outcome.failures:
        return results
    unfinished = [task.label for index, task in enumerate(tasks) if (0, index) not in outcome.results]
    raise incomplete_error(
        outcome.failures, unfinished, unfinished, noun="chunk", state="were not processed"
    ) from (outcome.failures[0] if outcome.failures else None)
