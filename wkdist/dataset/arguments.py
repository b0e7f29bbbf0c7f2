"""Checks of the Dataset API's arguments that several methods share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.properties import VoxelSize

if TYPE_CHECKING:
    from collections.abc import Iterable

    from numpy.typing import DTypeLike


def voxel_size_argument(
    voxel_size: Iterable[float] | None,
    voxel_size_with_unit: VoxelSize | None,
    scale: Iterable[float] | None,
) -> VoxelSize | None:
    """The voxel size given by one of the three arguments (at most one), checked."""
    given = [v for v in (voxel_size, voxel_size_with_unit, scale) if v is not None]
    if len(given) > 1:
        raise InvalidArgumentError(
            "pass only one of voxel_size, voxel_size_with_unit and scale; "
            f"got voxel_size={voxel_size!r}, voxel_size_with_unit={voxel_size_with_unit!r}, "
            f"scale={scale!r}"
        )
    if voxel_size_with_unit is not None:
        return voxel_size_with_unit
    factor = voxel_size if voxel_size is not None else scale
    if factor is None:
        return None
    try:
        values = tuple(float(v) for v in factor)
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(
            f"voxel_size must be three numbers (x, y, z) in nanometers; got {factor!r}"
        ) from error
    if len(values) != 3 or not all(v > 0 for v in values):
        raise InvalidArgumentError(
            f"voxel_size must be three positive numbers (x, y, z) in nanometers; got {factor!r}"
        )
    return VoxelSize(values)


# Element-class spellings of float types, accepted as dtypes like the reference does.
_FLOAT_NAMES: dict[str, np.dtype[Any]] = {
    "float": np.dtype("float32"),
    "double": np.dtype("float64"),
}


def parse_dtype(dtype: DTypeLike | None) -> np.dtype:
    """``dtype`` as a numpy dtype (default ``uint8``), or a clear error."""
    if isinstance(dtype, str) and dtype in _FLOAT_NAMES:
        return _FLOAT_NAMES[dtype]
    try:
        return np.dtype("uint8" if dtype is None else dtype)
    except TypeError as error:
        raise InvalidArgumentError(f"dtype must be a numpy dtype; got {dtype!r}") from error
