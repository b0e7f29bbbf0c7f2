"""Naming boxes of a view: the keyword forms of the API turned into one absolute
Mag(1) box, and the shard-alignment checks of writes and writable sub-views.
Functions of a view's public values (box, mag, layout), used by the view
classes and their mixins."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, cast

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, NDBoundingBox, Vec3Int
from wkdist.storage import DataFormat

if TYPE_CHECKING:
    from wkdist.dataset.view import View
    from wkdist.geometry import Vec3IntLike


def as_view(mixin: object) -> View:
    """``self`` of a method of View's mixins (chunk-wise, slice buffers), as the View it is."""
    return cast("View", mixin)


def resolve_box(
    view: View,
    *,
    method: str,
    size: Vec3IntLike | None = None,
    relative_offset: Vec3IntLike | None = None,
    absolute_offset: Vec3IntLike | None = None,
    relative_bounding_box: BoundingBox | NDBoundingBox | None = None,
    absolute_bounding_box: BoundingBox | NDBoundingBox | None = None,
    offset: Vec3IntLike | None = None,
    size_in_mag: Vec3IntLike | None = None,
    view_box: BoundingBox | None = None,
) -> BoundingBox:
    """Turn the many ways to name a box into one absolute Mag(1) box.

    ``offset`` (first API edition) is in this mag's voxels, and so is the
    ``size`` that comes with it. ``size_in_mag`` is the shape of written data.
    ``view_box`` is the view's box if the caller has it at hand.
    """

    def own_box() -> BoundingBox:
        return view._box_3d(method) if view_box is None else view_box

    given = {
        name: value
        for name, value in (
            ("relative_offset", relative_offset),
            ("absolute_offset", absolute_offset),
            ("relative_bounding_box", relative_bounding_box),
            ("absolute_bounding_box", absolute_bounding_box),
            ("offset", offset),
        )
        if value is not None
    }
    if len(given) > 1:
        raise InvalidArgumentError(
            f"{method}() takes one of relative_offset, absolute_offset, "
            f"relative_bounding_box, absolute_bounding_box and offset; got {sorted(given)}"
        )
    boxes_given = relative_bounding_box is not None or absolute_bounding_box is not None
    if boxes_given and (size is not None or size_in_mag is not None):
        raise InvalidArgumentError(
            f"{method}() got a bounding box and a size; pass only the bounding box"
        )
    mag = view.mag.to_vec3_int()
    if absolute_bounding_box is not None:
        box = BoundingBox(absolute_bounding_box.topleft_xyz, absolute_bounding_box.size_xyz)
    elif relative_bounding_box is not None:
        box = BoundingBox(
            relative_bounding_box.topleft_xyz, relative_bounding_box.size_xyz
        ).offset(own_box().topleft)
    elif offset is not None:
        warnings.warn(
            f"{method}(offset=...) counts in the mag's own voxels (first API edition); "
            "use absolute_offset= in Mag(1) voxels instead",
            FutureWarning,
            stacklevel=3,
        )
        own_size = size_in_mag if size_in_mag is not None else size
        if own_size is None:
            raise InvalidArgumentError(f"{method}(offset=...) needs size= as well")
        box = BoundingBox(Vec3Int(offset), Vec3Int(own_size)).from_mag_to_mag1(view.mag)
    else:
        if size_in_mag is not None:
            mag1_size = Vec3Int(size_in_mag) * mag
        elif size is not None and relative_offset is None and absolute_offset is None:
            # The reference's deprecated form: a size alone counts in this mag's voxels.
            mag1_size = Vec3Int(size) * mag
        elif size is not None:
            mag1_size = Vec3Int(size)
        elif relative_offset is None and absolute_offset is None:
            return own_box()
        else:
            raise InvalidArgumentError(
                f"{method}() got an offset but no size; pass size= (in Mag(1) voxels)"
            )
        if absolute_offset is not None:
            topleft = Vec3Int(absolute_offset)
        else:
            rel = Vec3Int(relative_offset) if relative_offset is not None else Vec3Int.zeros()
            topleft = own_box().topleft + rel
        box = BoundingBox(topleft, mag1_size)
    if not box.size.is_positive(strictly_positive=True):
        raise InvalidArgumentError(
            f"{method}(): the size {box.size} (in Mag(1) voxels) contains a zero or "
            "negative value; every dimension must be at least 1"
        )
    if not box.topleft.is_positive():
        raise InvalidArgumentError(
            f"{method}(): the offset {box.topleft} (in Mag(1) voxels) is negative; "
            "offsets must be >= 0"
        )
    return box


