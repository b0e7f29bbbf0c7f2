"""The names ``webknossos.dataset_properties`` gives, gathered from where wkdist keeps them.

The properties model itself lives in :mod:`wkdist.properties` (typed, immutable,
with its own JSON codec); this module only collects the names scripts written for
``webknossos`` import from ``dataset_properties``.
"""

from __future__ import annotations

from wkdist.dataset.layer_categories import (
    COLOR_CATEGORY,
    SEGMENTATION_CATEGORY,
    LayerCategoryType,
)
from wkdist.geometry import Mag, Vec3Float
from wkdist.properties import DatasetProperties, LayerProperties, VoxelSize
from wkdist.properties import MagProperties as MagViewProperties
from wkdist.properties.attachments import (
    AttachmentDataFormat,
    AttachmentProperties,
    AttachmentsProperties,
)
from wkdist.properties.converter import get_dataset_converter
from wkdist.properties.coordinate_transformations import (
    AffineCoordinateTransformation,
    ThinPlateSplineCoordinateTransformation,
)
from wkdist.properties.view_configuration import (
    DatasetViewConfiguration,
    LayerViewConfiguration,
)
from wkdist.storage import DataFormat

__all__ = [
    "COLOR_CATEGORY",
    "SEGMENTATION_CATEGORY",
    "AffineCoordinateTransformation",
    "AttachmentDataFormat",
    "AttachmentProperties",
    "AttachmentsProperties",
    "DataFormat",
    "DatasetProperties",
    "DatasetViewConfiguration",
    "LayerCategoryType",
    "LayerProperties",
    "LayerViewConfiguration",
    "Mag",
    "MagViewProperties",
    "ThinPlateSplineCoordinateTransformation",
    "Vec3Float",
    "VoxelSize",
    "get_dataset_converter",
]
