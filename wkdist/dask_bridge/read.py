"""Lazy reads: a view of a mag as a ``dask.array.Array`` of shape (C, X, Y, Z).

Blocks come in the storage's own memory order: WKW and wkdist's Zarr layouts
store x fastest, so a block is a Fortran-ordered ``(C, X, Y, Z)`` numpy array,
read without any transposing copy. numpy keeps that order through elementwise
operations, ``astype`` and ``concatenate``, and reductions do not care, so
block-wise work runs at numpy speed; writing such blocks back into a mag
needs no transpose either.

Only dask's final assembly of a whole result assumes C order (it copies every
block into a C-ordered array, a slow strided copy). The arrays made here are a
:class:`StorageOrderArray`, whose ``compute()`` assembles a Fortran-ordered
result instead; on a local scheduler, computing the array as it was made is one
read of its whole box (no per-block buffers, no assembly).

Default blocks are the storage shards, halved (longest axis first) while a
block holds more than ``wkdist.to-dask.block-size`` (16 MiB), as long as the
array stays within ``wkdist.to-dask.max-blocks`` blocks: webknossos'
default 1024³ shard is 1 GiB of uint8 and 8 GiB of uint64, too much for one
task's numpy temporaries; smaller blocks let block-wise work run on every core,
and numpy's temporaries of blocks this small reuse the memory of the previous
ones instead of faulting in fresh pages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import dask
import dask.array as da
import dask.local
import dask.multiprocessing
import dask.threaded
import numpy as np
from dask.base import get_scheduler, tokenize

from wkdist.config import byte_setting, setting
from wkdist.dask_bridge.assembly import assemble
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Vec3Int, grid_chunks
from wkdist.storage import DataFormat, array_class

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from wkdist.geometry import Vec3IntLike
    from wkdist.location import Location
    from wkdist.storage import ArraySpec


@dataclass(frozen=True)
class StorageRegion:
    """An array-like over one box of one mag's storage, for ``dask.array.from_array``.

    Holds the path, format, box and the bytes of the array's metadata file as
    they were when the dask array was made (about a kilobyte): each block task
    opens (a per-process cached handle to) the storage from those bytes, without
    reading the metadata file, and reads its own region in storage order.
    """

    path: Location
    data_format: DataFormat
    metadata: bytes
    box: BoundingBox  # in the mag's voxels
    num_channels: int
    dtype: np.dtype[Any]

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (self.num_channels, *self.box.size)

    @property
    def ndim(self) -> int:
        return 4

    def read_all(self) -> np.ndarray:
        """The whole region, ``(C, X, Y, Z)`` in Fortran order."""
        return array_class(self.data_format).open_as_of(self.path, self.metadata).read(self.box, order="F")

    def __getitem__(self, key: object) -> np.ndarray:
        # dask fuses later slicing into this call, so keys may hold steps,
        # integers or index arrays: read the box they touch, then index it.
        keys = key if isinstance(key, tuple) else (key,)
        keys = keys + (slice(None),) * (4 - len(keys))
        lo, hi, local = [], [], []
        for k, size in zip(keys[1:], self.box.size, strict=True):
            start, stop, index = _touched(k, size)
            lo.append(start)
            hi.append(stop)
            local.append(index)
        region = BoundingBox(self.box.topleft + Vec3Int(lo), Vec3Int(hi) - Vec3Int(lo))
        array = array_class(self.data_format).open_as_of(self.path, self.metadata)
        data = array.read(region, order="F")
        # Last axis first, so integer keys (which drop an axis) do not shift the others.
        for axis in (3, 2, 1):
            index = local[axis - 1]
            if not (isinstance(index, slice) and index == slice(None)):
                data = data[(slice(None),) * axis + (local[axis - 1],)]
        return data[keys[0]]

    def __dask_tokenize__(self) -> tuple[object, ...]:
        return (
            str(self.path),
            self.data_format.value,
            self.metadata,
            tuple(self.box.topleft),
            tuple(self.box.size),
        )


def _touched(key: object, size: int) -> tuple[int, int, Any]:
    """The range ``[start, stop)`` that ``key`` touches on an axis of ``size``, and
    the index that picks ``key``'s elements from that range."""
    if isinstance(key, slice):
        first, end, step = key.indices(size)
        chosen = range(first, end, step)
        if not chosen:
            return 0, 0, slice(None)
        low, high = min(chosen[0], chosen[-1]), max(chosen[0], chosen[-1]) + 1
        return low, high, slice(None, None, step) if step != 1 else slice(None)
    chosen_indices = np.arange(size)[key]  # type: ignore[call-overload]
    if chosen_indices.size == 0:
        return 0, 0, chosen_indices
    low = int(chosen_indices.min())
    return low, int(chosen_indices.max()) + 1, chosen_indices - low


