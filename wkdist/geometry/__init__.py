"""Immutable geometry values: vectors, mags and boxes. No I/O."""

from __future__ import annotations

from .bounding_box import BoundingBox, BoundingBoxLike
from .mag import Mag, MagLike
from .vec3_int import Vec3Int, Vec3IntLike, as_vec3_int_or_none

__all__ = [
    "BoundingBox",
    "BoundingBoxLike",
    "Mag",
    "MagLike",
    "Vec3Int",
    "Vec3IntLike",
    "as_vec3_int_or_none",
]
