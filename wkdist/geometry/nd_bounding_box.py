"""An immutable n-dimensional box with named axes (``x, y, z`` plus e.g. ``t`` or ``c``)."""

from __future__ import annotations

from abc import ABCMeta
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.geometry.grid import NDBoxGrid
from wkdist.geometry.vec3_int import Vec3Int, Vec3IntLike
from wkdist.geometry.vec_int import VecInt, VecIntLike

if TYPE_CHECKING:
    from collections.abc import Iterable

    from wkdist.geometry.normalized_bounding_box import NormalizedBoundingBox

__all__ = ["DEFAULT_AXIS_ORDER", "DEFAULT_BBOX_NAME", "NDBoundingBox"]

DEFAULT_BBOX_NAME = "Unnamed Bounding Box"
_XYZ = ("x", "y", "z")
DEFAULT_AXIS_ORDER = {"c": 0, "x": 1, "y": 2, "z": 3}


class NDBoundingBox(NDBoxGrid, metaclass=ABCMeta):
    """A box over named axes: ``topleft`` (inclusive) and ``size`` per axis.

    Axes other than ``x``, ``y`` and ``z`` (time ``t``, channel ``c``, ...) are
    carried along: mag alignment, ``*_xyz`` accessors and margins only touch the
    spatial ones. The axes are kept in the order of ``index`` (their position in
    the stored array); a negative size flips the box to a positive one.
    ``BoundingBox`` counts as an ``NDBoundingBox`` with axes ``x, y, z``.

    Parameters
    ----------
    topleft, size
        One integer per axis.
    axes
        The axis names, e.g. ``("x", "y", "z", "t")``; must include x, y and z.
    index
        Position of each axis in the array (default: the given order).
    name, is_visible, color
        Annotation attributes of the box (kept, not used by wkdist).

    Raises
    ------
    InvalidArgumentError
        (a ``ValueError`` and ``AssertionError``) if the lengths differ or an axis
        repeats.
    """

    __slots__ = ("axes", "bottomright", "color", "index", "is_visible", "name", "size", "topleft")

    #: Builds the 3-d box class (``BoundingBox``) from topleft, size and display
    #: attributes; set by ``bounding_box``, which registers that class as an
    #: ``NDBoundingBox``.
    xyz_box_factory: ClassVar[Any] = None
    #: Builds a ``NormalizedBoundingBox`` (same arguments as this class); set by
    #: ``normalized_bounding_box``, whose class derives from this one.
    normalized_box_factory: ClassVar[Any] = None

    topleft: VecInt
    size: VecInt
    axes: tuple[str, ...]
    index: VecInt
    bottomright: VecInt
    name: str | None
    is_visible: bool
    color: tuple[float, float, float, float] | None

    def __init__(
        self,
        topleft: VecIntLike,
        size: VecIntLike,
        axes: Iterable[str],
        index: VecIntLike | None = None,
        name: str | None = DEFAULT_BBOX_NAME,
        is_visible: bool = True,
        color: tuple[float, float, float, float] | None = None,
    ) -> None:
        names = tuple(str(a) for a in axes)
        tl = VecInt(topleft, axes=names)
        sz = VecInt(size, axes=names)
        idx = VecInt(range(len(names)) if index is None else index, axes=names)
        if list(idx) != sorted(idx):
            rows = sorted(zip(idx, names, tl, sz, strict=True), key=lambda r: r[0])
            names = tuple(r[1] for r in rows)
            idx = VecInt((r[0] for r in rows), axes=names)
            tl = VecInt((r[2] for r in rows), axes=names)
            sz = VecInt((r[3] for r in rows), axes=names)
        if not sz.is_positive():
            tl = tl + sz.pairmin(0)
            sz = VecInt((abs(v) for v in sz), axes=names)
        for field, value in (
            ("topleft", tl),
            ("size", sz),
            ("axes", names),
            ("index", idx),
            ("bottomright", tl + sz),
            ("name", name),
            ("is_visible", is_visible),
            ("color", None if color is None else tuple(color)),
        ):
            object.__setattr__(self, field, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; use the with_* methods")

    def _evolve(self, **changes: Any) -> Self:
        fields: dict[str, Any] = {
            "topleft": self.topleft,
            "size": self.size,
            "axes": self.axes,
            "index": self.index,
            "name": self.name,
            "is_visible": self.is_visible,
            "color": self.color,
        }
        fields.update(changes)
        return type(self)(**fields)

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (
            type(self),
            (
                self.topleft.to_tuple(),
                self.size.to_tuple(),
                self.axes,
                self.index.to_tuple(),
                self.name,
                self.is_visible,
                self.color,
            ),
        )

    # ---- plain accessors -------------------------------------------------------

    def __repr__(self) -> str:
        order = dict(zip(self.axes, self.index, strict=True))
        return (
            f"{type(self).__name__}(topleft={self.topleft.to_tuple()}, "
            f"size={self.size.to_tuple()}, axes={order})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NDBoundingBox):
            return NotImplemented
        other_axes = tuple(other.axes)
        if self.axes != other_axes:
            raise InvalidArgumentError(
                f"boxes with different axes cannot be compared: {self.axes} != {other_axes}"
            )
        return self.topleft == tuple(other.topleft) and self.size == tuple(other.size)

    def __hash__(self) -> int:
        return hash((self.topleft, self.size, self.axes, self.index))

    def __len__(self) -> int:
        return len(self.axes)

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return len(self.axes)

    def get_shape(self, axis_name: str) -> int:
        """The size along ``axis_name``; ``KeyError`` if the box has no such axis."""
        return self.size[self._position(axis_name)]  # type: ignore[return-value]

    def get_bounds(self, axis: str) -> tuple[int, int]:
        """``(start, end)`` along ``axis`` (end exclusive)."""
        i = self._position(axis)
        return (self.topleft[i], self.bottomright[i])  # type: ignore[return-value]

    def _position(self, axis: str) -> int:
        try:
            return self.axes.index(axis)
        except ValueError:
            raise KeyError(f"axis {axis!r} is not one of the box's axes {self.axes}") from None

    def _xyz(self, vec: VecInt) -> Vec3Int:
        return Vec3Int.from_xyz(*(vec[self.axes.index(a)] if a in self.axes else 0 for a in _XYZ))  # type: ignore[arg-type]

    def _with_xyz(self, vec: VecInt, xyz: Vec3IntLike) -> VecInt:
        values = list(vec)
        for axis, value in zip(_XYZ, Vec3Int(xyz), strict=True):
            if axis in self.axes:
                values[self.axes.index(axis)] = value
        return VecInt(values, axes=self.axes)

    @property
    def topleft_xyz(self) -> Vec3Int:
        """The ``x, y, z`` part of ``topleft``."""
        return self._xyz(self.topleft)

    @property
    def size_xyz(self) -> Vec3Int:
        """The ``x, y, z`` part of ``size``."""
        return self._xyz(self.size)

    @property
    def bottomright_xyz(self) -> Vec3Int:
        """The ``x, y, z`` part of ``bottomright``."""
        return self._xyz(self.bottomright)

    @property
    def index_xyz(self) -> Vec3Int:
        """The array positions of ``x``, ``y`` and ``z``."""
        return self._xyz(self.index)

    # ---- copies with changes ------------------------------------------------------

    def with_name(self, name: str | None) -> Self:
        """A copy with another name."""
        return self._evolve(name=name)

    def with_is_visible(self, is_visible: bool) -> Self:
        """A copy with another visibility."""
        return self._evolve(is_visible=is_visible)

    def with_color(self, color: tuple[float, float, float, float] | None) -> Self:
        """A copy with another RGBA color."""
        return self._evolve(color=color)

    def with_topleft(self, new_topleft: VecIntLike) -> Self:
        """A copy moved to ``new_topleft`` (same size)."""
        return self._evolve(topleft=new_topleft)

    def with_size(self, new_size: VecIntLike) -> Self:
        """A copy with ``new_size`` (same topleft)."""
        return self._evolve(size=new_size)

    def with_index(self, new_index: VecIntLike) -> Self:
        """A copy with other array positions of the axes (reorders them)."""
        return self._evolve(index=new_index)

    def with_bottomright(self, new_bottomright: VecIntLike) -> Self:
        """A copy ending at ``new_bottomright`` (same topleft)."""
        return self._evolve(size=VecInt(new_bottomright, axes=self.axes) - self.topleft)

    def with_bounds(
        self, axis: str, new_topleft: int | None = None, new_size: int | None = None
    ) -> Self:
        """A copy with start and/or size along one ``axis`` replaced."""
        i = self._position(axis)
        topleft = (
            self.topleft if new_topleft is None else self.topleft.with_replaced(i, new_topleft)
        )
        size = self.size if new_size is None else self.size.with_replaced(i, new_size)
        return self._evolve(topleft=topleft, size=size)

    def with_topleft_xyz(self, new_xyz: Vec3IntLike) -> Self:
        """A copy with the spatial part of ``topleft`` replaced."""
        return self._evolve(topleft=self._with_xyz(self.topleft, new_xyz))

    def with_size_xyz(self, new_xyz: Vec3IntLike) -> Self:
        """A copy with the spatial part of ``size`` replaced."""
        return self._evolve(size=self._with_xyz(self.size, new_xyz))

    def with_bottomright_xyz(self, new_xyz: Vec3IntLike) -> Self:
        """A copy with the spatial part of ``bottomright`` replaced."""
        return self.with_size_xyz(Vec3Int(new_xyz) - self.topleft_xyz)

    def with_index_xyz(self, new_xyz: Vec3IntLike) -> Self:
        """A copy with the array positions of ``x``, ``y`` and ``z`` replaced."""
        return self._evolve(index=self._with_xyz(self.index, new_xyz))

    # ---- geometry -----------------------------------------------------------------

    def _check_same_axes(self, other: NDBoundingBox) -> None:
        if self.axes != tuple(other.axes):
            raise InvalidArgumentError(
                f"boxes need the same axes in the same order: {self.axes} != {tuple(other.axes)}"
            )

    def is_empty(self) -> bool:
        """Whether some axis has size 0."""
        return not self.size.is_positive(strictly_positive=True)

    def volume(self) -> int:
        """The number of elements in the box (product of the sizes)."""
        return self.size.prod()

    def padded_with_margins(
        self, margins_left: Vec3IntLike, margins_right: Vec3IntLike | None = None
    ) -> Self:
        """A copy grown by ``margins_left`` before and ``margins_right`` (default: the
        same) after, in ``x, y, z``."""
        left = Vec3Int(margins_left)
        right = left if margins_right is None else Vec3Int(margins_right)
        return self.with_topleft_xyz(self.topleft_xyz - left).with_size_xyz(
            self.size_xyz + left + right
        )

    def intersected_with(self, other: NDBoundingBox, dont_assert: bool = False) -> Self:
        """The overlap with ``other``; empty boxes raise unless ``dont_assert``."""
        self._check_same_axes(other)
        topleft = self.topleft.pairmax(tuple(other.topleft))
        size = (self.bottomright.pairmin(tuple(other.bottomright)) - topleft).pairmax(0)
        result = self._evolve(topleft=topleft, size=size)
        if not dont_assert and result.is_empty():
            raise InvalidArgumentError(f"{self} and {other} do not intersect")
        return result

    def extended_by(self, other: NDBoundingBox) -> Self:
        """The smallest box holding both (an empty box adds nothing)."""
        self._check_same_axes(other)
        if other.is_empty():
            return self
        if self.is_empty():
            return self._evolve(topleft=tuple(other.topleft), size=tuple(other.size))
        topleft = self.topleft.pairmin(tuple(other.topleft))
        return self._evolve(
            topleft=topleft, size=self.bottomright.pairmax(tuple(other.bottomright)) - topleft
        )

    def contains(self, coord: VecIntLike) -> bool:
        """Whether the point ``coord`` (one value per axis; floats in an array) is inside."""
        if isinstance(coord, np.ndarray):
            if coord.shape != (self.ndim,):
                raise InvalidArgumentError(
                    f"a point needs shape ({self.ndim},), got an array of shape {coord.shape}"
                )
            return bool(np.all(coord >= self.topleft) and np.all(coord < self.bottomright))
        point = tuple(coord)
        return all(
            a <= p < b for a, p, b in zip(self.topleft, point, self.bottomright, strict=True)
        )

    def contains_bbox(self, inner_bbox: NDBoundingBox) -> bool:
        """Whether ``inner_bbox`` lies completely inside."""
        return inner_bbox.intersected_with(self, dont_assert=True) == inner_bbox

    def offset(self, vector: VecIntLike) -> Self:
        """A copy moved by ``vector`` (three values move ``x, y, z``, else one per axis)."""
        values = tuple(vector)
        if len(values) == 3 and self.ndim != 3:
            return self.with_topleft_xyz(self.topleft_xyz + values)
        return self._evolve(topleft=self.topleft + values)

    # ---- arrays -------------------------------------------------------------------

    def to_slices(self) -> tuple[slice, ...]:
        """One ``slice(start, end)`` per axis."""
        return tuple(slice(b, e) for b, e in zip(self.topleft, self.bottomright, strict=True))

    def to_slices_xyz(self) -> tuple[slice, ...]:
        """Slices for ``x, y, z`` (absolute), ``slice(0, 1)`` for the other (flat) axes."""
        self._check_flat_outside_xyz()
        return tuple(
            slice(b, e) if a in _XYZ else slice(0, 1)
            for a, b, e in zip(self.axes, self.topleft, self.bottomright, strict=True)
        )

    def slice_array(self, array: np.ndarray) -> np.ndarray:
        """``array[self.to_slices()]``."""
        return array[self.to_slices()]

    def xyz_array_to_bbox_shape(self, data: np.ndarray) -> np.ndarray:
        """An ``(x, y, z)`` array reshaped to the box's axes (other axes must be flat)."""
        self._check_flat_outside_xyz()
        data = np.expand_dims(data, axis=tuple(range(3, self.ndim)))
        return np.moveaxis(data, [0, 1, 2], [self.axes.index(a) for a in _XYZ])

    def _check_flat_outside_xyz(self) -> None:
        if any(s != 1 for a, s in zip(self.axes, self.size, strict=True) if a not in _XYZ):
            raise InvalidArgumentError(f"{self} must have size 1 along every axis but x, y and z")

    # ---- channel axis ---------------------------------------------------------------

    def normalize_axes(self, num_channels: int) -> NormalizedBoundingBox:
        """The box as a :class:`NormalizedBoundingBox`; its ``c`` axis (if any) gets
        size ``num_channels``, which must be 1 for a box without one."""
        size = self.size
        if "c" in self.axes:
            size = size.with_replaced("c", num_channels)
        elif num_channels != 1:
            raise InvalidArgumentError(
                f"{self} has no c axis, so num_channels must be 1, got {num_channels}"
            )
        return NDBoundingBox.normalized_box_factory(  # type: ignore[no-any-return]
            self.topleft, size, self.axes, self.index, self.name, self.is_visible, self.color
        )

    def denormalize(self) -> NDBoundingBox:
        """The box itself (only normalized boxes change)."""
        return self

    @classmethod
    def from_axes(cls, axes: Iterable[str], sizes: Iterable[int]) -> Self:
        """A box at the origin with ``sizes`` along ``axes``."""
        names = tuple(axes)
        return cls(VecInt.zeros(names), tuple(sizes), names)
