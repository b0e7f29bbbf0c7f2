"""The module path ``webknossos.geometry.normalized_bounding_box`` under wkdist.

:class:`NormalizedBoundingBox` lives with :class:`NDBoundingBox` (it is the
box a layer's array has, with its channel axis).
"""

from __future__ import annotations

from wkdist.geometry.nd_bounding_box import DEFAULT_AXIS_ORDER, NormalizedBoundingBox

# the reference's private spelling, which its users' tests import
_DEFAULT_AXIS_ORDER = DEFAULT_AXIS_ORDER

__all__ = ["DEFAULT_AXIS_ORDER", "NormalizedBoundingBox"]
