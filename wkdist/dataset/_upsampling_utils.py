"""The module path ``webknossos.dataset.layer._upsampling_utils``: upsampling in pieces.

Thin spellings of :func:`wkdist.jobs.downsampling.upsample_cxyz` for users'
scripts that upsample one cube or one pair of views themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Vec3Int
from wkdist.jobs.downsampling import upsample_cxyz

if TYPE_CHECKING:
    from collections.abc import Sequence

    from wkdist.dataset.view import View
    from wkdist.geometry import Vec3IntLike

__all__ = ["upsample_cube", "upsample_cube_job"]


def upsample_cube(cube_buffer: np.ndarray, factors: Sequence[int]) -> np.ndarray:
    """Repeat every voxel of the 3-d ``cube_buffer`` ``factors`` times per axis."""
    result: np.ndarray = upsample_cxyz(cube_buffer[None], factors)[0]
    return result


def upsample_cube_job(
    args: tuple[View, View, int], mag_factors: Sequence[float], buffer_shape: Vec3IntLike
) -> None:
    """Upsample ``source_view`` into ``target_view`` (``args`` = source, target, index).

    ``mag_factors`` is the target mag divided by the source mag (each ``1/n``);
    the target is written in pieces of ``buffer_shape`` (target-mag voxels).

    Raises
    ------
    InvalidArgumentError
        If a factor is not ``1/n`` for a positive integer ``n``.
    """
    source_view, target_view, _ = args
    inverse = [round(1 / f) if f > 0 else 0 for f in mag_factors]
    if any(n < 1 or not np.isclose(n * f, 1) for n, f in zip(inverse, mag_factors, strict=True)):
        raise InvalidArgumentError(
            f"mag_factors={list(mag_factors)} must each be 1/n for a positive integer n"
        )
    target_mag = target_view.mag
    piece_shape = Vec3Int(buffer_shape) * target_mag.to_vec3_int()
    for piece in target_view._box_3d("upsample_cube_job").chunk(piece_shape, piece_shape):
        data = upsample_cxyz(source_view.read(absolute_bounding_box=piece), inverse)
        size = piece.in_mag(target_mag).size
        target_view.write(
            data[:, : size.x, : size.y, : size.z],
            absolute_bounding_box=piece,
            allow_unaligned=True,
        )
