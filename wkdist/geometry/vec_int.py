"""An immutable vector of integers with named axes (``x``, ``y``, ``z``, ``c``, ``t``, ...)."""

from __future__ import annotations

import re
from abc import ABCMeta
from collections.abc import Callable, Iterable
from typing import Self, TypeAlias

import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.geometry.elementwise import ElementwiseArithmetic, Operand, as_int
from wkdist.geometry.vec3_int import Vec3Int

__all__ = ["VecInt", "VecIntLike"]

_USAGE = (
    "VecInt takes integers and their axes: VecInt(1, 2, 3, axes=('x', 'y', 'z')), "
    "VecInt((1, 2, 3), ('x', 'y', 'z')) or VecInt(x=1, y=2, z=3)"
)


# The arithmetic operators replace tuple's concatenation and repetition (mypy: misc).
class VecInt(ElementwiseArithmetic, tuple[int, ...], metaclass=ABCMeta):  # type: ignore[misc]
    """Integers with one axis name each: an immutable, hashable ``tuple`` subclass.

    Equality, hashing and ordering are those of the plain tuple of values (the axes
    are not compared). Arithmetic (``+ - * // %``, unary ``-``) works elementwise
    with another vector, a sequence of the same length or an ``int``, and keeps the
    left operand's axes. ``Vec3Int`` counts as a ``VecInt`` with axes ``x, y, z``.

    Parameters
    ----------
    *args
        The values, as integers or as one iterable; a second iterable of strings
        may give the axes. A string is parsed (see :meth:`from_str`).
    axes
        One name per value; required unless the values come as keywords or as a
        vector that has axes.
    **kwargs
        Alternatively the values by axis name: ``VecInt(x=1, y=2, z=3, t=4)``.

    Raises
    ------
    InvalidArgumentError
        (a ``ValueError`` and ``AssertionError``) if axes are missing, their number
        differs from the number of values, or a value is not an integer.
    """

    axes: tuple[str, ...]

    def __new__(cls, *args: object, axes: Iterable[str] | None = None, **kwargs: int) -> Self:
        if kwargs:
            if args or axes is not None:
                raise InvalidArgumentError(f"{_USAGE}; got {args!r}, axes={axes!r}, {kwargs!r}")
            return cls._make(tuple(kwargs.values()), tuple(kwargs), kwargs)
        if not args:
            raise InvalidArgumentError(f"{_USAGE}; got no values")
        first = args[0]
        if isinstance(first, str):
            parsed = cls.from_str(first)
            return cls._make(tuple(parsed), tuple(axes) if axes is not None else parsed.axes, args)
        if isinstance(first, Iterable):
            values = tuple(first.tolist() if isinstance(first, np.ndarray) else first)
            if axes is None and len(args) == 2 and isinstance(args[1], Iterable):
                axes = [str(a) for a in args[1]]
            elif len(args) > 1:
                raise InvalidArgumentError(f"{_USAGE}; got {args!r}")
            if axes is None and isinstance(first, VecInt):
                axes = first.axes
        else:
            values = args
        if axes is None:
            raise InvalidArgumentError(f"{_USAGE}; got {args!r} without axes")
        return cls._make(values, tuple(axes), args)

    @classmethod
    def _make(cls, values: tuple[object, ...], axes: tuple[str, ...], argument: object) -> Self:
        if len(axes) != len(values):
            raise InvalidArgumentError(
                f"VecInt needs one axis per value, got {len(values)} values and axes {axes!r}."
            )
        if len(set(axes)) != len(axes):
            raise InvalidArgumentError(f"VecInt axes must be distinct, got {axes!r}.")
        vec = tuple.__new__(cls, (as_int(v, "VecInt", argument) for v in values))
        vec.axes = axes
        return vec

    def __reduce__(self) -> tuple[object, tuple[object, ...], dict[str, object]]:
        return (_restore, (type(self), tuple(self)), {"axes": self.axes})

    @staticmethod
    def from_str(string: str) -> VecInt:
        """Parse ``"(1,2,3)"``-like text; the axes are ``x, y, z`` for three values,
        otherwise ``unset_0, unset_1, ...``."""
        values = [int(v) for v in re.findall(r"-?\d+", string)]
        if not values:
            raise InvalidArgumentError(f"Cannot parse {string!r} as VecInt: no integers in it.")
        axes = (
            ("x", "y", "z") if len(values) == 3 else tuple(f"unset_{i}" for i in range(len(values)))
        )
        return VecInt(values, axes=axes)

    @classmethod
    def zeros(cls, axes: Iterable[str]) -> Self:
        """All zeros, one per axis."""
        return cls.full(0, axes)

    @classmethod
    def ones(cls, axes: Iterable[str]) -> Self:
        """All ones, one per axis."""
        return cls.full(1, axes)

    @classmethod
    def full(cls, an_int: int, axes: Iterable[str]) -> Self:
        """``an_int`` for every axis."""
        axes = tuple(axes)
        return cls._make((an_int,) * len(axes), axes, an_int)

    # ---- components ---------------------------------------------------------------

    def __getitem__(self, index: int | slice | str) -> int | tuple[int, ...]:  # type: ignore[override]
        if isinstance(index, str):
            return tuple.__getitem__(self, self._position(index))
        return tuple.__getitem__(self, index)

    def _position(self, axis: str) -> int:
        try:
            return self.axes.index(axis)
        except ValueError:
            raise KeyError(f"The vector has no axis {axis!r}; its axes are {self.axes}.") from None

    def get(self, axis: str, default: int | None = None) -> int | None:
        """The value of ``axis``, or ``default`` if the vector has no such axis."""
        return tuple.__getitem__(self, self.axes.index(axis)) if axis in self.axes else default

    @property
    def c(self) -> int:
        """The ``c`` (channel) value; ``KeyError`` if there is none."""
        return tuple.__getitem__(self, self._position("c"))

    @property
    def x(self) -> int:
        """The ``x`` value; ``KeyError`` if there is none."""
        return tuple.__getitem__(self, self._position("x"))

    @property
    def y(self) -> int:
        """The ``y`` value; ``KeyError`` if there is none."""
        return tuple.__getitem__(self, self._position("y"))

    @property
    def z(self) -> int:
        """The ``z`` value; ``KeyError`` if there is none."""
        return tuple.__getitem__(self, self._position("z"))

    @property
    def xyz(self) -> Vec3Int:
        """The ``x``, ``y`` and ``z`` values as a ``Vec3Int``."""
        return Vec3Int.from_xyz(self.x, self.y, self.z)

    def with_replaced(self, axis: str | int, new_element: int) -> Self:
        """A copy with the value of ``axis`` (a name or a position) replaced."""
        position = self._position(axis) if isinstance(axis, str) else axis
        values = list(self)
        values[position] = new_element
        return self._rebuild(values)

    def with_c(self, new_c: int) -> Self:
        """A copy with ``c`` replaced."""
        return self.with_replaced("c", new_c)

    def with_x(self, new_x: int) -> Self:
        """A copy with ``x`` replaced."""
        return self.with_replaced("x", new_x)

    def with_y(self, new_y: int) -> Self:
        """A copy with ``y`` replaced."""
        return self.with_replaced("y", new_y)

    def with_z(self, new_z: int) -> Self:
        """A copy with ``z`` replaced."""
        return self.with_replaced("z", new_z)

    def with_xyz(self, new_xyz: Iterable[int]) -> Self:
        """A copy with ``x``, ``y`` and ``z`` replaced."""
        values = list(self)
        for axis, value in zip(("x", "y", "z"), new_xyz, strict=True):
            values[self._position(axis)] = value
        return self._rebuild(values)

    def _rebuild(self, values: Iterable[int]) -> Self:
        return type(self)._make(tuple(values), self.axes, values)

    def to_np(self) -> np.ndarray:
        """The values as a 1-d numpy array."""
        return np.array(tuple(self))

    def to_list(self) -> list[int]:
        """The values as a list."""
        return list(self)

    def to_tuple(self) -> tuple[int, ...]:
        """The values as a plain tuple."""
        return tuple(self)

    # ---- predicates and reductions -------------------------------------------------

    def contains(self, needle: int) -> bool:
        """Whether any value equals ``needle``."""
        return needle in tuple(self)

    def is_positive(self, strictly_positive: bool = False) -> bool:
        """Whether all values are ``>= 0`` (``> 0`` if ``strictly_positive``)."""
        return all(v > 0 if strictly_positive else v >= 0 for v in self)

    def is_uniform(self) -> bool:
        """Whether all values are equal."""
        return len(set(self)) <= 1

    def prod(self) -> int:
        """The product of the values (exact)."""
        result = 1
        for value in self:
            result *= value
        return result

    # ---- elementwise arithmetic ---------------------------------------------------

    def _zip(self, other: Operand, fn: Callable[[int, int], int]) -> Self:
        if isinstance(other, int | np.integer):
            return self._rebuild(fn(v, int(other)) for v in self)
        others = tuple(other.tolist() if isinstance(other, np.ndarray) else other)
        if len(others) != len(self):
            raise InvalidArgumentError(
                f"cannot combine {self!r} with {other!r}: they have different lengths"
            )
        return self._rebuild(fn(a, int(b)) for a, b in zip(self, others, strict=True))

    def moveaxis(self, source: int | list[int], target: int | list[int]) -> Self:
        """Reorder values and axes like ``numpy.moveaxis`` reorders array axes."""
        n = len(self)
        sources = [s % n for s in ([source] if isinstance(source, int) else source)]
        targets = [t % n for t in ([target] if isinstance(target, int) else target)]
        if len(sources) != len(targets) or len(set(sources)) != len(sources):
            raise InvalidArgumentError(
                f"moveaxis needs as many distinct targets as sources, got {source!r}, {target!r}"
            )
        order = [i for i in range(n) if i not in sources]
        for dest, src in sorted(zip(targets, sources, strict=True)):
            order.insert(dest, src)
        return type(self)._make(
            tuple(self[i] for i in order), tuple(self.axes[i] for i in order), self
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({','.join(str(v) for v in self)}, axes={self.axes})"


def _restore(cls: type[VecInt], values: tuple[int, ...]) -> VecInt:
    return tuple.__new__(cls, values)  # pickle then sets the axes from the state


# Vec3Int is a VecInt with the axes x, y, z (it keeps its own fast tuple[int, int, int]).
VecInt.register(Vec3Int)

VecIntLike: TypeAlias = VecInt | tuple[int, ...] | np.ndarray | Iterable[int]
