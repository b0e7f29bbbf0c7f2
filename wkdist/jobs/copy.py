"""Copy jobs: re-chunk, re-shard, (de)compress or convert one mag.

A copied mag is a :class:`~wkdist.dask_bridge.plan.WritePlan` with a shard
producer: one task per batch of target shards, each reading exactly its
shard's region from the source. Only target shards that overlap a shard file
present in the source are planned (the storage listing says which), so empty
regions of a sparse dataset cost nothing. Mags whose layout does not change
are copied file by file instead (:func:`mag_copy_spec` says which).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from wkdist.dask_bridge.plan import plan_shard_jobs
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Vec3Int
from wkdist.jobs.shard_grid import cells_with_data
from wkdist.storage import ArraySpec, DataFormat, open_array
from wkdist.storage.layout_policy import (
    DEFAULT_CHUNK_SHAPE,
    DEFAULT_CHUNKS_PER_SHARD,
    compression_for,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    import numpy as np

    from wkdist.dask_bridge.plan import WritePlan
    from wkdist.dask_bridge.tasks import WriteTarget
    from wkdist.geometry import BoundingBox, Vec3IntLike
    from wkdist.location import Location


@dataclass(frozen=True)
class ReadRegion:
    """Shard producer of a copy: the same box of the source mag."""

    path: Location
    data_format: DataFormat

    def __call__(self, box: BoundingBox) -> np.ndarray:
        return open_array(self.path, self.data_format).read(box)


def target_layout(
    source: ArraySpec,
    *,
    data_format: DataFormat,
    chunk_shape: Vec3IntLike | int | None,
    shard_shape: Vec3IntLike | int | None,
    chunks_per_shard: Vec3IntLike | int | None,
    compress: bool | str | None,
) -> tuple[Vec3Int, Vec3Int, bool | str]:
    """Chunk shape, shard shape and ``compress`` for a copy of a mag with layout ``source``.

    ``None`` keeps the source's value where the target format can hold it;
    otherwise the nearest valid layout is chosen: Zarr v2 has shard = chunk, an
    unsharded source copied to a sharded format gets the default 32³ chunks per
    shard, WKW needs cubic chunks and shards. Shapes given explicitly are never
    changed.

    Raises
    ------
    InvalidArgumentError
        If explicit shapes contradict each other or the format (a shard that is
        no multiple of the chunk, a Zarr v2 shard other than its chunk, a
        non-cubic WKW shape).
    """
    chunk = source.chunk_shape if chunk_shape is None else Vec3Int.from_vec_or_int(chunk_shape)
    if shard_shape is not None:
        shard = Vec3Int.from_vec_or_int(shard_shape)
    elif chunks_per_shard is not None:
        shard = chunk * Vec3Int.from_vec_or_int(chunks_per_shard)
    elif data_format == DataFormat.ZARR:
        shard = chunk
    elif source.data_format == DataFormat.ZARR:
        shard = chunk * DEFAULT_CHUNKS_PER_SHARD
    else:
        shard = source.shard_shape
    explicit_shard = shard_shape is not None or chunks_per_shard is not None
    if data_format == DataFormat.WKW and not (chunk.is_uniform() and shard.is_uniform()):
        if (chunk_shape is not None and not chunk.is_uniform()) or (
            explicit_shard and not shard.is_uniform()
        ):
            raise InvalidArgumentError(
                f"WKW needs cubic chunks and shards; got chunk_shape={tuple(chunk)}, "
                f"shard_shape={tuple(shard)}"
            )
        chunk = chunk if chunk.is_uniform() else DEFAULT_CHUNK_SHAPE
        shard = Vec3Int.full(max(*shard, chunk.x))
    if shard % chunk != Vec3Int.zeros():
        if explicit_shard:
            raise InvalidArgumentError(
                f"shard_shape={tuple(shard)} must be a multiple of chunk_shape={tuple(chunk)}"
            )
        shard = shard.pairmax(chunk) // chunk * chunk
    keep = source.compressed if compress is None else compress
    return chunk, shard, keep


def mag_copy_spec(
    source: ArraySpec,
    *,
    data_format: DataFormat,
    chunk_shape: Vec3IntLike | int | None = None,
    shard_shape: Vec3IntLike | int | None = None,
    chunks_per_shard: Vec3IntLike | int | None = None,
    compress: bool | str | None = None,
) -> ArraySpec | None:
    """The layout of a mag's copy in ``data_format``, or ``None`` when the layout
    does not change (the files are copied as they are).

    Raises
    ------
    InvalidArgumentError
        If the options give no layout that wkdist can create (see :func:`target_layout`,
        :meth:`ArraySpec.check_creatable`).
    """
    chunk, shard, keep = target_layout(
        source,
        data_format=data_format,
        chunk_shape=chunk_shape,
        shard_shape=shard_shape,
        chunks_per_shard=chunks_per_shard,
        compress=compress,
    )
    codec = compression_for(data_format, keep)
    same_codec = source.compressed == bool(keep) if compress is None else codec == source.compression
    if (data_format, chunk, shard) == (source.data_format, source.chunk_shape, source.shard_shape) and same_codec:
        return None
    spec = ArraySpec(data_format, source.dtype, source.num_channels, chunk, shard, codec)
    spec.check_creatable()
    return spec


def plan_mag_copy(
    source: ReadRegion,
    written_shards: Iterable[BoundingBox],
    layer_box: BoundingBox,
    target: WriteTarget,
    spec: ArraySpec,
) -> WritePlan:
    """Plan copying one mag's voxels into a pre-sized target array of the same mag.

    Parameters
    ----------
    source
        The source mag's array.
    written_shards
        The source's shard files (boxes in the mag's voxels, from the storage listing).
    layer_box
        The source layer's box, in Mag(1) voxels.
    target
        Where the copy goes (``spec`` is its layout).
    spec
        The target's layout: only target shards that overlap a source shard file
        are planned.
    """
    mag = target.mag
    box_in_mag = layer_box.align_with_mag(mag, ceil=True).in_mag(mag)
    return plan_shard_jobs(
        source,
        target,
        cells_with_data(written_shards, box_in_mag, spec.shard_shape),
        spec=spec,
        needed_shape=box_in_mag.bottomright,
        clip_mag1=layer_box,
    )
