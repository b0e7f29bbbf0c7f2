"""The layout of an on-disk array: its format (:class:`DataFormat`) and
:class:`ArraySpec` (dtype, channels, chunk and shard shape, compression)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import NormalizedBoundingBox, Vec3Int

_CXYZ = ("c", "x", "y", "z")


class DataFormat(StrEnum):
    """On-disk formats; the values are those of ``dataFormat`` in ``datasource-properties.json``.

    The member names are the reference's (``DataFormat.Zarr3``); the upper-case
    spellings ``ZARR`` and ``ZARR3`` are aliases of the same members. ``N5`` and
    ``NeuroglancerPrecomputed`` name layers WEBKNOSSOS serves; wkdist keeps them
    in the properties but does not open or write their arrays
    (:data:`~wkdist.storage.formats.SUPPORTED_FORMATS`).
    """

    WKW = "wkw"
    Zarr = "zarr"
    Zarr3 = "zarr3"
    N5 = "n5"
    NeuroglancerPrecomputed = "neuroglancerPrecomputed"
    ZARR = "zarr"
    ZARR3 = "zarr3"


# Codecs each format can create; opened foreign arrays may report others.
CREATABLE_COMPRESSIONS: dict[DataFormat, tuple[str | None, ...]] = {
    DataFormat.WKW: (None, "lz4", "lz4hc"),
    DataFormat.ZARR: (None, "zstd"),
    DataFormat.ZARR3: (None, "zstd"),
}


# Metadata files of all formats: an array of any format blocks creating another.
METADATA_FILE_NAMES = ("header.wkw", ".zarray", "zarr.json")


def is_power_of_two(value: int) -> bool:
    """Whether ``value`` is 1, 2, 4, 8, ..."""
    return value > 0 and value & (value - 1) == 0


@dataclass(frozen=True, slots=True)
class ArraySpec:
    """Layout of one on-disk array.

    Parameters
    ----------
    data_format
        The format (``DataFormat`` or its string value).
    dtype
        Per-channel voxel dtype.
    num_channels
        Channels per voxel (3 for RGB).
    chunk_shape
        Voxels per chunk, the unit of compression (WKW: ``block_len``³), in the
        array's own voxels.
    shard_shape
        Voxels per shard, the unit of files (WKW: ``file_len·block_len``³;
        Zarr v2 and unsharded Zarr v3: equal to ``chunk_shape``).
    compression
        ``None`` for raw; ``"zstd"`` (Zarr formats, level 5) or ``"lz4"`` /
        ``"lz4hc"`` (WKW) when creating; for opened foreign arrays the codec
        found on disk (``"blosc"``, ``"gzip"``, ...).
    axes
        The stored axes in stored order (default ``c, x, y, z``); Zarr arrays may
        lack ``c`` (and ``z``: 2-d arrays, whose z length is 1 here) and have more
        axes (e.g. ``t``, stored with chunk and shard length 1). WKW is always
        ``c, x, y, z``.

    Raises
    ------
    InvalidArgumentError
        If a shape is not positive, the shard shape is not a multiple of the
        chunk shape, a Zarr v2 shard differs from its chunk, or WKW chunks and
        shards are not cubes of powers of two. :meth:`check_creatable` adds the
        rules for arrays that wkdist creates.
    """

    data_format: DataFormat
    dtype: np.dtype[Any]
    num_channels: int
    chunk_shape: Vec3Int
    shard_shape: Vec3Int
    compression: str | None
    axes: tuple[str, ...] = _CXYZ

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        axes = tuple(self.axes)
        if len(set(axes)) != len(axes) or not {"x", "y"} <= set(axes):
            raise InvalidArgumentError(
                f"axes must name x and y once each (and optionally z, c and other axes); "
                f"got {axes!r}"
            )
        setattr_(self, "axes", axes)
        setattr_(self, "data_format", DataFormat(self.data_format))
        if self.data_format not in CREATABLE_COMPRESSIONS:
            raise InvalidArgumentError(
                f"data_format={self.data_format.value!r} cannot be written by wkdist; expected "
                f"one of {[f.value for f in CREATABLE_COMPRESSIONS]}"
            )
        setattr_(self, "dtype", np.dtype(self.dtype))
        setattr_(self, "chunk_shape", Vec3Int(self.chunk_shape))
        setattr_(self, "shard_shape", Vec3Int(self.shard_shape))
        if not isinstance(self.num_channels, int | np.integer) or self.num_channels < 1:
            raise InvalidArgumentError(
                f"num_channels must be an integer >= 1; got {self.num_channels!r}"
            )
        setattr_(self, "num_channels", int(self.num_channels))
        for name in ("chunk_shape", "shard_shape"):
            shape = getattr(self, name)
            if not shape.is_positive(strictly_positive=True):
                raise InvalidArgumentError(f"{name} must be positive; got {tuple(shape)}")
        chunk, shard = self.chunk_shape, self.shard_shape
        if shard % chunk != Vec3Int.zeros():
            raise InvalidArgumentError(
                f"shard_shape={tuple(shard)} must be a multiple of chunk_shape={tuple(chunk)}"
            )
        if self.data_format == DataFormat.ZARR and shard != chunk:
            raise InvalidArgumentError(
                f"shard_shape={tuple(shard)} must equal chunk_shape={tuple(chunk)} for Zarr v2, "
                "which has no shards; use Zarr v3 (zarr3) for sharded arrays"
            )
        if self.data_format == DataFormat.WKW:
            if axes != _CXYZ:
                raise InvalidArgumentError(f"WKW arrays have the axes c, x, y, z; got {axes!r}")
            for name, shape in (("chunk_shape", chunk), ("shard_shape", shard)):
                if not shape.is_uniform() or not is_power_of_two(shape.x) or shape.x > 32768:
                    raise InvalidArgumentError(
                        f"{name} must be a cube whose edge is a power of two up to 32768 "
                        f"for WKW; got {tuple(shape)}"
                    )

    @property
    def compressed(self) -> bool:
        """Whether the chunks are compressed."""
        return self.compression is not None

    @property
    def compression_mode(self) -> bool:
        """Same as :attr:`compressed` (the name webknossos' ``ArrayInfo`` uses)."""
        return self.compressed

    @property
    def voxel_type(self) -> np.dtype:
        """Same as :attr:`dtype` (the name webknossos' ``ArrayInfo`` uses)."""
        return self.dtype

    @property
    def chunks_per_shard(self) -> Vec3Int:
        """Chunks per shard along x, y and z."""
        return self.shard_shape // self.chunk_shape

    @property
    def bounding_box(self) -> NormalizedBoundingBox:
        """The array's axes ``(c, x, y, z)`` with its channel count, at the origin.

        The spatial sizes are 0: a layout has no extent (the mag's box is its
        layer's box), as the reference reports for WKW arrays.
        """
        sizes = [self.num_channels if axis == "c" else 0 for axis in self.axes]
        return NormalizedBoundingBox([0] * len(self.axes), sizes, self.axes)

    @property
    def extra_axes(self) -> tuple[str, ...]:
        """The stored axes other than c, x, y and z (e.g. ``("t",)``), in stored order."""
        return tuple(axis for axis in self.axes if axis not in _CXYZ)

    def check_creatable(self) -> None:
        """Raise unless wkdist can create an array of this layout.

        Raises
        ------
        InvalidArgumentError
            If the chunk or shard shape is not made of powers of two, or the
            compression cannot be written in this format.
        """
        for name in ("chunk_shape", "shard_shape"):
            shape = getattr(self, name)
            if not all(is_power_of_two(v) for v in shape):
                raise InvalidArgumentError(
                    f"{name} must be a power of two along every axis; got {tuple(shape)}"
                )
        allowed = CREATABLE_COMPRESSIONS[self.data_format]
        if self.compression not in allowed:
            raise InvalidArgumentError(
                f"compression={self.compression!r} cannot be written as {self.data_format.value}; "
                f"expected one of {allowed}"
            )