class StorageOrderArray(da.Array):
    """A dask array whose blocks are in the storage's memory order (x fastest).

    Everything dask offers works as usual (the blocks are ordinary numpy
    arrays with ``(C, X, Y, Z)`` semantics, only Fortran-ordered); arrays
    derived from it are plain ``dask.array.Array``. Computing this array
    itself assembles a Fortran-ordered result instead of a C-ordered one;
    ``compute()`` of the array as :func:`view_to_dask` made it, on a local
    scheduler, reads its whole box at once instead (the same voxels).
    """

    __slots__ = ("_region",)
    _region: StorageRegion  # set only on arrays made by view_to_dask

    def __dask_postcompute__(self) -> tuple[Callable[..., Any], tuple[()]]:
        return assemble, ()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self.dask, self.name, self.chunks, self.dtype, self._meta, self._source()))

    def _source(self) -> StorageRegion | None:
        return getattr(self, "_region", None)

    def compute(self, **kwargs: Any) -> Any:  # noqa: ANN401 - dask's signature
        """Compute the array (see :meth:`dask.array.Array.compute`).

        The array as it was made, on a local scheduler (threads, processes,
        synchronous), is read in one call, which the storage layer spreads over
        the CPUs; a ``distributed`` client computes the blocks on its workers.
        """
        region = self._source()
        if region is not None and get_scheduler(
            scheduler=kwargs.get("scheduler"), collections=[self]
        ) in _LOCAL_SCHEDULERS:
            return region.read_all()
        return super().compute(**kwargs)  # type: ignore[no-untyped-call]

    def _rebuild(
        self, dsk: Mapping[object, object], *, rename: dict[str, str] | None = None
    ) -> StorageOrderArray:
        name = self._name
        if rename:
            name = rename.get(name, name)
        # A rebuilt graph (persisted blocks, a renamed key) is no longer a plain read.
        return StorageOrderArray(dsk, name, self.chunks, self.dtype, self._meta)  # type: ignore[no-untyped-call]


def _restore(
    dsk: Mapping[object, object],
    name: str,
    chunks: tuple[tuple[int, ...], ...],
    dtype: np.dtype[Any],
    meta: np.ndarray,
    region: StorageRegion | None,
) -> StorageOrderArray:
    array = StorageOrderArray(dsk, name, chunks, dtype, meta)  # type: ignore[no-untyped-call]
    if region is not None:
        array._region = region
    return array


_LOCAL_SCHEDULERS = (dask.threaded.get, dask.local.get_sync, dask.multiprocessing.get)


def default_block_shape(spec: ArraySpec, box: BoundingBox) -> Vec3Int:
    """The shard shape, halved along its longest axis (z first on ties) while a
    block holds more than ``wkdist.to-dask.block-size``, never below the chunk
    shape, and never into more than ``wkdist.to-dask.max-blocks`` blocks over
    ``box`` (in the mag's voxels; a huge array keeps larger blocks, as dask's
    scheduler pays per task)."""
    limit = byte_setting("to-dask.block-size")
    max_blocks = int(setting("to-dask.max-blocks"))
    voxel_bytes = spec.num_channels * spec.dtype.itemsize
    block = list(spec.shard_shape)
    while math.prod(block) * voxel_bytes > limit:
        halvable = [a for a in (2, 1, 0) if block[a] // 2 >= spec.chunk_shape[a]
                    and (block[a] // 2) % spec.chunk_shape[a] == 0]
        if not halvable:
            break
        axis = max(halvable, key=lambda a: block[a])
        smaller = [b // 2 if a == axis else b for a, b in enumerate(block)]
        if math.prod(len(cuts) for cuts in grid_chunks(box, Vec3Int(smaller))) > max_blocks:
            break
        block = smaller
    return Vec3Int(block)


def _block_shape(
    chunks: Vec3IntLike | int | None, spec: ArraySpec, box: BoundingBox, path: Location
) -> Vec3Int:
    if chunks is None:
        return default_block_shape(spec, box)
    if isinstance(chunks, int):
        block = Vec3Int.full(chunks)
    else:
        values = tuple(chunks)
        block = Vec3Int(values[1:] if len(values) == 4 else values)
    if not block.is_positive(strictly_positive=True) or block % spec.chunk_shape != Vec3Int.zeros():
        raise InvalidArgumentError(
            f"chunks={chunks!r} must be positive multiples of the storage chunk shape "
            f"{tuple(spec.chunk_shape)} of {path} (x, y, z, in the mag's voxels)"
        )
    return block


def view_to_dask(
    path: Location,
    data_format: DataFormat,
    box: BoundingBox,
    chunks: Vec3IntLike | int | None = None,
) -> StorageOrderArray:
    """A lazy ``(C, X, Y, Z)`` dask array over ``box`` (in the mag's voxels) of
    the mag at ``path``.

    Blocks follow a grid anchored at the origin and clipped at the box: of
    :func:`default_block_shape` (shards, or equal parts of a shard within
    ``wkdist.to-dask.block-size``), or of ``chunks`` (x, y, z edge lengths,
    multiples of the storage chunk shape). Blocks are Fortran-ordered numpy arrays (see the
    module docstring). Creating the array reads the metadata file once and no
    voxel data; the array shows the mag as the metadata described it then.
    """
    array = array_class(data_format).open(path)
    spec = array.spec
    region = StorageRegion(
        array.path, data_format, array.metadata, box, spec.num_channels, spec.dtype
    )
    block = _block_shape(chunks, spec, box, path)
    dask_chunks = ((spec.num_channels,), *grid_chunks(box, block))
    name = f"wkdist-read-{tokenize(region, dask_chunks)}"
    plain = da.from_array(
        region,
        chunks=dask_chunks,
        name=name,
        asarray=False,
        meta=np.empty((0,) * 4, spec.dtype, order="F"),
    )
    return _restore(plain.dask, plain.name, plain.chunks, plain.dtype, plain._meta, region)
