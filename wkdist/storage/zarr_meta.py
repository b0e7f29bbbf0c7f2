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
    from collections.abc import Sequence

AXES = ("c", "x", "y", "z")
_LAYOUT_CODECS = frozenset({"transpose", "bytes", "crc32c", "sharding_indexed"})


@dataclass(frozen=True, slots=True)
class ZarrLayout:
    """What wkdist needs from an array's metadata, in ``(c, x, y, z)`` terms.

    Attributes
    ----------
    spec
        The array's layout.
    axis_positions
        For each of c, x, y, z the position of that axis in the stored array
        (``None`` for c if the array has no channel axis).
    rank
        Number of stored axes (3 or 4).
    key_prefix, key_separator
        Chunk keys are ``key_prefix + separator.join(indices)``.
    """

    spec: ArraySpec
    axis_positions: tuple[int | None, int, int, int]
    rank: int
    key_prefix: str
    key_separator: str

    def shard_index(self, key: str) -> Vec3Int | None:
        """The x, y, z shard index of a storage key, or ``None`` if it is no chunk key."""
        if not key.startswith(self.key_prefix):
            return None
        parts = key[len(self.key_prefix) :].split(self.key_separator)
        if len(parts) != self.rank or not all(p.isdigit() and p.isascii() for p in parts):
            return None
        _, x, y, z = self.axis_positions
        return Vec3Int(int(parts[x]), int(parts[y]), int(parts[z]))

    def shard_key(self, index: Vec3Int) -> str:
        """The storage key of the shard with x, y, z index ``index`` (channel block 0)."""
        parts = ["0"] * self.rank
        for position, value in zip(self.axis_positions[1:], index, strict=True):
            parts[position] = str(value)
        return self.key_prefix + self.key_separator.join(parts)


def round_up(shape: Vec3Int, grid: Vec3Int) -> Vec3Int:
    """``shape`` rounded up to whole multiples of ``grid``."""
    return shape.ceildiv(grid) * grid


# ---------------------------------------------------------------------- writing
def zarr3_metadata(spec: ArraySpec, shape: Vec3Int) -> dict[str, Any]:
    """``zarr.json`` of a new array: c, x, y, z axes; sharded unless chunk == shard."""
    channels = spec.num_channels
    inner: list[dict[str, Any]] = [
        {"name": "transpose", "configuration": {"order": [3, 2, 1, 0]}},
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
                    "chunk_shape": [channels, *spec.chunk_shape],
                    "codecs": inner,
                    "index_codecs": [
                        {"name": "bytes", "configuration": {"endian": "little"}},
                        {"name": "crc32c"},
                    ],
                },
            }
        ]
    return {
        "shape": [channels, *round_up(shape, spec.shard_shape)],
        "data_type": spec.dtype.name,
        "chunk_grid": {
            "name": "regular",
            "configuration": {"chunk_shape": [channels, *spec.shard_shape]},
        },
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": 0,
        "dimension_names": list(AXES),
        "codecs": codecs,
    }


def zarr2_metadata(spec: ArraySpec, shape: Vec3Int) -> dict[str, Any]:
    """``.zarray`` of a new array: F order, ``/`` keys, zstd level 5 or raw, fill value 0."""
    channels = spec.num_channels
    return {
        "shape": [channels, *round_up(shape, spec.chunk_shape)],
        "chunks": [channels, *spec.chunk_shape],
        "dtype": spec.dtype.str,
        "compressor": {"id": "zstd", "level": 5} if spec.compression == "zstd" else None,
        "fill_value": 0,
        "order": "F",
        "filters": None,
        "dimension_separator": "/",
    }


# ---------------------------------------------------------------------- reading
def _axis_positions(
    names: Sequence[str | None] | None, rank: int, path: str
) -> tuple[int | None, int, int, int]:
    labels = ["c" if n == "channel" else (n or "") for n in (names or [""] * rank)]
    if all(label == "" for label in labels):
        labels = list(AXES[4 - rank :]) if rank in (3, 4) else labels
    if sorted(labels) not in (sorted(AXES), sorted(AXES[1:])):
        raise InvalidArgumentError(
            f"the Zarr array at {path} has the axes {names!r} (rank {rank}); "
            "expected c, x, y, z or x, y, z in any order"
        )
    c = labels.index("c") if "c" in labels else None
    return (c, labels.index("x"), labels.index("y"), labels.index("z"))


def _pick(shape: Sequence[int], positions: tuple[int | None, int, int, int]) -> Vec3Int:
    return Vec3Int(shape[positions[1]], shape[positions[2]], shape[positions[3]])


def _codec_name(codec: str | dict[str, Any]) -> str:
    return codec if isinstance(codec, str) else str(codec["name"])


def zarr3_layout(metadata: dict[str, Any], path: str) -> ZarrLayout:
    """Layout of a ``zarr.json`` array document."""
    if metadata.get("node_type") != "array":
        raise FileNotFoundError(
            f"{path}/zarr.json describes a {metadata.get('node_type')}, not an array"
        )
    shape = metadata["shape"]
    positions = _axis_positions(metadata.get("dimension_names"), len(shape), path)
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
    )
    prefix = f"c{separator}" if default else ""
    return ZarrLayout(spec, positions, len(shape), prefix, separator)


def zarr2_layout(metadata: dict[str, Any], path: str) -> ZarrLayout:
    """Layout of a ``.zarray`` document (rank 4 is c, x, y, z; rank 3 is x, y, z)."""
    shape = metadata["shape"]
    positions = _axis_positions(None, len(shape), path)
    chunks = _pick(metadata["chunks"], positions)
    compressor = metadata.get("compressor")
    spec = ArraySpec(
        data_format=DataFormat.ZARR,
        dtype=np.dtype(metadata["dtype"]),
        num_channels=shape[positions[0]] if positions[0] is not None else 1,
        chunk_shape=chunks,
        shard_shape=chunks,
        compression=None if compressor is None else str(compressor["id"]),
    )
    separator = metadata.get("dimension_separator", ".")
    return ZarrLayout(spec, positions, len(shape), "", separator)
