"""Chunk-wise processing: a user function per chunk of a view, run as one job.

``for_each_chunk``, ``map_chunk`` and ``for_zipped_chunks`` cut views into
chunks on the storage grid (whole shards for views that are written, whole
storage chunks for read-only views, so no two calls share a shard they write)
and run one call per chunk with :func:`wkdist.run.tasks.run_chunk_tasks`.
Chunk shapes are in Mag(1) voxels, as in the reference.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Vec3Int
from wkdist.run.tasks import ChunkTask, run_chunk_tasks

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from concurrent.futures import Executor

    from wkdist.dataset.view import View
    from wkdist.geometry import BoundingBox, Vec3IntLike


def storage_grid_mag1(view: View, *, read_only: bool) -> Vec3Int:
    """The grid chunk shapes must follow, in Mag(1) voxels: shards for written
    views, storage chunks for read-only ones."""
    info = view.info
    grid = info.chunk_shape if read_only else info.shard_shape
    return grid * view.mag.to_vec3_int()


def checked_chunk_shape(view: View, chunk_shape: Vec3IntLike | None, argument: str) -> Vec3Int:
    """``chunk_shape`` (Mag(1) voxels) checked against the view's storage grid;
    ``None`` gives one shard."""
    if chunk_shape is None:
        return storage_grid_mag1(view, read_only=False)
    try:
        shape = Vec3Int(chunk_shape)
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(
            f"{argument} must be three ints (x, y, z) in Mag(1) voxels; got {chunk_shape!r}"
        ) from error
    if not shape.is_positive(strictly_positive=True):
        raise InvalidArgumentError(
            f"{argument}={shape.to_tuple()} contains a zero or negative value; "
            "every dimension must be at least 1"
        )
    grid = storage_grid_mag1(view, read_only=view.read_only)
    if shape % grid != Vec3Int.zeros():
        what = "chunk shape" if view.read_only else "shard shape"
        raise InvalidArgumentError(
            f"{argument}={shape.to_tuple()} must be a multiple of the {what} times the mag, "
            f"{grid.to_tuple()} (Mag(1) voxels) for {view!r}"
        )
    return shape


def chunk_views(
    view: View, chunk_shape: Vec3IntLike, alignment: Vec3IntLike | None, read_only: bool | None
) -> Iterator[View]:
    """Sub-views of ``view`` on a grid of ``chunk_shape`` anchored at ``alignment``
    (default: the chunk shape), clipped to the view."""
    for box in view.bounding_box.chunk(chunk_shape, alignment):
        yield view.get_view(absolute_bounding_box=box, read_only=read_only)


def _label(view: View, box: BoundingBox | None = None) -> str:
    """Names the chunk ``box`` (default: the view's box) of ``view`` in reports."""
    box = view.bounding_box if box is None else box
    return f"chunk {box.topleft.to_tuple()}+{box.size.to_tuple()} (Mag(1) voxels) of {view.path}"


def _indexed_chunks(view: View, chunk_shape: Vec3IntLike | None) -> list[ChunkTask]:
    """One task per chunk of ``view`` (checked ``chunk_shape``), ``(chunk_view, index)``."""
    shape = checked_chunk_shape(view, chunk_shape, "chunk_shape")
    return [
        ChunkTask(_label(chunk), (chunk, index))
        for index, chunk in enumerate(chunk_views(view, shape, shape, view.read_only))
    ]


def for_each_chunk(
    view: View,
    func_per_chunk: Callable[[tuple[View, int]], Any],
    *,
    chunk_shape: Vec3IntLike | None,
    executor: Executor | None,
    progress: bool | None,
) -> list[Any]:
    """Call ``func_per_chunk((chunk_view, index))`` for every chunk; return the results."""
    tasks = _indexed_chunks(view, chunk_shape)
    return run_chunk_tasks(func_per_chunk, tasks, executor=executor, progress=progress)


def _view_only(func: Callable[[View], Any], args: tuple[View, int]) -> Any:  # noqa: ANN401
    return func(args[0])


def map_chunk(
    view: View,
    func_per_chunk: Callable[[View], Any],
    *,
    chunk_shape: Vec3IntLike | None,
    executor: Executor | None,
    progress: bool | None,
) -> list[Any]:
    """``[func_per_chunk(chunk_view) for every chunk]``, computed in parallel."""
    tasks = _indexed_chunks(view, chunk_shape)
    return run_chunk_tasks(
        functools.partial(_view_only, func_per_chunk), tasks, executor=executor, progress=progress
    )


def for_zipped_chunks(
    source: View,
    target: View,
    func_per_chunk: Callable[[tuple[View, View, int]], Any],
    *,
    source_chunk_shape: Vec3IntLike | None,
    target_chunk_shape: Vec3IntLike | None,
    executor: Executor | None,
    progress: bool | None,
) -> None:
    """Call ``func_per_chunk((source_chunk, target_chunk, index))`` for matching chunks
    of two views whose sizes have the ratio of the chunk shapes."""
    if (source_chunk_shape is None) != (target_chunk_shape is None):
        raise InvalidArgumentError(
            "pass both source_chunk_shape and target_chunk_shape, or neither; got "
            f"source_chunk_shape={source_chunk_shape!r}, target_chunk_shape={target_chunk_shape!r}"
        )
    if source_chunk_shape is None:
        source_shape = storage_grid_mag1(source, read_only=False).pairmax(
            storage_grid_mag1(target, read_only=False)
        )
        target_shape = source_shape
    else:
        source_shape = checked_chunk_shape(source, source_chunk_shape, "source_chunk_shape")
        target_shape = checked_chunk_shape(target, target_chunk_shape, "target_chunk_shape")
    if source.bounding_box.is_empty() or target.bounding_box.is_empty():
        return
    source_size, target_size = source.bounding_box.size, target.bounding_box.size
    if any(
        s * t_chunk != t * s_chunk
        for s, t, s_chunk, t_chunk in zip(source_size, target_size, source_shape, target_shape, strict=True)
    ):
        raise InvalidArgumentError(
            f"the view sizes (source {source_size.to_tuple()}, target {target_size.to_tuple()}) "
            "must have the ratio of the chunk shapes (source_chunk_shape "
            f"{source_shape.to_tuple()}, target_chunk_shape {target_shape.to_tuple()}, Mag(1))"
        )
    pairs = zip(
        chunk_views(source, source_shape, source_shape, source.read_only),
        chunk_views(target, target_shape, target_shape, target.read_only),
        strict=False,  # the ratio check above makes the counts equal
    )
    tasks = [
        ChunkTask(_label(target_chunk), (source_chunk, target_chunk, index))
        for index, (source_chunk, target_chunk) in enumerate(pairs)
    ]
    run_chunk_tasks(func_per_chunk, tasks, executor=executor, progress=progress)


def _chunks_equal(args: tuple[View, View]) -> bool:
    first, second = args
    return bool(np.array_equal(first.read(), second.read()))


def content_is_equal(
    view: View,
    other: View,
    *,
    chunk_shape: Vec3IntLike | None,
    executor: Executor | None,
    progress: bool | None,
) -> bool:
    """Whether both views hold the same voxels (same box size), compared chunk by
    chunk in parallel (default chunk: one shard of ``view``)."""
    if view.bounding_box.size != other.bounding_box.size:
        return False
    shape = (
        storage_grid_mag1(view, read_only=False)
        if chunk_shape is None
        else checked_chunk_shape(view.get_view(read_only=True), chunk_shape, "chunk_shape")
    )
    shift = other.bounding_box.topleft - view.bounding_box.topleft
    tasks = [
        ChunkTask(
            _label(view, box),
            (
                view.get_view(absolute_bounding_box=box, read_only=True),
                other.get_view(absolute_bounding_box=box.offset(shift), read_only=True),
            ),
        )
        for box in view.bounding_box.chunk(shape, shape)
    ]
    return all(run_chunk_tasks(_chunks_equal, tasks, executor=executor, progress=progress))
