"""Zarr group metadata around the layers: root group files and OME-NGFF multiscales.

WEBKNOSSOS writes these so that generic Zarr/OME viewers open the dataset; they
are regenerated from the properties on every save (never read back).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wkdist._atomic import write_text_atomically

if TYPE_CHECKING:
    from wkdist.location import Location
    from wkdist.properties import DatasetProperties, LayerProperties

# by the layers' dataFormat (the properties layer does not depend on storage)
_OME_VERSION = {"zarr": "0.4", "zarr3": "0.5"}


def _multiscales(layer: LayerProperties, voxel_size_nm: tuple[float, float, float]) -> dict[str, Any]:
    axes = [{"name": "c", "type": "channel"}] + [
        {"name": axis, "type": "space", "unit": "nanometer"} for axis in "xyz"
    ]
    datasets = [
        {
            "path": mag.mag.to_layer_name(),
            "coordinateTransformations": [
                {
                    "type": "scale",
                    "scale": [1.0] + [float(v * m) for v, m in zip(voxel_size_nm, mag.mag, strict=True)],
                }
            ],
        }
        for mag in sorted(layer.mags, key=lambda m: m.mag)
    ]
    return {"axes": axes, "datasets": datasets}


def _write_json(path: Location, content: dict[str, Any]) -> None:
    text = json.dumps(content, indent=4)
    if not path.is_file() or path.read_text() != text:
        write_text_atomically(path, text)


def write_zarr_group_metadata(dataset_path: Location, props: DatasetProperties) -> None:
    """Write the root group file and each Zarr layer's OME-NGFF group metadata."""
    formats = {layer.data_format for layer in props.data_layers}
    if "zarr" in formats:
        _write_json(dataset_path / ".zgroup", {"zarr_format": 2})
    if "zarr3" in formats:
        _write_json(dataset_path / "zarr.json", {"zarr_format": 3, "node_type": "group"})
    voxel_size = props.scale.to_nanometer()
    for layer in props.data_layers:
        fmt = layer.data_format
        layer_path = dataset_path / layer.name
        if fmt not in _OME_VERSION:
            continue
        # In object storage a layer is a key prefix: nothing to check (listing costs).
        if isinstance(layer_path, Path) and (not layer_path.is_dir() or layer_path.is_symlink()):
            continue
        multiscales = _multiscales(layer, voxel_size)
        if fmt == "zarr3":
            ome = {"version": _OME_VERSION[fmt], "multiscales": [multiscales]}
            _write_json(
                layer_path / "zarr.json",
                {"zarr_format": 3, "node_type": "group", "attributes": {"ome": ome}},
            )
        else:
            _write_json(layer_path / ".zgroup", {"zarr_format": 2})
            _write_json(
                layer_path / ".zattrs",
                {"multiscales": [{"version": _OME_VERSION[fmt], **multiscales}]},
            )
