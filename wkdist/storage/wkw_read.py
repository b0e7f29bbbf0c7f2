"""Reading WKW boxes: large boxes in parallel z-slabs straight into the output array."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
from wkw.wkw import _check_wkw, ffi, libwkw

from wkdist.config import worker_count
from wkdist.storage.threads import run_all

if TYPE_CHECKING:
    import wkw

    from wkdist.geometry import BoundingBox

# Below these sizes one call on the calling thread is faster than splitting.
MIN_PARALLEL_READ_BYTES = 4 << 20


def read_slab(dataset: wkw.Dataset, box: BoundingBox, out: np.ndarray) -> None:
    """Read ``box`` into the F-contiguous ``out`` (no intermediate copy)."""
    bounds = np.array([*box.topleft, *box.bottomright], dtype=np.uint32)
    _check_wkw(
        libwkw.dataset_read(
            dataset.handle,
            ffi.cast("uint32_t *", bounds.ctypes.data),
            ffi.cast("void *", out.ctypes.data),
        )
    )


def read_box(dataset: wkw.Dataset, box: BoundingBox, out: np.ndarray) -> None:
    """Read ``box`` (non-negative, in voxels) into ``out``, which must be F-ordered zeros.

    Large boxes are split into z-slabs along the block grid and read in
    parallel; a z-slab of an F-ordered ``(C, X, Y, Z)`` array is contiguous.
    """
    block = dataset.header.block_len
    z0, z1 = box.topleft.z, box.bottomright.z
    slabs = 1
    if out.nbytes >= MIN_PARALLEL_READ_BYTES:
        slabs = min(2 * worker_count(), -(-(z1 - z0) // block))
    if slabs <= 1:
        read_slab(dataset, box, out)
        return
    step = -(-(z1 - z0) // slabs)
    step = -(-step // block) * block
    cuts = [z0, *range(z0 - z0 % block + step, z1, step), z1]

    def read_one(bounds: tuple[int, int]) -> None:
        lo, hi = bounds
        slab = box.with_bounds_z(lo, hi - lo)
        read_slab(dataset, slab, out[..., lo - z0 : hi - z0])

    run_all(read_one, list(itertools.pairwise(cuts)))
