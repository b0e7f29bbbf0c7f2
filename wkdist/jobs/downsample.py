"""Downsampling and upsampling jobs over whole layers.

Each target mag is one fused shard job (:mod:`wkdist.dask_bridge.shard_jobs`):
a task per batch of target shards; for each shard it reads the source region
piece by piece (pieces of :func:`downsample_buffer_shape`, as webknossos does),
reduces it with the chosen kernel and writes the shard once. Mags are computed
one after the other, each from the one before (a barrier per mag). Target
shards whose source region holds no shard file are not planned at all.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dask.config
import numpy as np
from dask.utils import parse_bytes

from wkdist.dask_bridge.shard_jobs import plan_shard_jobs
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Mag, Vec3Int
from wkdist.jobs.downsampling.kernels import parse_interpolation_mode, upsample_cxyz
from wkdist.jobs.downsampling.region import (
    downsample_buffer_shape,
    downsample_job_shape,
    downsample_region,
)
from wkdist.jobs.shard_grid import cells_with_data
from wkdist.storage import DataFormat, open_array
from wkdist.storage.wkw_remote import refuse_shard_jobs

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Executor

    from wkdist.dask_bridge.shard_jobs import ShardJobPlan
    from wkdist.dataset.layer import Layer
    from wkdist.dataset.mag_view import MagView
    from wkdist.geometry import MagLike, Vec3IntLike
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
        source_box = BoundingBox.from_points(
            [box.topleft // self.factors, -(-box.bottomright // self.factors)]
        )
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
    budget = parse_bytes(str(dask.config.get("wkdist.downsample.piece-memory", default="128MiB")))
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


def plan_downsample_mag(source: MagView, target: MagView, interpolation_mode: str) -> ShardJobPlan:
    """Plan computing ``target`` from ``source`` (a finer mag of the same layer)."""
    layer = target.layer
    factors = mag_factors(source.mag, target.mag)
    mode = parse_interpolation_mode(interpolation_mode, layer.category)
    spec = target.info
    target_box = layer.bounding_box.align_with_mag(target.mag, ceil=True).in_mag(target.mag)
    # scipy-zoom modes depend on the extent of what is zoomed: use the reference's
    # job cells (whole shards, >= 1024³ voxels); the other kernels are local.
    unit = downsample_job_shape(spec.shard_shape) if mode in ZOOM_MODES else spec.shard_shape
    if mode in ZOOM_MODES:
        pieces = downsample_buffer_shape(factors, spec.shard_shape)
    else:
        pieces = piece_shape(factors, spec, source.info.dtype.itemsize)
    producer = DownsampleShard(
        source.path,
        source.data_format,
        layer.bounding_box.align_with_mag(source.mag, ceil=True).in_mag(source.mag),
        factors,
        mode,
        pieces,
    )
    return plan_shard_jobs(
        producer,
        target._write_target(update_properties=False),
        cells_with_data(
            itertools.chain(
                (
                    BoundingBox.from_points([box.topleft // factors, -(-box.bottomright // factors)])
                    for box in source._array.list_written_shards()
                ),
                # a recomputed mag: shards whose source is empty now become empty too
                target._array.list_written_shards(),
            ),
            target_box,
            unit,
        ),
        needed_shape=target_box.bottomright,
        clip_mag1=layer.bounding_box,
    )


def plan_upsample_mag(source: MagView, target: MagView) -> ShardJobPlan:
    """Plan computing ``target`` from ``source``, a coarser mag (of the same layer, or
    of another layer with the same box)."""
    layer = target.layer
    factors = mag_factors(target.mag, source.mag)
    spec = target.info
    target_box = layer.bounding_box.align_with_mag(target.mag, ceil=True).in_mag(target.mag)
    return plan_shard_jobs(
        UpsampleShard(source.path, source.data_format, factors),
        target._write_target(update_properties=False),
        cells_with_data(
            itertools.chain(
                (
                    BoundingBox.from_points([box.topleft * factors, box.bottomright * factors])
                    for box in source._array.list_written_shards()
                ),
                target._array.list_written_shards(),
            ),
            target_box,
            spec.shard_shape,
        ),
        needed_shape=target_box.bottomright,
        clip_mag1=layer.bounding_box,
    )


def _dataset_mags(layer: Layer, align_with_other_layers: bool) -> list[Mag]:
    """The mags the ladder aligns with: every mag of the dataset, this layer's own
    included, as the reference does."""
    if not align_with_other_layers:
        return []
    return [mag for other in layer.dataset.layers.values() for mag in other.mags]


@dataclass(frozen=True)
class NewMagLayout:
    """Layout and compression of the mags a job creates (``None``: the defaults)."""

    chunk_shape: Vec3IntLike | int | None = None
    shard_shape: Vec3IntLike | int | None = None
    compress: bool | str = True

    def get_or_add(self, layer: Layer, mag: Mag) -> MagView:
        return layer.get_or_add_mag(
            mag, chunk_shape=self.chunk_shape, shard_shape=self.shard_shape, compress=self.compress
        )


def _run_chain(
    layer: Layer,
    source: MagView,
    steps: list[tuple[Mag, Mag]],
    layout: NewMagLayout,
    plan: Callable[[MagView, MagView], ShardJobPlan],
    *,
    only_setup_mags: bool,
    executor: Executor | None,
    progress: bool | None,
) -> None:
    """For each ``(from, to)`` step create mag ``to``, then (unless ``only_setup_mags``)
    compute it from ``from`` (``source`` itself, or a mag made before); each mag
    is a barrier for the next."""
    from wkdist.run import run_plans

    for base, mag in steps:
        target = layout.get_or_add(layer, mag)
        if not only_setup_mags:
            base_view = source if base == source.mag else layer.get_mag(base)
            run_plans([plan(base_view, target)], executor=executor, progress=progress)


def downsample_layer(
    layer: Layer,
    *,
    from_mag: MagLike | None = None,
    coarsest_mag: MagLike | None = None,
    interpolation_mode: str = "default",
    layout: NewMagLayout | None = None,
    sampling_mode: str = "anisotropic",
    align_with_other_layers: bool = True,
    force_sampling_scheme: bool = False,
    only_setup_mags: bool = False,
    from_mag_view: MagView | None = None,
    executor: Executor | None = None,
    progress: bool | None = None,
) -> list[Mag]:
    """Create the coarser mags of ``layer`` one after the other; return them.

    See :meth:`wkdist.dataset.layer.Layer.downsample` for the parameters.
    """
    from wkdist.jobs.downsampling.ladder import default_coarsest_mag, sampling_ladder

    source = source_mag(layer, from_mag, from_mag_view)
    coarsest = default_coarsest_mag(layer.bounding_box) if coarsest_mag is None else Mag(coarsest_mag)
    ladder = sampling_ladder(
        source.mag,
        coarsest,
        layer.dataset.voxel_size,
        sampling_mode,
        layer.bounding_box.size.z,
        _dataset_mags(layer, align_with_other_layers),
        force_sampling_scheme=force_sampling_scheme,
    )
    downsample_mag_chain(
        layer, source, ladder, interpolation_mode=interpolation_mode,
        layout=layout or NewMagLayout(), only_setup_mags=only_setup_mags,
        executor=executor, progress=progress,
    )
    return ladder


def source_mag(layer: Layer, from_mag: MagLike | None, from_mag_view: MagView | None) -> MagView:
    """The source mag: ``from_mag_view`` (any layer's; its mag must be ``from_mag``)
    or this layer's ``from_mag`` (default: the finest)."""
    if from_mag_view is None:
        return layer.get_finest_mag() if from_mag is None else layer.get_mag(from_mag)
    if from_mag is not None and from_mag_view.mag != Mag(from_mag):
        raise InvalidArgumentError(
            f"from_mag_view is mag {from_mag_view.mag.to_layer_name()}, which does not match "
            f"from_mag={Mag(from_mag).to_layer_name()}"
        )
    return from_mag_view


def downsample_mag_chain(
    layer: Layer,
    source: MagView,
    target_mags: list[Mag],
    *,
    interpolation_mode: str,
    layout: NewMagLayout,
    only_setup_mags: bool,
    executor: Executor | None,
    progress: bool | None,
) -> None:
    """Compute ``target_mags`` of ``layer`` from ``source``: finest first, each from
    the coarsest mag before it that divides it (``source`` at the start).

    Raises
    ------
    InvalidArgumentError
        If a target mag is not a coarser multiple of ``source``; nothing is created then.
    """
    refuse_shard_jobs(layer.path, layer.data_format, f"downsampling layer {layer.name!r}")
    ordered = sorted(set(target_mags), key=lambda m: (m.max_dim, m.to_vec3_int().to_tuple()))
    steps: list[tuple[Mag, Mag]] = []
    bases = [source.mag]
    for mag in ordered:
        vec = mag.to_vec3_int()
        if mag == source.mag or vec % source.mag.to_vec3_int() != Vec3Int.zeros():
            raise InvalidArgumentError(
                f"target mag {mag.to_layer_name()} must be a coarser multiple of the source mag "
                f"{source.mag.to_layer_name()} (whole factors, not all 1)"
            )
        base = max(
            (m for m in bases if vec % m.to_vec3_int() == Vec3Int.zeros()),
            key=lambda m: m.to_vec3_int().prod(),
        )
        steps.append((base, mag))
        bases.append(mag)
    _run_chain(
        layer,
        source,
        steps,
        layout,
        lambda base, target: plan_downsample_mag(base, target, interpolation_mode),
        only_setup_mags=only_setup_mags,
        executor=executor,
        progress=progress,
    )


def upsample_layer(
    layer: Layer,
    *,
    from_mag: MagLike,
    finest_mag: MagLike = 1,
    layout: NewMagLayout | None = None,
    sampling_mode: str = "anisotropic",
    align_with_other_layers: bool = True,
    from_mag_view: MagView | None = None,
    executor: Executor | None = None,
    progress: bool | None = None,
) -> list[Mag]:
    """Create the finer mags of ``layer`` down to ``finest_mag`` (nearest); return them.

    ``from_mag_view`` reads the source from another layer's mag (of the same box).
    """
    from wkdist.jobs.downsampling.ladder import upsampling_ladder

    source = source_mag(layer, from_mag, from_mag_view)
    ladder = upsampling_ladder(
        source.mag,
        Mag(finest_mag),
        layer.dataset.voxel_size,
        sampling_mode,
        _dataset_mags(layer, align_with_other_layers),
    )
    bases = [source.mag, *ladder[:-1]]
    _run_chain(
        layer,
        source,
        list(zip(bases, ladder, strict=True)),
        layout or NewMagLayout(),
        plan_upsample_mag,
        only_setup_mags=False,
        executor=executor,
        progress=progress,
    )
    return ladder
