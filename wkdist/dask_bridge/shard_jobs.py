"""Fused shard jobs: tasks that make their target shards themselves and write them.

Copy and downsampling need no dask array in between: each task gets a list of
target shard boxes, asks a *producer* for each shard's voxels (reading the
source region it needs), writes the shard, and forgets it before the next, so a
task holds one shard at a time however many it owns. A shard larger than
``wkdist.write.task-memory`` is made and written in pieces of whole chunks
within that budget (each piece rewrites the shard file, so only oversized
shards pay for it). The plan has the same presize / write / finalize shape as
:func:`wkdist.dask_bridge.write.plan_write`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import dask.config
from dask.base import tokenize

from wkdist.dask_bridge.failures import reporting_shard
from wkdist.dask_bridge.write import assemble_plan, task_memory, write_task_name
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.storage import open_array

if TYPE_CHECKING:
    from collections.abc import Iterable

    import numpy as np
    from dask.delayed import Delayed

    from wkdist.dask_bridge.write import WriteTarget
    from wkdist.storage import ArraySpec


class ShardProducer(Protocol):
    """Makes the ``(C, X, Y, Z)`` voxels of one target box (target mag voxels).

    Implementations are frozen dataclasses of paths and numbers, so they pickle
    small and tokenize deterministically.
    """

    def __call__(self, box: BoundingBox) -> np.ndarray: ...


def write_piece_shape(spec: ArraySpec) -> Vec3Int:
    """The largest box of whole chunks, at most one shard, within ``wkdist.write.task-memory``.

    Halves the longest axis of the shard shape (z first on ties) until one
    piece's voxels fit the budget or the piece is a single chunk.
    """
    budget = task_memory()
    voxel_bytes = spec.num_channels * spec.dtype.itemsize
    chunk = spec.chunk_shape
    counts = list(spec.shard_shape // chunk)  # chunks per piece along x, y, z
    while math.prod(counts) * chunk.prod() * voxel_bytes > budget and math.prod(counts) > 1:
        axis = max((2, 1, 0), key=lambda a: counts[a])
        counts[axis] = -(-counts[axis] // 2)
    return chunk * Vec3Int(counts)


def run_shard_batch(
    producer: ShardProducer,
    target: WriteTarget,
    boxes: tuple[BoundingBox, ...],
    clip_mag1: BoundingBox,
    piece_shape: Vec3Int,
    _presized: None = None,
) -> BoundingBox:
    """Produce and write each box in turn, in pieces of at most ``piece_shape``;
    return the Mag(1) box covered. Idempotent."""
    array = open_array(target.path, target.data_format)
    written = BoundingBox.empty()
    for box in boxes:
        with reporting_shard(target, box):
            for piece in box.grid_boxes(piece_shape):
                array.write(piece.topleft, producer(piece))
        covered = box.from_mag_to_mag1(target.mag).intersected_with(clip_mag1, dont_assert=True)
        written = written.extended_by(covered)
    return written


@dataclass(frozen=True)
class ShardJobPlan:
    """A planned fused job: run it with :func:`wkdist.run.run_plans`."""

    producer: ShardProducer
    target: WriteTarget
    needed_shape: Vec3Int
    batches: tuple[tuple[BoundingBox, ...], ...]
    clip_mag1: BoundingBox
    piece_shape: Vec3Int

    @functools.cached_property
    def token(self) -> str:
        return tokenize(self.producer, self.target, self.batches, self.clip_mag1, self.piece_shape)

    @property
    def write_name(self) -> str:
        """Name of the write tasks in :meth:`to_delayed`'s graph (keys ``(name, batch index)``)."""
        return write_task_name(self.token)

    def to_delayed(self) -> Delayed:
        """The plan as a dask graph (presize, one task per batch, finalize)."""
        tasks = [
            (run_shard_batch, self.producer, self.target, batch, self.clip_mag1, self.piece_shape)
            for batch in self.batches
        ]
        return assemble_plan(self.token, self.target, self.needed_shape, tasks, dependencies=[])

    @property
    def num_shards(self) -> int:
        return sum(len(batch) for batch in self.batches)


def plan_shard_jobs(
    producer: ShardProducer,
    target: WriteTarget,
    boxes: Iterable[BoundingBox],
    *,
    needed_shape: Vec3Int,
    clip_mag1: BoundingBox,
) -> ShardJobPlan:
    """Group the target shard ``boxes`` into at most ``wkdist.write.max-tasks`` batches."""
    spec = open_array(target.path, target.data_format).spec
    ordered = tuple(boxes)
    max_tasks = int(dask.config.get("wkdist.write.max-tasks", default=2000))
    per_task = max(1, math.ceil(len(ordered) / max_tasks))
    batches = tuple(ordered[i : i + per_task] for i in range(0, len(ordered), per_task))
    return ShardJobPlan(
        producer, target, needed_shape, batches, clip_mag1, write_piece_shape(spec)
    )
