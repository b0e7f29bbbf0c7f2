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
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.run import run_plans
from wkdist.storage import DataFormat, array_class

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Executor

    from distributed import Client

    from wkdist.dataset.mag_view import MagView
    from wkdist.dataset.view import View
    from wkdist.geometry import Vec3IntLike
    from wkdist.location import Location

Boundary = Literal["reflect", "zero"]
_PAD_MODES: dict[str, str] = {"reflect": "symmetric", "zero": "constant"}


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
            data = np.pad(data, widths, mode=_PAD_MODES[self.boundary])  # type: ignore[call-overload]
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


def map_blocks(
    function: Callable[..., np.ndarray],
    source: View,
    target: MagView,
    *,
    halo: Vec3IntLike | int = 0,
    boundary: Boundary = "reflect",
    executor: Executor | Client | None = None,
    progress: bool | None = None,
) -> BoundingBox:
    """Write ``function`` of each block of ``source`` (with ``halo`` voxels of context)
    into the same box of ``target``; return the Mag(1) box written.

    Parameters
    ----------
    function
        Takes a ``(C, X, Y, Z)`` numpy array (the block grown by ``halo`` on
        every side, Fortran-ordered, the source dtype) and returns an array of
        the same x, y, z shape (``(C, X, Y, Z)`` with the target's channel
        count, or ``(X, Y, Z)`` for one channel) of the target dtype or one
        that casts to it safely. If it has a parameter named ``box``, that gets
        the block's :class:`~wkdist.geometry.BoundingBox` (without the halo, in
        the mag's voxels), e.g. to make ids unique per block. It must be
        picklable for ``distributed`` and cluster executors (a module-level
        function or ``functools.partial``).
    source
        The view (or mag) to read, in its mag's voxels.
    target
        A mag of another layer with the same mag; its layer's bounding box must
        contain ``source``'s box. Shards are written whole where the box covers
        them, each by one task.
    halo
        Context in voxels per side along x, y, z (one int for all three).
    boundary
        The halo beyond ``source``'s box: ``"reflect"`` (mirror, as
        scipy.ndimage's ``mode="reflect"``) or ``"zero"``. Inside the box the
        halo is real data, also across shard and task borders.
    executor, progress
        As for the other jobs (see :func:`wkdist.run.run_plans`).

    Raises
    ------
    InvalidArgumentError
        Before anything is written: a negative halo, an unknown boundary, a
        read-only target, a target in another mag, the source itself as target,
        or a target layer whose box does not contain the source's box. While
        running: ``function`` returning a wrong shape or dtype.
    """
    halo_vec = Vec3Int.from_vec_or_int(halo)
    if not halo_vec.is_positive():
        raise InvalidArgumentError(f"halo must not be negative; got {tuple(halo_vec)}")
    if boundary not in _PAD_MODES:
        raise InvalidArgumentError(
            f"boundary must be one of {sorted(_PAD_MODES)}; got {boundary!r}"
        )
    if target.read_only:
        raise InvalidArgumentError(f"the target {target!r} is read-only")
    if target.mag != source.mag:
        raise InvalidArgumentError(
            f"the target is mag {target.mag.to_layer_name()}, the source mag "
            f"{source.mag.to_layer_name()}; map_blocks writes into the same mag"
        )
    if target.path.resolve() == source.path.resolve():
        raise InvalidArgumentError(
            "map_blocks cannot write into its source (tasks read their neighbours' halo); "
            "write into another layer"
        )
    box_mag1 = source.bounding_box
    if not target.layer.bounding_box.contains_bbox(box_mag1):
        raise InvalidArgumentError(
            f"the target layer's bounding box {target.layer.bounding_box} does not contain "
            f"the source box {box_mag1}; set target.layer.bounding_box first"
        )
    spec = target.info
    opened = array_class(source.data_format).open(source.path)
    box = box_mag1.in_mag(source.mag)
    producer = HaloProducer(
        function,
        opened.path,
        source.data_format,
        opened.metadata,
        box,
        halo_vec,
        boundary,
        spec.num_channels,
        spec.dtype,
        "box" in inspect.signature(function).parameters,
    )
    plan = plan_shard_jobs(
        producer,
        target._write_target(update_properties=False),
        box.grid_boxes(spec.shard_shape),
        spec=spec,
        needed_shape=box.bottomright,
        clip_mag1=box_mag1,
    )
    (written,) = run_plans([plan], executor=executor, progress=progress)
    return written
