"""Immutable geometry values: vectors, mags and boxes. No I/O."""

from __future__ import annotations

from .bounding_box import BoundingBox, BoundingBoxLike
from .grid import axis_cuts as axis_cuts
from .grid import cells_with_data as cells_with_data
from .grid import grid_chunks as grid_chunks
from .mag import Mag, MagLike
from .nd_bounding_box import NDBoundingBox
from .normalized_bounding_box import NormalizedBoundingBox
from .vec3_float import Vec3Float, Vec3FloatLike, as_vec3_float_or_none
from .vec3_int import Vec3Int, Vec3IntLike, as_vec3_int_or_none
from .vec_int import VecInt, VecIntLike

# The grid helpers above are wkdist's own (importable from here), not public names.
__all__ = [
    "BoundingBox",
    "BoundingBoxLike",
    "Mag",
    "MagLike",
    "NDBoundingBox",
    "NormalizedBoundingBox",
    "Vec3Float",
    "Vec3FloatLike",
    "Vec3Int",
    "Vec3IntLike",
    "VecInt",
    "VecIntLike",
    "as_vec3_float_or_none",
    "as_vec3_int_or_none",
]
