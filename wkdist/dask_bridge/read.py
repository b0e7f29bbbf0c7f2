"""Lazy reads: a view of a mag as a ``dask.array.Array`` of shape (C, X, Y, Z)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import dask.array as da
import numpy as np

from wkdist.dask_bridge.grid import grid_chunks
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.storage import DataFormat, open_array

if TYPE_CHECKING:
    from pathlib import Path

    from wkdist.dataset.view import View
    from wkdist.geometry import Vec3IntLike


@dataclass(frozen=True)
class StorageRegion:
    """An array-like over one box of one mag's storage, for ``dask.array.from_array``.

    Holds only the path, format and box, so it pickles small and each block task
    opens (a per-process cached handle to) the storage and reads its own region.
    """

    path: Path
    data_format: DataFormat
    box: BoundingBox  # in the mag's voxels
    num_channels: int
    dtype: np.dtype

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (self.num_channels, *self.box.size)

    @property
    def ndim(self) -> int:
        return 4

    def __getitem__(self, key: tuple[slice, ...]) -> np.ndarray:
        channels, *spatial = key
        starts = Vec3Int(s.start or 0 for s in spatial)
        stops = Vec3Int(
            size if s.stop is None else s.stop for s, size in zip(spatial, self.box.size)
        )
        region = BoundingBox(self.box.topleft + starts, stops - starts)
        # dask assembles results in C order; reading C order avoids a slow
        # transposing copy in numpy (tensorstore transposes while decoding).
        return open_array(self.path, self.data_format).read(region, order="C")[channels]

    def __dask_tokenize__(self) -> tuple[object, ...]:
        return (str(self.path), self.data_format.value, tuple(self.box.topleft), tuple(self.box.size))


def _block_shape(chunks: Vec3IntLike | int | None, view: View) -> Vec3Int:
    spec = view.info
    if chunks is None:
        return spec.shard_shape
    if isinstance(chunks, int):
        block = Vec3Int.full(chunks)
    else:
        values = tuple(chunks)
        block = Vec3Int(values[1:] if len(values) == 4 else values)
    if not block.is_positive(strictly_positive=True) or block % spec.chunk_shape != Vec3Int.zeros():
        raise InvalidArgumentError(
            f"chunks={chunks!r} must be positive multiples of the storage chunk shape "
            f"{tuple(spec.chunk_shape)} of {view.path} (x, y, z, in the mag's voxels)"
        )
    return block


def view_to_dask(view: View, chunks: Vec3IntLike | int | None = None) -> da.Array:
    """A lazy ``(C, X, Y, Z)`` dask array over ``view``'s box, in the view's mag.

    Blocks follow the storage shard grid (anchored at the origin, clipped at the
    box), or a grid of ``chunks`` (x, y, z edge lengths, multiples of the
    storage chunk shape). Creating the array reads no voxel data.
    """
    box = view.bounding_box.in_mag(view.mag)
    spec = view.info
    region = StorageRegion(view.path, view.data_format, box, spec.num_channels, spec.dtype)
    block = _block_shape(chunks, view)
    dask_chunks = ((spec.num_channels,), *grid_chunks(box, block))
    name = f"wkdist-read-{da.core.tokenize(region, dask_chunks)}"
    return da.from_array(
        region, chunks=dask_chunks, name=name, asarray=False, meta=np.empty((0,) * 4, spec.dtype)
    )
