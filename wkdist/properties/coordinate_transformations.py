"""Coordinate transformations of a layer: how WEBKNOSSOS places it when rendering.

They are layer metadata (``coordinateTransformations`` in the properties file),
never applied to voxel data. Two kinds exist, stored as::

    {"type": "affine", "matrix": [[4 floats] x 4]}
    {"type": "thin_plate_spline", "correspondences": {"source": [[x, y, z], ...],
                                                      "target": [[x, y, z], ...]}}

Both are immutable values: their arrays are private read-only copies, their
fields cannot be reassigned (``attrs`` frozen classes, as the reference's), and
the builders return new objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Self

import attrs
import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Vec3Float

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

__all__ = [
    "AffineCoordinateTransformation",
    "CoordinateTransformation",
    "ThinPlateSplineCoordinateTransformation",
    "transformation_from_json",
    "transformation_to_json",
]

_AXES = ("x", "y", "z")


def _frozen_array(value: Any, dtype: type = np.float64) -> np.ndarray:  # noqa: ANN401 - array-like
    array: np.ndarray = np.array(value, dtype=dtype)
    array.flags.writeable = False
    return array


def _axis_index(axis: str) -> int:
    if axis not in _AXES:
        raise InvalidArgumentError(f"axis={axis!r} must be `x`, `y` or `z`")
    return _AXES.index(axis)


class _Value:
    """Immutable values: copies are the object itself, equality compares arrays."""

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self


def _matrix(value: Any) -> np.ndarray:  # noqa: ANN401 - array-like
    matrix = _frozen_array(value)
    if matrix.shape != (4, 4):
        raise InvalidArgumentError(f"matrix must have the shape (4, 4); got {matrix.shape}")
    return matrix


@attrs.define(eq=False, on_setattr=attrs.setters.frozen)
class AffineCoordinateTransformation(_Value):
    """A 4×4 homogeneous matrix acting on column vectors ``(x, y, z, 1)``."""

    matrix: np.ndarray = attrs.field(converter=_matrix)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AffineCoordinateTransformation):
            return NotImplemented
        return bool(np.array_equal(self.matrix, other.matrix))

    def __hash__(self) -> int:
        return hash(self.matrix.tobytes())

    @classmethod
    def identity(cls) -> AffineCoordinateTransformation:
        """The transformation that changes nothing."""
        return cls(np.eye(4))

    @classmethod
    def from_translation(cls, offset: Iterable[float]) -> AffineCoordinateTransformation:
        """Move by ``offset`` (x, y, z)."""
        matrix = np.eye(4)
        matrix[:3, 3] = tuple(offset)
        return cls(matrix)

    @classmethod
    def from_scale(cls, factors: Iterable[float]) -> AffineCoordinateTransformation:
        """Scale each axis by its factor."""
        return cls(np.diag([*factors, 1.0]))

    @classmethod
    def from_rotation(
        cls, axis: Literal["x", "y", "z"], degrees: float
    ) -> AffineCoordinateTransformation:
        """Rotate counterclockwise about ``axis`` (right-handed, as WEBKNOSSOS does)."""
        first, second = [i for i in range(3) if i != _axis_index(axis)]
        if axis == "y":  # keeps the cyclic order z -> x
            first, second = second, first
        angle = np.deg2rad(degrees)
        matrix = np.eye(4)
        matrix[first, first] = matrix[second, second] = np.cos(angle)
        matrix[second, first] = np.sin(angle)
        matrix[first, second] = -np.sin(angle)
        return cls(matrix)

    def chain(self, other: AffineCoordinateTransformation) -> AffineCoordinateTransformation:
        """This transformation followed by ``other``."""
        return AffineCoordinateTransformation(other.matrix @ self.matrix)

    def translate(self, offset: Iterable[float]) -> AffineCoordinateTransformation:
        """This transformation, then a translation."""
        return self.chain(self.from_translation(offset))

    def scale(self, factors: Iterable[float]) -> AffineCoordinateTransformation:
        """This transformation, then a scaling."""
        return self.chain(self.from_scale(factors))

    def rotate(
        self, axis: Literal["x", "y", "z"], degrees: float
    ) -> AffineCoordinateTransformation:
        """This transformation, then a rotation about ``axis``."""
        return self.chain(self.from_rotation(axis, degrees))

    def flip(self, axis: Literal["x", "y", "z"]) -> AffineCoordinateTransformation:
        """This transformation, then a mirroring of ``axis``."""
        factors = [1.0, 1.0, 1.0]
        factors[_axis_index(axis)] = -1.0
        return self.scale(factors)


def _points(value: Any) -> np.ndarray:  # noqa: ANN401 - array-like
    points = _frozen_array(value)
    if points.size == 0:
        raise InvalidArgumentError("a thin-plate spline needs at least one correspondence")
    if points.ndim != 2 or points.shape[1] != 3:
        raise InvalidArgumentError(f"landmarks must have the shape (N, 3); got {points.shape}")
    return points


@attrs.define(eq=False, on_setattr=attrs.setters.frozen)
class ThinPlateSplineCoordinateTransformation(_Value):
    """A thin-plate spline through landmark correspondences ``source[i] -> target[i]``."""

    source: np.ndarray = attrs.field(converter=_points)
    target: np.ndarray = attrs.field(converter=_points)

    def __attrs_post_init__(self) -> None:
        if len(self.source) != len(self.target):
            raise InvalidArgumentError(
                f"source and target must have the same length; got {len(self.source)} "
                f"and {len(self.target)}"
            )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ThinPlateSplineCoordinateTransformation):
            return NotImplemented
        return bool(
            np.array_equal(self.source, other.source) and np.array_equal(self.target, other.target)
        )

    def __hash__(self) -> int:
        return hash((self.source.tobytes(), self.target.tobytes()))

    @classmethod
    def from_pairs(
        cls, pairs: Iterable[Sequence[Iterable[float]]]
    ) -> ThinPlateSplineCoordinateTransformation:
        """From ``(source, target)`` pairs of three floats each."""
        sources: list[tuple[float, ...]] = []
        targets: list[tuple[float, ...]] = []
        for pair in pairs:
            if len(pair) != 2:
                raise InvalidArgumentError(
                    f"every correspondence must be a pair of a source and a target; got {pair!r}"
                )
            for point, points in zip(pair, (sources, targets), strict=True):
                coordinates = tuple(float(c) for c in point)
                if len(coordinates) != 3:
                    raise InvalidArgumentError(
                        f"every landmark must be three floats (x, y, z); got {point!r}"
                    )
                points.append(coordinates)
        if not sources:
            raise InvalidArgumentError("a thin-plate spline needs at least one correspondence")
        return cls(sources, targets)

    @property
    def pairs(self) -> tuple[tuple[Vec3Float, Vec3Float], ...]:
        """The correspondences as ``(source, target)`` pairs."""
        return tuple(
            (Vec3Float(s), Vec3Float(t)) for s, t in zip(self.source, self.target, strict=True)
        )


CoordinateTransformation = AffineCoordinateTransformation | ThinPlateSplineCoordinateTransformation


def transformation_to_json(transformation: CoordinateTransformation) -> dict[str, Any]:
    """The stored form of ``transformation``."""
    if isinstance(transformation, AffineCoordinateTransformation):
        return {"type": "affine", "matrix": transformation.matrix.tolist()}
    return {
        "type": "thin_plate_spline",
        "correspondences": {
            "source": transformation.source.tolist(),
            "target": transformation.target.tolist(),
        },
    }


def transformation_from_json(stored: Mapping[str, Any]) -> CoordinateTransformation:
    """The transformation of a stored entry.

    Raises
    ------
    InvalidArgumentError
        For a type other than ``affine`` or ``thin_plate_spline``.
    """
    kind = stored.get("type")
    if kind == "affine":
        return AffineCoordinateTransformation(stored["matrix"])
    if kind == "thin_plate_spline":
        correspondences = stored["correspondences"]
        return ThinPlateSplineCoordinateTransformation(
            correspondences["source"], correspondences["target"]
        )
    raise InvalidArgumentError(
        f"coordinate transformation type {kind!r} is unknown; expected `affine` or "
        "`thin_plate_spline`"
    )
