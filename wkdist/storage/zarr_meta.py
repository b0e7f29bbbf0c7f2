"""Zarr v2 and v3 array metadata: written as WEBKNOSSOS writes it, read from any writer.

Only the array's own metadata (``.zarray`` / ``zarr.json``); group and OME
metadata belong to the dataset layer. See ``format.md`` §3 and §4.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Vec3Int
from wkdist.storage.base import ArraySpec, DataFormat

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

AXES = ("c", "x", "y", "z")
_XYZ = AXES[1:]
_LAYOUT_CODECS = frozenset({"transpose", "bytes", "crc32c", "sharding_indexed"})


@dataclass(frozen=True, slots=True)
class ZarrLayout:
    """What wkdist needs from an array's metadata, in ``(c, x, y, z)`` terms
    (``spec.axes`` lists all stored axes).

    Attributes
    ----------
    spec
        The array's layout.
    axis_positions
        For each of c, x, y, z the position of that axis in the stored array
        (``None`` for c if the array has no channel axis).
    rank
        Number of stored axes (3 or 4 for c, x, y, z arrays; more with other axes).
    key_prefix, key_separator
        Chunk keys are ``key_prefix + separator.join(indices)``.
    named
        Whether the metadata names the axes (else they are guessed from the rank).
    """

    spec: ArraySpec
    axis_positions: tuple[int | None, int, int, int | None]
    rank: int
    key_prefix: str
    key_separator: str
    named: bool = True

    def shard_index(self, key: str) -> Vec3Int | None:
        """The x, y, z shard index of a storage key, or ``None`` if it is no chunk key."""
        if not key.startswith(self.key_prefix):
            return None
        parts = key[len(self.key_prefix) :].split(self.key_separator)
        if len(parts) != self.rank or not all(p.isdigit() and p.isascii() for p in parts):
            return None
        _, x, y, z = self.axis_positions
        return Vec3Int(int(parts[x]), int(parts[y]), 0 if z is None else int(parts[z]))

    def shard_key(self, index: Vec3Int) -> str:
        """The storage key of the shard with x, y, z index ``index`` (channel block 0)."""
        parts = ["0"] * self.rank
        for position, value in zip(self.axis_positions[1:], index, strict=True):
            if position is not None:
                parts[position] = str(value)
        return self.key_prefix + self.key_separator.join(parts)


def round_up(shape: Vec3Int, grid: Vec3Int) -> Vec3Int:
    """``shape`` rounded up to whole multiples of ``grid``."""
    return shape.ceildiv(grid) * grid


# ---------------------------------------------------------------------- writing
def _extents(
    spec: ArraySpec, xyz: Vec3Int, extra_shape: Mapping[str, int] | None
) -> tuple[list[int], list[int]]:
    """Shape and chunk-grid shape along ``spec.axes``: c whole, x, y, z as given,
    other axes with the extent of ``extra_shape`` (default 1) and one voxel per shard."""
    extra = extra_shape or {}
    shape, grid = [], []
    for axis in spec.axes:
        if axis == "c":
            shape.append(spec.num_channels)
            grid.append(spec.num_channels)
        elif axis in _XYZ:
            shape.append(xyz[_XYZ.index(axis)])
            grid.append(spec.shard_shape[_XYZ.index(axis)])
        else:
            shape.append(int(extra.get(axis, 1)))
            grid.append(1)
    return shape, grid


def _chunk_grid(spec: ArraySpec) -> list[int]:
    return [
        spec.num_channels if axis == "c"
        else spec.chunk_shape[_XYZ.index(axis)] if axis in _XYZ else 1
        for axis in spec.axes
    ]  # fmt: skip


def zarr3_metadata(
    spec: ArraySpec, shape: Vec3Int, extra_shape: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """``zarr.json`` of a new array with ``spec.axes`` (default c, x, y, z); sharded
    unless chunk == shard; stored Fortran-like (first axis fastest)."""
    rank = len(spec.axes)
    inner: list[dict[str, Any]] = [
        {"name": "transpose", "configuration": {"order": list(range(rank - 1, -1, -1))}},
        {"name": "bytes", "configuration": {"endian": "little"}},
    ]
    if spec.compression == "zstd":
        inner.append({"name": "zstd", "configuration": {"level": 5, "checksum": True}})
    if spec.chunk_shape == spec.shard_shape:
        codecs = inner
    else:
        codecs = [
            {
                "name": "sharding_indexed",
                "configuration": {
                    "chunk_shape": _chunk_grid(spec),
                    "codecs": inner,
                    "index_codecs": [
                        {"name": "bytes", "configuration": {"endian": "little"}},
                        {"name": "crc32c"},
                    ],
                },
            }
        ]
    extent, grid = _extents(spec, round_up(shape, spec.shard_shape), extra_shape)
    return {
        "shape": extent,
        "data_type": spec.dtype.name,
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": grid}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": 0,
        "dimension_names": list(spec.axes),
        "codecs": codecs,
    }


def zarr2_metadata(
    spec: ArraySpec, shape: Vec3Int, extra_shape: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """``.zarray`` of a new array: F order, ``/`` keys, zstd level 5 or raw, fill value 0.

    Zarr v2 has no axis names: arrays with other axes than c, x, y, z get them in
    ``.zattrs`` (:func:`zarr2_attributes`).
    """
    extent, _ = _extents(spec, round_up(shape, spec.chunk_shape), extra_shape)
    return {
        "shape": extent,
        "chunks": _chunk_grid(spec),
        "dtype": spec.dtype.str,
        "compressor": {"id": "zstd", "level": 5} if spec.compression == "zstd" else None,
        "fill_value": 0,
        "order": "F",
        "filters": None,
        "dimension_separator": "/",
    }


def zarr2_attributes(spec: ArraySpec) -> dict[str, Any] | None:
    """``.zattrs`` naming the axes (xarray's ``_ARRAY_DIMENSIONS``) unless they are c, x, y, z."""
    return None if spec.axes == AXES else {"_ARRAY_DIMENSIONS": list(spec.axes)}


# ---------------------------------------------------------------------- reading
def _axis_labels(names: Sequence[str | None] | None, rank: int, path: str) -> tuple[str, ...]:
    """The stored axes: the array's names (``channel`` is ``c``); unnamed arrays of
    rank 3 are x, y, z and of rank 4 c, x, y, z."""
    labels = ["c" if n == "channel" else (n or "") for n in (names or [""] * rank)]
    if all(label == "" for label in labels) and rank in (3, 4):
        labels = list(AXES[4 - rank :])
    if len(set(labels)) != rank or "" in labels or not {"x", "y"} <= set(labels):
        raise InvalidArgumentError(
            f"the Zarr array at {path} has the axes {names!r} (rank {rank}); expected "
            "distinct names including x and y (unnamed arrays: c, x, y, z or x, y, z)"
        )
    return tuple(labels)


def axis_positions_of(axes: tuple[str, ...]) -> tuple[int | None, int, int, int | None]:
    """The positions of c and z (``None`` if absent), x and y in ``axes``."""
    c = axes.index("c") if "c" in axes else None
    z = axes.index("z") if "z" in axes else None
    return (c, axes.index("x"), axes.index("y"), z)


def _pick(shape: Sequence[int], positions: tuple[int | None, int, int, int | None]) -> Vec3Int:
    """x, y, z of ``shape`` (1 along a missing z)."""
    z = positions[3]
    return Vec3Int(shape[positions[1]], shape[positions[2]], 1 if z is None else shape[z])


def _codec_name(codec: str | dict[str, Any]) -> str:
    return codec if isinstance(codec, str) else str(codec["name"])


def zarr3_layout(metadata: dict[str, Any], path: str) -> ZarrLayout:
    """Layout of a ``zarr.json`` array document."""
    if metadata.get("node_type") != "array":
        raise FileNotFoundError(
            f"{path}/zarr.json describes a {metadata.get('node_type')}, not an array"
        )
    shape = metadata["shape"]
    axes = _axis_labels(metadata.get("dimension_names"), len(shape), path)
    positions = axis_positions_of(axes)
    shard = metadata["chunk_grid"]["configuration"]["chunk_shape"]
    codecs = list(metadata.get("codecs", []))
    chunk = shard
    if codecs and _codec_name(codecs[0]) == "sharding_indexed":
        configuration = codecs[0]["configuration"]
        chunk, codecs = configuration["chunk_shape"], list(configuration["codecs"])
    compressors = [_codec_name(c) for c in codecs if _codec_name(c) not in _LAYOUT_CODECS]
    encoding = metadata.get("chunk_key_encoding", {"name": "default"})
    default = encoding["name"] == "default"
    separator = encoding.get("configuration", {}).get("separator", "/" if default else ".")
    spec = ArraySpec(
        data_format=DataFormat.ZARR3,
        dtype=np.dtype(metadata["data_type"]),
        num_channels=shape[positions[0]] if positions[0] is not None else 1,
        chunk_shape=_pick(chunk, positions),
        shard_shape=_pick(shard, positions),
        compression=compressors[0] if compressors else None,
        axes=axes,
    )
    prefix = f"c{separator}" if default else ""
    named = metadata.get("dimension_names") is not None
    return ZarrLayout(spec, positions, len(shape), prefix, separator, named)


def zarr2_layout(
    metadata: dict[str, Any], path: str, attributes: Mapping[str, Any] | None = None
) -> ZarrLayout:
    """Layout of a ``.zarray`` document; the axes come from ``_ARRAY_DIMENSIONS`` in
    ``attributes`` (``.zattrs``), else rank 4 is c, x, y, z and rank 3 is x, y, z."""
    shape = metadata["shape"]
    names = (attributes or {}).get("_ARRAY_DIMENSIONS")
    axes = _axis_labels(names if isinstance(names, list) else None, len(shape), path)
    positions = axis_positions_of(axes)
    chunks = _pick(metadata["chunks"], positions)
    compressor = metadata.get("compressor")
    spec = ArraySpec(
        data_format=DataFormat.ZARR,
        dtype=np.dtype(metadata["dtype"]),
        num_channels=shape[positions[0]] if positions[0] is not None else 1,
        chunk_shape=chunks,
        shard_shape=chunks,
        compression=None if compressor is None else str(compressor["id"]),
        axes=axes,
    )
    separator = metadata.get("dimension_separator", ".")
    return ZarrLayout(spec, positions, len(shape), "", separator, isinstance(names, list))
