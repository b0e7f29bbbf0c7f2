"""The module path ``webknossos.dataset.defaults``: wkdist's defaults under the reference's names."""

from __future__ import annotations

from wkdist.storage import DataFormat
from wkdist.storage.layout_policy import DEFAULT_CHUNK_SHAPE

DEFAULT_DATA_FORMAT = DataFormat.ZARR3

__all__ = ["DEFAULT_CHUNK_SHAPE", "DEFAULT_DATA_FORMAT"]
