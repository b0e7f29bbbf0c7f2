"""WKW arrays through the ``wkw`` package: an unbounded grid of ``z{Z}/y{Y}/x{X}.wkw`` files.

Arrays in object storage are read and written whole-file through
``wkw_remote.py``; there, writes must cover whole shards.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import wkw

from wkdist.errors import InvalidArgumentError, UnsupportedLocationError
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.location import Location, RemotePath
from wkdist.storage import buffers, wkw_remote
from wkdist.storage._layout import to_c_order, to_f_order
from wkdist.storage.base import ArraySpec, DataFormat, StorageArray
from wkdist.storage.mosaic import BlockMosaic
from wkdist.storage.wkw_files import patch_shard, write_whole_shards
from wkdist.storage.wkw_read import read_box

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path
    from typing import Self

    from wkdist.geometry import Vec3IntLike
    from wkdist.storage.mosaic import Voxels

_BLOCK_TYPES = {
    None: wkw.Header.BLOCK_TYPE_RAW,
    "lz4": wkw.Header.BLOCK_TYPE_LZ4,
    "lz4hc": wkw.Header.BLOCK_TYPE_LZ4HC,
}
_COMPRESSIONS = {block_type: name for name, block_type in _BLOCK_TYPES.items()}


def guess_can_open(path: Location) -> bool:
    """Whether ``path`` holds a WKW array (a ``header.wkw`` file)."""
    return (path / WkwArray.metadata_file_name).is_file()


class WkwArray(StorageArray):
    """A WKW array (one mag); unbounded, so :attr:`shape` is ``None`` and resizing is a no-op.

    Whole-shard writes replace each file atomically. Writes covering part of a
    compressed file replace it too (``wkw`` itself only writes compressed files
    whole), re-encoding only the octants the write touches and copying the
    rest of the old file as bytes; partial writes to raw files go in place.
    All-zero shards are deleted rather than written, as webknossos' TinyWKW does.
    """

    data_format: ClassVar[DataFormat] = DataFormat.WKW
    has_shards: ClassVar[bool] = True
    metadata_file_name: ClassVar[str] = "header.wkw"

    def __init__(
        self,
        path: Location,
        spec: ArraySpec,
        metadata: bytes,
        dataset: wkw.Dataset | None,
        header: wkw.Header,
    ) -> None:
        super().__init__(path, spec, metadata)
        self._dataset = dataset  # None in object storage (files are staged per call)
        self._header = header

    @classmethod
    def _create(
        cls,
        path: Location,
        spec: ArraySpec,
        shape: Vec3Int,
        extra_shape: Mapping[str, int] | None = None,
    ) -> None:
        del shape, extra_shape  # unbounded; WKW specs are always c, x, y, z
        voxel_type = spec.dtype.type
        if voxel_type not in wkw.Header.VALID_VOXEL_TYPES:
            raise InvalidArgumentError(
                f"dtype {spec.dtype} cannot be stored as WKW; expected one of "
                f"{[np.dtype(t).name for t in wkw.Header.VALID_VOXEL_TYPES]}"
            )
        header = wkw.Header(
            voxel_type=voxel_type,
            num_channels=spec.num_channels,
            block_len=spec.chunk_shape.x,
            file_len=spec.shard_shape.x // spec.chunk_shape.x,
            block_type=_BLOCK_TYPES[spec.compression],
        )
        if isinstance(path, RemotePath):
            wkw_remote.create_header(path, header)
        else:
            wkw.Dataset.create(str(path), header).close()

    @classmethod
    def _open(cls, path: Location, metadata: bytes) -> Self:
        if isinstance(path, RemotePath):
            dataset = None
            with wkw_remote.staged(path, metadata, ()) as staged:
                header = staged.header
        else:
            dataset = wkw.Dataset.open(str(path))
            header = dataset.header
        spec = ArraySpec(
            data_format=DataFormat.WKW,
            dtype=np.dtype(header.voxel_type),
            num_channels=header.num_channels,
            chunk_shape=Vec3Int.full(header.block_len),
            shard_shape=Vec3Int.full(header.block_len * header.file_len),
            compression=_COMPRESSIONS[header.block_type],
        )
        return cls(path, spec, metadata, dataset, header)

    def _local(self) -> wkw.Dataset:
        if self._dataset is None:
            raise UnsupportedLocationError(f"{self.path} is not a local WKW array")
        return self._dataset

    def __del__(self) -> None:
        dataset = getattr(self, "_dataset", None)
        if dataset is not None:
            dataset.close()

    @property
    def shape(self) -> Vec3Int | None:
        """``None``: WKW arrays are unbounded."""
        return None

    def resize(self, shape: Vec3IntLike, extra_shape: Mapping[str, int] | None = None) -> None:
        """No-op: WKW arrays are unbounded."""
        del shape, extra_shape

    def _read(self, box: BoundingBox, order: Literal["F", "C"]) -> np.ndarray:
        # wkw decodes into x-fastest (F) buffers; C order costs a tiled copy.
        data = self._read_fortran(box)
        return to_c_order(data) if order == "C" else data

    def _read_fortran(self, box: BoundingBox) -> np.ndarray:
        if isinstance(self.path, RemotePath):
            shard_shape = self.spec.shard_shape
            indices = [
                part.topleft // shard_shape
                for part in box.intersected_with(
                    BoundingBox(Vec3Int.zeros(), box.bottomright.pairmax(0)), dont_assert=True
                ).grid_boxes(shard_shape)
            ]
            with wkw_remote.staged(self.path, self._metadata, indices) as dataset:
                return self._read_from(dataset, box)
        return self._read_from(self._local(), box)

    def _read_from(self, dataset: wkw.Dataset, box: BoundingBox) -> np.ndarray:
        out = self._zeros(box.size)
        if box.topleft.is_positive():
            read_box(dataset, box, out)
            return out
        # Files have non-negative indices; the rest of the box stays zero.
        inner = box.intersected_with(
            BoundingBox(Vec3Int.zeros(), box.bottomright.pairmax(0)), dont_assert=True
        )
        if not inner.is_empty():
            part = self._zeros(inner.size)
            read_box(dataset, inner, part)
            out[(slice(None), *inner.offset(-box.topleft).to_slices())] = part
        return out

    def _zeros(self, size: Vec3Int) -> np.ndarray:
        return buffers.zeros((self.spec.num_channels, *size), self.spec.dtype)

    def _write(self, box: BoundingBox, data: Voxels) -> None:
        # wkw encodes x-fastest buffers: F-ordered data (e.g. blocks of to_dask())
        # goes through without a copy, C-ordered data takes one tiled transpose.
        data = data.with_blocks(to_f_order) if isinstance(data, BlockMosaic) else to_f_order(data)
        shard_shape = self.spec.shard_shape
        header = self._header
        whole: list[tuple[Vec3Int, Voxels]] = []
        remote = isinstance(self.path, RemotePath)
        for part in box.grid_boxes(shard_shape):
            index = part.topleft // shard_shape
            shard = self.shard_box(index)
            piece = data[(slice(None), *part.offset(-box.topleft).to_slices())]
            if part == shard:
                whole.append((index, piece))
            elif remote:
                raise UnsupportedLocationError(
                    f"cannot write {part} into part of the WKW file of shard {tuple(index)} at "
                    f"{self.path}: WKW in object storage takes whole files "
                    f"({tuple(shard_shape)} voxels, aligned); use zarr3, which writes single "
                    "chunks into shards"
                )
            elif self.spec.compressed:
                patch_shard(self._local(), index, part.offset(-shard.topleft), piece)
            elif isinstance(piece, BlockMosaic):
                for start, column in piece.channel_columns():
                    self._local().write(tuple(part.topleft + start), np.asfortranarray(column))
            else:
                self._local().write(tuple(part.topleft), np.asfortranarray(piece))
        if isinstance(self.path, RemotePath):
            wkw_remote.upload_whole_shards(self.path, self._metadata, header, whole)
        else:
            write_whole_shards(self.path, header, whole)

    def list_written_shards(self) -> list[BoundingBox]:
        """One box per ``z{Z}/y{Y}/x{X}.wkw`` file, unclipped, in the array's voxels."""
        if isinstance(self.path, RemotePath):
            return [self.shard_box(i) for i in wkw_remote.list_shard_indices(self.path)]
        return [self.shard_box(index) for index in list_shard_indices(self.path)]

    def shard_file(self, index: Vec3IntLike) -> Location:
        """``z{Z}/y{Y}/x{X}.wkw`` below the array."""
        return self.path / wkw_remote.shard_key(Vec3Int(index))


def list_shard_indices(root: Path) -> list[Vec3Int]:
    """Shard indices of the files ``z{Z}/y{Y}/x{X}.wkw`` present under ``root``."""
    indices: list[Vec3Int] = []
    for z_name, z in _numbered(root, "z", ""):
        for y_name, y in _numbered(root / z_name, "y", ""):
            indices.extend(
                Vec3Int(x, y, z) for _, x in _numbered(root / z_name / y_name, "x", ".wkw")
            )
    return sorted(indices, key=lambda index: (index.z, index.y, index.x))


def _numbered(directory: Path, prefix: str, suffix: str) -> Iterator[tuple[str, int]]:
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        digits = name[len(prefix) : len(name) - len(suffix)]
        if digits.isdigit() and digits.isascii():
            yield name, int(digits)
