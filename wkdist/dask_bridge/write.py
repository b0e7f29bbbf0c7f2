"""Planning the write of a dask array into a mag: a :class:`~wkdist.dask_bridge.plan.WritePlan`
whose batches are the array's blocks, rechunked onto the target's shard grid
where needed.

No write task touches the properties file, and no two write tasks touch the
same shard: block borders lie on the target's shard grid.
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


def _usable_as_blocks(data: da.Array, spec: ArraySpec, box_in_mag: BoundingBox) -> bool:
    """Whether ``data``'s own blocks can be written as they are: one channel block,
    every border on the shard grid, each block within ``wkdist.write.task-memory``,
    and no more blocks than ``wkdist.write.max-tasks``. Rechunking such input
    would only cost copies and transfers between workers."""
    if len(data.chunks[0]) != 1 or data.npartitions > int(setting("write.max-tasks")):
        return False
    grid = zip(box_in_mag.topleft, data.chunks[1:], spec.shard_shape, strict=True)
    for start, sizes, step in grid:
        edges = np.cumsum((start, *sizes))[1:-1]
        if np.any(edges % step):
            return False
    largest = int(math.prod(max(sizes) for sizes in data.chunks)) * int(data.dtype.itemsize)
    return largest <= byte_setting("write.task-memory")


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

    ``data`` is rechunked onto the target's shard grid (batches of shards, see
    :func:`batch_shape`) unless its own blocks can be written as they are.
    """
    data = _as_cxyz(data, spec)
    box_in_mag = box_mag1.in_mag(target.mag)
    if tuple(data.shape[1:]) != tuple(box_in_mag.size):
        raise InvalidArgumentError(
            f"data has the shape {data.shape}, but the box {box_mag1} is "
            f"{tuple(box_in_mag.size)} voxels in mag {target.mag.to_layer_name()}"
        )
    if not _usable_as_blocks(data, spec, box_in_mag):
        block = batch_shape(spec, box_in_mag)
        data = data.rechunk(((spec.num_channels,), *grid_chunks(box_in_mag, block)))
    source = DaskBlocks.of(data, box_in_mag.topleft)
    return WritePlan(
        source,
        target,
        box_in_mag.bottomright,
        tuple((box,) for box in source.blocks()),
        box_mag1,
        spec.shard_shape,
    )
