"""Your own function over a mag, block by block with a halo, written into another mag.

``map_blocks(function, source, target, halo=...)`` is the ``map_overlap`` of
wkdist: each task makes whole target shards (in pieces within
``wkdist.write.task-memory``), reading for each piece the source voxels plus a
halo of context on every side, calls ``function`` on that, crops the halo off
the result and writes it. Tasks depend on nothing but the storage, so a
worker holds one piece (with its halo) at a time, however large the mag, and
it runs on any profile (threads, ``distributed``, SLURM, cluster-tools), with
one finalization like every wkdist job.

Example: a 3D Gaussian smoothing of an EM layer into a new layer::

    from functools import partial
    from scipy import ndimage

    def smooth(block):  # (C, X, Y, Z) with the halo
        return ndimage.gaussian_filter(block, sigma=(0, 2, 2, 1), mode="reflect")

    out = ds.add_layer("smooth", "color", dtype="uint8", bounding_box=color.bounding_box)
    wk.map_blocks(smooth, color.get_mag(1), out.add_mag(1), halo=(8, 8, 4))

The result equals ``ndimage.gaussian_filter(mag.read(), ..., mode="reflect")``
as long as the filter reaches no further than the halo (``gaussian_filter``
reaches ``int(4 * sigma + 0.5)`` voxels). Per-block results such as a threshold
plus ``ndimage.label`` work the same way; their labels are per block (a
function with a ``box`` parameter learns where its block lies, e.g. to make
ids unique).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from wkdist.dask_bridge.plan import plan_shard_jobs
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox
from wkdist.storage import DataFormat, array_class

if TYPE_CHECKING:
    from collections.abc import Callable

    from wkdist.dask_bridge.plan import WritePlan
    from wkdist.dask_bridge.tasks import WriteTarget
    from wkdist.geometry import Vec3Int
    from wkdist.location import Location
    from wkdist.storage import ArraySpec

Boundary = Literal["reflect", "zero"]
PAD_MODES: dict[str, str] = {"reflect": "symmetric", "zero": "constant"}


@dataclass(frozen=True)
class HaloProducer:
    """Shard producer: ``function`` over the source box grown by ``halo``, cropped.

    Beyond ``source_box`` (the source view, in mag voxels) the halo is the
    mirror image of the voxels inside (``"reflect"``: ``d c b a | a b c d``,
    scipy.ndimage's ``mode="reflect"``) or zeros (``"zero"``).
    """

    function: Callable[..., np.ndarray]
    path: Location
    data_format: DataFormat
    metadata: bytes
    source_box: BoundingBox
    halo: Vec3Int
    boundary: Boundary
    num_channels: int
    dtype: np.dtype[np.generic]
    pass_box: bool = False

    def __call__(self, box: BoundingBox) -> np.ndarray:
        grown = BoundingBox(box.topleft - self.halo, box.size + self.halo * 2)
        inner = grown.intersected_with(self.source_box, dont_assert=True)
        source = array_class(self.data_format).open_as_of(self.path, self.metadata)
        data = source.read(inner, order="F")
        before = inner.topleft - grown.topleft
        after = grown.bottomright - inner.bottomright
        if any(before) or any(after):
            widths = [(0, 0), *zip(before, after, strict=True)]
            data = np.pad(data, widths, mode=PAD_MODES[self.boundary])  # type: ignore[call-overload]
        output = self.function(data, box=box) if self.pass_box else self.function(data)
        result = self._checked(output, data.shape)
        h = self.halo
        return result[:, h.x : h.x + box.size.x, h.y : h.y + box.size.y, h.z : h.z + box.size.z]

    def _checked(self, result: object, shape: tuple[int, ...]) -> np.ndarray:
        name = getattr(self.function, "__name__", repr(self.function))
        if not isinstance(result, np.ndarray):
            raise InvalidArgumentError(
                f"map_blocks: {name} must return a numpy array; got {type(result).__name__}"
            )
        if result.ndim == 3 and self.num_channels == 1:
            result = result[np.newaxis]
        if result.shape != (self.num_channels, *shape[1:]):
            raise InvalidArgumentError(
                f"map_blocks: {name} returned the shape {result.shape} for a block of "
                f"{shape}; expected ({self.num_channels}, *the block's x, y, z) for the target"
            )
        if result.dtype != self.dtype:
            if not np.can_cast(result.dtype, self.dtype, casting="safe"):
                raise InvalidArgumentError(
                    f"map_blocks: {name} returned {result.dtype}, but the target stores "
                    f"{self.dtype}; convert inside the function, e.g. .astype({self.dtype.name!r})"
                )
            result = result.astype(self.dtype)
        return result


def plan_map_blocks(
    function: Callable[..., np.ndarray],
    source_path: Location,
    source_format: DataFormat,
    box: BoundingBox,
    target: WriteTarget,
    spec: ArraySpec,
    *,
    halo: Vec3Int,
    boundary: Boundary,
    clip_mag1: BoundingBox,
) -> WritePlan:
    """Plan writing ``function`` of each block of ``box`` (mag voxels) of the
    source mag into the same box of ``target`` (layout ``spec``), whole target
    shards per task; ``clip_mag1`` is ``box`` in Mag(1) voxels."""
    opened = array_class(source_format).open(source_path)
    producer = HaloProducer(
        function,
        opened.path,
        source_format,
        opened.metadata,
        box,
        halo,
        boundary,
        spec.num_channels,
        spec.dtype,
        "box" in inspect.signature(function).parameters,
    )
    return plan_shard_jobs(
        producer,
        target,
        box.grid_boxes(spec.shard_shape),
        spec=spec,
        needed_shape=box.bottomright,
        clip_mag1=clip_mag1,
    )
