"""Copying a layer into another dataset: re-chunk, re-shard, (de)compress, convert."""

from __future__ import annotations

import dataclasses
import shutil
from typing import TYPE_CHECKING

from wkdist.dataset.layout import DEFAULT_CHUNK_SHAPE, DEFAULT_CHUNKS_PER_SHARD, compression_for
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.storage import DataFormat

if TYPE_CHECKING:
    from collections.abc import Iterator

    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.layer import Layer
    from wkdist.dataset.mag_view import MagView
    from wkdist.geometry import Vec3IntLike
    from wkdist.storage import ArraySpec


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
    otherwise the nearest valid layout is chosen (Zarr v2 has shard = chunk,
    WKW needs cubic chunks and shards).
    """
    chunk = Vec3Int.full(chunk_shape) if isinstance(chunk_shape, int) else (
        Vec3Int(chunk_shape) if chunk_shape is not None else source.chunk_shape
    )
    if shard_shape is not None:
        shard = Vec3Int.full(shard_shape) if isinstance(shard_shape, int) else Vec3Int(shard_shape)
    elif chunks_per_shard is not None:
        per = chunks_per_shard
        shard = chunk * (Vec3Int.full(per) if isinstance(per, int) else Vec3Int(per))
    elif data_format == DataFormat.ZARR:
        shard = chunk
    elif data_format != DataFormat.ZARR and source.data_format == DataFormat.ZARR and chunk_shape is None:
        # An unsharded source gives no shard shape to keep: use the default shards.
        shard = chunk * DEFAULT_CHUNKS_PER_SHARD
    else:
        shard = source.shard_shape
    if data_format == DataFormat.WKW and not (chunk.is_uniform() and shard.is_uniform()):
        chunk = DEFAULT_CHUNK_SHAPE if not chunk.is_uniform() else chunk
        shard = Vec3Int.full(max(max(shard), chunk.x))
    keep = source.compressed if compress is None else compress
    return chunk, shard, keep


def _target_shards(source: MagView, target: MagView) -> Iterator[BoundingBox]:
    """Target shard boxes (target mag voxels, clipped to the layer) that hold source data."""
    mag = source.mag
    layer_box = source.bounding_box.in_mag(mag)
    shard = target.info.shard_shape
    seen: set[BoundingBox] = set()
    for written in source._array.list_written_shards():
        clipped = written.intersected_with(layer_box, dont_assert=True)
        if clipped.is_empty():
            continue
        for box in clipped.align_with_mag(shard, ceil=True).chunk(shard, shard):
            box = box.intersected_with(layer_box, dont_assert=True)
            if not box.is_empty() and box not in seen:
                seen.add(box)
                yield box


def copy_mag_data(source: MagView, target: MagView) -> None:
    """Copy the voxels of ``source`` into ``target`` (same mag), one target shard at a time."""
    source_array, target_array = source._array, target._array
    for box in _target_shards(source, target):
        target_array.write(box.topleft, source_array.read(box))


def copy_layer_into(
    layer: Layer,
    target: Dataset,
    *,
    chunk_shape: Vec3IntLike | int | None = None,
    shard_shape: Vec3IntLike | int | None = None,
    chunks_per_shard: Vec3IntLike | int | None = None,
    data_format: str | DataFormat | None = None,
    compress: bool | str | None = None,
) -> Layer:
    """Add a copy of ``layer`` (all mags, same box and metadata) to ``target``."""
    fmt = layer.data_format if data_format is None else DataFormat(data_format)
    props = dataclasses.replace(layer._properties, data_format=fmt.value, mags=())
    target._update_properties(lambda p: p.with_layer(props))
    new_layer = target.get_layer(layer.name)
    for mag, source in layer.mags.items():
        spec = source.info
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
        unchanged = (
            fmt == spec.data_format
            and chunk == spec.chunk_shape
            and shard == spec.shard_shape
            and same_codec
        )
        if unchanged:
            shutil.copytree(source.path, new_layer.path / mag.to_layer_name())
            new_layer.add_mag_for_existing_files(mag)
            continue
        mag_view = new_layer.add_mag(mag, chunk_shape=chunk, shard_shape=shard, compress=keep)
        copy_mag_data(source, mag_view)
    return new_layer
