"""The module path ``webknossos.dataset.layer._transform_utils``: resample a layer
through a coordinate transform.

:func:`transform` fills a box of an output layer: for every output voxel the
inverse transform gives a position in the input layer, whose voxel (nearest
neighbour) is copied. It runs as one chunk-wise job over the output's shards
(:meth:`~wkdist.dataset.view.View.for_each_chunk`): one call per shard, each
processing its shard in tiles of ``buffer_shape`` to bound the memory of the
coordinate arrays. Sampling follows ``scipy.ndimage.affine_transform`` with
``order=0`` and ``mode="constant"``: ties round up, and positions are inside the
input up to its last voxel's position (``bottomright - mag``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from wkdist.errors import InvalidArgumentError, NotFoundError
from wkdist.geometry import BoundingBox, Mag, Vec3Int
from wkdist.properties import box_3d

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Executor

    from wkdist.dataset.layer import Layer
    from wkdist.dataset.mag_view import MagView
    from wkdist.dataset.view import View
    from wkdist.geometry import MagLike, Vec3IntLike

__all__ = ["AbstractTransform", "AffineTransform", "transform"]

# Edge of the default tile (in the mag's voxels): ~256³ voxels take ~1.5 GB of
# coordinate arrays at most, so tiles are rounded up to whole input chunks only.
_TILE_EDGE = 256


class AbstractTransform(ABC):
    """A picklable map of ``(N, 3)`` Mag(1) positions to ``(N, 3)`` Mag(1) positions,
    with its inverse. :func:`transform` samples the input through the inverse."""

    @abstractmethod
    def apply(self, points: np.ndarray) -> np.ndarray:
        """The forward transform of ``(N, 3)`` points."""

    def __call__(self, points: np.ndarray) -> np.ndarray:
        return self.apply(points)

    @abstractmethod
    def inverse(self) -> AbstractTransform:
        """The inverse transform."""

    def transform_bbox(self, bbox: BoundingBox) -> BoundingBox:
        """The smallest box holding the transformed corners of ``bbox``."""
        low, high = np.array(bbox.topleft), np.array(bbox.bottomright)
        corners = np.array(
            [[(low, high)[bit >> axis & 1][axis] for axis in range(3)] for bit in range(8)],
            dtype=np.float64,
        )
        moved = np.asarray(self(corners), dtype=np.float64)
        topleft = np.floor(moved.min(axis=0)).astype(np.int64)
        bottomright = np.ceil(moved.max(axis=0)).astype(np.int64)
        return BoundingBox(topleft, bottomright - topleft)


class AffineTransform(AbstractTransform):
    """The transform of a 4×4 homogeneous matrix (acting on column vectors)."""

    def __init__(self, matrix: np.ndarray) -> None:
        matrix = np.array(matrix, dtype=np.float64)
        if matrix.shape != (4, 4):
            raise InvalidArgumentError(f"matrix must have the shape (4, 4); got {matrix.shape}")
        self.matrix = matrix

    def apply(self, points: np.ndarray) -> np.ndarray:
        """``matrix @ (x, y, z, 1)`` for every row of ``points``."""
        moved: np.ndarray = points @ self.matrix[:3, :3].T + self.matrix[:3, 3]
        return moved

    def inverse(self) -> AffineTransform:
        """The transform of the inverse matrix."""
        return AffineTransform(np.linalg.inv(self.matrix))


@dataclass(frozen=True)
class _TransformChunk:
    """The per-shard call of :func:`transform` (picklable for process executors)."""

    input_mag: MagView
    mask_mag: MagView | None
    inverse_transform: Callable[[np.ndarray], np.ndarray]
    translation: Vec3Int
    input_box: BoundingBox
    buffer_shape: Vec3Int
    fill_value: float | None

    def __call__(self, args: tuple[View, int]) -> None:
        view = args[0]
        mag = view.mag.to_vec3_int()
        box = view._box_3d("transform")
        if self.fill_value is None:
            out = view.read()  # voxels without a source keep their value
        else:
            shape = (self.input_mag.num_channels, *box.in_mag(view.mag).size)
            out = np.full(shape, self.fill_value, dtype=self.input_mag.get_dtype())
        tile = self.buffer_shape * mag
        for part in box.chunk(tile, tile):
            self._fill(part, box.topleft, mag, out)
        view.write(out, allow_unaligned=True)

    def _fill(self, part: BoundingBox, origin: Vec3Int, mag: Vec3Int, out: np.ndarray) -> None:
        step = np.array(mag)
        axes = [
            np.arange(low, high, stride, dtype=np.float64)
            for low, high, stride in zip(part.topleft, part.bottomright, step, strict=True)
        ]
        targets = np.stack([a.ravel() for a in np.meshgrid(*axes, indexing="ij")], axis=1)
        sources = np.asarray(
            self.inverse_transform(targets - np.array(self.translation)), dtype=np.float64
        )
        with np.errstate(invalid="ignore"):  # NaN rows have no source
            inside = (
                (sources >= np.array(self.input_box.topleft))
                & (sources <= np.array(self.input_box.bottomright) - step)
            ).all(axis=1)
        if not inside.any():
            return
        voxels = np.floor(sources[inside] / step + 0.5).astype(np.int64)  # mag voxels
        cells = ((targets[inside] - np.array(origin)) / step).astype(np.int64)
        low = voxels.min(axis=0)
        read_box = BoundingBox(low, voxels.max(axis=0) + 1 - low).from_mag_to_mag1(Mag(mag))
        local = (voxels - low).T
        if self.mask_mag is not None:
            mask = self.mask_mag.read(absolute_bounding_box=read_box)
            keep = (mask[:, local[0], local[1], local[2]] > 0).all(axis=0)
            local, cells = local[:, keep], cells[keep]
        data = self.input_mag.read(absolute_bounding_box=read_box)
        out[:, cells[:, 0], cells[:, 1], cells[:, 2]] = data[:, local[0], local[1], local[2]]


def _check_layers(input_layer: Layer, output_layer: Layer) -> None:
    if input_layer.bounding_box.is_empty():
        raise InvalidArgumentError(
            f"input layer {input_layer.name!r} has an empty bounding box; write data or set it"
        )
    for what in ("dtype", "num_channels"):
        if getattr(input_layer, what) != getattr(output_layer, what):
            raise InvalidArgumentError(
                f"output layer {output_layer.name!r} has {what} {getattr(output_layer, what)}, "
                f"input layer {input_layer.name!r} {getattr(input_layer, what)}; they must match"
            )


def _mag_of(layer: Layer, mag: Mag, role: str) -> MagView:
    if mag not in layer.mags:
        raise NotFoundError(f"mag {mag} is not a mag of {role} {layer.name!r}")
    return layer.get_mag(mag)


def transform(
    input_layer: Layer,
    output_layer: Layer,
    transform: AbstractTransform | None = None,
    *,
    inverse_transform: Callable[[np.ndarray], np.ndarray] | None = None,
    mag: MagLike | None = None,
    output_bbox: BoundingBox | None = None,
    fill_value: float | None = None,
    input_mask_layer: Layer | None = None,
    translate_to_positive: bool = False,
    chunk_shape: Vec3IntLike | None = None,
    buffer_shape: Vec3IntLike | int | None = None,
    executor: Executor | None = None,
    progress_desc: str | None = None,
) -> BoundingBox:
    """Resample ``input_layer`` into ``output_layer`` through a coordinate transform.

    Parameters
    ----------
    input_layer, output_layer
        Layers of the same dtype and channel count (any datasets).
    transform
        A forward :class:`AbstractTransform` (input to output positions); it is
        inverted with its ``inverse()``. Give this or ``inverse_transform``.
    inverse_transform
        A picklable callable mapping ``(N, 3)`` output positions to input
        positions (Mag(1) voxels); rows with NaN have no source.
    mag
        The mag to resample (default: the input's finest); created in the output
        layer with the input mag's chunk and shard shape if missing.
    output_bbox
        The output box, Mag(1) voxels (default: the input box transformed by
        ``transform``, else the output layer's box).
    fill_value
        Value of output voxels without a source; ``None`` keeps what was there.
    input_mask_layer
        Copy only voxels where this layer (same mag) is positive in every channel.
    translate_to_positive
        Shift an output box with a negative corner to the origin (the inverse
        transform still gets the unshifted positions); otherwise such a box is refused.
    chunk_shape
        Mag(1) voxels per call, a multiple of the output's shard shape (default one shard).
    buffer_shape
        Voxels of the mag per tile within a call (default about 256³, whole input chunks).
    executor, progress_desc
        As for :meth:`~wkdist.dataset.view.View.for_each_chunk`.

    Returns
    -------
    BoundingBox
        The box written (aligned with the mag, shifted if ``translate_to_positive``).

    Raises
    ------
    InvalidArgumentError
        If not exactly one of ``transform`` and ``inverse_transform`` is given, the
        layers do not match, or the output box is empty or (without
        ``translate_to_positive``) has a negative corner.
    NotFoundError
        If ``mag`` is missing in the input or mask layer.
    """
    if (transform is None) == (inverse_transform is None):
        raise InvalidArgumentError(
            "Exactly one of `transform` or `inverse_transform` must be provided; "
            f"got transform={transform!r}, inverse_transform={inverse_transform!r}"
        )
    inverse = transform.inverse() if transform is not None else inverse_transform
    assert inverse is not None
    _check_layers(input_layer, output_layer)
    chosen = input_layer.get_finest_mag().mag if mag is None else Mag(mag)
    input_mag = _mag_of(input_layer, chosen, "input layer")
    mask_mag = None if input_mask_layer is None else _mag_of(input_mask_layer, chosen, "mask")
    input_box = box_3d(input_layer.bounding_box, "transform")
    current = box_3d(output_layer.bounding_box, "transform")
    if output_bbox is None:
        output_bbox = transform.transform_bbox(input_box) if transform is not None else current
    if output_bbox.is_empty():
        raise InvalidArgumentError(
            f"output_bbox={output_bbox} is empty; give a box or set the output layer's box"
        )
    translation = Vec3Int.zeros()
    if translate_to_positive:
        translation = Vec3Int(np.maximum(-np.array(output_bbox.topleft), 0))
        output_bbox = output_bbox.offset(translation)
    elif not output_bbox.topleft.is_positive():
        raise InvalidArgumentError(
            f"output_bbox={output_bbox} has a negative topleft; pass translate_to_positive=True "
            "to shift it to the origin"
        )
    output_bbox = output_bbox.align_with_mag(chosen, ceil=True)
    output_layer.bounding_box = (
        output_bbox if current.is_empty() else current.extended_by(output_bbox)
    )
    output_mag = (
        output_layer.get_mag(chosen)
        if chosen in output_layer.mags
        else output_layer._initialize_mag_from_other_mag(chosen, input_mag, compress=True)
    )
    if buffer_shape is None:
        chunk = input_mag.info.chunk_shape
        tile = chunk * Vec3Int.full(_TILE_EDGE).ceildiv(chunk).pairmax(1)
    else:
        tile = (
            Vec3Int.full(buffer_shape) if isinstance(buffer_shape, int) else Vec3Int(buffer_shape)
        )
    job = _TransformChunk(
        input_mag=input_mag,
        mask_mag=mask_mag,
        inverse_transform=inverse,
        translation=translation,
        input_box=input_box.align_with_mag(chosen),
        buffer_shape=tile,
        fill_value=fill_value,
    )
    output_mag.get_view(absolute_bounding_box=output_bbox).for_each_chunk(
        job, chunk_shape=chunk_shape, executor=executor, progress_desc=progress_desc
    )
    return output_bbox
