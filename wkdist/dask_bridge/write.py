"""Write plans: a dask array into a mag as shard-aligned tasks plus one finalization.

The graph has three layers, named from a token of the inputs (so a plan built
twice has the same keys)::

    wkdist-presize-<token>     one task: grow the target array to hold the box
    wkdist-write-<token>, i..  one task per batch of whole target shards; each
                               writes its block and returns the Mag(1) box it wrote
    wkdist-finalize-<token>    one task: merge those boxes into the properties file

No write task touches the properties file, and no two write tasks touch the
same shard: block borders lie on the target's shard grid.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import dask.array as da
import dask.config
import numpy as np
from dask.base import tokenize
from dask.delayed import Delayed
from dask.highlevelgraph import HighLevelGraph
from dask.utils import parse_bytes

from wkdist.dask_bridge.failures import reporting_shard
from wkdist.dask_bridge.grid import grid_chunks
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Mag, Vec3Int
from wkdist.properties import merge_bounding_boxes
from wkdist.storage import DataFormat, open_array

if TYPE_CHECKING:
    from collections.abc import Callable

    from wkdist.location import Location
    from wkdist.storage import ArraySpec


@dataclass(frozen=True)
class WriteTarget:
    """Everything a write task needs to find its target; small and picklable."""

    path: Location
    data_format: DataFormat
    mag: Mag
    dataset_path: Location | None  # None: do not touch the properties (writes through a View)
    layer_name: str


def presize_target(target: WriteTarget, needed_shape: Vec3Int) -> None:
    """Grow the target array (metadata only) so that ``needed_shape`` fits.

    tensorstore refuses writes beyond an array's shape, so this runs before
    every write task.
    """
    array = open_array(target.path, target.data_format)
    if array.shape is not None and any(n > s for n, s in zip(needed_shape, array.shape)):
        array.resize(Vec3Int(needed_shape).pairmax(array.shape))


def write_block(
    target: WriteTarget,
    topleft: Vec3Int,
    block: np.ndarray,
    clip_mag1: BoundingBox,
    _presized: None,
) -> BoundingBox:
    """Write one block (whole target shards, in the mag's voxels) and return the
    Mag(1) box it covered, clipped to the requested box. Idempotent."""
    box = BoundingBox(topleft, Vec3Int(block.shape[1:]))
    with reporting_shard(target, box):
        open_array(target.path, target.data_format).write(topleft, block)
    written = box.from_mag_to_mag1(target.mag)
    return written.intersected_with(clip_mag1, dont_assert=True)


def finalize_write(target: WriteTarget, boxes: list[BoundingBox]) -> BoundingBox:
    """Merge the written boxes into the layer's box in the properties file (once,
    locked, atomic) and return the union of what was written."""
    union = functools.reduce(BoundingBox.extended_by, boxes, BoundingBox.empty())
    if target.dataset_path is not None and not union.is_empty():
        merge_bounding_boxes(target.dataset_path, target.layer_name, [union])
    return union


def task_memory() -> int:
    """``wkdist.write.task-memory`` in bytes: the voxels one write task may hold."""
    return parse_bytes(str(dask.config.get("wkdist.write.task-memory", default="1GiB")))


def batch_shape(spec: ArraySpec, box_in_mag: BoundingBox) -> Vec3Int:
    """The block shape of write tasks: a power-of-two multiple of the shard shape.

    Shards are batched when there are more than ``wkdist.write.max-tasks`` of
    them, as long as a task's block stays within ``wkdist.write.task-memory``.
    """
    shard = spec.shard_shape
    shard_bytes = shard.prod() * spec.num_channels * spec.dtype.itemsize
    budget = task_memory()
    max_tasks = int(dask.config.get("wkdist.write.max-tasks", default=2000))
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
    if len(data.chunks[0]) != 1 or data.npartitions > int(
        dask.config.get("wkdist.write.max-tasks", default=2000)
    ):
        return False
    for start, sizes, step in zip(box_in_mag.topleft, data.chunks[1:], spec.shard_shape):
        edges = np.cumsum((start, *sizes))[1:-1]
        if np.any(edges % step):
            return False
    largest = math.prod(max(sizes) for sizes in data.chunks) * data.dtype.itemsize
    budget = task_memory()
    return largest <= budget


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
) -> Delayed:
    """Plan writing ``data`` (``(C, X, Y, Z)`` or ``(X, Y, Z)`` in the target mag's
    voxels) to the Mag(1) box ``box_mag1``; nothing runs until the result is computed.

    Returns a ``Delayed`` whose value is the Mag(1) box written.
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
    chunks = data.chunks
    offsets = [np.cumsum((0, *c[:-1])) for c in chunks[1:]]
    tasks = [
        (
            write_block,
            target,
            box_in_mag.topleft + Vec3Int(int(ox), int(oy), int(oz)),
            (data.name, 0, i, j, k),
            box_mag1,
        )
        for i, ox in enumerate(offsets[0])
        for j, oy in enumerate(offsets[1])
        for k, oz in enumerate(offsets[2])
    ]
    token = tokenize(data.name, target, box_mag1)
    return assemble_plan(token, target, box_in_mag.bottomright, tasks, dependencies=[data])


def write_task_name(token: str) -> str:
    """The name of a plan's write tasks; their keys are ``(name, index)``."""
    return f"wkdist-write-{token}"


def assemble_plan(
    token: str,
    target: WriteTarget,
    needed_shape: Vec3Int,
    tasks: list[tuple[Any, ...]],
    dependencies: list[Any],
    finalize: Callable[[WriteTarget, list[Any]], BoundingBox] = finalize_write,
) -> Delayed:
    """The plan's graph: a presize task, the write ``tasks`` (each gets the presize
    key appended as its last argument), and one ``finalize`` task over all their
    results (by default they return Mag(1) boxes, merged by :func:`finalize_write`)."""
    presize_key = (f"wkdist-presize-{token}",)
    write_name = write_task_name(token)
    finalize_key = (f"wkdist-finalize-{token}",)
    graph: dict[object, object] = {presize_key: (presize_target, target, needed_shape)}
    write_keys = []
    for index, task in enumerate(tasks):
        key = (write_name, index)
        graph[key] = (*task, presize_key)
        write_keys.append(key)
    graph[finalize_key] = (finalize, target, write_keys)
    hlg = HighLevelGraph.from_collections(finalize_key[0], graph, dependencies=dependencies)
    return Delayed(finalize_key, hlg, layer=finalize_key[0])
