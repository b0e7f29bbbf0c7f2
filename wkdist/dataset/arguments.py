"""Checks of the Dataset API's arguments: voxel sizes, dtypes, a new layer's properties."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from wkdist.dataset.layer_categories import ALLOWED_DTYPES
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, NDBoundingBox
from wkdist.properties import (
    LayerProperties,
    VoxelSize,
    element_class_from_dtype,
    with_layer_box,
)
from wkdist.storage import DataFormat

if TYPE_CHECKING:
    from collections.abc import Iterable

    from numpy.typing import DTypeLike

    from wkdist.dataset.layer_categories import LayerCategoryType


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


def new_layer_properties(
    layer_name: str,
    category: LayerCategoryType,
    *,
    dtype: DTypeLike | None,
    dtype_per_channel: DTypeLike | None,
    num_channels: int | None,
    data_format: str | DataFormat,
    bounding_box: BoundingBox | NDBoundingBox | None,
    largest_segment_id: int | None,
    mappings: tuple[str, ...],
) -> LayerProperties:
    """The properties of a new layer from ``add_layer``'s arguments, checked
    (dtype for the category, channel count, format, a box at topleft >= 0)."""
    if dtype is not None and dtype_per_channel is not None:
        raise InvalidArgumentError("pass dtype or dtype_per_channel, not both")
    if dtype_per_channel is not None:
        warnings.warn(
            "dtype_per_channel is deprecated; pass dtype (the dtype of each channel).",
            DeprecationWarning,
            stacklevel=3,
        )
    per_channel = parse_dtype(dtype if dtype is not None else dtype_per_channel)
    if per_channel.name not in ALLOWED_DTYPES[category]:
        raise InvalidArgumentError(
            f"Cannot add {category} layer {layer_name!r} with dtype {per_channel.name}. "
            f"Supported dtypes are: {', '.join(ALLOWED_DTYPES[category])}"
        )
    channels = 1 if num_channels is None else num_channels
    if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
        raise InvalidArgumentError(f"num_channels must be an int >= 1; got {num_channels!r}")
    if channels > 1 and not (channels == 3 and per_channel.name == "uint8"):
        warnings.warn(
            f"{channels} channels of {per_channel.name} are not shown by WEBKNOSSOS "
            "(only 1 channel or 3 × uint8); consider one layer per channel",
            UserWarning,
            stacklevel=3,
        )
    try:
        fmt = DataFormat(data_format)
    except ValueError as error:
        raise InvalidArgumentError(
            f"data_format must be one of 'wkw', 'zarr', 'zarr3'; got {data_format!r}"
        ) from error
    layer = LayerProperties(
        name=layer_name,
        category=category,
        bounding_box=BoundingBox((0, 0, 0), (0, 0, 0)),
        data_format=fmt.value,
        mags=(),
        num_channels=channels,
        element_class=element_class_from_dtype(per_channel, channels),
        largest_segment_id=largest_segment_id,
        mappings=mappings,
    )
    if bounding_box is None:
        return layer
    if not isinstance(bounding_box, BoundingBox) and fmt == DataFormat.WKW:
        axes = tuple(getattr(bounding_box, "axes", ()))
        if axes not in (("x", "y", "z"), ("c", "x", "y", "z")):
            raise InvalidArgumentError(
                f"bounding_box has the axes {axes}; WKW layers have only c, x, y, z "
                "(use data_format='zarr3' for other axes)"
            )
        bounding_box = BoundingBox(bounding_box.topleft_xyz, bounding_box.size_xyz)
    try:
        return with_layer_box(layer, bounding_box)
    except InvalidArgumentError as error:
        raise InvalidArgumentError(f"bounding_box is invalid: {error}") from None
