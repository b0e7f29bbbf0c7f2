"""Copying and upsampling mags of n-d layers (axes beyond c, x, y, z).

The shard jobs of wkdist plan in x, y, z only; n-d layers are rare and small
(time series of a few volumes), so their mags are copied and upsampled here, in
this process, one position of the other axes and one x, y, z piece at a time.
Downsampling n-d layers is refused (see ``resampling``).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, NDBoundingBox, Vec3Int
from wkdist.jobs.downsampling import upsample_cxyz
from wkdist.properties import CXYZ_AXES

if TYPE_CHECKING:
    from collections.abc import Iterator

    from wkdist.dataset.mag_view import MagView

#: edge of the x, y, z pieces (Mag voxels; rounded to whole chunks)
_PIECE_EDGE = 512


def _nd_box(view: MagView) -> NDBoundingBox:
    box = view.bounding_box
    if isinstance(box, BoundingBox):
        raise InvalidArgumentError(f"{view!r} belongs to a layer with only c, x, y, z axes")
    return box


def _pieces(target: MagView) -> Iterator[NDBoundingBox]:
    """Mag(1) boxes covering ``target``'s box: chunk-aligned x, y, z pieces, one
    position along every other axis (c whole)."""
    box = _nd_box(target)
    chunk = target.info.chunk_shape
    edge = chunk * (Vec3Int.full(_PIECE_EDGE) // chunk).pairmax(1) * target.mag.to_vec3_int()
    extra = [a for a in box.axes if a not in CXYZ_AXES]
    for xyz in BoundingBox(box.topleft_xyz, box.size_xyz).chunk(edge, edge):
        piece = box.with_topleft_xyz(xyz.topleft).with_size_xyz(xyz.size)
        for position in itertools.product(*(range(*box.get_bounds(a)) for a in extra)):
            for axis, index in zip(extra, position, strict=True):
                piece = piece.with_bounds(axis, index, 1)
            yield piece


def copy_nd_mag(source: MagView, target: MagView) -> None:
    """Copy the voxels of ``source`` into ``target`` (same mag and axes; target
    pre-sized to its layer's box)."""
    for piece in _pieces(target):
        data = source.read(absolute_bounding_box=piece)
        target.write(data, absolute_bounding_box=piece, allow_unaligned=True)


def upsample_nd_mag(source: MagView, target: MagView) -> None:
    """Compute ``target`` from the coarser ``source`` (of a layer with the same
    axes) by repeating voxels (nearest)."""
    factors = source.mag.to_vec3_int() // target.mag.to_vec3_int()
    if factors * target.mag.to_vec3_int() != source.mag.to_vec3_int():
        raise InvalidArgumentError(
            f"mag {source.mag.to_layer_name()} is not a whole multiple of "
            f"{target.mag.to_layer_name()}; cannot upsample"
        )
    for piece in _pieces(target):
        covering = piece.align_with_mag(source.mag, ceil=True)
        data = upsample_cxyz(source.read_cxyz(absolute_bounding_box=covering), list(factors))
        start = (piece.topleft_xyz - covering.topleft_xyz) // target.mag.to_vec3_int()
        end = start + piece.in_mag(target.mag).size_xyz
        data = data[:, start.x : end.x, start.y : end.y, start.z : end.z]
        target.write_cxyz(data, absolute_bounding_box=piece, allow_unaligned=True)
