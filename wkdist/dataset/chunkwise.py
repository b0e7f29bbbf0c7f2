"""Chunk-wise processing: a user function per chunk of a view, run as one job.

``for_each_chunk``, ``map_chunk`` and ``for_zipped_chunks`` cut views into
chunks on the storage grid (whole shards for views that are written, whole
storage chunks for read-only views, so no two calls share a shard they write)
and run one call per chunk with :func:`wkdist.run.tasks.run_chunk_tasks`.
Chunk shapes are in Mag(1) voxels, as in the reference. :class:`ChunkwiseMethods`
gives :class:`~wkdist.dataset.view.View` these functions as methods.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from wkdist.dataset.view_boxes import as_view
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
    for box in view._box_3d("chunk-wise processing").chunk(chunk_shape, alignment):
        yield view.get_view(absolute_bounding_box=box, read_only=read_only)


def _label(view: View, box: BoundingBox | None = None) -> str:
    """Names the chunk ``box`` (default: the view's box) of ``view`` in reports."""
    box = view._box_3d("chunk-wise processing") if box is None else box
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
    source_box = source._box_3d("for_zipped_chunks")
    target_box = target._box_3d("for_zipped_chunks")
    if source_box.is_empty() or target_box.is_empty():
        return
    source_size, target_size = source_box.size, target_box.size
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
    view_box = view._box_3d("content_is_equal")
    other_box = other._box_3d("content_is_equal")
    if view_box.size != other_box.size:
        return False
    shape = (
        storage_grid_mag1(view, read_only=False)
        if chunk_shape is None
        else checked_chunk_shape(view.get_view(read_only=True), chunk_shape, "chunk_shape")
    )
    shift = other_box.topleft - view_box.topleft
    tasks = [
        ChunkTask(
            _label(view, box),
            (
                view.get_view(absolute_bounding_box=box, read_only=True),
                other.get_view(absolute_bounding_box=box.offset(shift), read_only=True),
            ),
        )
        for box in view_box.chunk(shape, shape)
    ]
    return all(run_chunk_tasks(_chunks_equal, tasks, executor=executor, progress=progress))


def _show_progress(progress_desc: str | None, progress: bool | None) -> bool | None:
    """The reference shows progress when given a description; wkdist's ``progress`` wins."""
    if progress is not None:
        return progress
    return True if progress_desc is not None else None


class ChunkwiseMethods:
    """The chunk-wise methods of :class:`~wkdist.dataset.view.View` (a mixin)."""

    def content_is_equal(
        self,
        other: View,
        *,
        executor: Executor | None = None,
        progress_desc: str | None = None,
        chunk_shape: Vec3IntLike | None = None,
        progress: bool | None = None,
    ) -> bool:
        """Whether ``other`` holds the same voxels (same box size), compared chunk by
        chunk in parallel (``chunk_shape`` in Mag(1) voxels, default one shard);
        ``executor`` and progress as in :meth:`for_each_chunk`."""
        return content_is_equal(
            as_view(self),
            other,
            chunk_shape=chunk_shape,
            executor=executor,
            progress=_show_progress(progress_desc, progress),
        )

    def chunk(
        self,
        chunk_shape: Vec3IntLike,
        *,
        chunk_border_alignments: Vec3IntLike | None = None,
        read_only: bool | None = None,
    ) -> Iterator[View]:
        """Sub-views of at most ``chunk_shape`` (Mag(1) voxels) covering this view,
        on a grid whose borders are multiples of ``chunk_border_alignments``
        (default: a grid starting at this view's corner)."""
        return chunk_views(as_view(self), chunk_shape, chunk_border_alignments, read_only)

    def for_each_chunk(
        self,
        func_per_chunk: Callable[[tuple[View, int]], None],
        *,
        chunk_shape: Vec3IntLike | None = None,
        executor: Executor | None = None,
        progress_desc: str | None = None,
        progress: bool | None = None,
    ) -> None:
        """Call ``func_per_chunk((chunk_view, index))`` for every chunk of this view,
        in parallel, as one job.

        Parameters
        ----------
        func_per_chunk
            Reads and writes its chunk view; runs on dask workers or the executor
            (picklable for process-based ones, thread-safe for dask's threads).
        chunk_shape
            Chunk size in Mag(1) voxels (default: one shard). A multiple of the
            shard shape times the mag (of the storage chunk shape for read-only
            views), so no two calls write the same shard.
        executor
            ``None``: the active dask scheduler (parallel threads by default; the
            reference runs ``None`` sequentially); or a ``cluster_tools`` executor
            or ``distributed.Client``.
        progress_desc, progress
            Show a progress bar (when ``progress_desc`` is given, or ``progress`` is
            true; default: when stderr is a terminal).

        Raises
        ------
        JobIncompleteError
            If a call failed: its chunk, the worker's traceback and the chunks not done.
        """
        for_each_chunk(
            as_view(self),
            func_per_chunk,
            chunk_shape=chunk_shape,
            executor=executor,
            progress=_show_progress(progress_desc, progress),
        )

    def map_chunk(
        self,
        func_per_chunk: Callable[[View], Any],
        *,
        chunk_shape: Vec3IntLike | None = None,
        executor: Executor | None = None,
        progress_desc: str | None = None,
        progress: bool | None = None,
    ) -> list[Any]:
        """``func_per_chunk(chunk_view)`` for every chunk, in chunk order (x outermost);
        arguments as in :meth:`for_each_chunk`."""
        return map_chunk(
            as_view(self),
            func_per_chunk,
            chunk_shape=chunk_shape,
            executor=executor,
            progress=_show_progress(progress_desc, progress),
        )

    def for_zipped_chunks(
        self,
        func_per_chunk: Callable[[tuple[View, View, int]], None],
        target_view: View,
        *,
        source_chunk_shape: Vec3IntLike | None = None,
        target_chunk_shape: Vec3IntLike | None = None,
        executor: Executor | None = None,
        progress_desc: str | None = None,
        progress: bool | None = None,
    ) -> None:
        """Call ``func_per_chunk((source_chunk, target_chunk, index))`` for matching
        chunks of this view and ``target_view`` (e.g. to resample between mags).

        The view sizes must have the ratio of ``source_chunk_shape`` to
        ``target_chunk_shape`` (Mag(1) voxels; pass both or neither; default:
        the larger shard of the two). Other arguments as in :meth:`for_each_chunk`.
        """
        for_zipped_chunks(
            as_view(self),
            target_view,
            func_per_chunk,
            source_chunk_shape=source_chunk_shape,
            target_chunk_shape=target_chunk_shape,
            executor=executor,
            progress=_show_progress(progress_desc, progress),
        )
