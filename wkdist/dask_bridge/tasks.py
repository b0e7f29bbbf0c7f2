"""The three kinds of work of a write plan: presize, write tasks, finalization.

Every function here is module-level and takes small picklable values (paths,
boxes, specs), so the same functions run as dask tasks, on ``distributed``
workers and in cluster-tools SLURM jobs.

A write task returns a :class:`BatchResult`: the Mag(1) box it covered and,
when the plan collects it, the smallest and largest voxel value it wrote; the
finalization hands the job's range to a :class:`ValueRecorder` (e.g. an
import's ``largest_segment_id``).
"""

from __future__ import annotations

import functools
import math
import socket
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from wkdist.config import byte_setting
from wkdist.errors import ShardFailedError
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.properties import merge_bounding_boxes
from wkdist.storage import open_array
from wkdist.storage.mosaic import BlockMosaic

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from wkdist.geometry import Mag
    from wkdist.journal import TaskJournal
    from wkdist.location import Location
    from wkdist.storage import ArraySpec, DataFormat


@dataclass(frozen=True)
class WriteTarget:
    """Everything a write task needs to find its target; small and picklable."""

    path: Location
    data_format: DataFormat
    mag: Mag
    dataset_path: Location | None  # None: do not touch the properties (writes through a View)
    layer_name: str
    journal: TaskJournal | None = None  # records each task's shards once they are durable


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


@contextmanager
def reporting_shard(target: WriteTarget, box: BoundingBox) -> Iterator[None]:
    """Re-raise any exception in the block as :class:`ShardFailedError` naming ``box``.

    The traceback is put into the message as text: exceptions pickled from a
    dask worker or a SLURM job arrive without theirs.
    """
    try:
        yield
    except ShardFailedError:
        raise
    except Exception as error:
        remote = traceback.format_exc()
        raise ShardFailedError(
            f"shard {box.topleft.to_tuple()}+{box.size.to_tuple()} (voxels of mag "
            f"{target.mag.to_layer_name()}) of {target.path} failed on "
            f"{socket.gethostname()}: {type(error).__name__}: {error}\n"
            f"--- traceback on the worker ---\n{remote}",
            shard=box,
            remote_traceback=remote,
        ) from error


def presize_target(target: WriteTarget, needed_shape: Vec3Int) -> None:
    """Grow the target array (metadata only) so that ``needed_shape`` fits.

    tensorstore refuses writes beyond an array's shape, so this runs before
    every write task.
    """
    array = open_array(target.path, target.data_format)
    if array.shape is not None and any(n > s for n, s in zip(needed_shape, array.shape, strict=True)):
        array.resize(Vec3Int(needed_shape).pairmax(array.shape))


def write_block(
    target: WriteTarget,
    topleft: Vec3Int,
    block: np.ndarray | list[Any],
    clip_mag1: BoundingBox,
    _presized: None = None,
) -> BatchResult:
    """Write one block (whole target shards, in the mag's voxels) and return the
    Mag(1) box it covered, clipped to the requested box. Idempotent.

    ``block`` may come as the nested list (one level per axis) of the blocks
    that make it up; they are written as a :class:`~wkdist.storage.mosaic.BlockMosaic`,
    without assembling one array of the whole block first.
    """
    data = BlockMosaic.of_nested(block) if isinstance(block, list) else block
    box = BoundingBox(topleft, Vec3Int(data.shape[1:]))
    array = open_array(target.path, target.data_format)
    with reporting_shard(target, box):
        array.write(topleft, data)
        if target.journal is not None:
            target.journal.record(array, [box])
    written = box.from_mag_to_mag1(target.mag)
    return BatchResult(written.intersected_with(clip_mag1, dont_assert=True))


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
    values = combined_range(ranges)
    if target.journal is not None:
        with reporting_shard(target, boxes[0]):
            target.journal.record(array, boxes, values)
    return BatchResult(written, values)


def finalize_write(
    target: WriteTarget, results: Sequence[BatchResult], recorder: ValueRecorder | None = None
) -> BoundingBox:
    """Merge the written boxes into the layer's box in the properties file (once,
    locked, atomic), hand the job's value range to ``recorder``, and return the
    union of what was written."""
    union = functools.reduce(
        BoundingBox.extended_by, (result.box for result in results), BoundingBox.empty()
    )
    if target.dataset_path is not None and not union.is_empty():
        merge_bounding_boxes(target.dataset_path, target.layer_name, [union])
    if recorder is not None:
        recorder(target, combined_range(result.value_range for result in results))
    return union


def write_piece_shape(spec: ArraySpec) -> Vec3Int:
    """The largest box of whole chunks, at most one shard, within ``wkdist.write.task-memory``.

    Halves the longest axis of the shard shape (z first on ties) until one
    piece's voxels fit the budget or the piece is a single chunk. A shard
    larger than the budget is then made and written piece by piece (each piece
    rewrites the shard file, so only oversized shards pay for it).
    """
    budget = byte_setting("write.task-memory")
    voxel_bytes = spec.num_channels * spec.dtype.itemsize
    chunk = spec.chunk_shape
    counts = list(spec.shard_shape // chunk)  # chunks per piece along x, y, z
    while math.prod(counts) * chunk.prod() * voxel_bytes > budget and math.prod(counts) > 1:
        axis = max((2, 1, 0), key=lambda a: counts[a])
        counts[axis] = -(-counts[axis] // 2)
    return chunk * Vec3Int(counts)
