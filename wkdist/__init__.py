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

#: Packages whose public names (their ``__all__``) wkdist re-exports whole, in
#: the order a name is looked up (light ones first: a name of ``wkdist.errors``
#: or ``wkdist.geometry`` does not import the dataset API).
_PACKAGES = ("wkdist.errors", "wkdist.geometry", "wkdist.dataset")
#: Single names re-exported from other modules.
_PICKED = {
    "map_blocks": "wkdist.dataset.map_blocks",
    "DatasetProperties": "wkdist.properties",
    "LayerProperties": "wkdist.properties",
    "VoxelSize": "wkdist.properties",
    "AttachmentDataFormat": "wkdist.properties.attachments",
    "AffineCoordinateTransformation": "wkdist.properties.coordinate_transformations",
    "ThinPlateSplineCoordinateTransformation": "wkdist.properties.coordinate_transformations",
    "DatasetViewConfiguration": "wkdist.properties.view_configuration",
    "LayerViewConfiguration": "wkdist.properties.view_configuration",
    "cluster": "wkdist.run.clusters",
    "DataFormat": "wkdist.storage",
}


def _public_names() -> list[str]:
    names = set(_PICKED)
    for package in _PACKAGES:
        names.update(importlib.import_module(package).__all__)
    return sorted(names)


def __getattr__(name: str) -> object:
    if name == "__all__":  # for "from wkdist import *": imports the packages
        return _public_names()
    if name.startswith("__"):
        raise AttributeError(f"module 'wkdist' has no attribute {name!r}")
    candidates = (_PICKED[name],) if name in _PICKED else _PACKAGES
    for module_name in candidates:
        module = importlib.import_module(module_name)
        if name in _PICKED or name in module.__all__:
            value = getattr(module, name)
            globals()[name] = value
            return value
    raise AttributeError(f"module 'wkdist' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_public_names()))


if TYPE_CHECKING:
    from wkdist.dataset import *
    from wkdist.dataset.map_blocks import map_blocks
    from wkdist.errors import *
    from wkdist.geometry import *
    from wkdist.properties import DatasetProperties, LayerProperties, VoxelSize
    from wkdist.properties.attachments import AttachmentDataFormat
    from wkdist.properties.coordinate_transformations import (
        AffineCoordinateTransformation,
        ThinPlateSplineCoordinateTransformation,
    )
    from wkdist.properties.view_configuration import (
        DatasetViewConfiguration,
        LayerViewConfiguration,
    )
    from wkdist.run.clusters import cluster
    from wkdist.storage import DataFormat
