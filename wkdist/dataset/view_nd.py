"""Reading and writing views of n-d layers (axes beyond c, x, y, z, or no c).

Data exchanged by ``read``/``write`` has the layer's stored axes in stored order
(the axes of its box, e.g. ``(c, t, z, y, x)``); ``read_cxyz``/``write_cxyz``
exchange ``(C, X, Y, Z)`` and need size 1 along the other axes. Boxes are in
Mag(1) voxels; a 3-d ``BoundingBox`` names x, y, z and keeps the view's range
along the other axes; offsets and sizes are x, y, z. The plain 3-d layers never
come here (``View`` checks the box type first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from wkdist.dataset._data import coerce_dtype
from wkdist.dataset.view_boxes import check_shard_alignment
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, NDBoundingBox, Vec3Int
from wkdist.properties import CXYZ_AXES

if TYPE_CHECKING:
    from wkdist.dataset.view import View
    from wkdist.geometry import Vec3IntLike

_BOX_ARGS = ("relative_offset", "absolute_offset", "relative_bounding_box",
             "absolute_bounding_box")  # fmt: skip


def _xyz(box: BoundingBox | NDBoundingBox) -> BoundingBox:
    """The x, y, z part of ``box`` (one voxel along z for 2-d boxes)."""
    if "z" in box.axes:
        return BoundingBox(box.topleft_xyz, box.size_xyz)
    return BoundingBox(box.topleft_xyz, box.size_xyz.with_z(1))


def _on_axes(
    view_box: NDBoundingBox, box: BoundingBox | NDBoundingBox, method: str
) -> NDBoundingBox:
    """``box`` over the view's axes: x, y, z of a 3-d box, the view's channels if
    ``box`` has no c axis, the view's range along axes ``box`` lacks."""
    if isinstance(box, BoundingBox):
        return view_box.with_topleft_xyz(box.topleft_xyz).with_size_xyz(box.size_xyz)
    if not set(box.axes) <= set(view_box.axes):
        raise InvalidArgumentError(
            f"{method}(): the box {box!r} must have (some of) the axes {view_box.axes}"
        )
    out = view_box
    for axis in box.axes:
        start, end = box.get_bounds(axis)
        out = out.with_bounds(axis, start, end - start)
    return out


def resolve_nd_box(
    view: View,
    view_box: NDBoundingBox,
    method: str,
    *,
    size: Vec3IntLike | None = None,
    data_shape: tuple[int, ...] | None = None,
    **box_args: Any,
) -> NDBoundingBox:
    """The absolute Mag(1) n-d box named by one of the keyword forms (see module doc).

    ``data_shape`` (stored axes, this mag's voxels) gives the size when only an
    offset names the box.
    """
    if box_args.pop("offset", None) is not None:
        raise InvalidArgumentError(
            f"{method}(offset=...) (the first API edition) is not supported for layers "
            f"with the axes {view_box.axes}; pass absolute_offset= in Mag(1) voxels"
        )
    given = {k: v for k, v in box_args.items() if v is not None}
    if len(given) > 1:
        raise InvalidArgumentError(f"{method}() takes one of {list(_BOX_ARGS)}; got {sorted(given)}")
    mag = view.mag.to_vec3_int()
    absolute, relative = given.get("absolute_bounding_box"), given.get("relative_bounding_box")
    if (absolute is not None or relative is not None) and size is not None:
        raise InvalidArgumentError(f"{method}() got a bounding box and a size; pass only the box")
    if absolute is not None:
        box = _on_axes(view_box, absolute, method)
    elif relative is not None:
        if isinstance(relative, BoundingBox):
            box = _on_axes(view_box, relative.offset(view_box.topleft_xyz), method)
        else:
            starts = [view_box.get_bounds(a)[0] if a in view_box.axes else 0 for a in relative.axes]
            box = _on_axes(view_box, relative.offset(starts), method)
    elif data_shape is not None:
        box = view_box
        for axis, extent in zip(view_box.axes, data_shape, strict=True):
            if axis in CXYZ_AXES[1:]:
                extent *= mag[CXYZ_AXES.index(axis) - 1]
            box = box.with_bounds(axis, box.get_bounds(axis)[0], extent)
        box = _offset_xyz(view_box, box, given)
    elif size is None:
        if given:
            raise InvalidArgumentError(f"{method}() got an offset but no size; pass size=")
        return view_box
    else:
        mag1_size = Vec3Int(size) if given else Vec3Int(size) * mag
        box = _offset_xyz(view_box, view_box.with_size_xyz(mag1_size), given)
    if box.is_empty() or not box.topleft.is_positive():
        raise InvalidArgumentError(
            f"{method}(): the box {box!r} (Mag(1) voxels) must not be empty or start below 0"
        )
    return box


