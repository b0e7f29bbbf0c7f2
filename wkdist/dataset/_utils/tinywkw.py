"""The module path ``webknossos.dataset._utils.tinywkw``: WKW arrays by header and voxel box.

:class:`TinyWkwHeader` is the 16-byte ``header.wkw`` as a value (parsed and
encoded here, see ``format.md`` §2); :class:`TinyWkwArray` reads and writes
``(c, x, y, z)`` boxes of a WKW array through wkdist's own WKW storage
(:class:`~wkdist.storage.WkwArray`): whole shards are encoded in parallel and
replace their files atomically, all-zero shards are deleted, missing shards
read as zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np
import wkw

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.location import as_location
from wkdist.storage.base import ArraySpec, DataFormat
from wkdist.storage.wkw_ import WkwArray

if TYPE_CHECKING:
    import os

    from wkdist.geometry import NormalizedBoundingBox, Vec3IntLike
    from wkdist.location import Location

__all__ = ["ChunkType", "TinyWkwArray", "TinyWkwHeader"]

_MAGIC = b"WKW"
_VERSION = 1
# Voxel type codes of the header (1-based), in the order of the wkw library.
_VOXEL_TYPES = [np.dtype(t) for t in wkw.Header.VALID_VOXEL_TYPES]
_CXYZ = ("c", "x", "y", "z")


class ChunkType(IntEnum):
    """How the chunks (``wkw`` blocks) of a WKW file are stored."""

    RAW = 1
    LZ4 = 2
    LZ4HC = 3


_COMPRESSION = {ChunkType.RAW: None, ChunkType.LZ4: "lz4", ChunkType.LZ4HC: "lz4hc"}


@dataclass(frozen=True)
class TinyWkwHeader:
    """The fields of a ``header.wkw`` (or of the header at the start of a shard file).

    Parameters
    ----------
    chunk_shape
        Voxels per chunk (a cube whose edge is a power of two).
    shard_shape
        Voxels per shard file (a cube, a power-of-two multiple of ``chunk_shape``).
    chunk_type
        Raw or LZ4-compressed chunks.
    voxel_type
        Per-channel dtype.
    num_channels
        Channels per voxel.
    data_offset
        Byte offset of the first chunk in a file (``0`` in ``header.wkw``);
        ``None`` for a header not read from bytes.
    """

    chunk_shape: Vec3Int
    shard_shape: Vec3Int
    chunk_type: ChunkType
    voxel_type: np.dtype
    num_channels: int
    data_offset: int | None = None

    @classmethod
    def from_bytes(cls, data: bytes) -> TinyWkwHeader:
        """Parse the first 16 bytes of ``data``.

        Raises
        ------
        AssertionError
            If the magic bytes are not ``WKW`` or the version is not 1 (as the
            reference does).
        """
        assert data[:3] == _MAGIC, f"not a WKW header: magic bytes are {data[:3]!r}"
        assert data[3] == _VERSION, f"unsupported WKW version {data[3]}; expected {_VERSION}"
        log2_lengths, chunk_type, voxel_code, voxel_bytes = data[4], data[5], data[6], data[7]
        chunk_shape = Vec3Int.full(1 << (log2_lengths & 0x0F))
        voxel_type = _VOXEL_TYPES[voxel_code - 1]
        return cls(
            chunk_shape=chunk_shape,
            shard_shape=chunk_shape * (1 << (log2_lengths >> 4)),
            chunk_type=ChunkType(chunk_type),
            voxel_type=voxel_type,
            num_channels=voxel_bytes // voxel_type.itemsize,
            data_offset=int.from_bytes(data[8:16], "little"),
        )

    def to_bytes(self, data_offset: int | None = None) -> bytes:
        """The 16 header bytes; ``data_offset`` defaults to where a shard file's chunks start
        (after the header, and for compressed files after the jump table)."""
        if data_offset is None:
            table = 0 if self.chunk_type == ChunkType.RAW else 8 * self.file_len**3
            data_offset = 16 + table
        log2_lengths = (self.file_len.bit_length() - 1) << 4 | (self.block_len.bit_length() - 1)
        voxel_type = np.dtype(self.voxel_type)
        fields = [
            _VERSION,
            log2_lengths,
            int(self.chunk_type),
            _VOXEL_TYPES.index(voxel_type) + 1,
            self.num_channels * voxel_type.itemsize,
        ]
        return _MAGIC + bytes(fields) + data_offset.to_bytes(8, "little")

    @property
    def block_len(self) -> int:
        """Edge of a chunk in voxels (the ``wkw`` library's name)."""
        return self.chunk_shape.x

    @property
    def file_len(self) -> int:
        """Edge of a shard file in chunks (the ``wkw`` library's name)."""
        return self.shard_shape.x // self.chunk_shape.x

    @property
    def block_type(self) -> int:
        """The chunk type as the ``wkw`` library's integer."""
        return int(self.chunk_type)

    def array_spec(self) -> ArraySpec:
        """The header as wkdist's layout of a WKW array."""
        return ArraySpec(
            data_format=DataFormat.WKW,
            dtype=np.dtype(self.voxel_type),
            num_channels=self.num_channels,
            chunk_shape=self.chunk_shape,
            shard_shape=self.shard_shape,
            compression=_COMPRESSION[self.chunk_type],
        )


class TinyWkwArray:
    """A WKW array read and written in ``(c, x, y, z)`` boxes; missing shards read as zeros.

    Parameters
    ----------
    path
        Directory of the array (with ``header.wkw``); a local path or a URL
        wkdist's locations take.
    header
        Its header.
    """

    def __init__(self, path: str | os.PathLike[str], header: TinyWkwHeader) -> None:
        self._path = path
        self._header = header
        self._array = WkwArray.open(_location(path))

    @property
    def header(self) -> TinyWkwHeader:
        """The array's header."""
        return self._header

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> TinyWkwArray:
        """Open the WKW array at ``path``."""
        return cls(path, TinyWkwHeader.from_bytes((_location(path) / "header.wkw").read_bytes()))

    @classmethod
    def create(cls, path: str | os.PathLike[str], header: TinyWkwHeader) -> TinyWkwArray:
        """Create an empty WKW array at ``path`` (``header.wkw`` only) and open it.

        Raises
        ------
        FileExistsError
            If an array exists at ``path`` already.
        """
        WkwArray.create(_location(path), header.array_spec(), Vec3Int.zeros())
        return cls.open(path)

    def close(self) -> None:
        """Nothing to release (files are opened per call); kept for ``wkw.Dataset`` users."""

    def read(self, topleft: Vec3IntLike, size: Vec3IntLike) -> np.ndarray:
        """The ``(c, x, y, z)`` voxels of the box at ``topleft`` of ``size`` (Fortran order)."""
        box = BoundingBox(topleft, size)
        return self.read_bbox(box.normalize_axes(self._header.num_channels))

    def read_bbox(self, bbox: NormalizedBoundingBox) -> np.ndarray:
        """The voxels of a ``(c, x, y, z)`` box, all channels, shape ``(c, x, y, z)``."""
        box = self._xyz_box(bbox)
        output = np.zeros(
            (self._header.num_channels, *box.size), dtype=self._header.voxel_type, order="F"
        )
        for part in box.grid_boxes(self._header.shard_shape):
            self._read_shard_into(part.topleft // self._header.shard_shape, box, output)
        return output

    def _read_shard_into(self, shard_index: Vec3Int, box: BoundingBox, output: np.ndarray) -> None:
        """Copy the part of ``box`` within shard ``shard_index`` into ``output`` (box-relative)."""
        part = box.intersected_with(self._array.shard_box(shard_index), dont_assert=True)
        if part.is_empty():
            return
        target = (slice(None), *part.offset(-box.topleft).to_slices())
        output[target] = self._array.read(part)

    def write(self, topleft: Vec3IntLike, data: np.ndarray) -> None:
        """Write ``(c, x, y, z)`` data at ``topleft``.

        Raises
        ------
        InvalidArgumentError
            If ``data`` is not 4-d with the array's channel count.
        """
        if data.ndim != 4 or data.shape[0] != self._header.num_channels:
            raise InvalidArgumentError(
                f"data must have the shape (c, x, y, z) with c={self._header.num_channels}; "
                f"got {data.shape}"
            )
        self.write_bbox(
            BoundingBox(topleft, data.shape[1:]).normalize_axes(self._header.num_channels), data
        )

    def write_bbox(self, bbox: NormalizedBoundingBox, data: np.ndarray) -> None:
        """Write ``(c, x, y, z)`` data into the box (whole shards replace their files)."""
        box = self._xyz_box(bbox)
        if data.shape != (self._header.num_channels, *box.size):
            raise InvalidArgumentError(
                f"data of shape {data.shape} does not fit {bbox} with "
                f"{self._header.num_channels} channels"
            )
        self._array.write(box.topleft, data)

    def _xyz_box(self, bbox: NormalizedBoundingBox) -> BoundingBox:
        if tuple(bbox.axes) != _CXYZ:
            raise InvalidArgumentError(f"expected a box with the axes {_CXYZ}; got {bbox}")
        return BoundingBox(bbox.topleft_xyz, bbox.size_xyz)


def _location(path: str | os.PathLike[str]) -> Location:
    # UPath and str(UPath) spell object-storage URLs as wkdist's locations do.
    return as_location(str(path))
