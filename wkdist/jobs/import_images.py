"""Import an image stack into a mag, as a fused shard job.

Each task owns whole target shards. For a shard (or a piece of it within
``wkdist.write.task-memory``) it reads only the slices, and of each slice
only the rows and columns, that the shard covers (see :mod:`wkdist.images`),
writes the shard, and reports the range of values written; the finalization
merges the boxes and records the range: ``largest_segment_id`` for
segmentation layers, the display ``min``/``max`` for color layers (both as
webknossos 4.3.3 does). In a journaled job each task also records its range
in its task record, so that a resumed run, which skips the shards written
before, still records the range of the whole stack (without re-reading them).

Orientation follows webknossos 4.3.3: an image's columns are the layer's x
axis and its rows the y axis (``swap_xy`` exchanges them); ``flip_x`` and
``flip_y`` reverse the image's rows and columns before that; ``flip_z``
reverses the order of the slices.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from wkdist.dask_bridge.plan import plan_shard_jobs
from wkdist.dask_bridge.tasks import combined_range
from wkdist.errors import ImageStackError
from wkdist.geometry import BoundingBox, Vec3Int, cells_with_data
from wkdist.properties import SEGMENTATION_CATEGORY, update_properties

if TYPE_CHECKING:
    from wkdist.dask_bridge.plan import WritePlan
    from wkdist.dask_bridge.tasks import ValueRange, WriteTarget
    from wkdist.images import ImageStack
    from wkdist.properties import DatasetProperties
    from wkdist.storage import ArraySpec



@dataclass(frozen=True)
class Orientation:
    """How image axes map to the layer's (see the module docstring)."""

    swap_xy: bool = False
    flip_x: bool = False
    flip_y: bool = False
    flip_z: bool = False


def select_channels(
    stack: ImageStack, dtype: np.dtype, channel: int | None, truncate_rgba_to_rgb: bool
) -> tuple[int, int]:
    """The samples ``start:stop`` of each pixel that become the layer's channels.

    One sample, three uint8 samples (RGB), or ``channel``; RGBA loses its alpha
    unless ``truncate_rgba_to_rgb`` is false (then it fails like any other
    count of samples WEBKNOSSOS cannot show in one layer).
    """
    samples = stack.format.samples
    first = stack.files[0]
    if channel is not None:
        if not 0 <= channel < samples:
            raise ImageStackError(
                f"channel={channel} is out of range: {first} has {samples} sample(s) per pixel",
                first,
            )
        return channel, channel + 1
    if samples == 4 and truncate_rgba_to_rgb and stack.format.rgb:
        samples = 3
    if samples == 1 or (samples == 3 and dtype == np.uint8):
        return 0, samples
    raise ImageStackError(
        f"images: {first} has {stack.format.samples} samples of {dtype.name} per pixel; a layer "
        "holds one channel or three uint8 channels (RGB). Pass channel=<index> to import one.",
        first,
    )


def volume_size(stack: ImageStack, orientation: Orientation) -> Vec3Int:
    """The stack's extent in the layer's x, y, z (voxels of the target mag)."""
    width, height = stack.format.width, stack.format.height
    if orientation.swap_xy:
        width, height = height, width
    return Vec3Int(width, height, stack.depth)


@dataclass(frozen=True)
class ReadImages:
    """Shard producer: a box of the layer from the slices, rows and columns it covers."""

    stack: ImageStack
    origin: Vec3Int  # the target-mag voxel of image pixel (0, 0) of the first slice
    orientation: Orientation
    channels: tuple[int, int]  # samples start:stop
    dtype: str

    def _image_range(self, start: int, stop: int, length: int, flip: bool) -> slice:
        return slice(length - stop, length - start) if flip else slice(start, stop)

    def __call__(self, box: BoundingBox) -> np.ndarray:
        o = self.orientation
        fmt = self.stack.format
        local = box.offset(-self.origin)
        (x0, y0, z0), (x1, y1, z1) = local.topleft, local.bottomright
        row_span, col_span = ((x0, x1), (y0, y1)) if o.swap_xy else ((y0, y1), (x0, x1))
        rows = self._image_range(*row_span, fmt.height, o.flip_x)
        cols = self._image_range(*col_span, fmt.width, o.flip_y)
        slices = self._image_range(z0, z1, self.stack.depth, o.flip_z)
        buffer = np.empty(
            (slices.stop - slices.start, rows.stop - rows.start, cols.stop - cols.start, fmt.samples),
            fmt.dtype,
        )
        self.stack.read(slices.start, slices.stop, rows, cols, buffer)
        view = buffer[
            slice(None, None, -1 if o.flip_z else 1),
            slice(None, None, -1 if o.flip_x else 1),
            slice(None, None, -1 if o.flip_y else 1),
            self.channels[0] : self.channels[1],
        ]
        # (z, row, col, c) -> (c, x, y, z): Fortran order when nothing is swapped or
        # selected, which is the stored order of the chunks.
        cxyz = view.transpose(3, 1, 2, 0) if o.swap_xy else view.transpose(3, 2, 1, 0)
        return cxyz.astype(self.dtype, order="K", copy=False)


@dataclass(frozen=True)
class RecordValueRange:
    """Value recorder of an import: ``largest_segment_id`` of a segmentation layer,
    the display range of a color layer that has none yet."""

    category: str

    def __call__(self, target: WriteTarget, value_range: ValueRange | None) -> None:
        assert target.dataset_path is not None
        if target.journal is not None:
            # A resumed job's tasks ran in several runs (this one skipped the shards
            # of the runs before it): each task recorded its range in the journal.
            value_range = combined_range([value_range, *target.journal.recorded_value_ranges()])

        def record(properties: DatasetProperties) -> DatasetProperties:
            layer = properties.get_layer(target.layer_name)
            if self.category == SEGMENTATION_CATEGORY:
                largest = 0 if value_range is None else max(0, int(value_range[1]))
                layer = dataclasses.replace(layer, largest_segment_id=largest)
            elif value_range is not None:
                view = dict(layer.default_view_configuration or {})
                view.setdefault("min", float(value_range[0]))
                view.setdefault("max", float(value_range[1]))
                layer = dataclasses.replace(layer, default_view_configuration=view)
            return properties.with_layer(layer)

        update_properties(target.dataset_path, record)


def plan_image_import(
    stack: ImageStack,
    target: WriteTarget,
    *,
    box_in_mag: BoundingBox,
    spec: ArraySpec,
    clip_mag1: BoundingBox,
    orientation: Orientation,
    channels: tuple[int, int],
    dtype: np.dtype,
    category: str,
) -> WritePlan:
    """Plan writing ``stack`` to ``box_in_mag`` of the (pre-created) target mag.

    ``spec`` is the target's layout; ``box_in_mag`` is the stack's extent (:func:`volume_size`) at its offset, in
    the target mag's voxels; ``clip_mag1`` the same box in Mag(1).
    """
    producer = ReadImages(stack, box_in_mag.topleft, orientation, channels, dtype.name)
    return plan_shard_jobs(
        producer,
        target,
        cells_with_data([box_in_mag], box_in_mag, spec.shard_shape),
        spec=spec,
        needed_shape=box_in_mag.bottomright,
        clip_mag1=clip_mag1,
        recorder=RecordValueRange(category),
    )
