"""Copy jobs: re-chunk, re-shard, (de)compress or convert mags, layers and datasets.

Each copied mag is a fused shard job (:mod:`wkdist.dask_bridge.shard_jobs`):
one task per batch of target shards, each reading exactly its shard's region
from the source. Only target shards that overlap a shard file present in the
source are planned (the storage listing says which), so empty regions of a
sparse dataset cost nothing. Mags whose layout does not change are copied file
by file instead.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wkdist.dask_bridge.shard_jobs import plan_shard_jobs
from wkdist.dataset.layout import DEFAULT_CHUNK_SHAPE, DEFAULT_CHUNKS_PER_SHARD, compression_for
from wkdist.geometry import Vec3Int
from wkdist.jobs.shard_grid import cells_with_data
from wkdist.storage import DataFormat, open_array

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import numpy as np

    from wkdist.dask_bridge.shard_jobs import ShardJobPlan
    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.layer import Layer
    from wkdist.dataset.mag_view import MagView
    from wkdist.geometry import BoundingBox, Vec3IntLike
    from wkdist.storage import ArraySpec


@dataclass(frozen=True)
class ReadRegion:
    """Shard producer of a copy: the same box of the source mag."""

    path: Path
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
    shard, WKW needs cubic chunks and shards.
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
    if data_format == DataFormat.WKW and not (chunk.is_uniform() and shard.is_uniform()):
        chunk = chunk if chunk.is_uniform() else DEFAULT_CHUNK_SHAPE
        shard = Vec3Int.full(max(*shard, chunk.x))
    if shard % chunk != Vec3Int.zeros():
        shard = shard.pairmax(chunk) // chunk * chunk
    keep = source.compressed if compress is None else compress
    return chunk, shard, keep


def target_shards_with_data(source: MagView, shard_shape: Vec3Int) -> Iterator[BoundingBox]:
    """Boxes of the target shard grid (mag voxels, clipped to the layer) that
    overlap a source shard file."""
    layer_box = source.bounding_box.in_mag(source.mag)
    return cells_with_data(source._array.list_written_shards(), layer_box, shard_shape)


def plan_mag_copy(source: MagView, target: MagView) -> ShardJobPlan:
    """Plan copying ``source``'s voxels into ``target`` (same mag, pre-sized)."""
    spec = target.info
    box_in_mag = source.bounding_box.in_mag(source.mag)
    return plan_shard_jobs(
        ReadRegion(source.path, source.data_format),
        target._write_target(update_properties=True),
        target_shards_with_data(source, spec.shard_shape),
        needed_shape=box_in_mag.bottomright,
        clip_mag1=source.layer.bounding_box,
    )


def add_mag_copy(
    layer: Layer,
    source: MagView,
    *,
    chunk_shape: Vec3IntLike | int | None = None,
    shard_shape: Vec3IntLike | int | None = None,
    chunks_per_shard: Vec3IntLike | int | None = None,
    compress: bool | str | None = None,
) -> ShardJobPlan | None:
    """Add ``source``'s mag to ``layer`` as a copy. Returns the plan that copies
    the voxels, or ``None`` when the files were copied directly (layout unchanged)."""
    spec = source.info
    fmt = layer.data_format
    chunk, shard, keep = target_layout(
        spec,
        data_format=fmt,
        chunk_shape=chunk_shape,
        shard_shape=shard_shape,
        chunks_per_shard=chunks_per_shard,
        compress=compress,
    )
    same_codec = (
        spec.compressed == bool(keep)
        if compress is None
        else compression_for(fmt, keep) == spec.compression
    )
    mag = source.mag
    if (fmt, chunk, shard) == (spec.data_format, spec.chunk_shape, spec.shard_shape) and same_codec:
        shutil.copytree(source.path, layer.path / mag.to_layer_name())
        layer.add_mag_for_existing_files(mag)
        return None
    target = layer.add_mag(mag, chunk_shape=chunk, shard_shape=shard, compress=keep)
    return plan_mag_copy(source, target)


def add_layer_copy(
    layer: Layer,
    target: Dataset,
    *,
    new_layer_name: str | None = None,
    chunk_shape: Vec3IntLike | int | None = None,
    shard_shape: Vec3IntLike | int | None = None,
    chunks_per_shard: Vec3IntLike | int | None = None,
    data_format: str | DataFormat | None = None,
    compress: bool | str | None = None,
    replace_existing: bool = False,
) -> list[ShardJobPlan]:
    """Add a copy of ``layer`` (box, metadata, all mags) to ``target``; return the
    plans that copy the voxels (run them with :func:`wkdist.run.run_plans`).

    A layer of that name in ``target`` is an error, or with ``replace_existing``
    is deleted first.
    """
    from wkdist.dataset.layer import validate_layer_name
    from wkdist.errors import AlreadyExistsError

    name = layer.name if new_layer_name is None else new_layer_name
    validate_layer_name(name)
    if name in target.layers:
        if not replace_existing:
            raise AlreadyExistsError(f"cannot copy {layer!r}: {target!r} has a layer {name!r}")
        target.delete_layer(name)
    fmt = layer.data_format if data_format is None else DataFormat(data_format)
    props = dataclasses.replace(
        layer._properties, name=name, data_format=fmt.value, mags=(), attachments=None
    )
    target._update_properties(lambda p: p.with_layer(props))
    new_layer = target.get_layer(name)
    plans = [
        add_mag_copy(
            new_layer,
            source,
            chunk_shape=chunk_shape,
            shard_shape=shard_shape,
            chunks_per_shard=chunks_per_shard,
            compress=compress,
        )
        for source in layer.mags.values()
    ]
    return [plan for plan in plans if plan is not None]
