"""The one layout policy: chunk and shard shapes and compression of new mags,
and of copies of existing ones, as WEBKNOSSOS chooses them.

:func:`choose_chunk_and_shard_shape` resolves and checks what a user asks for
a new mag; :func:`target_layout` derives a copy's layout from its source (and
the result is then checked by the former when the mag is created).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from wkdist.config import setting
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Vec3Int
from wkdist.storage.base import DataFormat, is_power_of_two

if TYPE_CHECKING:
    from wkdist.geometry import BoundingBox, Vec3IntLike
    from wkdist.storage.base import ArraySpec

DEFAULT_CHUNK_SHAPE = Vec3Int(32, 32, 32)
DEFAULT_CHUNKS_PER_SHARD = Vec3Int(32, 32, 32)
# Zarr v3 layers that are only a few sections deep (e.g. from 2D images) get
# flat shards, so one shard still holds megabytes.
FLAT_CHUNKS_PER_SHARD = Vec3Int(128, 128, 1)


def _to_vec(value: Vec3IntLike | int, name: str) -> Vec3Int:
    try:
        return Vec3Int.from_vec_or_int(value)
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(
            f"{name} must be an int or three ints (x, y, z); got {value!r}"
        ) from error


def choose_chunk_and_shard_shape(
    *,
    data_format: DataFormat,
    chunk_shape: Vec3IntLike | int | None,
    shard_shape: Vec3IntLike | int | None,
    chunks_per_shard: Vec3IntLike | int | None = None,
    layer_bounding_box: BoundingBox | None = None,
) -> tuple[Vec3Int, Vec3Int]:
    """Resolve the chunk and shard shape (in the mag's voxels) of a new mag.

    Unset values follow the reference: 32³ chunks; shards of 32³ chunks for
    Zarr v3 and WKW, one chunk for Zarr v2, and 128x128x1 chunks for Zarr v3
    when ``layer_bounding_box`` (given for every mag but the first) is at most
    one chunk deep.
    """
    if shard_shape is not None and chunks_per_shard is not None:
        raise InvalidArgumentError(
            "pass shard_shape or chunks_per_shard, not both "
            f"(got shard_shape={shard_shape!r}, chunks_per_shard={chunks_per_shard!r})"
        )
    chunk = DEFAULT_CHUNK_SHAPE if chunk_shape is None else _to_vec(chunk_shape, "chunk_shape")
    if shard_shape is not None:
        shard = _to_vec(shard_shape, "shard_shape")
    elif chunks_per_shard is not None:
        warnings.warn(
            "chunks_per_shard is deprecated; pass shard_shape=chunk_shape*chunks_per_shard",
            DeprecationWarning,
            stacklevel=3,
        )
        shard = _to_vec(chunks_per_shard, "chunks_per_shard") * chunk
    elif data_format == DataFormat.ZARR:
        shard = chunk
    elif (
        data_format == DataFormat.ZARR3
        and layer_bounding_box is not None
        and layer_bounding_box.size.z <= chunk.z * FLAT_CHUNKS_PER_SHARD.z
    ):
        shard = chunk * FLAT_CHUNKS_PER_SHARD
    else:
        shard = chunk * DEFAULT_CHUNKS_PER_SHARD
    if shard % chunk != Vec3Int.zeros():
        raise InvalidArgumentError(
            f"shard_shape {tuple(shard)} must be a multiple of chunk_shape {tuple(chunk)}"
        )
    for name, vec in (("chunk_shape", chunk), ("shard_shape", shard)):
        if not all(is_power_of_two(v) for v in vec):
            raise InvalidArgumentError(
                f"{name} must be a power of two along every axis; got {tuple(vec)}"
            )
    if chunk not in (Vec3Int.full(32), Vec3Int.full(64)):
        warnings.warn(
            f"[INFO] chunk_shape (32, 32, 32) or (64, 64, 64) is recommended for "
            f"WEBKNOSSOS; got {tuple(chunk)}",
            UserWarning,
            stacklevel=3,
        )
    return chunk, shard


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


def compression_for(data_format: DataFormat, compress: bool | str) -> str | None:
    """The codec name for ``compress``: ``True`` picks the format's default codec.

    Zarr formats use zstd; WKW uses ``wkdist.wkw.compression`` from the dask
    config (``"lz4"`` by default, ``"lz4hc"`` for 25% smaller, 30x slower writes).
    A string names the codec directly.
    """
    if compress is False or compress is None:
        return None
    if compress is True:
        if data_format == DataFormat.WKW:
            return str(setting("wkw.compression"))
        return "zstd"
    if isinstance(compress, str):
        return compress.lower()
    raise InvalidArgumentError(
        f"compress must be True, False or a codec name ('zstd', 'lz4', 'lz4hc'); got {compress!r}"
    )
