"""The box of a layer's array, with its channel axis: :class:`NormalizedBoundingBox`
(at the reference's module path ``webknossos.geometry.normalized_bounding_box``)."""

from __future__ import annotations

from typing import Any, Self

from wkdist.errors import InvalidArgumentError
from wkdist.geometry.nd_bounding_box import DEFAULT_AXIS_ORDER, NDBoundingBox

# the reference's private spelling, which its users' tests import
_DEFAULT_AXIS_ORDER = DEFAULT_AXIS_ORDER

__all__ = ["DEFAULT_AXIS_ORDER", "NormalizedBoundingBox"]

_CXYZ = ("c", "x", "y", "z")


def _is_xyz_box(box: object) -> bool:
    return isinstance(box, NDBoundingBox) and tuple(box.axes) == _CXYZ[1:]


class NormalizedBoundingBox(NDBoundingBox):
    """An :class:`NDBoundingBox` of a layer's array: with its ``c`` (channel) axis.

    Compared or combined with a 3-d ``BoundingBox``, only ``x, y, z`` count and
    the channel count is kept. :meth:`from_wkw_dict`/:meth:`to_wkw_dict` read and
    write the ``boundingBox`` entry of ``datasource-properties.json`` (with
    ``numChannels``, ``channelIndex``, ``axisOrder`` and ``additionalAxes``).
    """

    __slots__ = ()

    def denormalize(self) -> NDBoundingBox:
        """A 3-d ``BoundingBox`` for axes ``c, x, y, z``, else a plain NDBoundingBox."""
        if self.axes == _CXYZ and NDBoundingBox.xyz_box_factory is not None:
            return NDBoundingBox.xyz_box_factory(  # type: ignore[no-any-return]
                self.topleft_xyz, self.size_xyz, self.name, self.is_visible, self.color
            )
        return NDBoundingBox(
            self.topleft, self.size, self.axes, self.index, self.name, self.is_visible, self.color
        )

    def __eq__(self, other: object) -> bool:
        if _is_xyz_box(other):
            return self.axes == _CXYZ and self.denormalize() == other
        return super().__eq__(other)

    def __hash__(self) -> int:
        return super().__hash__()

    def intersected_with(self, other: NDBoundingBox, dont_assert: bool = False) -> Self:
        if _is_xyz_box(other) and self.axes == _CXYZ:
            xyz = self.denormalize().intersected_with(other, dont_assert)
            return self.with_topleft_xyz(xyz.topleft_xyz).with_size_xyz(xyz.size_xyz)
        return super().intersected_with(other, dont_assert)

    def extended_by(self, other: NDBoundingBox) -> Self:
        if _is_xyz_box(other) and self.axes == _CXYZ:
            xyz = self.denormalize().extended_by(other)
            return self.with_topleft_xyz(xyz.topleft_xyz).with_size_xyz(xyz.size_xyz)
        return super().extended_by(other)

    def contains_bbox(self, inner_bbox: NDBoundingBox) -> bool:
        if _is_xyz_box(inner_bbox) and self.axes == _CXYZ:
            return self.denormalize().contains_bbox(inner_bbox)
        return super().contains_bbox(inner_bbox)

    @classmethod
    def from_wkw_dict(cls, bbox: dict[str, Any]) -> NormalizedBoundingBox:
        """Read a ``boundingBox`` entry of ``datasource-properties.json``.

        Raises
        ------
        InvalidArgumentError
            (an ``AssertionError``) if ``additionalAxes`` come without ``axisOrder``.
        """
        extra = bbox.get("additionalAxes") or []
        if extra and "axisOrder" not in bbox:
            raise InvalidArgumentError(
                f"a boundingBox with additionalAxes needs an axisOrder, got {bbox!r}"
            )
        order = dict(bbox.get("axisOrder") or DEFAULT_AXIS_ORDER)
        start = {"c": bbox.get("channelIndex", 0), "x": bbox["topLeft"][0],
                 "y": bbox["topLeft"][1], "z": bbox["topLeft"][2]}  # fmt: skip
        size = {"c": bbox.get("numChannels", 1), "x": bbox["width"],
                "y": bbox["height"], "z": bbox["depth"]}  # fmt: skip
        for axis in extra:
            low, high = axis["bounds"]
            start[axis["name"]], size[axis["name"]] = low, high - low
            order.setdefault(axis["name"], axis["index"])
        if order == {"x": 1, "y": 2, "z": 3}:  # the default order, channel left implicit
            order["c"] = 0
        names = sorted(order, key=lambda a: order[a])
        return cls(
            [start[a] for a in names], [size[a] for a in names], names, [order[a] for a in names]
        )

    def to_wkw_dict(self) -> dict[str, Any]:
        """The ``boundingBox`` entry for ``datasource-properties.json``."""
        out: dict[str, Any] = {
            "topLeft": self.topleft_xyz.to_list(),
            "width": self.size_xyz.x,
            "height": self.size_xyz.y,
            "depth": self.size_xyz.z,
        }
        extra = [
            {"name": a, "bounds": [b, e], "index": i}
            for a, b, e, i in zip(
                self.axes, self.topleft, self.bottomright, self.index, strict=True
            )
            if a not in _CXYZ
        ]
        if extra:
            out["additionalAxes"] = extra
        order = {a: i for a, i in zip(self.axes, self.index, strict=True) if a in _CXYZ}
        if order:
            out["axisOrder"] = order
        if "c" in self.axes:
            if self.topleft.c != 0:
                out["channelIndex"] = self.topleft.c
            out["numChannels"] = self.size.c
        return out


NDBoundingBox.normalized_box_factory = NormalizedBoundingBox
