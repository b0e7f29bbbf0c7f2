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
from wkdist.geometry import cells_with_data
from wkdist.storage import ArraySpec, DataFormat, open_array
from wkdist.storage.layout_policy import compression_for, target_layout

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
