"""What ``Vec3Int`` and ``VecInt`` share: component checks and elementwise arithmetic.

A vector class provides :meth:`_zip` (combine with another vector, a sequence
of the same length or a broadcast ``int``); the operators and the elementwise
helpers here are written once on top of it.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Self, TypeAlias

import numpy as np

from wkdist.errors import InvalidArgumentError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

#: What a vector combines with: another vector or sequence of as many ints, or one int.
Operand: TypeAlias = "Iterable[int] | np.ndarray | int"


def as_int(value: object, vector: str, argument: object) -> int:
    """One component of a ``vector`` (class name) as ``int``: integral floats
    pass, anything else raises, naming ``argument`` (what was given)."""
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value)
    raise InvalidArgumentError(
        f"{vector} components must be integers, got {value!r} in {argument!r}."
    )


class ElementwiseArithmetic:
    """``+ - * // %`` (both sides), unary ``-``, ``ceildiv``, ``pairmax``,
    ``pairmin`` and ``add_or_none``, elementwise; results keep the left
    operand's class (and axes)."""

    __slots__ = ()

    def _zip(self, other: Operand, fn: Callable[[int, int], int]) -> Self:
        raise NotImplementedError

    def _rzip(self, other: Operand, fn: Callable[[int, int], int]) -> Self:
        return self._zip(other, lambda a, b: fn(b, a))

    def __add__(self, other: Operand) -> Self:
        return self._zip(other, operator.add)

    def __radd__(self, other: Operand) -> Self:
        return self._zip(other, operator.add)

    def __sub__(self, other: Operand) -> Self:
        return self._zip(other, operator.sub)

    def __rsub__(self, other: Operand) -> Self:
        return self._rzip(other, operator.sub)

    def __mul__(self, other: Operand) -> Self:
        return self._zip(other, operator.mul)

    def __rmul__(self, other: Operand) -> Self:
        return self._zip(other, operator.mul)

    def __floordiv__(self, other: Operand) -> Self:
        return self._zip(other, operator.floordiv)

    def __rfloordiv__(self, other: Operand) -> Self:
        return self._rzip(other, operator.floordiv)

    def __mod__(self, other: Operand) -> Self:
        return self._zip(other, operator.mod)

    def __rmod__(self, other: Operand) -> Self:
        return self._rzip(other, operator.mod)

    def __neg__(self) -> Self:
        return self._zip(0, lambda a, _: -a)

    def ceildiv(self, other: Operand) -> Self:
        """Elementwise division rounded towards +infinity."""
        return self._zip(other, lambda a, b: -(-a // b))

    def pairmax(self, other: Operand) -> Self:
        """Elementwise maximum."""
        return self._zip(other, max)

    def pairmin(self, other: Operand) -> Self:
        """Elementwise minimum."""
        return self._zip(other, min)

    def add_or_none(self, other: Operand | None) -> Self | None:
        """``self + other``, or ``None`` if ``other`` is ``None``."""
        return None if other is None else self + other