def resolve_mag1_box(
    view: View,
    *,
    relative_offset: Vec3IntLike | None = None,
    absolute_offset: Vec3IntLike | None = None,
    relative_bounding_box: BoundingBox | None = None,
    absolute_bounding_box: BoundingBox | None = None,
) -> tuple[Vec3Int, BoundingBox | None]:
    """The absolute Mag(1) top-left corner and, if a box was given, the absolute box
    (default: the view's own box)."""
    given = [
        v for v in (relative_offset, absolute_offset, relative_bounding_box, absolute_bounding_box)
        if v is not None
    ]
    if len(given) > 1:
        raise InvalidArgumentError(
            "pass only one of relative_offset, absolute_offset, relative_bounding_box and "
            "absolute_bounding_box"
        )
    if absolute_bounding_box is not None:
        return absolute_bounding_box.topleft, absolute_bounding_box
    view_box = view._box_3d("buffered slice access")
    if relative_bounding_box is not None:
        box = relative_bounding_box.offset(view_box.topleft)
        return box.topleft, box
    if absolute_offset is not None:
        return Vec3Int(absolute_offset), None
    if relative_offset is not None:
        return view_box.topleft + Vec3Int(relative_offset), None
    return view_box.topleft, view_box


def check_shard_alignment(view: View, box: BoundingBox, view_box: BoundingBox) -> None:
    """Raise (warn for raw WKW) unless the Mag(1) ``box`` covers whole shards,
    clipped to the Mag(1) ``view_box``."""
    spec = view.info
    box_in_mag = box.in_mag(view.mag)
    view_in_mag = view_box.in_mag(view.mag)
    aligned = box_in_mag.align_with_mag(spec.shard_shape, ceil=True)
    if aligned.intersected_with(view_in_mag, dont_assert=True) == box_in_mag:
        return
    message = (
        f"The box to write {box_in_mag} (in mag {view.mag.to_layer_name()} voxels) "
        f"is not aligned with the shard shape {tuple(spec.shard_shape)} of {view.path}. "
        "Write whole shards (BoundingBox.align_with_mag(shard_shape, ceil=True), clipped "
        "to the layer's box), or pass allow_unaligned=True and make sure no other "
        "writer touches the same shards at the same time."
    )
    if spec.data_format == DataFormat.WKW and not spec.compressed:
        warnings.warn(message, UserWarning, stacklevel=4)
        return
    raise InvalidArgumentError(message)


def warn_if_unaligned_view(view: View, box: BoundingBox) -> None:
    """Writable views that do not cover whole shards are unsafe to write in parallel."""
    shard = view.info.shard_shape
    box_in_mag = box.in_mag(view.mag)
    whole = box_in_mag.align_with_mag(shard, ceil=True).intersected_with(
        view._box_3d("get_view").in_mag(view.mag), dont_assert=True
    )
    if whole != box_in_mag:
        warnings.warn(
            f"[WARNING] get_view() was called without shard alignment: the box "
            f"{box_in_mag} (mag {view.mag.to_layer_name()} voxels) is not aligned with "
            f"the shard shape {tuple(shard)}. Use such views only sequentially; "
            "parallel writes through them may lose data.",
            UserWarning,
            stacklevel=3,
        )
