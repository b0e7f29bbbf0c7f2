"""The one plan type of every job and every dask-array write: :class:`WritePlan`.

A plan is plain data: where to write (:class:`~wkdist.dask_bridge.tasks.WriteTarget`),
what makes the voxels (a *source*), and the target shards, grouped into
batches, one write task each. No task writes a shard another task writes; no
task touches the properties file. Run a plan with :func:`wkdist.run.run_plans`
(presize, the write tasks, one finalization), or turn it into a dask graph with
:meth:`WritePlan.to_delayed`.

Sources are of two kinds:

* a *shard producer* (:class:`~wkdist.dask_bridge.tasks.ShardProducer`): a
  frozen dataclass that makes the voxels of any target box itself (copy,
  downsampling, compression); a task holds one shard (or piece) at a time;
* :class:`DaskBlocks`: a dask array whose blocks group into cells of whole
  target shards; each batch is one cell, its blocks computed by dask and
  handed to its write task.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import dask
import numpy as np
from dask.base import tokenize
from dask.delayed import Delayed
from dask.highlevelgraph import HighLevelGraph

from wkdist.config import setting
from wkdist.dask_bridge.tasks import (
    BatchResult,
    ShardProducer,
    ValueRecorder,
    WriteTarget,
    finalize_write,
    presize_target,
    run_shard_batch,
    write_block,
    write_piece_shape,
)
from wkdist.geometry import BoundingBox, Vec3Int

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import dask.array as da

    from wkdist.storage import ArraySpec

#: A key of a plan's graph: ``(name,)`` or ``(name, index)``.
Key = tuple[Any, ...]


@dataclass(frozen=True)
class DaskBlocks:
    """Source of a dask-array write: ``array``'s blocks, grouped into cells, one
    batch of the plan each.

    ``array`` is ``(C, X, Y, Z)`` in the target mag's voxels with one channel
    block; its voxel ``[:, 0, 0, 0]`` goes to ``origin``. ``cells`` gives, per
    axis x, y, z, the block indices where cells start and the number of
    blocks (``(0, 1, ..., n)``: every block a cell). Compared and tokenized by
    the array's name (dask names are content tokens) and the cells.
    """

    name: str
    origin: Vec3Int
    cells_per_axis: tuple[tuple[int, ...], ...]
    array: da.Array = field(compare=False, repr=False)

    @classmethod
    def of(cls, array: da.Array, origin: Vec3Int, cells: tuple[tuple[int, ...], ...]) -> DaskBlocks:
        return cls(array.name, origin, cells, array)

    @functools.cached_property
    def _edges(self) -> list[np.ndarray]:
        """Per axis x, y, z, the offsets of the block borders (computed once: the
        plan asks for every batch's keys)."""
        return [np.cumsum((0, *sizes)) for sizes in self.array.chunks[1:]]

    def cells(self) -> Iterable[BoundingBox]:
        """The box of every cell, in target-mag voxels (x outermost, z innermost)."""
        ranges = [
            [(int(edges[a]), int(edges[b])) for a, b in itertools.pairwise(borders)]
            for edges, borders in zip(self._edges, self.cells_per_axis, strict=True)
        ]
        for (x0, x1), (y0, y1), (z0, z1) in itertools.product(*ranges):
            yield BoundingBox(self.origin + Vec3Int(x0, y0, z0), Vec3Int(x1 - x0, y1 - y0, z1 - z0))

    def block_keys(self, box: BoundingBox) -> list[Any]:
        """The graph keys of the blocks of the cell at ``box`` (a box of
        :meth:`cells`), nested one list level per axis (C, X, Y, Z)."""
        indices = []
        for start, stop, edges in zip(
            box.topleft - self.origin, box.bottomright - self.origin, self._edges, strict=True
        ):
            indices.append(range(int(np.searchsorted(edges, start)), int(np.searchsorted(edges, stop))))
        ix, iy, iz = indices
        return [[[[(self.name, 0, x, y, z) for z in iz] for y in iy] for x in ix]]

    def __call__(self, box: BoundingBox) -> np.ndarray:
        """Compute the voxels of ``box`` here (for executors that run no dask graph)."""
        start = box.topleft - self.origin
        stop = start + box.size
        region = self.array[:, start.x : stop.x, start.y : stop.y, start.z : stop.z]
        return np.asarray(region.compute(scheduler="sync"))

    def __dask_tokenize__(self) -> tuple[object, ...]:
        return (type(self).__name__, self.name, tuple(self.origin), self.cells_per_axis)


@dataclass(frozen=True, repr=False)
class WritePlan:
    """A planned write: run it with :func:`wkdist.run.run_plans`.

    Picklable, comparable and printable. :attr:`identity` is a stable token of
    the whole plan (the same inputs give the same identity in any process), so a
    journal can record it; :meth:`without` drops shards already written.

    Attributes
    ----------
    source
        What makes the voxels: a shard producer or :class:`DaskBlocks`.
    target
        Where the voxels go, and the layer whose box the finalization grows.
    needed_shape
        The array shape (target mag voxels) the target must have before writes.
    batches
        Target boxes (target mag voxels), one tuple per write task; every box
        covers whole shards of the target (clipped at the layer's border).
    clip_mag1
        The Mag(1) box the finalization may grow the layer's box to at most.
    piece_shape
        Producers make and write a box in pieces of at most this shape.
    recorder
        If given, the tasks collect the range of the values they write and
        the finalization hands the job's range to it.
    """

    source: ShardProducer | DaskBlocks
    target: WriteTarget
    needed_shape: Vec3Int
    batches: tuple[tuple[BoundingBox, ...], ...]
    clip_mag1: BoundingBox
    piece_shape: Vec3Int
    recorder: ValueRecorder | None = None

    @functools.cached_property
    def identity(self) -> str:
        """A token of everything in the plan (hex digits)."""
        with dask.config.set({"tokenize.ensure-deterministic": True}):
            return tokenize(
                self.source,
                self.target,
                self.needed_shape,
                self.batches,
                self.clip_mag1,
                self.piece_shape,
                self.recorder,
            )

    @property
    def shards(self) -> tuple[BoundingBox, ...]:
        """Every planned target box, in batch order."""
        return tuple(box for batch in self.batches for box in batch)

    @property
    def num_shards(self) -> int:
        return sum(len(batch) for batch in self.batches)

    def without(self, shards: Iterable[BoundingBox]) -> WritePlan:
        """The plan minus the target boxes in ``shards`` (e.g. already written
        ones); batches left empty are dropped, the others keep their order."""
        done = set(shards)
        batches = (tuple(box for box in batch if box not in done) for batch in self.batches)
        return replace(self, batches=tuple(batch for batch in batches if batch))

    def __repr__(self) -> str:
        source = type(self.source).__name__
        return (
            f"WritePlan({source} -> {self.target.path} (mag {self.target.mag.to_layer_name()}), "
            f"{self.num_shards} shard(s) in {len(self.batches)} task(s), identity={self.identity})"
        )

    # ---------------------------------------------------------------- tasks
    @property
    def write_name(self) -> str:
        """Name of the write tasks; their keys are ``(name, batch index)``."""
        return f"wkdist-write-{self.identity}"

    def _task(self, batch: tuple[BoundingBox, ...], block: object) -> tuple[Any, ...]:
        """The write task of ``batch`` as ``(function, *arguments)``; a dask-array
        source's block comes as ``block`` (its graph key, or its voxels)."""
        if isinstance(self.source, DaskBlocks):
            (box,) = batch
            return (write_block, self.target, box.topleft, block, self.clip_mag1)
        return (
            run_shard_batch,
            self.source,
            self.target,
            batch,
            self.clip_mag1,
            self.piece_shape,
            self.recorder is not None,
        )

    def run_batch(self, batch: tuple[BoundingBox, ...]) -> BatchResult:
        """Write one batch in this process (the write task, for executors)."""
        block = self.source(batch[0]) if isinstance(self.source, DaskBlocks) else None
        function, *arguments = self._task(batch, block)
        return function(*arguments)  # type: ignore[no-any-return]

    def finalize(self, results: Sequence[BatchResult]) -> BoundingBox:
        """The finalization (once every task finished): merge the boxes into the
        properties file, record the value range; return the Mag(1) box written."""
        return finalize_write(self.target, results, self.recorder)

    def _write_tasks(self, *after: Key) -> dict[Key, tuple[Any, ...]]:
        """The write task of each batch; ``after`` is appended as a last argument."""
        tasks: dict[Key, tuple[Any, ...]] = {}
        for index, batch in enumerate(self.batches):
            key = self.source.block_keys(batch[0]) if isinstance(self.source, DaskBlocks) else None
            tasks[(self.write_name, index)] = (*self._task(batch, key), *after)
        return tasks

    def _dependencies(self) -> list[Any]:
        return [self.source.array] if isinstance(self.source, DaskBlocks) else []

    def write_delayeds(self) -> list[Delayed]:
        """One ``Delayed`` per write task, in batch order, without presize or
        finalization (the runner does those)."""
        layer = self.write_name
        tasks = self._write_tasks()
        graph = HighLevelGraph.from_collections(
            layer, dict(tasks), dependencies=self._dependencies()
        )
        return [Delayed(key, graph, layer=layer) for key in tasks]

    def to_delayed(self) -> Delayed:
        """The whole plan as one dask graph, nothing run yet::

            wkdist-presize-<identity>     grow the target array to hold the box
            wkdist-write-<identity>, i..  one task per batch; returns the Mag(1) box written
            wkdist-finalize-<identity>    merge those boxes into the properties file

        Its value is the Mag(1) box written.
        """
        presize_key: Key = (f"wkdist-presize-{self.identity}",)
        finalize_key: Key = (f"wkdist-finalize-{self.identity}",)
        writes = self._write_tasks(presize_key)
        graph: dict[Key, tuple[Any, ...]] = {
            presize_key: (presize_target, self.target, self.needed_shape),
            **writes,
            finalize_key: (finalize_write, self.target, list(writes), self.recorder),
        }
        hlg = HighLevelGraph.from_collections(
            finalize_key[0], dict(graph), dependencies=self._dependencies()
        )
        return Delayed(finalize_key, hlg, layer=finalize_key[0])


def batched(boxes: Iterable[BoundingBox]) -> tuple[tuple[BoundingBox, ...], ...]:
    """Consecutive groups of ``boxes``, at most ``wkdist.write.max-tasks`` of them."""
    ordered = tuple(boxes)
    per_task = max(1, math.ceil(len(ordered) / int(setting("write.max-tasks"))))
    return tuple(ordered[i : i + per_task] for i in range(0, len(ordered), per_task))


def plan_shard_jobs(
    producer: ShardProducer,
    target: WriteTarget,
    boxes: Iterable[BoundingBox],
    *,
    spec: ArraySpec,
    needed_shape: Vec3Int,
    clip_mag1: BoundingBox,
    recorder: ValueRecorder | None = None,
) -> WritePlan:
    """Plan making and writing the target shard ``boxes`` with ``producer``.

    ``spec`` is the target's layout; the boxes are grouped into at most
    ``wkdist.write.max-tasks`` batches. With a ``recorder``, the tasks collect
    the value range it gets.
    """
    return WritePlan(
        producer,
        target,
        needed_shape,
        batched(boxes),
        clip_mag1,
        write_piece_shape(spec),
        recorder,
    )
