"""Planning the write of a dask array into a mag: a :class:`~wkdist.dask_bridge.plan.WritePlan`
whose batches are the array's blocks (several small blocks of one shard in one
batch), rechunked onto the target's shard grid where needed.

No write task touches the properties file, and no two write tasks touch the
same shard: the borders of the batches lie on the target's shard grid.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from wkdist.config import byte_setting, setting
from wkdist.dask_bridge.plan import DaskBlocks, WritePlan
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Vec3Int, grid_chunks

if TYPE_CHECKING:
    import dask.array as da

    from wkdist.dask_bridge.tasks import WriteTarget
    from wkdist.geometry import BoundingBox
    from wkdist.storage import ArraySpec


def batch_shape(spec: ArraySpec, box_in_mag: BoundingBox) -> Vec3Int:
    """The block shape of write tasks: a power-of-two multiple of the shard shape.

    Shards are batched when there are more than ``wkdist.write.max-tasks`` of
    them, as long as a task's block stays within ``wkdist.write.task-memory``.
    """
    shard = spec.shard_shape
    shard_bytes = shard.prod() * spec.num_channels * spec.dtype.itemsize
    budget = byte_setting("write.task-memory")
    max_tasks = int(setting("write.max-tasks"))
    shard_counts = [
        len(cuts) for cuts in grid_chunks(box_in_mag, shard)
    ]
    wanted = math.ceil(math.prod(shard_counts) / max_tasks)
    factor = [1, 1, 1]
    while math.prod(factor) < wanted and math.prod(factor) * 2 * shard_bytes <= budget:
        # Grow along the axis whose batch is shortest in voxels (x first on ties),
        # and never beyond the number of shards the box has on that axis.
        candidates = [a for a in range(3) if factor[a] < shard_counts[a]]
        if not candidates:
            break
        axis = min(candidates, key=lambda a: factor[a] * shard[a])
        factor[axis] *= 2
    return shard * Vec3Int(factor)


def write_cells(
    data: da.Array, spec: ArraySpec, box_in_mag: BoundingBox
) -> tuple[tuple[int, ...], ...] | None:
    """How ``data``'s own blocks group into write tasks, or ``None`` if they cannot.

    Cells are runs of blocks between block borders that lie on the target's
    shard grid (per axis, the indices of the blocks where cells start, and the
    number of blocks): a block as large as a shard or more is a cell of its
    own, smaller blocks of one shard share a cell. No two cells touch the same
    shard. ``None`` unless there is one channel block, every cell is within
    ``wkdist.write.task-memory`` and there are at most ``wkdist.write.max-tasks``
    cells: then rechunking is cheaper than the copies and transfers it saves.
    """
    if len(data.chunks[0]) != 1:
        return None
    cells: list[tuple[int, ...]] = []
    largest = int(data.shape[0]) * int(data.dtype.itemsize)
    for start, sizes, step in zip(box_in_mag.topleft, data.chunks[1:], spec.shard_shape, strict=True):
        edges = np.cumsum((0, *sizes))
        borders = tuple(i for i, edge in enumerate(edges) if i in (0, len(sizes)) or (start + edge) % step == 0)
        cells.append(borders)
        largest *= int(max(np.diff(edges[list(borders)])))
    if math.prod(len(borders) - 1 for borders in cells) > int(setting("write.max-tasks")):
        return None
    if largest > byte_setting("write.task-memory"):
        return None
    return tuple(cells)


def _as_cxyz(data: da.Array, spec: ArraySpec) -> da.Array:
    if data.ndim == 3:
        if spec.num_channels != 1:
            raise InvalidArgumentError(
                f"data of shape {data.shape} has no channel axis, but the target has "
                f"{spec.num_channels} channels; pass (C, X, Y, Z)"
            )
        data = data[np.newaxis]
    if data.ndim != 4 or data.shape[0] != spec.num_channels:
        raise InvalidArgumentError(
            f"data must have the shape (C, X, Y, Z) with C={spec.num_channels}; got {data.shape}"
        )
    if data.dtype != spec.dtype:
        if not np.can_cast(data.dtype, spec.dtype, casting="safe"):
            raise InvalidArgumentError(
                f"data has the dtype {data.dtype}, but the target stores {spec.dtype}; "
                f"convert explicitly, e.g. data.astype({spec.dtype.name!r})"
            )
        data = data.astype(spec.dtype)
    return data


def plan_write(
    data: da.Array,
    target: WriteTarget,
    spec: ArraySpec,
    box_mag1: BoundingBox,
) -> WritePlan:
    """Plan writing ``data`` (``(C, X, Y, Z)`` or ``(X, Y, Z)`` in the target mag's
    voxels) to the Mag(1) box ``box_mag1``; nothing runs until the plan is run.

    ``data``'s blocks are written as they are, those of one shard by one task
    (see :func:`write_cells`), or else rechunked onto the target's shard grid
    (batches of shards, see :func:`batch_shape`).
    """
    data = _as_cxyz(data, spec)
    box_in_mag = box_mag1.in_mag(target.mag)
    if tuple(data.shape[1:]) != tuple(box_in_mag.size):
        raise InvalidArgumentError(
            f"data has the shape {data.shape}, but the box {box_mag1} is "
            f"{tuple(box_in_mag.size)} voxels in mag {target.mag.to_layer_name()}"
        )
    cells = write_cells(data, spec, box_in_mag)
    if cells is None:
        block = batch_shape(spec, box_in_mag)
        data = data.rechunk(((spec.num_channels,), *grid_chunks(box_in_mag, block)))
        cells = tuple(tuple(range(len(sizes) + 1)) for sizes in data.chunks[1:])
    source = DaskBlocks.of(data, box_in_mag.topleft, cells)
    return WritePlan(
        source,
        target,
        box_in_mag.bottomright,
        tuple((box,) for box in source.cells()),
        box_mag1,
        spec.shard_shape,
    )
