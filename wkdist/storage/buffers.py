"""Large result buffers that do not stall in the kernel's memory compaction.

numpy advises transparent huge pages for every large allocation. Where the
kernel's THP defrag policy is ``madvise`` (a common default), the first touch
of such memory may run a synchronous compaction when no huge page is free, and
filling a fresh 512 MiB read buffer then takes seconds instead of a fraction
of one (numpy issue #31590; measured in ``bench/README.md``). Buffers that
wkdist fills itself (reads, assembled blocks) are therefore anonymous memory
maps without that advice: the kernel hands out zeroed 4 KiB pages, as
``calloc`` would, and unmaps them when the array is collected.
"""

from __future__ import annotations

import math
import mmap
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

#: Below this size numpy's own allocation is as fast (and is reused by its cache).
MAPPED_MIN_BYTES = 16 * 2**20


def zeros(
    shape: Sequence[int], dtype: np.dtype[Any] | type, order: Literal["C", "F"] = "F"
) -> np.ndarray:
    """A zero-filled writable array like ``np.zeros``; large ones are memory-mapped."""
    dtype = np.dtype(dtype)
    count = math.prod(shape)
    if count * dtype.itemsize < MAPPED_MIN_BYTES:
        return np.zeros(tuple(shape), dtype=dtype, order=order)
    memory = mmap.mmap(-1, count * dtype.itemsize)  # private, anonymous: zero pages
    flat = np.frombuffer(memory, dtype=dtype, count=count)
    return flat.reshape(tuple(shape), order=order)
