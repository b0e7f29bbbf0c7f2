"""Magnification (downsampling factor) of a layer's resolution level."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from wkdist.errors import InvalidArgumentError

from .vec3_int import Vec3Int

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .vec3_int import Vec3IntLike

__all__ = ["Mag", "MagLike"]

_SHORT_NAME = re.compile(r"^\d+$")
_LONG_NAME = re.compile(r"^\d+-\d+-\d+$")


def _to_mag_vec(mag_like: object) -> Vec3Int:
    """Convert a ``MagLike`` to a ``Vec3Int`` of positive powers of two."""
    if isinstance(mag_like, Mag):
        return mag_like.to_vec3_int()
    vec: Vec3Int | None = None
    if isinstance(mag_like, int | np.integer):
        vec = Vec3Int.full(int(mag_like))
    elif isinstance(mag_like, str):
        if _SHORT_NAME.match(mag_like):
            vec = Vec3Int.full(int(mag_like))
        elif _LONG_NAME.match(mag_like):
            vec = Vec3Int(int(part) for part in mag_like.split("-"))
    elif isinstance(mag_like, list | tuple | np.ndarray):
        vec = Vec3Int(mag_like)
    if vec is None:
        raise InvalidArgumentError(
            f"Mag must be an int, a vector of three ints or a string like '2' or '2-2-1', got {mag_like!r}."
        )
    if not all(value > 0 and value & (value - 1) == 0 for value in vec):
        raise InvalidArgumentError(
            f"Mag components must be positive powers of two, got {mag_like!r}."
        )
    return vec


@dataclass(frozen=True, slots=True, init=False, eq=False, repr=False)
class Mag:
    """Magnification: the downsampling factor per axis relative to Mag(1).

    Parameters
    ----------
    mag
        An ``int`` (isotropic), a string such as ``"2"`` or ``"2-2-1"``, a
        3-sequence / numpy array / ``Vec3Int`` or another ``Mag``. Every component
        must be a positive power of two.

    Notes
    -----
    Mags are ordered by their largest component (``max_dim``), as WEBKNOSSOS
    requires unique ``max_dim`` values within a layer; equality compares all
    three components and accepts anything ``MagLike`` (``Mag(2) == 2``).
    """

    _vec: Vec3Int

    def __init__(self, mag: MagLike) -> None:
        object.__setattr__(self, "_vec", _to_mag_vec(mag))

    def __reduce__(self) -> tuple[type[Mag], tuple[Vec3Int]]:
        return (Mag, (self._vec,))

    @property
    def x(self) -> int:
        """Factor along x."""
        return self._vec[0]

    @property
    def y(self) -> int:
        """Factor along y."""
        return self._vec[1]

    @property
    def z(self) -> int:
        """Factor along z."""
        return self._vec[2]

    @property
    def max_dim(self) -> int:
        """The largest factor."""
        return max(self._vec)

    @property
    def max_dim_log2(self) -> int:
        """``log2(max_dim)``."""
        return self.max_dim.bit_length() - 1

    def to_layer_name(self) -> str:
        """Directory name: ``"2"`` if isotropic, else ``"2-2-1"``."""
        x, y, z = self._vec
        return str(x) if x == y == z else f"{x}-{y}-{z}"

    def to_long_layer_name(self) -> str:
        """Directory name in the always-long form ``"x-y-z"``, e.g. ``"1-1-1"``."""
        x, y, z = self._vec
        return f"{x}-{y}-{z}"

    def to_vec3_int(self) -> Vec3Int:
        """The factors as ``Vec3Int``."""
        return self._vec

    def to_list(self) -> list[int]:
        """The factors as a list."""
        return list(self._vec)

    def to_np(self) -> np.ndarray:
        """The factors as a numpy array."""
        return np.array(self._vec)

    def to_tuple(self) -> tuple[int, int, int]:
        """The factors as a plain tuple."""
        return self._vec.to_tuple()

    def __iter__(self) -> Iterator[int]:
        return iter(self._vec)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mag):
            return self._vec == other._vec
        try:
            return self._vec == _to_mag_vec(other)
        except InvalidArgumentError:
            return NotImplemented

    def __hash__(self) -> int:
        return hash(self._vec)

    def __lt__(self, other: MagLike) -> bool:
        return self.max_dim < Mag(other).max_dim

    def __le__(self, other: MagLike) -> bool:
        return self.max_dim <= Mag(other).max_dim

    def __gt__(self, other: MagLike) -> bool:
        return self.max_dim > Mag(other).max_dim

    def __ge__(self, other: MagLike) -> bool:
        return self.max_dim >= Mag(other).max_dim

    def __mul__(self, factor: Vec3IntLike | int) -> Mag:
        return Mag(self._vec * factor)

    def __floordiv__(self, divisor: Vec3IntLike | int) -> Mag:
        return Mag(self._vec // divisor)

    def __str__(self) -> str:
        return self.to_layer_name()

    def __repr__(self) -> str:
        return f"Mag({self.to_layer_name()})"


MagLike: TypeAlias = int | str | list[int] | tuple[int, int, int] | np.ndarray | Mag | Vec3Int
