"""``scale``: the size of a Mag(1) voxel with its length unit."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Real

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Vec3Float

__all__ = ["LENGTH_UNITS", "VoxelSize", "normalize_length_unit"]

# full name -> (abbreviation, size in nanometers)
LENGTH_UNITS: Mapping[str, tuple[str, float]] = {
    "yoctometer": ("ym", 1e-15),
    "zeptometer": ("zm", 1e-12),
    "attometer": ("am", 1e-9),
    "femtometer": ("fm", 1e-6),
    "picometer": ("pm", 1e-3),
    "nanometer": ("nm", 1.0),
    "micrometer": ("µm", 1e3),
    "millimeter": ("mm", 1e6),
    "centimeter": ("cm", 1e7),
    "decimeter": ("dm", 1e8),
    "meter": ("m", 1e9),
    "hectometer": ("hm", 1e11),
    "kilometer": ("km", 1e12),
    "megameter": ("Mm", 1e15),
    "gigameter": ("Gm", 1e18),
    "terameter": ("Tm", 1e21),
    "petameter": ("Pm", 1e24),
    "exameter": ("Em", 1e27),
    "zettameter": ("Zm", 1e30),
    "yottameter": ("Ym", 1e33),
    "angstrom": ("Å", 0.1),
    "inch": ("in", 25400000.0),
    "foot": ("ft", 304800000.0),
    "yard": ("yd", 914400000.0),
    "mile": ("mi", 1609344000000.0),
    "parsec": ("pc", 3.085677581e25),
}
# "um" and the Greek mu are common ASCII/Unicode stand-ins for the micro sign
_UNIT_NAMES = {
    **{name: name for name in LENGTH_UNITS},
    **{abbreviation: name for name, (abbreviation, _) in LENGTH_UNITS.items()},
    "um": "micrometer",
    "\u03bcm": "micrometer",
}


def normalize_length_unit(unit: object) -> str:
    """The full name (``"nanometer"``) of a length unit given as name or abbreviation."""
    if not isinstance(unit, str) or unit not in _UNIT_NAMES:
        raise InvalidArgumentError(
            f"unit={unit!r} is not a length unit; expected a name such as 'nanometer', "
            "'micrometer' or 'angstrom', or an abbreviation such as 'nm', 'µm', 'um'"
        )
    return _UNIT_NAMES[unit]


def _is_positive_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, Real):
        return False
    return math.isfinite(value) and value > 0  # type: ignore[operator]


@dataclass(frozen=True, slots=True)
class VoxelSize:
    """Size of a Mag(1) voxel.

    Parameters
    ----------
    factor
        Edge lengths (x, y, z) in ``unit``, each finite and > 0 (stored as a ``Vec3Float``).
    unit
        A length unit, full name or abbreviation (``"nm"``, ``"µm"``, ``"um"``, ...);
        stored as the full name (``"nanometer"``, ``"micrometer"``, ...).
    """

    factor: tuple[float, float, float]
    unit: str = "nanometer"

    def __post_init__(self) -> None:
        values: tuple[object, ...] = tuple(self.factor) if isinstance(self.factor, Iterable) else ()
        if len(values) != 3 or not all(_is_positive_number(v) for v in values):
            raise InvalidArgumentError(
                f"factor={self.factor!r} is invalid; expected three finite numbers > 0 (x, y, z)"
            )
        object.__setattr__(self, "factor", Vec3Float(float(v) for v in values))  # type: ignore[arg-type]
        object.__setattr__(self, "unit", normalize_length_unit(self.unit))

    def to_nanometer(self) -> tuple[float, float, float]:
        """The voxel size (x, y, z) in nanometers."""
        scale = LENGTH_UNITS[self.unit][1]
        x, y, z = self.factor
        return (x * scale, y * scale, z * scale)