def _offset_xyz(view_box: NDBoundingBox, box: NDBoundingBox, given: dict[str, Any]) -> NDBoundingBox:
    if "absolute_offset" in given:
        return box.with_topleft_xyz(Vec3Int(given["absolute_offset"]))
    relative = Vec3Int(given.get("relative_offset", Vec3Int.zeros()))
    return box.with_topleft_xyz(view_box.topleft_xyz + relative)


def read_box(view: View, box: NDBoundingBox) -> np.ndarray:
    """Read the Mag(1) ``box`` (the view's axes) in stored axis order."""
    normalized = box.normalize_axes(view.num_channels if "c" in box.axes else 1)
    return view._array.with_axes(tuple(box.axes)).read_nd(normalized.in_mag(view.mag))


def to_cxyz(data: np.ndarray, axes: tuple[str, ...]) -> np.ndarray:
    """Stored-order ``data`` as ``(C, X, Y, Z)``: c and z added if missing (length 1);
    other axes must have length 1."""
    for axis, extent in zip(axes, data.shape, strict=True):
        if axis not in CXYZ_AXES and extent != 1:
            raise InvalidArgumentError(
                f"cannot return (c, x, y, z) data: the axis {axis!r} has {extent} voxels; "
                "read one position of it (a box of size 1 there), or use read()"
            )
    kept = [a for a in axes if a in CXYZ_AXES]
    missing = [a for a in CXYZ_AXES if a not in kept]
    shape = [n for a, n in zip(axes, data.shape, strict=True) if a in CXYZ_AXES]
    data = data.reshape(shape + [1] * len(missing))
    kept += missing
    return np.moveaxis(data, [kept.index(a) for a in CXYZ_AXES], range(4))


def from_cxyz(data: np.ndarray, axes: tuple[str, ...]) -> np.ndarray:
    """4-d ``(C, X, Y, Z)`` ``data`` in the stored order ``axes`` (size 1 along other axes)."""
    missing = [i for i, a in enumerate(CXYZ_AXES) if a not in axes]
    if any(data.shape[i] != 1 for i in missing):
        raise InvalidArgumentError(
            f"data of shape {data.shape} has more than one voxel along "
            f"{[CXYZ_AXES[i] for i in missing]}, which the layer ({axes}) does not have"
        )
    data = data.reshape([n for i, n in enumerate(data.shape) if i not in missing])
    source = [a for a in CXYZ_AXES if a in axes]
    extra = [a for a in axes if a not in source]
    data = data.reshape(data.shape + (1,) * len(extra))
    source += extra
    return np.moveaxis(data, [source.index(a) for a in axes], range(len(axes)))


def check_write(view: View, data: np.ndarray, box: NDBoundingBox, axes: tuple[str, ...]) -> np.ndarray:
    """``data`` (stored order, c optional) checked against the Mag(1) ``box`` and made
    the stored dtype and shape; nothing is written."""
    data = np.asarray(data)
    if "c" in axes and data.ndim == len(axes) - 1:
        data = np.expand_dims(data, axes.index("c"))
    expected = tuple(box.normalize_axes(
        view.num_channels if "c" in axes else 1).in_mag(view.mag).size)  # fmt: skip
    if tuple(data.shape) != expected:
        raise InvalidArgumentError(
            f"data has the shape {data.shape}; the box to write {box!r} has the axes {axes} "
            f"and is {expected} voxels in mag {view.mag.to_layer_name()}"
        )
    return coerce_dtype(data, view.info.dtype)


def write_box(
    view: View,
    data: np.ndarray,
    box: NDBoundingBox,
    clip_to: BoundingBox | NDBoundingBox,
    *,
    allow_unaligned: bool,
) -> None:
    """Write checked stored-order ``data`` to the Mag(1) ``box`` (shard alignment of
    x, y, z checked against ``clip_to`` unless ``allow_unaligned``)."""
    if not allow_unaligned:
        check_shard_alignment(view, _xyz(box), _xyz(clip_to))
    normalized = box.normalize_axes(view.num_channels if "c" in box.axes else 1)
    view._array.with_axes(tuple(box.axes)).write_nd(normalized.in_mag(view.mag), data)
