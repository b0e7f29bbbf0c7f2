"""An immutable vector of three integers (x, y, z)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar, Self, TypeAlias

import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.geometry.elementwise import ElementwiseArithmetic, Operand, as_int

__all__ = ["Vec3Int", "Vec3IntLike", "as_vec3_int_or_none"]

_AXES = ("x", "y", "z")


# The arithmetic operators replace tuple's concatenation and repetition (mypy: misc).
class Vec3Int(ElementwiseArithmetic, tuple[int, int, int]):  # type: ignore[misc]
    """Three integers ``(x, y, z)``: an immutable, hashable ``tuple`` subclass.

    Arithmetic (``+ - * // %`` and unary ``-``) works elementwise with another
    vector, a 3-sequence or an ``int`` (which is broadcast), from either side.
    Equality, hashing and ordering are those of the plain tuple ``(x, y, z)``.

    Parameters
    ----------
    *args
        Either three integers ``Vec3Int(1, 2, 3)`` or one iterable of three
        integers (tuple, list, numpy array, generator, ``Vec3Int``, ``Mag``).
    **kwargs
        Alternatively ``x=``, ``y=`` and ``z=``.

    Raises
    ------
    InvalidArgumentError
        (a ``ValueError`` and ``AssertionError``) if there are not exactly three
        components or one of them is not an integer.
    """

    __slots__ = ()

    axes: ClassVar[tuple[str, str, str]] = _AXES

    def __new__(cls, *args: object, **kwargs: int) -> Self:
        if args and kwargs:
            raise InvalidArgumentError(
                f"Vec3Int takes either positional components or x=, y=, z=, got {args!r} and {kwargs!r}."
            )
        if len(args) == 1:
            arg = args[0]
            if type(arg) is cls:
                return arg
            if isinstance(arg, str):
                return tuple.__new__(cls, Vec3Int.from_str(arg))
            if not isinstance(arg, Iterable):
                raise InvalidArgumentError(
                    f"Vec3Int needs three integers or one iterable of three integers, got {arg!r}."
                )
            values = tuple(arg.tolist() if isinstance(arg, np.ndarray) else arg)
        elif kwargs:
            if sorted(kwargs) != list(_AXES):
                raise InvalidArgumentError(
                    f"Vec3Int keyword arguments must be exactly x, y and z, got {sorted(kwargs)}."
                )
            values = (kwargs["x"], kwargs["y"], kwargs["z"])
        else:
            values = args
        if len(values) != 3:
            raise InvalidArgumentError(
                f"Vec3Int needs exactly three components, got {len(values)}: {values!r}."
            )
        x, y, z = values
        if type(x) is int and type(y) is int and type(z) is int:
            return tuple.__new__(cls, values)
        return tuple.__new__(cls, (as_int(v, "Vec3Int", values) for v in values))

    def __reduce__(self) -> tuple[type[Vec3Int], tuple[int, int, int]]:
        return (Vec3Int, (self[0], self[1], self[2]))

    # ---- construction helpers -------------------------------------------------

    @staticmethod
    def from_xyz(x: int, y: int, z: int) -> Vec3Int:
        """Build a vector from three ``int`` without any checks (fast path)."""
        return tuple.__new__(Vec3Int, (x, y, z))

    @staticmethod
    def from_vec3_float(vec: Iterable[float]) -> Vec3Int:
        """Build a vector from three floats, truncating each towards zero."""
        x, y, z = vec
        return tuple.__new__(Vec3Int, (int(x), int(y), int(z)))

    @staticmethod
    def from_vec_or_int(vec_or_int: Vec3IntLike | int) -> Vec3Int:
        """``Vec3Int.full(n)`` for an ``int`` ``n``, else ``Vec3Int(vec_or_int)``."""
        if isinstance(vec_or_int, int | np.integer):
            return Vec3Int.full(int(vec_or_int))
        return Vec3Int(vec_or_int)

    @staticmethod
    def from_str(string: str) -> Vec3Int:
        """Parse ``"1,2,3"``, ``"(1,2,3)"`` or a single integer ``"4"`` (→ ``(4,4,4)``)."""
        stripped = string.strip()
        if stripped.startswith("(") and stripped.endswith(")"):
            stripped = stripped[1:-1]
        try:
            parts = [int(part) for part in stripped.split(",")]
        except ValueError:
            parts = []
        if len(parts) == 1:
            return Vec3Int.full(parts[0])
        if len(parts) != 3:
            raise InvalidArgumentError(
                f"Cannot parse {string!r} as Vec3Int; expected 'x,y,z', '(x,y,z)' or one integer."
            )
        return tuple.__new__(Vec3Int, parts)

    @classmethod
    def zeros(cls) -> Vec3Int:
        """The vector ``(0, 0, 0)``."""
        return tuple.__new__(cls, (0, 0, 0))

    @classmethod
    def ones(cls) -> Vec3Int:
        """The vector ``(1, 1, 1)``."""
        return tuple.__new__(cls, (1, 1, 1))

    @classmethod
    def full(cls, an_int: int) -> Vec3Int:
        """The vector ``(an_int, an_int, an_int)``."""
        value = as_int(an_int, "Vec3Int", an_int)
        return tuple.__new__(cls, (value, value, value))

    # ---- components -------------------------------------------------------------

    @property
    def x(self) -> int:
        """The x component."""
        return self[0]

    @property
    def y(self) -> int:
        """The y component."""
        return self[1]

    @property
    def z(self) -> int:
        """The z component."""
        return self[2]

    def with_x(self, new_x: int) -> Vec3Int:
        """A copy with x replaced."""
        return Vec3Int(new_x, self[1], self[2])

    def with_y(self, new_y: int) -> Vec3Int:
        """A copy with y replaced."""
        return Vec3Int(self[0], new_y, self[2])

    def with_z(self, new_z: int) -> Vec3Int:
        """A copy with z replaced."""
        return Vec3Int(self[0], self[1], new_z)

    @property
    def xyz(self) -> Vec3Int:
        """The vector itself (for code written for n-d vectors)."""
        return self

    def get(self, axis: str, default: int | None = None) -> int | None:
        """The component of ``axis`` (``"x"``, ``"y"``, ``"z"``), else ``default``."""
        return self[_AXES.index(axis)] if axis in _AXES else default

    def with_replaced(self, axis: str | int, new_element: int) -> Vec3Int:
        """A copy with the component ``axis`` (``"x"``/``0``, ``"y"``/``1``, ``"z"``/``2``) replaced."""
        position = _AXES.index(axis) if isinstance(axis, str) else axis
        values = [self[0], self[1], self[2]]
        values[position] = new_element
        return Vec3Int(values)

    def to_np(self) -> np.ndarray:
        """The components as a 1-d numpy array."""
        return np.array(self)

    def to_list(self) -> list[int]:
        """The components as a list."""
        return list(self)

    def to_tuple(self) -> tuple[int, int, int]:
        """The components as a plain tuple."""
        return (self[0], self[1], self[2])

    # ---- predicates and reductions ----------------------------------------------

    def contains(self, needle: int) -> bool:
        """Whether any component equals ``needle``."""
        return needle in self

    def is_positive(self, strictly_positive: bool = False) -> bool:
        """Whether all components are ``>= 0`` (``> 0`` if ``strictly_positive``)."""
        if strictly_positive:
            return self[0] > 0 and self[1] > 0 and self[2] > 0
        return self[0] >= 0 and self[1] >= 0 and self[2] >= 0

    def is_uniform(self) -> bool:
        """Whether all components are equal."""
        return self[0] == self[1] == self[2]

    def prod(self) -> int:
        """The product of the components (exact, no overflow)."""
        return self[0] * self[1] * self[2]

    # ---- elementwise arithmetic -------------------------------------------------

    def _zip(self, other: Operand, fn: Callable[[int, int], int]) -> Self:
        if isinstance(other, int | np.integer):
            o = int(other)
            return tuple.__new__(type(self), (fn(self[0], o), fn(self[1], o), fn(self[2], o)))
        ox, oy, oz = other if type(other) is Vec3Int else Vec3Int(other)
        return tuple.__new__(type(self), (fn(self[0], ox), fn(self[1], oy), fn(self[2], oz)))

    def __neg__(self) -> Self:
        return tuple.__new__(type(self), (-self[0], -self[1], -self[2]))

    def moveaxis(self, source: int | list[int], target: int | list[int]) -> Vec3Int:
        """Reorder the components like ``numpy.moveaxis`` reorders array axes."""
        sources = [source] if isinstance(source, int) else list(source)
        targets = [target] if isinstance(target, int) else list(target)
        if len(sources) != len(targets):
            raise InvalidArgumentError(
                f"moveaxis needs as many targets as sources, got source={source!r}, target={target!r}."
            )
        sources = [s % 3 for s in sources]
        targets = [t % 3 for t in targets]
        if len(set(sources)) != len(sources) or len(set(targets)) != len(targets):
            raise InvalidArgumentError(
                f"moveaxis needs distinct axes, got source={source!r}, target={target!r}."
            )
        order = [i for i in range(3) if i not in sources]
        for dest, src in sorted(zip(targets, sources, strict=True)):
            order.insert(dest, src)
        return tuple.__new__(Vec3Int, tuple(self[i] for i in order))

    def __repr__(self) -> str:
        return f"Vec3Int({self[0]},{self[1]},{self[2]})"


Vec3IntLike: TypeAlias = Vec3Int | tuple[int, int, int] | np.ndarray | Iterable[int]


def as_vec3_int_or_none(value: Vec3IntLike | None) -> Vec3Int | None:
    """``Vec3Int(value)``, passing ``None`` through."""
    return None if value is None else Vec3Int(value)
