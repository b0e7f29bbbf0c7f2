"""``Dataset.write_layer``: a new layer from one numpy array, with its coarser mags."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Mag, Vec3Int

if TYPE_CHECKING:
    from collections.abc import Iterable

    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.layer import Layer
    from wkdist.dataset.layer_categories import LayerCategoryType
    from wkdist.geometry import MagLike, Vec3IntLike
    from wkdist.storage import DataFormat

_SPATIAL = ("x", "y", "z")


def as_cxyz(data: np.ndarray, axes: Iterable[str] | None) -> np.ndarray:
    """``data`` as ``(C, X, Y, Z)``: 3-D data is one channel, 4-D data is ``(C, X, Y, Z)``,
    and ``axes`` names the axes of other orders (``"c"`` optional)."""
    if axes is None:
        if data.ndim == 3:
            return data[np.newaxis]
        if data.ndim == 4:
            return data
        raise InvalidArgumentError(
            f"data must have 3 (x, y, z) or 4 (c, x, y, z) axes, or pass axes=; "
            f"got shape {data.shape}"
        )
    names = tuple(axes)
    if len(names) != data.ndim or sorted(set(names) - {"c"}) != list(_SPATIAL) or len(
        set(names)
    ) != len(names):
        raise InvalidArgumentError(
            f"axes={names!r} must name each axis of the data (shape {data.shape}) once, "
            "using 'x', 'y', 'z' and optionally 'c' (other axes are not supported)"
        )
    if "c" not in names:
        data, names = data[np.newaxis], ("c", *names)
    return np.transpose(data, [names.index(axis) for axis in ("c", *_SPATIAL)])


def write_layer(
    dataset: Dataset,
    layer_name: str,
    category: LayerCategoryType,
    data: np.ndarray,
    *,
    data_format: str | DataFormat,
    downsample: bool,
    chunk_shape: Vec3IntLike | int | None,
    shard_shape: Vec3IntLike | int | None,
    chunks_per_shard: Vec3IntLike | int | None,
    axes: Iterable[str] | None,
    absolute_offset: Vec3IntLike | None,
    mag: MagLike,
) -> Layer:
    """Add layer ``layer_name`` holding ``data`` (voxels of ``mag``) at ``absolute_offset``
    (Mag(1) voxels), then compute the coarser mags unless ``downsample`` is false."""
    cxyz = as_cxyz(np.asarray(data), axes)
    target_mag = Mag(mag)
    topleft = Vec3Int.zeros() if absolute_offset is None else Vec3Int(absolute_offset)
    box = BoundingBox(topleft, Vec3Int(cxyz.shape[1:]) * target_mag.to_vec3_int())
    layer = dataset.add_layer(
        layer_name,
        category,
        dtype=cxyz.dtype,
        num_channels=cxyz.shape[0],
        data_format=data_format,
        bounding_box=box,
    )
    mag_view = layer.add_mag(
        target_mag,
        chunk_shape=chunk_shape,
        shard_shape=shard_shape,
        chunks_per_shard=chunks_per_shard,
    )
    mag_view.write(cxyz, absolute_bounding_box=box)
    if downsample:
        layer.downsample()
    return layer
