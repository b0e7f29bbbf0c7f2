"""Putting computed blocks together without losing their memory order.

dask assembles blocks into a C-ordered array (a slow strided copy for the
Fortran-ordered blocks wkdist reads); :func:`assemble` keeps Fortran order. It
serves the ``compute()`` of a mag's dask array where the blocks were computed
(``dask.compute``, persisted arrays, a ``distributed`` client); write tasks
take their blocks as a :class:`~wkdist.storage.mosaic.BlockMosaic` instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from dask.array.core import finalize as dask_finalize

from wkdist.storage import buffers
from wkdist.storage.mosaic import BlockMosaic


def assemble(results: list[Any]) -> np.ndarray:
    """The whole array from the nested list of computed blocks (one level per axis).

    Blocks that are all Fortran-ordered are copied into one Fortran-ordered
    array, in parallel (a lone block is returned as it is); anything else goes
    to dask's own assembly (C order).
    """
    data = BlockMosaic.of_nested(results)
    if isinstance(data, np.ndarray):
        return data
    if not all(block.flags.f_contiguous for _, block in data.blocks()):
        return dask_finalize(results)  # type: ignore[no-any-return]
    out = buffers.zeros(data.shape, data.dtype)
    data.copy_to(out, parallel=True)
    return out
