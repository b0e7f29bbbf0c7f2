"""An immutable vector of three floats (x, y, z), e.g. a voxel size or a rotation."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Self, TypeAlias

import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.geometry.vec3_int import Vec3Int

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

__all__ = ["Vec3Float", "Vec3FloatLike", "as_vec3_float_or_none"]


def _three_floats(values: object) -> tuple[float, float, float]:
    try:
        if isinstance(values, np.ndarray) and values.ndim != 1:
            raise ValueError
        x, y, z = (float(v) for v in values)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"Vec3Float needs three floats, got {values!r}.") from None
    return (x, y, z)


class Vec3Float(tuple[float, float, float]):
    """Three floats ``(x, y, z)``: an immutable, hashable ``tuple`` subclass.

    Equality, hashing and ordering are those of the plain tuple; integers are
    widened to floats. Arithmetic (``+ - * /``, unary ``-``) works elementwise with
    another 3-sequence or a number.

    Raises
    ------
    InvalidArgumentError
        (a ``ValueError``) unless there are exactly three numbers.
    """

    __slots__ = ()

    def __new__(cls, *args: object) -> Self:
        if len(args) == 1:
            if type(args[0]) is cls:
                return args[0]
            if isinstance(args[0], str):
                return cls.from_str(args[0])
            return tuple.__new__(cls, _three_floats(args[0]))
        return tuple.__new__(cls, _three_floats(args))

    def __reduce__(self) -> tuple[type[Vec3Float], tuple[float, float, float]]:
        return (Vec3Float, (self[0], self[1], self[2]))

    @classmethod
    def from_xyz(cls, x: float, y: float, z: float) -> Self:
        """The vector ``(x, y, z)``."""
        return cls(x, y, z)

    @classmethod
    def from_str(cls, string: str) -> Self:
        """Parse ``"1.5,2,3"`` or ``"(1.5, 2, 3)"``."""
        return cls(re.sub(r"[()\s]", "", string).split(","))

    @classmethod
    def zeros(cls) -> Self:
        """``(0.0, 0.0, 0.0)``."""
        return cls.full(0.0)

    @classmethod
    def ones(cls) -> Self:
        """``(1.0, 1.0, 1.0)``."""
        return cls.full(1.0)

    @classmethod
    def full(cls, value: float) -> Self:
        """``(value, value, value)``."""
        return cls(value, value, value)

    @property
    def x(self) -> float:
        """The x component."""
        return self[0]

    @property
    def y(self) -> float:
        """The y component."""
        return self[1]

    @property
    def z(self) -> float:
        """The z component."""
        return self[2]

    def with_x(self, new_x: float) -> Vec3Float:
        """A copy with x replaced."""
        return Vec3Float(new_x, self[1], self[2])

    def with_y(self, new_y: float) -> Vec3Float:
        """A copy with y replaced."""
        return Vec3Float(self[0], new_y, self[2])

    def with_z(self, new_z: float) -> Vec3Float:
        """A copy with z replaced."""
        return Vec3Float(self[0], self[1], new_z)

    def to_tuple(self) -> tuple[float, float, float]:
        """The components as a plain tuple."""
        return (self[0], self[1], self[2])

    def to_list(self) -> list[float]:
        """The components as a list."""
        return list(self)

    def to_np(self) -> np.ndarray:
        """The components as a float64 numpy array."""
        return np.array(self.to_tuple(), dtype=np.float64)

    def __array__(self, dtype: DTypeLike | None = None, copy: bool | None = None) -> np.ndarray:
        return self.to_np() if dtype is None else self.to_np().astype(dtype)

    def to_vec3_int(self) -> Vec3Int:
        """The components truncated towards zero."""
        return Vec3Int.from_vec3_float(self)

    def prod(self) -> float:
        """The product of the components."""
        return self[0] * self[1] * self[2]

    def _zip(self, other: Vec3FloatLike | float, fn: Callable[[float, float], float]) -> Vec3Float:
        if isinstance(other, int | float | np.number):
            o = float(other)
            return Vec3Float(fn(self[0], o), fn(self[1], o), fn(self[2], o))
        ox, oy, oz = _three_floats(other)
        return Vec3Float(fn(self[0], ox), fn(self[1], oy), fn(self[2], oz))

    def __add__(self, other: Vec3FloatLike | float) -> Vec3Float:  # type: ignore[override]
        return self._zip(other, operator.add)

    def __radd__(self, other: Vec3FloatLike | float) -> Vec3Float:
        return self._zip(other, operator.add)

    def __sub__(self, other: Vec3FloatLike | float) -> Vec3Float:
        return self._zip(other, operator.sub)

    def __rsub__(self, other: Vec3FloatLike | float) -> Vec3Float:
        return self._zip(other, lambda a, b: b - a)

    def __mul__(self, other: Vec3FloatLike | float) -> Vec3Float:  # type: ignore[override]
        return self._zip(other, operator.mul)

    def __rmul__(self, other: Vec3FloatLike | float) -> Vec3Float:  # type: ignore[override]
        return self._zip(other, operator.mul)

    def __truediv__(self, other: Vec3FloatLike | float) -> Vec3Float:
        return self._zip(other, operator.truediv)

    def __neg__(self) -> Vec3Float:
        return Vec3Float(-self[0], -self[1], -self[2])

    def pairmax(self, other: Vec3FloatLike | float) -> Vec3Float:
        """Elementwise maximum."""
        return self._zip(other, max)

    def pairmin(self, other: Vec3FloatLike | float) -> Vec3Float:
        """Elementwise minimum."""
        return self._zip(other, min)

    def __repr__(self) -> str:
        return f"Vec3Float({self[0]},{self[1]},{self[2]})"


Vec3FloatLike: TypeAlias = Vec3Float | tuple[float, float, float] | np.ndarray | Iterable[float]


def as_vec3_float_or_none(value: Vec3FloatLike | None) -> Vec3Float | None:
    """``Vec3Float(value)``, passing ``None`` through."""
    return None if value is None else Vec3Float(value)
