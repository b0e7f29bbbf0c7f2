"""A layer's axes beyond ``c, x, y, z``: its n-d box from and into the stored form.

``datasource-properties.json`` keeps the x, y, z box in ``boundingBox``, the
positions of c, x, y, z in the mags' ``axisOrder`` (in ``boundingBox`` while a
layer has no mags) and every other axis in ``additionalAxes`` (name, bounds,
index). A layer is *n-d* if it has additional axes or no channel axis (2-d
layers have no z either: ``null`` as z in ``boundingBox``); its box
is then an :class:`~wkdist.geometry.NDBoundingBox` whose axes are the stored
axes in stored order. All other layers keep the plain 3-d ``BoundingBox``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, NDBoundingBox, NormalizedBoundingBox

if TYPE_CHECKING:
    from wkdist.properties.model import LayerProperties

__all__ = [
    "CXYZ_AXES",
    "box_3d",
    "extended_layer_box",
    "extra_axis_ends",
    "layer_axes",
    "layer_box",
    "with_layer_box",
    "without_mags",
]

#: the axes of 3-d layers, in their default stored order
CXYZ_AXES = ("c", "x", "y", "z")
_CXYZ = CXYZ_AXES
#: the default order, channel left implicit (files from before webknossos 3.2.3)
_IMPLICIT_CHANNEL = {"x": 1, "y": 2, "z": 3}


def _axis_order(layer: LayerProperties) -> dict[str, int] | None:
    """The stored positions of c, x, y, z (``None``: the default c, x, y, z)."""
    order = layer.mags[0].axis_order if layer.mags else layer.bounding_box_extras.get("axisOrder")
    return None if order is None else dict(order)


def layer_box(layer: LayerProperties) -> BoundingBox | NDBoundingBox:
    """The layer's box in Mag(1) voxels: ``layer.bounding_box`` for 3-d layers, else an
    ``NDBoundingBox`` over the stored axes (with ``c`` sized ``num_channels`` if stored)."""
    if not layer.additional_axes:  # the common 3-d case, without copies
        raw = layer.mags[0].axis_order if layer.mags else layer.bounding_box_extras.get("axisOrder")
        if raw is None or "c" in raw or raw == _IMPLICIT_CHANNEL:
            return layer.bounding_box
    order = _axis_order(layer)
    stored: dict[str, Any] = {
        **layer.bounding_box.to_wkw_dict(),
        "axisOrder": order or {"c": 0, "x": 1, "y": 2, "z": 3},
        "additionalAxes": list(layer.additional_axes or ()),
        "numChannels": layer.num_channels,
    }
    return NormalizedBoundingBox.from_wkw_dict(stored).denormalize()


def layer_axes(layer: LayerProperties) -> tuple[str, ...] | None:
    """The stored axes of an n-d layer in stored order; ``None`` for 3-d layers."""
    box = layer_box(layer)
    return None if isinstance(box, BoundingBox) else tuple(box.axes)


def with_layer_box(
    layer: LayerProperties, box: BoundingBox | NDBoundingBox
) -> LayerProperties:
    """``layer`` with the box ``box`` (Mag(1) voxels, topleft >= 0).

    A 3-d ``BoundingBox`` on an n-d layer sets x, y, z and keeps the other axes.
    An ``NDBoundingBox`` sets the layer's axes (a layer with mags keeps its axes:
    the box must have them); one over exactly ``c, x, y, z`` in that order is a
    3-d box.

    Raises
    ------
    InvalidArgumentError
        If the box has a negative topleft, lacks x or y, has no ``c`` but the
        layer more than one channel, or does not match the axes of the layer's mags.
    """
    if not box.topleft.is_positive():
        raise InvalidArgumentError(
            f"the box of layer {layer.name!r} must have topleft >= 0; got {box!r}"
        )
    current = layer_box(layer)
    if isinstance(box, BoundingBox):
        if isinstance(current, BoundingBox):
            return dataclasses.replace(layer, bounding_box=box)
        box = current.with_topleft_xyz(box.topleft_xyz).with_size_xyz(box.size_xyz)
    if not {"x", "y"} <= set(box.axes):
        raise InvalidArgumentError(
            f"the box of layer {layer.name!r} must have x and y axes; got {box!r}"
        )
    if tuple(box.axes) == _CXYZ:
        return with_layer_box(layer, BoundingBox(box.topleft_xyz, box.size_xyz))
    if "c" not in box.axes and layer.num_channels != 1:
        raise InvalidArgumentError(
            f"layer {layer.name!r} has {layer.num_channels} channels, so its box needs a "
            f"c axis; got {box!r}"
        )
    if layer.mags:
        axes = None if isinstance(current, BoundingBox) else tuple(current.axes)
        if axes != tuple(box.axes) or tuple(current.index) != tuple(box.index):
            raise InvalidArgumentError(
                f"the box {box!r} does not have the stored axes of layer {layer.name!r} "
                f"({current!r}); a layer with mags keeps its axes"
            )
    stored = box.normalize_axes(layer.num_channels).to_wkw_dict()
    extras = {k: v for k, v in layer.bounding_box_extras.items() if k != "axisOrder"}
    extras["axisOrder"] = stored["axisOrder"]
    return dataclasses.replace(
        layer,
        bounding_box=BoundingBox(box.topleft_xyz, box.size_xyz),
        additional_axes=tuple(stored.get("additionalAxes", ())) or None,
        bounding_box_extras=extras,
    )


def box_3d(box: BoundingBox | NDBoundingBox, operation: str) -> BoundingBox:
    """``box`` if it is a 3-d ``BoundingBox``; for operations that know only c, x, y, z.

    Raises
    ------
    InvalidArgumentError
        If ``box`` has other axes (the layer is n-d): ``operation`` is refused.
    """
    if isinstance(box, BoundingBox):
        return box
    raise InvalidArgumentError(
        f"{operation} supports only layers with the axes c, x, y, z; the box {box!r} has "
        f"the axes {tuple(box.axes)}"
    )


def extended_layer_box(
    box: BoundingBox | NDBoundingBox, other: BoundingBox | NDBoundingBox
) -> BoundingBox | NDBoundingBox:
    """``box`` grown to hold ``other`` (of the same axes; a 3-d ``other`` grows x, y, z only)."""
    if isinstance(box, BoundingBox) and isinstance(other, BoundingBox):
        return box.extended_by(other)
    if isinstance(box, BoundingBox):
        return box.extended_by(BoundingBox(other.topleft_xyz, other.size_xyz))
    if isinstance(other, BoundingBox):
        xyz = BoundingBox(box.topleft_xyz, box.size_xyz).extended_by(other)
        return box.with_topleft_xyz(xyz.topleft_xyz).with_size_xyz(xyz.size_xyz)
    return box.extended_by(other)


def extra_axis_ends(box: BoundingBox | NDBoundingBox) -> dict[str, int] | None:
    """The ends of ``box`` along its axes other than c, x, y, z (``None`` for 3-d boxes)."""
    if isinstance(box, BoundingBox):
        return None
    return {a: e for a, e in zip(box.axes, box.bottomright, strict=True) if a not in _CXYZ}


def without_mags(layer: LayerProperties, **changes: Any) -> LayerProperties:
    """``layer`` without its mags (and with ``changes``); an n-d layer keeps its stored
    axis order in ``boundingBox``, where WEBKNOSSOS keeps it while a layer has no mags."""
    extras = dict(layer.bounding_box_extras)
    order = _axis_order(layer)
    if order is not None and not isinstance(layer_box(layer), BoundingBox):  # n-d only
        extras["axisOrder"] = order
    return dataclasses.replace(layer, mags=(), bounding_box_extras=extras, **changes)
