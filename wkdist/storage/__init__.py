"""On-disk arrays of one mag: WKW (``wkw``), Zarr v2 and v3 (``tensorstore``).

Coordinates are the array's own voxels and data is ``(C, X, Y, Z)``; nothing
here knows about layers, mags or properties.
"""

from __future__ import annotations

from wkdist.storage.base import ArraySpec, DataFormat, StorageArray
from wkdist.storage.formats import array_class, create_array, detect_data_format, open_array
from wkdist.storage.wkw_ import WkwArray
from wkdist.storage.zarr_ import Zarr3Array, ZarrArray

__all__ = [
    "ArraySpec",
    "DataFormat",
    "StorageArray",
    "WkwArray",
    "Zarr3Array",
    "ZarrArray",
    "array_class",
    "create_array",
    "detect_data_format",
    "open_array",
]
