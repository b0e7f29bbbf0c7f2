"""wkdist: the WEBKNOSSOS Dataset API on WKW and Zarr, with dask-native bulk jobs.

``import wkdist as wk`` gives the names users know from ``webknossos``::

    ds = wk.Dataset("my_dataset", voxel_size=(11, 11, 24))
    layer = ds.add_layer("color", "color", dtype="uint8")
    mag1 = layer.add_mag(1)

Submodules are imported on first use of a name, so ``import wkdist.geometry``
does not pull in storage engines.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from wkdist import config as _config

_config.register_defaults()

_EXPORTS = {
    "wkdist.dataset": (
        "COLOR_CATEGORY",
        "SEGMENTATION_CATEGORY",
        "Dataset",
        "Layer",
        "LayerCategories",
        "LayerCategoryType",
        "MagView",
        "SamplingModes",
        "SegmentationLayer",
        "TransferMode",
        "View",
    ),
    "wkdist.dataset.attachments": (
        "AgglomerateAttachment",
        "AgglomerateGraph",
        "Attachment",
        "Attachments",
        "ConnectomeAttachment",
        "CumsumAttachment",
        "MeshAttachment",
        "SegmentIndexAttachment",
        "SegmentStatisticsAttachment",
    ),
    "wkdist.errors": (
        "AlreadyExistsError",
        "DatasetExistsError",
        "ImageStackError",
        "InvalidArgumentError",
        "JobIncompleteError",
        "NotFoundError",
        "ReadOnlyError",
        "ShardFailedError",
        "WkdistError",
    ),
    "wkdist.geometry": (
        "BoundingBox",
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
    ),
    "wkdist.dataset.map_blocks": ("map_blocks",),
    "wkdist.properties": ("DatasetProperties", "LayerProperties", "VoxelSize"),
    "wkdist.properties.attachments": ("AttachmentDataFormat",),
    "wkdist.properties.view_configuration": (
        "DatasetViewConfiguration",
        "LayerViewConfiguration",
    ),
    "wkdist.run.clusters": ("cluster",),
    "wkdist.storage": ("DataFormat",),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'wkdist' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from wkdist.dataset import (
        COLOR_CATEGORY,
        SEGMENTATION_CATEGORY,
        Dataset,
        Layer,
        LayerCategories,
        LayerCategoryType,
        MagView,
        SamplingModes,
        SegmentationLayer,
        TransferMode,
        View,
    )
    from wkdist.dataset.map_blocks import map_blocks
    from wkdist.errors import (
        AlreadyExistsError,
        DatasetExistsError,
        ImageStackError,
        InvalidArgumentError,
        JobIncompleteError,
        NotFoundError,
        ReadOnlyError,
        ShardFailedError,
        WkdistError,
    )
    from wkdist.geometry import (
        BoundingBox,
        Mag,
        MagLike,
        NDBoundingBox,
        NormalizedBoundingBox,
        Vec3Float,
        Vec3FloatLike,
        Vec3Int,
        Vec3IntLike,
        VecInt,
        VecIntLike,
        as_vec3_float_or_none,
        as_vec3_int_or_none,
    )
    from wkdist.properties import DatasetProperties, LayerProperties, VoxelSize
    from wkdist.properties.view_configuration import (
        DatasetViewConfiguration,
        LayerViewConfiguration,
    )
    from wkdist.run.clusters import cluster
    from wkdist.storage import DataFormat
