"""The module path ``webknossos.dataset.layer._downsampling_utils``: downsampling in pieces.

Users' scripts call these helpers directly (mag ladders, one cube at a time, one
pair of views). They are thin spellings of :mod:`wkdist.jobs.downsampling`,
which the downsampling jobs use: the same kernels, ladders and border rules.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Mag, Vec3Int
from wkdist.jobs.downsampling import (
    default_coarsest_mag,
    downsample_cxyz,
    downsample_region,
    mag_ladder,
)
from wkdist.jobs.downsampling import parse_interpolation_mode as _parse_mode_name

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.view import View
    from wkdist.geometry import MagLike, Vec3IntLike

__all__ = [
    "InterpolationModes",
    "calculate_default_coarsest_mag",
    "calculate_mags_to_downsample",
    "calculate_mags_to_upsample",
    "downsample_cube",
    "downsample_cube_job",
    "non_linear_filter_3d",
    "parse_interpolation_mode",
]


class InterpolationModes(Enum):
    """How a block of voxels becomes one voxel (see :mod:`wkdist.jobs.downsampling.kernels`)."""

    MEDIAN = 0
    MODE = 1
    NEAREST = 2
    BILINEAR = 3
    BICUBIC = 4
    MAX = 5
    MIN = 6


def parse_interpolation_mode(interpolation_mode: str, layer_category: str) -> InterpolationModes:
    """The mode named ``interpolation_mode`` (any case); ``"default"`` is ``MODE`` for
    segmentation layers and ``MEDIAN`` otherwise.

    Raises
    ------
    InvalidArgumentError
        For an unknown name.
    """
    name = _parse_mode_name(interpolation_mode, layer_category)
    if name.upper() not in InterpolationModes.__members__:
        raise InvalidArgumentError(
            f"interpolation_mode={interpolation_mode!r} is unknown; expected 'default' or one "
            f"of {[m.name.lower() for m in InterpolationModes]}"
        )
    return InterpolationModes[name.upper()]


def _other_layers_mags(dataset_to_align_with: Dataset | None) -> list[Mag]:
    if dataset_to_align_with is None:
        return []
    return [mag for layer in dataset_to_align_with.layers.values() for mag in layer.mags]


def _voxel_size(voxel_size: Iterable[float] | None) -> tuple[float, ...] | None:
    return None if voxel_size is None else tuple(float(length) for length in voxel_size)


def calculate_mags_to_downsample(
    from_mag: MagLike,
    coarsest_mag: MagLike,
    dataset_to_align_with: Dataset | None,
    voxel_size: Iterable[float] | None,
) -> list[Mag]:
    """The mags downsampling from ``from_mag`` to ``coarsest_mag`` creates, finest first.

    ``voxel_size`` ``None`` doubles every axis (isotropic / constant-z schemes);
    otherwise each step approaches a cubic physical voxel. The mags of
    ``dataset_to_align_with``'s layers are taken where their largest factor fits.

    Raises
    ------
    RuntimeError
        If ``coarsest_mag`` cannot be reached with ``voxel_size``.
    """
    return mag_ladder(
        Mag(from_mag),
        Mag(coarsest_mag),
        _voxel_size(voxel_size),
        _other_layers_mags(dataset_to_align_with),
    )


def calculate_mags_to_upsample(
    from_mag: MagLike,
    finest_mag: MagLike,
    dataset_to_align_with: Dataset | None,
    voxel_size: Iterable[float] | None,
) -> list[Mag]:
    """The mags upsampling from ``from_mag`` down to ``finest_mag`` creates, coarsest first:
    the downsampling ladder from ``finest_mag`` walked backwards."""
    downwards = calculate_mags_to_downsample(
        finest_mag, from_mag, dataset_to_align_with, voxel_size
    )
    return [*downwards[-2::-1], Mag(finest_mag)]


def calculate_default_coarsest_mag(dataset_size: Vec3IntLike) -> Mag:
    """The coarsest mag downsampling stops at for a layer of ``dataset_size`` (Mag(1) voxels):
    about 100 voxels along x and y, at least 4."""
    return default_coarsest_mag(BoundingBox(Vec3Int.zeros(), dataset_size))


def non_linear_filter_3d(
    data: np.ndarray, factors: Sequence[int], func: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Reduce every ``factors`` block of the 3-d ``data`` with ``func``.

    ``func`` gets a 2-d array with one column per block and the block's voxels as
    rows (y fastest, then x, then z) and returns one value per column.

    Raises
    ------
    InvalidArgumentError
        If ``data`` is not 3-d or its shape is not a multiple of ``factors``.
    """
    fx, fy, fz = (int(f) for f in factors)
    if data.ndim != 3 or any(n % f for n, f in zip(data.shape, (fx, fy, fz), strict=True)):
        raise InvalidArgumentError(
            f"data of shape {data.shape} must be 3-d and a multiple of factors={tuple(factors)}"
        )
    nx, ny, nz = data.shape[0] // fx, data.shape[1] // fy, data.shape[2] // fz
    blocks = data.reshape(nx, fx, ny, fy, nz, fz)
    # rows (dz, dx, dy), columns (iz, iy, ix): both with their first axis slowest
    rows = blocks.transpose(5, 1, 3, 4, 2, 0).reshape(fx * fy * fz, nx * ny * nz)
    result: np.ndarray = np.asarray(func(rows)).reshape(nz, ny, nx).transpose(2, 1, 0)
    return result


