"""Downsampling and upsampling one mag from another.

Each target mag is one :class:`~wkdist.dask_bridge.plan.WritePlan` with a
shard producer: a task per batch of target shards; for each shard it reads the
source region piece by piece (pieces of :func:`downsample_buffer_shape`, as
webknossos does), reduces it with the chosen kernel and writes the shard once.
Target shards whose source region holds no shard file are not planned at all.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wkdist.config import byte_setting
from wkdist.dask_bridge.plan import plan_shard_jobs
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Vec3Int, cells_with_data
from wkdist.jobs.downsampling.kernels import parse_interpolation_mode, upsample_cxyz
from wkdist.jobs.downsampling.region import (
    coarser_box,
    downsample_buffer_shape,
    downsample_job_shape,
    downsample_region,
)
from wkdist.storage import DataFormat, open_array

if TYPE_CHECKING:
    from collections.abc import Iterable

    import numpy as np

    from wkdist.dask_bridge.plan import WritePlan
    from wkdist.dask_bridge.tasks import WriteTarget
    from wkdist.geometry import Mag
    from wkdist.jobs.copy import ReadRegion
    from wkdist.location import Location
    from wkdist.storage import ArraySpec


ZOOM_MODES = frozenset({"nearest", "bilinear", "bicubic"})


@dataclass(frozen=True)
class DownsampleShard:
    """Shard producer: one target box from the source mag, piece by piece."""

    source_path: Location
    source_format: DataFormat
    valid_source_box: BoundingBox  # the layer box aligned to the source mag, source voxels
    factors: Vec3Int
    mode: str
    buffer_shape: Vec3Int

    def __call__(self, box: BoundingBox) -> np.ndarray:
        source = open_array(self.source_path, self.source_format)
        return downsample_region(
            source.read,
            self.valid_source_box,
            box,
            self.factors,
            self.mode,
            buffer_shape=self.buffer_shape,
        )


@dataclass(frozen=True)
class UpsampleShard:
    """Shard producer: one target box from a coarser source mag (nearest)."""

    source_path: Location
    source_format: DataFormat
    factors: Vec3Int

    def __call__(self, box: BoundingBox) -> np.ndarray:
        source_box = coarser_box(box, self.factors)
        data = upsample_cxyz(
            open_array(self.source_path, self.source_format).read(source_box), self.factors
        )
        start = box.topleft - source_box.topleft * self.factors
        stop = start + box.size
        return data[:, start.x : stop.x, start.y : stop.y, start.z : stop.z]


def piece_shape(factors: Vec3Int, spec: ArraySpec, itemsize: int) -> Vec3Int:
    """Target-voxel pieces whose source read stays within ``wkdist.downsample.piece-memory``.

    Cubes of whole chunks, halved from the shard shape until the source region
    of one piece fits the budget (at least one chunk). The local kernels (all
    but the scipy-zoom modes) give the same voxels for any piece size.
    """
    budget = byte_setting("downsample.piece-memory")
    piece = spec.shard_shape
    source_bytes_per_voxel = factors.prod() * spec.num_channels * itemsize
    while piece.prod() * source_bytes_per_voxel > budget and piece != spec.chunk_shape:
        piece = (piece // 2).pairmax(spec.chunk_shape)
    return piece


def mag_factors(source: Mag, target: Mag) -> Vec3Int:
    """``target / source`` per axis; raises unless every factor is a whole number."""
    src, tgt = source.to_vec3_int(), target.to_vec3_int()
    if tgt % src != Vec3Int.zeros():
        raise InvalidArgumentError(
            f"mag {target.to_layer_name()} is not a multiple of mag {source.to_layer_name()}"
        )
    return tgt // src


def plan_downsample_mag(
    source: ReadRegion,
    source_mag: Mag,
    written_shards: Iterable[BoundingBox],
    *,
    target_shards: Iterable[BoundingBox] = (),
    layer_box: BoundingBox,
    category: str,
    target: WriteTarget,
    spec: ArraySpec,
    interpolation_mode: str,
) -> WritePlan:
    """Plan computing the target mag from a finer mag of the same layer.

    Parameters
    ----------
    source, source_mag
        The finer mag's array and its mag.
    written_shards
        The source's shard files (boxes in source-mag voxels, from the storage listing).
    target_shards
        The target's shard files (target-mag voxels): when a mag is computed
        again, shards whose source is empty now become empty too.
    layer_box
        The layer's box, in Mag(1) voxels.
    category
        The layer's category (picks the default interpolation mode).
    target, spec
        The target mag's array (pre-sized) and its layout.
    interpolation_mode
        See :meth:`wkdist.dataset.layer.Layer.downsample`.
    """
    factors = mag_factors(source_mag, target.mag)
    mode = parse_interpolation_mode(interpolation_mode, category)
    target_box = layer_box.align_with_mag(target.mag, ceil=True).in_mag(target.mag)
    # scipy-zoom modes depend on the extent of what is zoomed: use the reference's
    # job cells (whole shards, >= 1024³ voxels); the other kernels are local.
    unit = downsample_job_shape(spec.shard_shape) if mode in ZOOM_MODES else spec.shard_shape
    if mode in ZOOM_MODES:
        pieces = downsample_buffer_shape(factors, spec.shard_shape)
    else:
        pieces = piece_shape(factors, spec, spec.dtype.itemsize)
    producer = DownsampleShard(
        source.path,
        source.data_format,
        layer_box.align_with_mag(source_mag, ceil=True).in_mag(source_mag),
        factors,
        mode,
        pieces,
    )
    return plan_shard_jobs(
        producer,
        target,
        cells_with_data(
            itertools.chain((coarser_box(box, factors) for box in written_shards), target_shards),
            target_box,
            unit,
        ),
        spec=spec,
        needed_shape=target_box.bottomright,
        clip_mag1=layer_box,
    )


def plan_upsample_mag(
    source: ReadRegion,
    source_mag: Mag,
    written_shards: Iterable[BoundingBox],
    *,
    target_shards: Iterable[BoundingBox] = (),
    layer_box: BoundingBox,
    target: WriteTarget,
    spec: ArraySpec,
) -> WritePlan:
    """Plan computing the target mag from a coarser mag of the same layer
    (nearest: each source voxel repeated); arguments as in :func:`plan_downsample_mag`."""
    factors = mag_factors(target.mag, source_mag)
    target_box = layer_box.align_with_mag(target.mag, ceil=True).in_mag(target.mag)
    return plan_shard_jobs(
        UpsampleShard(source.path, source.data_format, factors),
        target,
        cells_with_data(
            itertools.chain(
                (BoundingBox(box.topleft * factors, box.size * factors) for box in written_shards),
                target_shards,
            ),
            target_box,
            spec.shard_shape,
        ),
        spec=spec,
        needed_shape=target_box.bottomright,
        clip_mag1=layer_box,
    )
