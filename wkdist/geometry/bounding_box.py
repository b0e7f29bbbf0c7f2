"""Axis-aligned 3-d integer boxes: the value type. Its serializations come from
:mod:`~wkdist.geometry.box_serialization`, alignment to mags/grids and iteration
over grids from :mod:`~wkdist.geometry.grid`.

Grid cells are always visited in one order: x outermost, z innermost (see
:mod:`wkdist.geometry.grid`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

import numpy as np

from wkdist.errors import InvalidArgumentError

from .box_serialization import BoxSerialization
from .grid import BoxGrid
from .mag import Mag, MagLike
from .nd_bounding_box import NDBoundingBox
from .normalized_bounding_box import NormalizedBoundingBox
from .vec3_int import Vec3Int, Vec3IntLike

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["BoundingBox", "BoundingBoxLike"]

_DEFAULT_NAME = "Unnamed Bounding Box"
_AXES = ("x", "y", "z")


def _axis_index(axis: str) -> int:
    try:
        return _AXES.index(axis)
    except ValueError:
        raise KeyError(f"axis={axis!r} does not exist; expected one of {_AXES}.") from None


@dataclass(frozen=True, slots=True, init=False, eq=False, repr=False)
class BoundingBox(BoxSerialization, BoxGrid):
    """An axis-aligned box of voxels; ``topleft`` inclusive, ``bottomright`` exclusive.

    Parameters
    ----------
    topleft
        Smallest corner (inclusive), in voxels of the box's mag.
    size
        Extent per axis. A negative size is flipped so that the box spans the
        same voxels: ``BoundingBox((10, 0, 0), (-5, 1, 1)) == BoundingBox((5, 0, 0), (5, 1, 1))``.
    name, is_visible, color
        Display attributes kept for compatibility with webknossos; they are
        ignored by equality and hashing.

    Notes
    -----
    ``bottomright`` is ``topleft + size`` and stored on construction.
    """

    #: As an ``NDBoundingBox``: the axes and their array positions (after ``c``).
    axes: ClassVar[tuple[str, str, str]] = _AXES
    index: ClassVar[Vec3Int] = Vec3Int(1, 2, 3)

    topleft: Vec3Int
    size: Vec3Int
    bottomright: Vec3Int = field(init=False)
    name: str | None
    is_visible: bool
    color: tuple[float, float, float, float] | None

    def __init__(
        self,
        topleft: Vec3IntLike,
        size: Vec3IntLike,
        name: str | None = _DEFAULT_NAME,
        is_visible: bool = True,
        color: tuple[float, float, float, float] | None = None,
    ) -> None:
        tl = topleft if type(topleft) is Vec3Int else Vec3Int(topleft)
        sz = size if type(size) is Vec3Int else Vec3Int(size)
        if not sz.is_positive():
            tl = tl + sz.pairmin(0)
            sz = Vec3Int(abs(v) for v in sz)
        setattr_ = object.__setattr__
        setattr_(self, "topleft", tl)
        setattr_(self, "size", sz)
        setattr_(self, "bottomright", tl + sz)
        setattr_(self, "name", name)
        setattr_(self, "is_visible", is_visible)
        setattr_(self, "color", color)

    def __reduce__(self) -> tuple[type[BoundingBox], tuple[Any, ...]]:
        return (
            type(self),
            (self.topleft, self.size, self.name, self.is_visible, self.color),
        )

    def _evolve(self, topleft: Vec3IntLike, size: Vec3IntLike) -> BoundingBox:
        return type(self)(topleft, size, self.name, self.is_visible, self.color)

    # ---- equality and display -----------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BoundingBox):
            return self.topleft == other.topleft and self.size == other.size
        return NotImplemented

    def __hash__(self) -> int:
        return hash((*self.topleft, *self.size))

    def __repr__(self) -> str:
        return f"BoundingBox(topleft={self.topleft.to_tuple()}, size={self.size.to_tuple()})"

    # ---- alternative constructors ---------------------------------------------------

    @classmethod
    def empty(cls) -> BoundingBox:
        """The empty box at the origin."""
        return cls(Vec3Int.zeros(), Vec3Int.zeros())

    @classmethod
    def from_points(cls, points: Iterable[Vec3IntLike]) -> BoundingBox:
        """The smallest box containing all ``points`` (each becomes a 1-voxel cube)."""
        vecs = [Vec3Int(point) for point in points]
        if not vecs:
            raise InvalidArgumentError("points must contain at least one point, got none.")
        lo = Vec3Int(min(axis) for axis in zip(*vecs, strict=True))
        hi = Vec3Int(max(axis) for axis in zip(*vecs, strict=True))
        return cls(lo, hi - lo + 1)

    @classmethod
    def group_boxes_with_aligned_mag(
        cls, bounding_boxes: Iterable[BoundingBox], aligning_mag: Mag | Vec3IntLike
    ) -> dict[BoundingBox, list[BoundingBox]]:
        """Group boxes by the ``aligning_mag``-aligned box enclosing each (``ceil=True``)."""
        groups: dict[BoundingBox, list[BoundingBox]] = defaultdict(list)
        for bbox in bounding_boxes:
            groups[bbox.align_with_mag(aligning_mag, ceil=True)].append(bbox)
        return groups

    def to_slices(self) -> tuple[slice, slice, slice]:
        """``(slice(x0, x1), slice(y0, y1), slice(z0, z1))``."""
        tl, br = self.topleft, self.bottomright
        return (slice(tl[0], br[0]), slice(tl[1], br[1]), slice(tl[2], br[2]))

    def slice_array(self, array: np.ndarray) -> np.ndarray:
        """``array[self.to_slices()]`` (the first three axes are x, y, z)."""
        return array[self.to_slices()]

    # ---- derived copies ----------------------------------------------------------------

    @property
    def topleft_xyz(self) -> Vec3Int:
        """Same as ``topleft`` (name shared with webknossos' n-d boxes)."""
        return self.topleft

    @property
    def size_xyz(self) -> Vec3Int:
        """Same as ``size`` (name shared with webknossos' n-d boxes)."""
        return self.size

    @property
    def bottomright_xyz(self) -> Vec3Int:
        """Same as ``bottomright`` (name shared with webknossos' n-d boxes)."""
        return self.bottomright

    def with_topleft(self, new_topleft: Vec3IntLike) -> BoundingBox:
        """A copy moved to ``new_topleft``, same size."""
        return self._evolve(new_topleft, self.size)

    def with_size(self, new_size: Vec3IntLike) -> BoundingBox:
        """A copy with ``new_size``, same topleft."""
        return self._evolve(self.topleft, new_size)

    def with_bottomright(self, new_bottomright: Vec3IntLike) -> BoundingBox:
        """A copy with ``new_bottomright`` (exclusive), same topleft."""
        return self._evolve(self.topleft, Vec3Int(new_bottomright) - self.topleft)

    def with_name(self, name: str | None) -> BoundingBox:
        """A copy with another display name."""
        return type(self)(self.topleft, self.size, name, self.is_visible, self.color)

    def with_is_visible(self, is_visible: bool) -> BoundingBox:
        """A copy with another visibility flag."""
        return type(self)(self.topleft, self.size, self.name, is_visible, self.color)

    def with_color(self, color: tuple[float, float, float, float] | None) -> BoundingBox:
        """A copy with another RGBA display colour."""
        return type(self)(self.topleft, self.size, self.name, self.is_visible, color)

    def with_bounds(
        self, axis: str, new_topleft: int | None = None, new_size: int | None = None
    ) -> BoundingBox:
        """A copy with the start and/or size along ``axis`` (``"x"``, ``"y"``, ``"z"``) replaced."""
        index = _axis_index(axis)
        topleft, size = list(self.topleft), list(self.size)
        if new_topleft is not None:
            topleft[index] = new_topleft
        if new_size is not None:
            size[index] = new_size
        return self._evolve(topleft, size)

    def with_bounds_x(
        self, new_topleft_x: int | None = None, new_size_x: int | None = None
    ) -> BoundingBox:
        """``with_bounds("x", ...)``."""
        return self.with_bounds("x", new_topleft_x, new_size_x)

    def with_bounds_y(
        self, new_topleft_y: int | None = None, new_size_y: int | None = None
    ) -> BoundingBox:
        """``with_bounds("y", ...)``."""
        return self.with_bounds("y", new_topleft_y, new_size_y)

    def with_bounds_z(
        self, new_topleft_z: int | None = None, new_size_z: int | None = None
    ) -> BoundingBox:
        """``with_bounds("z", ...)``."""
        return self.with_bounds("z", new_topleft_z, new_size_z)

    def get_bounds(self, axis: str) -> tuple[int, int]:
        """``(start, end)`` along ``axis``; end exclusive."""
        index = _axis_index(axis)
        return (self.topleft[index], self.bottomright[index])

    def get_shape(self, axis_name: str) -> int:
        """Size along ``axis_name``."""
        return self.size[_axis_index(axis_name)]

    def offset(self, vector: Vec3IntLike) -> BoundingBox:
        """A copy moved by ``vector``."""
        return self._evolve(self.topleft + Vec3Int(vector), self.size)

    def padded_with_margins(
        self, margins_left: Vec3IntLike, margins_right: Vec3IntLike | None = None
    ) -> BoundingBox:
        """Grow by ``margins_left`` before topleft and ``margins_right`` (default: the same) after bottomright."""
        left = Vec3Int(margins_left)
        right = left if margins_right is None else Vec3Int(margins_right)
        return self._evolve(self.topleft - left, self.size + left + right)

    # ---- set operations -------------------------------------------------------------

    def is_empty(self) -> bool:
        """Whether the box has no voxel (some size is 0)."""
        return not self.size.is_positive(strictly_positive=True)

    def volume(self) -> int:
        """Number of voxels."""
        return self.size.prod()

    def intersected_with(self, other: BoundingBox, dont_assert: bool = False) -> BoundingBox:
        """The overlap of both boxes (name and display attributes from ``self``; with an
        ``NDBoundingBox`` of other axes, e.g. a ``NormalizedBoundingBox``, of its type).

        Parameters
        ----------
        other
            Box in the same mag as this one.
        dont_assert
            Return an empty box instead of raising when the boxes do not overlap.

        Raises
        ------
        InvalidArgumentError
            If the boxes do not overlap, unless ``dont_assert`` is set; then an
            empty box is returned.
        """
        if not _is_3d(other):  # e.g. a NormalizedBoundingBox: its type wins
            return other.intersected_with(self, dont_assert)
        topleft = self.topleft.pairmax(other.topleft)
        size = (self.bottomright.pairmin(other.bottomright) - topleft).pairmax(0)
        result = self._evolve(topleft, size)
        if not dont_assert and result.is_empty():
            raise InvalidArgumentError(
                f"No intersection between bounding boxes {self} and {other}; "
                "pass dont_assert=True to get an empty box instead."
            )
        return result

    def extended_by(self, other: BoundingBox) -> BoundingBox:
        """The smallest box containing both boxes; an empty box is neutral. With an
        ``NDBoundingBox`` of other axes (a ``NormalizedBoundingBox``) the result is of its type."""
        if not _is_3d(other):
            return other.extended_by(self)
        if self.is_empty():
            return other
        if other.is_empty():
            return self
        topleft = self.topleft.pairmin(other.topleft)
        return self._evolve(topleft, self.bottomright.pairmax(other.bottomright) - topleft)

    def contains(self, coord: Vec3IntLike | np.ndarray) -> bool:
        """Whether the point ``coord`` (three numbers, floats allowed) lies inside."""
        point = coord.tolist() if isinstance(coord, np.ndarray) else tuple(coord)
        if len(point) != 3:
            raise InvalidArgumentError(f"coord={coord!r} must have exactly three components.")
        x, y, z = point
        tl, br = self.topleft, self.bottomright
        return bool(tl[0] <= x < br[0] and tl[1] <= y < br[1] and tl[2] <= z < br[2])

    def contains_bbox(self, inner_bbox: BoundingBox) -> bool:
        """Whether ``inner_bbox`` lies completely inside this box."""
        return inner_bbox.intersected_with(self, dont_assert=True) == inner_bbox

    # ---- mags and grids -------------------------------------------------------------

    def in_mag(self, mag: MagLike) -> BoundingBox:
        """Convert from Mag(1) voxels to voxels of ``mag``.

        Parameters
        ----------
        mag
            Target mag; anything ``Mag()`` accepts.

        Raises
        ------
        InvalidArgumentError
            If topleft or bottomright is not divisible by ``mag``; use
            ``align_with_mag`` first.
        """
        vec = Mag(mag).to_vec3_int()
        for corner_name, corner in (("topleft", self.topleft), ("bottomright", self.bottomright)):
            if any(corner % vec):
                raise InvalidArgumentError(
                    f"{corner_name} {corner} of {self} is not aligned with mag {Mag(mag)}; "
                    "use BoundingBox.align_with_mag() first."
                )
        return self._evolve(self.topleft // vec, self.size // vec)

    def from_mag_to_mag1(self, from_mag: MagLike) -> BoundingBox:
        """Convert from voxels of ``from_mag`` (anything ``Mag()`` accepts) to Mag(1) voxels."""
        vec = Mag(from_mag).to_vec3_int()
        return self._evolve(self.topleft * vec, self.size * vec)

    def normalize_axes(self, num_channels: int) -> NormalizedBoundingBox:
        """The box with a leading ``c`` axis of ``num_channels`` channels."""
        return NormalizedBoundingBox(
            (0, *self.topleft), (num_channels, *self.size), ("c", *_AXES), (0, *self.index),
            self.name, self.is_visible, self.color,
        )  # fmt: skip

    def denormalize(self) -> BoundingBox:
        """The box itself (for code written for ``NDBoundingBox``)."""
        return self


def _is_3d(box: object) -> bool:
    # Typed as taking any object: the methods accept NDBoundingBoxes their annotations omit.
    return isinstance(box, BoundingBox)


# A BoundingBox is the 3-d NDBoundingBox (with its own fast implementation).
NDBoundingBox.register(BoundingBox)
NDBoundingBox.xyz_box_factory = BoundingBox

BoundingBoxLike: TypeAlias = BoundingBox | str | dict[str, Any] | list[Any] | tuple[Any, ...]