def _max(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = np.max(x, axis=0)
    return result


def _min(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = np.min(x, axis=0)
    return result


def _median(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = np.median(x, axis=0).astype(x.dtype)
    return result


def _mode(x: np.ndarray) -> np.ndarray:
    """The most frequent value of every column; ties go to the value in the earliest row."""
    best = np.array(x[0])
    best_count = (x == x[0]).sum(axis=0)
    for row in x[1:]:
        count = (x == row).sum(axis=0)
        wins = count > best_count
        best[wins] = row[wins]
        best_count[wins] = count[wins]
    return best


def downsample_cube(
    cube_buffer: np.ndarray, factors: Sequence[int], interpolation_mode: InterpolationModes
) -> np.ndarray:
    """Downsample the 3-d ``cube_buffer`` by ``factors`` with ``interpolation_mode``."""
    result: np.ndarray = downsample_cxyz(
        cube_buffer[None], factors, interpolation_mode.name.lower()
    )[0]
    return result


def downsample_cube_job(
    args: tuple[View, View, int],
    mag_factors: Vec3IntLike,
    interpolation_mode: InterpolationModes,
    buffer_shape: Vec3IntLike,
    valid_source_bbox: BoundingBox | None = None,
) -> None:
    """Downsample ``source_view`` into ``target_view`` (``args`` = source, target, index).

    The target is computed in pieces of ``buffer_shape`` (target-mag voxels).
    Source voxels outside ``valid_source_bbox`` (Mag(1) voxels; default: the
    source view's box) are not read but mirrored from the valid ones, so the
    layer's border does not darken.
    """
    source_view, target_view, _ = args
    source_mag = source_view.mag
    source_box = source_view._box_3d("downsample_cube_job")
    valid = source_box if valid_source_bbox is None else valid_source_bbox
    valid = valid.intersected_with(source_box).align_with_mag(source_mag, ceil=True)
    target_box = target_view._box_3d("downsample_cube_job")

    def read(box: BoundingBox) -> np.ndarray:
        return source_view.read(absolute_bounding_box=box.from_mag_to_mag1(source_mag))

    data = downsample_region(
        read,
        valid.in_mag(source_mag),
        target_box.in_mag(target_view.mag),
        mag_factors,
        interpolation_mode.name.lower(),
        buffer_shape=buffer_shape,
    )
    target_view.write(data, absolute_bounding_box=target_box, allow_unaligned=True)
