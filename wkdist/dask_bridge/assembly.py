"""Putting computed blocks together without losing their memory order.

dask assembles blocks into a C-ordered array (a slow strided copy for the
Fortran-ordered blocks wkdist reads); :func:`assemble` keeps Fortran order. It
serves both the ``compute()`` of a mag's dask array and the write tasks that
take several blocks of one target shard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from dask.array.core import finalize as dask_finalize

from wkdist.storage import buffers
from wkdist.storage.threads import run_all

if TYPE_CHECKING:
    from collections.abc import Iterator


def assemble(results: list[Any]) -> np.ndarray:
    """The whole array from the nested list of computed blocks (one level per axis).

    Blocks that are all Fortran-ordered are copied into one Fortran-ordered
    array (a lone block is returned as it is); anything else goes to dask's
    own assembly (C order).
    """
    blocks = dict(_indexed_blocks(results, ()))
    if not all(isinstance(b, np.ndarray) and b.flags.f_contiguous for b in blocks.values()):
        return dask_finalize(results)  # type: ignore[no-any-return]
    if len(blocks) == 1:
        return next(iter(blocks.values()))
    last = max(blocks)
    ndim = len(last)
    sizes = [
        [blocks[(0,) * axis + (i,) + (0,) * (ndim - axis - 1)].shape[axis] for i in range(n + 1)]
        for axis, n in enumerate(last)
    ]
    starts = [np.cumsum([0, *axis_sizes]) for axis_sizes in sizes]
    first = blocks[(0,) * ndim]
    out = buffers.zeros([int(s[-1]) for s in starts], first.dtype)

    def place(item: tuple[tuple[int, ...], np.ndarray]) -> None:
        index, block = item
        where = tuple(
            slice(int(s[i]), int(s[i + 1])) for s, i in zip(starts, index, strict=True)
        )
        out[where] = block

    # numpy copies without the GIL: the first touches of the fresh output pages
    # (most of the cost) spread over the CPUs.
    run_all(place, list(blocks.items()))
    return out


def _indexed_blocks(nested: object, index: tuple[int, ...]) -> Iterator[tuple[tuple[int, ...], Any]]:
    if isinstance(nested, list):
        for i, item in enumerate(nested):
            yield from _indexed_blocks(item, (*index, i))
    else:
        yield index, nested
