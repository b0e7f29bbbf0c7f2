"""The process's shared thread pool for storage work (``wkw`` and tensorstore
release the GIL), sized by the CPUs this process may use."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from wkdist.config import worker_count

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


_T = TypeVar("_T")
_R = TypeVar("_R")


_pool_state: tuple[int, ThreadPoolExecutor] | None = None


def shared_pool() -> ThreadPoolExecutor:
    # Keyed by pid: a forked child must not use the parent's (dead) threads.
    global _pool_state
    pid = os.getpid()
    if _pool_state is None or _pool_state[0] != pid:
        pool = ThreadPoolExecutor(worker_count(), thread_name_prefix="wkdist-wkw")
        _pool_state = (pid, pool)
    return _pool_state[1]


def run_all(function: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
    """``map`` on the shared pool (``wkw`` releases the GIL while it works)."""
    if len(items) <= 1 or worker_count() == 1:
        return [function(item) for item in items]
    return list(shared_pool().map(function, items))
