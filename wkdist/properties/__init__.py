"""``datasource-properties.json``: typed immutable model, JSON codec and safe storage.

Read with :func:`load_properties`, change with the ``with_*``/``without_*``
methods, write with :func:`update_properties` (locked read-modify-write) or
:func:`save_properties`. No other module writes the file.
"""

from __future__ import annotations

from ._stages import is_staged
from .axes import (
    CXYZ_AXES,
    box_3d,
    extended_layer_box,
    extra_axis_ends,
    layer_axes,
    layer_box,
    with_layer_box,
    without_mags,
)
from .element_class import dtype_from_element_class, element_class_from_dtype
from .json_codec import (
    AXIS_ORDER,
    PropertiesError,
    dumps_properties,
    loads_properties,
    parse_properties,
    serialize_properties,
)
from .model import (
    CATEGORIES,
    COLOR_CATEGORY,
    DATA_FORMATS,
    SEGMENTATION_CATEGORY,
    DatasetProperties,
    LayerProperties,
    MagProperties,
)
from .staging import publish_stage, staged_properties
from .store import (
    LOCK_FILE_NAME,
    PROPERTIES_FILE_NAME,
    PropertiesNotFoundError,
    load_properties,
    merge_bounding_boxes,
    properties_exist,
    properties_stamp,
    save_properties,
    update_properties,
)
from .voxel_size import LENGTH_UNITS, VoxelSize
from .zarr_groups import write_zarr_group_metadata

__all__ = [
    "AXIS_ORDER",
    "CATEGORIES",
    "COLOR_CATEGORY",
    "CXYZ_AXES",
    "DATA_FORMATS",
    "LENGTH_UNITS",
    "LOCK_FILE_NAME",
    "PROPERTIES_FILE_NAME",
    "SEGMENTATION_CATEGORY",
    "DatasetProperties",
    "LayerProperties",
    "MagProperties",
    "PropertiesError",
    "PropertiesNotFoundError",
    "VoxelSize",
    "box_3d",
    "dtype_from_element_class",
    "dumps_properties",
    "element_class_from_dtype",
    "extended_layer_box",
    "extra_axis_ends",
    "is_staged",
    "layer_axes",
    "layer_box",
    "load_properties",
    "loads_properties",
    "merge_bounding_boxes",
    "parse_properties",
    "properties_exist",
    "properties_stamp",
    "publish_stage",
    "save_properties",
    "serialize_properties",
    "staged_properties",
    "update_properties",
    "with_layer_box",
    "without_mags",
    "write_zarr_group_metadata",
]
