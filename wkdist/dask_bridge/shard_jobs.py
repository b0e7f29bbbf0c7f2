"""Fused shard jobs: tasks that make their target shards themselves and write them.

Copy and downsampling need no dask array in between: each task gets a list of
target shard boxes, asks a *producer* for each shard's voxels (reading the
source region it needs), writes the shard, and forgets it before the next, so a
task holds one shard at a time however many it owns. A shard larger than
``wkdist.write.task-memory`` is made and written in pieces of whole chunks
within that budget (each piece rewrites the shard file, so only oversized
shards pay for it). The plan has the same presize / write / finalize shape as
:func:`wkdist.dask_bridge.write.plan_write`.

A plan may also collect the smallest and largest voxel value written (each
task returns its range with its box) and hand the job's range to a
:class:`ValueRecorder` in the finalization, e.g. an import's
``largest_segment_id``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import dask.config
import numpy as np
from dask.base import tokenize

from wkdist.dask_bridge.failures import reporting_shard
from wkdist.dask_bridge.write import assemble_plan, finalize_write, task_memory, write_task_name
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.storage import open_array

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from dask.delayed import Delayed

    from wkdist.dask_bridge.write import WriteTarget
    from wkdist.storage import ArraySpec


class ShardProducer(Protocol):
    """Makes the ``(C, X, Y, Z)`` voxels of one target box (target mag voxels).

    Implementations are frozen dataclasses of paths and numbers, so they pickle
    small and tokenize deterministically.
    """

    def __call__(self, box: BoundingBox) -> np.ndarray: ...


ValueRange = tuple[float, float]
"""Smallest and largest voxel value (Python ints for integer data)."""


class ValueRecorder(Protocol):
    """Records a job's value range (``None``: nothing written) once all its
    shards are written; a frozen dataclass, like producers."""

    def __call__(self, target: WriteTarget, value_range: ValueRange | None) -> None: ...


@dataclass(frozen=True)
class BatchResult:
    """What one write task returns: the Mag(1) box it covered and, when the plan
    collects it, the range of the values it wrote."""

    box: BoundingBox
    value_range: ValueRange | None = None


def value_range(data: np.ndarray) -> ValueRange | None:
    """``(min, max)`` of ``data`` as Python numbers; ``None`` if it is empty or all NaN."""
    if data.size == 0:
        return None
    if data.dtype.kind == "f":
        finite = data[np.isfinite(data)] if not np.isfinite(data).all() else data
        if finite.size == 0:
            return None
        return float(finite.min()), float(finite.max())
    return int(data.min()), int(data.max())


def combined_range(ranges: Iterable[ValueRange | None]) -> ValueRange | None:
    """The range that covers all ``ranges`` (``None`` ones ignored)."""
    present = [r for r in ranges if r is not None]
    if not present:
        return None
    return min(r[0] for r in present), max(r[1] for r in present)


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
    track_values: bool = False,
    _presized: None = None,
) -> BatchResult:
    """Produce and write each box in turn, in pieces of at most ``piece_shape``;
    return the Mag(1) box covered (and the value range, with ``track_values``).
    Idempotent."""
    array = open_array(target.path, target.data_format)
    written = BoundingBox.empty()
    ranges: list[ValueRange | None] = []
    for box in boxes:
        with reporting_shard(target, box):
            for piece in box.grid_boxes(piece_shape):
                data = producer(piece)
                if track_values:
                    ranges.append(value_range(data))
                array.write(piece.topleft, data)
        covered = box.from_mag_to_mag1(target.mag).intersected_with(clip_mag1, dont_assert=True)
        written = written.extended_by(covered)
    return BatchResult(written, combined_range(ranges))


def finalize_shard_job(
    target: WriteTarget, results: Sequence[BatchResult], recorder: ValueRecorder | None = None
) -> BoundingBox:
    """Merge the tasks' boxes into the properties (:func:`finalize_write`), then
    hand the job's value range to ``recorder``; return the union of the boxes."""
    union = finalize_write(target, [result.box for result in results])
    if recorder is not None:
        recorder(target, combined_range(result.value_range for result in results))
    return union


@dataclass(frozen=True)
class ShardJobPlan:
    """A planned fused job: run it with :func:`wkdist.run.run_plans`."""

    producer: ShardProducer
    target: WriteTarget
    needed_shape: Vec3Int
    batches: tuple[tuple[BoundingBox, ...], ...]
    clip_mag1: BoundingBox
    piece_shape: Vec3Int
    recorder: ValueRecorder | None = None  # gets the value range written, in the finalization

    @functools.cached_property
    def token(self) -> str:
        return tokenize(
            self.producer, self.target, self.batches, self.clip_mag1, self.piece_shape,
            self.recorder,
        )

    @property
    def write_name(self) -> str:
        """Name of the write tasks in :meth:`to_delayed`'s graph (keys ``(name, batch index)``)."""
        return write_task_name(self.token)

    def to_delayed(self) -> Delayed:
        """The plan as a dask graph (presize, one task per batch, finalize)."""
        tasks = [self.batch_task(batch) for batch in self.batches]
        return assemble_plan(
            self.token,
            self.target,
            self.needed_shape,
            tasks,
            dependencies=[],
            finalize=functools.partial(finalize_shard_job, recorder=self.recorder),
        )

    def batch_task(self, batch: tuple[BoundingBox, ...]) -> tuple[object, ...]:
        """The write task of ``batch`` as a dask task tuple (without the presize key)."""
        return (
            run_shard_batch,
            self.producer,
            self.target,
            batch,
            self.clip_mag1,
            self.piece_shape,
            self.recorder is not None,
        )

    def run_batch(self, batch: tuple[BoundingBox, ...]) -> BatchResult:
        """Run ``batch``'s write task here (for executors)."""
        return run_shard_batch(
            self.producer, self.target, batch, self.clip_mag1, self.piece_shape,
            self.recorder is not None,
        )

    def finalize(self, results: Sequence[BatchResult]) -> BoundingBox:
        """The finalization, run here once every batch succeeded (for executors)."""
        return finalize_shard_job(self.target, results, self.recorder)

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
    recorder: ValueRecorder | None = None,
) -> ShardJobPlan:
    """Group the target shard ``boxes`` into at most ``wkdist.write.max-tasks`` batches;
    with a ``recorder``, the tasks collect the value range it gets."""
    spec = open_array(target.path, target.data_format).spec
    ordered = tuple(boxes)
    max_tasks = int(dask.config.get("wkdist.write.max-tasks", default=2000))
    per_task = max(1, math.ceil(len(ordered) / max_tasks))
    batches = tuple(ordered[i : i + per_task] for i in range(0, len(ordered), per_task))
    return ShardJobPlan(
        producer, target, needed_shape, batches, clip_mag1, write_piece_shape(spec), recorder
    )
