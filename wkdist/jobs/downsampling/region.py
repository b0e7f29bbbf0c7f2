"""Downsample one target region of a layer, with the border handling of webknossos 4.3.3.

At the layer border a target voxel covers source voxels outside the layer's
bounding box. Those are not read: the valid source data of the piece being
processed is mirror-padded into them (``numpy.pad(mode="symmetric")``, the edge
voxel repeated: ``… c b a | a b c …``), on every side where the piece reaches out
of the valid box, so the border of the coarser mag does not darken.
"""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.storage import buffers

from .kernels import as_factors, downsample_cxyz

if TYPE_CHECKING:
    from collections.abc import Callable

    from wkdist.geometry import Vec3IntLike

_BUFFER_VOXELS_PER_AXIS = 1024
_MAX_BUFFER_EDGE = 512
_MIN_JOB_VOXELS = 1024**3


def downsample_buffer_shape(factors: Vec3IntLike, shard_shape: Vec3IntLike) -> Vec3Int:
    """The piece size, in target-mag voxels, that webknossos processes at a time.

    ``1024 // factors`` per axis (so a piece reads up to 1024 source voxels per
    axis), at least 1, at most 512 and at most ``shard_shape``.

    Parameters
    ----------
    factors
        Target mag divided by source mag.
    shard_shape
        Shard shape of the target mag, in target-mag voxels.
    """
    vec = as_factors(factors)
    return (
        (Vec3Int.full(_BUFFER_VOXELS_PER_AXIS) // vec)
        .pairmax(1)
        .pairmin(_MAX_BUFFER_EDGE)
        .pairmin(Vec3Int(shard_shape))
    )


def downsample_job_shape(shard_shape: Vec3IntLike) -> Vec3Int:
    """The job grid of webknossos's downsampling, in target-mag voxels.

    The shard shape, doubled along its first smallest axis until it holds at
    least 1024³ voxels. Jobs are the cells of this grid (anchored at 0) clipped
    to the target layer box; pieces of :func:`downsample_buffer_shape` start at
    each job's topleft.
    """
    shape = list(Vec3Int(shard_shape))
    while shape[0] * shape[1] * shape[2] < _MIN_JOB_VOXELS:
        shape[shape.index(min(shape))] *= 2
    return Vec3Int(shape)


def coarser_box(box: BoundingBox, factors: Vec3Int) -> BoundingBox:
    """The voxels of a ``factors`` times coarser grid that overlap ``box``
    (topleft rounded down, bottomright rounded up)."""
    topleft = box.topleft // factors
    bottomright = box.bottomright.ceildiv(factors)
    return BoundingBox(topleft, bottomright - topleft)


def _downsample_piece(
    read: Callable[[BoundingBox], np.ndarray],
    valid_source_box: BoundingBox,
    piece: BoundingBox,
    factors: Vec3Int,
    mode: str,
) -> np.ndarray:
    source_box = BoundingBox(piece.topleft * factors, piece.size * factors)
    valid = source_box.intersected_with(valid_source_box, dont_assert=True)
    data = read(valid)
    if not isinstance(data, np.ndarray) or data.ndim != 4 or Vec3Int(data.shape[1:]) != valid.size:
        shape = getattr(data, "shape", type(data).__name__)
        raise InvalidArgumentError(
            f"read({valid}) returned shape {shape}; expected (C, {', '.join(map(str, valid.size))})."
        )
    before = valid.topleft - source_box.topleft
    after = source_box.bottomright - valid.bottomright
    if before != (0, 0, 0) or after != (0, 0, 0):
        data = np.pad(data, [(0, 0), *zip(before, after, strict=True)], mode="symmetric")
    return downsample_cxyz(data, factors, mode)


def downsample_region(
    read: Callable[[BoundingBox], np.ndarray],
    valid_source_box: BoundingBox,
    target_box: BoundingBox,
    factors: Vec3IntLike,
    mode: str,
    *,
    buffer_shape: Vec3IntLike | None = None,
) -> np.ndarray:
    """Compute ``target_box`` of the target mag from the source mag.

    Parameters
    ----------
    read
        ``read(box)`` returns the source mag's ``(C, X, Y, Z)`` data of ``box``, in
        source-mag voxels. It is only called with boxes inside ``valid_source_box``.
    valid_source_box
        The layer's bounding box aligned (outwards) with the source mag, in
        source-mag voxels. Source voxels outside it are mirror-padded, not read.
    target_box
        Region to compute, in target-mag voxels. Every target voxel must overlap
        ``valid_source_box`` (true inside the layer box aligned outwards with the
        target mag).
    factors
        Target mag divided by source mag.
    mode
        Interpolation mode, see :data:`~wkdist.jobs.downsampling.INTERPOLATION_MODES`.
    buffer_shape
        If given, ``target_box`` is processed in pieces of this size (target-mag
        voxels) starting at its topleft, each read, padded and reduced on its own,
        like webknossos does. ``None`` processes the box in one piece. Only
        ``nearest``, ``bilinear`` and ``bicubic`` depend on the pieces (zoom
        spans each piece); for them pass :func:`downsample_buffer_shape` and the
        cells of :func:`downsample_job_shape` as ``target_box`` to reproduce
        webknossos exactly. The other modes give the same result for any pieces
        at least two target voxels wide.

    Returns
    -------
    np.ndarray
        ``(C, *target_box.size)`` in the source's dtype. Pieces whose source
        channel is all zero stay zero without computation.

    Raises
    ------
    InvalidArgumentError
        If ``target_box`` is empty or reaches voxels that do not overlap
        ``valid_source_box``, or ``read`` returns a wrong shape.
    """
    vec = as_factors(factors)
    reachable = coarser_box(valid_source_box, vec)
    if target_box.is_empty() or not reachable.contains_bbox(target_box):
        raise InvalidArgumentError(
            f"target_box={target_box} must be non-empty and inside {reachable}, the target "
            f"voxels (factors={vec}) that overlap valid_source_box={valid_source_box}; "
            "clip it with target_box.intersected_with(...)."
        )
    if buffer_shape is None:
        return _downsample_piece(read, valid_source_box, target_box, vec, mode)
    results = (
        (piece, _downsample_piece(read, valid_source_box, piece, vec, mode))
        for piece in target_box.chunk(buffer_shape)
    )
    first = next(results)
    out = buffers.zeros((first[1].shape[0], *target_box.size), first[1].dtype)
    for piece, result in chain([first], results):
        out[(slice(None), *piece.offset(-target_box.topleft).to_slices())] = result
    return out
