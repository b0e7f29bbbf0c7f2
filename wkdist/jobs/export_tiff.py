"""Export a box of a mag as TIFF images: one per z slice, or tiles per slice.

Names and orientation follow webknossos 4.3.3's ``export-as-tiff``: slice
files ``{name}_{n:06d}.tiff`` (``{n:06d}.tiff`` without a name), where ``n``
counts Mag(1) slices from the box's top; tiles ``{n}/{row}/{column}.tiff``
(from 1), padded with zeros to the whole tile. Image rows are y, columns x,
samples the channels.

One task per batch of slices (default: the mag's chunk depth, so no chunk is
decoded twice). A task reads its slab in bands of rows within
``wkdist.write.task-memory`` and writes them into the slice files
(uncompressed, memory-mapped), so no task holds more than its budget however
large a slice is.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import tifffile

from wkdist.config import byte_setting
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Mag
from wkdist.run.tasks import ChunkTask, run_chunk_tasks
from wkdist.storage import DataFormat, open_array

if TYPE_CHECKING:
    from concurrent.futures import Executor
    from pathlib import Path

    from wkdist.location import Location


@dataclass(frozen=True)
class TiffExport:
    """One export: where from (a mag's array), which box, where to and how named."""

    source: Location
    data_format: DataFormat
    mag: Mag
    box_mag1: BoundingBox  # aligned to the mag
    destination: Path
    name: str = ""
    tile_size: tuple[int, int] | None = None  # x, y in the mag's voxels

    def file_number(self, z_in_mag: int) -> int:
        """The number in a slice's file name: Mag(1) slices from the box's top."""
        return z_in_mag * self.mag.z - self.box_mag1.topleft.z

    def slice_path(self, z_in_mag: int) -> Path:
        number = self.file_number(z_in_mag)
        return self.destination / (f"{self.name}_{number:06d}.tiff" if self.name else f"{number:06d}.tiff")

    def tile_path(self, z_in_mag: int, row: int, column: int) -> Path:
        return self.destination / str(self.file_number(z_in_mag)) / str(row + 1) / f"{column + 1}.tiff"


def _image(cxy: np.ndarray) -> np.ndarray:
    """``(C, X, Y)`` voxels as an image: rows y, columns x, samples the channels."""
    return cxy[0].T if cxy.shape[0] == 1 else cxy.transpose(2, 1, 0)


def export_slices(export: TiffExport, z_range: tuple[int, int]) -> int:
    """Write the slices ``z_start:z_stop`` (``z_range``, mag voxels) of ``export``;
    return how many."""
    z_start, z_stop = z_range
    array = open_array(export.source, export.data_format)
    box = export.box_mag1.in_mag(export.mag)
    spec = array.spec
    depth = z_stop - z_start
    row_bytes = box.size.x * depth * spec.num_channels * spec.dtype.itemsize
    if export.tile_size is None:
        band = max(1, byte_setting("write.task-memory") // max(1, row_bytes))
        images = []
        for z in range(z_start, z_stop):
            shape = (box.size.y, box.size.x) + ((spec.num_channels,) if spec.num_channels > 1 else ())
            images.append(tifffile.memmap(export.slice_path(z), shape=shape, dtype=spec.dtype))
        for y in range(box.topleft.y, box.bottomright.y, band):
            rows = min(band, box.bottomright.y - y)
            slab = array.read(
                BoundingBox((box.topleft.x, y, z_start), (box.size.x, rows, depth))
            )
            for k, image in enumerate(images):
                image[y - box.topleft.y : y - box.topleft.y + rows] = _image(slab[:, :, :, k])
        for image in images:
            image.flush()
        return depth
    tile_x, tile_y = export.tile_size
    for row in range(math.ceil(box.size.y / tile_y)):
        y = box.topleft.y + row * tile_y
        rows = min(tile_y, box.bottomright.y - y)
        slab = array.read(BoundingBox((box.topleft.x, y, z_start), (box.size.x, rows, depth)))
        for k, z in enumerate(range(z_start, z_stop)):
            for column in range(math.ceil(box.size.x / tile_x)):
                tile = slab[:, column * tile_x : (column + 1) * tile_x, :, k]
                padded = np.zeros((spec.num_channels, tile_x, tile_y), dtype=spec.dtype)
                padded[:, : tile.shape[1], : tile.shape[2]] = tile
                path = export.tile_path(z, row, column)
                path.parent.mkdir(parents=True, exist_ok=True)
                tifffile.imwrite(path, _image(padded))
    return depth


def plan_tiff_export(export: TiffExport, batch_size: int) -> list[tuple[int, int]]:
    """The slice ranges (mag voxels) of the export's tasks."""
    box = export.box_mag1.in_mag(export.mag)
    if batch_size < 1:
        raise InvalidArgumentError(f"batch_size must be >= 1; got {batch_size}")
    return [
        (z, min(z + batch_size, box.bottomright.z))
        for z in range(box.topleft.z, box.bottomright.z, batch_size)
    ]


def run_tiff_export(
    export: TiffExport, batch_size: int | None = None, executor: Executor | None = None
) -> int:
    """Export in parallel (the active dask scheduler, or ``executor``; see
    :func:`wkdist.run.tasks.run_chunk_tasks`); return the number of slices written. ``batch_size`` defaults to the mag's chunk depth."""
    if export.tile_size is not None and min(export.tile_size) < 1:
        raise InvalidArgumentError(f"tile_size must be two positive ints; got {export.tile_size}")
    spec = open_array(export.source, export.data_format).spec
    ranges = plan_tiff_export(export, batch_size or spec.chunk_shape.z)
    export.destination.mkdir(parents=True, exist_ok=True)
    mag = export.mag.to_layer_name()
    tasks = [
        ChunkTask(f"slices z {start}:{stop} (mag {mag} voxels) of {export.source}", (start, stop))
        for start, stop in ranges
    ]
    return sum(run_chunk_tasks(functools.partial(export_slices, export), tasks, executor=executor))


def export_box(
    source: Location,
    data_format: DataFormat,
    mag: Mag,
    box_mag1: BoundingBox,
    destination: Path,
    *,
    name: str = "",
    tile_size: tuple[int, int] | None = None,
) -> TiffExport:
    """Describe an export of ``box_mag1`` (aligned outwards to ``mag``)."""
    aligned = box_mag1.align_with_mag(mag, ceil=True)
    if aligned.is_empty() or not aligned.topleft.is_positive():
        raise InvalidArgumentError(f"bbox must be a non-empty box with topleft >= 0; got {box_mag1}")
    return TiffExport(source, data_format, mag, aligned, destination, name, tile_size)

