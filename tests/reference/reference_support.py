"""Shared helpers of the reference acceptance suite (tests/reference).

The suite re-states cases of the ``webknossos`` test suite (webknossos-libs,
``webknossos/tests``) against ``wkdist``. Setting the environment variable
``WKDIST_REFERENCE_IMPL=webknossos`` runs the very same tests against the real
``webknossos`` 4.3.3 package, which shows that each test encodes reference
behaviour; tests of wkdist-only spellings are skipped in that mode.

Test data that the reference keeps in ``testdata/`` is generated here with the
storage libraries directly (``wkw``, ``zarr``), in the legacy layouts the
reference's files use.
"""

from __future__ import annotations

import importlib
import json
import os
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

if TYPE_CHECKING:
    from pathlib import Path

IMPL = os.environ.get("WKDIST_REFERENCE_IMPL", "wkdist")
wk: Any = importlib.import_module(IMPL)
IS_WKDIST = IMPL == "wkdist"

only_wkdist = pytest.mark.skipif(
    not IS_WKDIST, reason="older API spelling that webknossos 4.3.3 no longer has"
)

FORMATS = ("wkw", "zarr", "zarr3")
PROPERTIES = "datasource-properties.json"

SIMPLE_SHAPE = (3, 24, 24, 24)


def read_properties(dataset_path: Path) -> dict[str, Any]:
    return json.loads((dataset_path / PROPERTIES).read_text())


def write_properties(dataset_path: Path, properties: dict[str, Any]) -> None:
    (dataset_path / PROPERTIES).write_text(json.dumps(properties, indent=2))


def layer_json(dataset_path: Path, layer_name: str) -> dict[str, Any]:
    layers = read_properties(dataset_path)["dataLayers"]
    return next(layer for layer in layers if layer["name"] == layer_name)


def random_uint8(shape: tuple[int, ...], seed: int = 1234) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def multichannel_data(dtype: type) -> np.ndarray:
    """Three channels of (250, 200, 10) voxels: x ramp, y ramp, constant."""
    max_value = np.iinfo(dtype).max
    x = (np.arange(250) * 256) % max_value
    y = (np.arange(200) * 256) % max_value
    data = np.zeros((3, 250, 200, 10), dtype=dtype)
    data[0] = x[:, None, None]
    data[1] = y[None, :, None]
    data[2] = (100 * 256) % max_value
    return data


def _write_json(path: Path, content: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2))


def _simple_layer_json(data_format: str) -> dict[str, Any]:
    layer: dict[str, Any] = {
        "name": "color",
        "category": "color",
        "dataFormat": data_format,
        "elementClass": "uint24",
        "numChannels": 3,
        "boundingBox": {"topLeft": [0, 0, 0], "width": 24, "height": 24, "depth": 24},
        "defaultViewConfiguration": {"color": [255, 0, 0]},
    }
    if data_format == "wkw":
        layer["wkwResolutions"] = [{"resolution": [1, 1, 1], "cubeLength": 32}]
    elif data_format == "zarr":
        layer["mags"] = [{"mag": [1, 1, 1]}]  # no path: found by directory name
    else:
        layer["mags"] = [{"mag": [1, 1, 1], "path": "./color/1"}]
    return layer


def make_simple_dataset(data_format: str, dataset_path: Path) -> np.ndarray:
    """Write the equivalent of the reference's ``testdata/simple_<format>_dataset``.

    One ``color`` layer, 3 x uint8, bounding box (0,0,0)+(24,24,24), Mag 1, with the
    storage and properties layout of the reference's files: WKW with
    ``wkwResolutions`` (block 32, one block per file), Zarr v2 with C order and "."
    chunk keys, Zarr v3 with 32-voxel shards of 16-voxel chunks and no dimension
    names; legacy ``scale`` lists. Returns the written (c, x, y, z) data.
    """
    data = random_uint8(SIMPLE_SHAPE, seed=42)
    mag_path = dataset_path / "color" / "1"
    if data_format == "wkw":
        import wkw

        header = wkw.Header(
            np.uint8, num_channels=3, block_len=32, file_len=1, block_type=wkw.Header.BLOCK_TYPE_RAW
        )
        with wkw.Dataset.create(str(mag_path), header) as wkw_dataset:
            wkw_dataset.write((0, 0, 0), data)
    elif data_format == "zarr":
        import zarr

        array = zarr.create_array(
            store=str(mag_path),
            shape=SIMPLE_SHAPE,
            chunks=(3, 32, 32, 32),
            dtype="uint8",
            compressors=None,
            filters=None,
            fill_value=0,
            order="C",
            zarr_format=2,
            chunk_key_encoding={"name": "v2", "separator": "."},
        )
        array[...] = data
        _write_json(dataset_path / "color" / ".zgroup", {"zarr_format": 2})
    elif data_format == "zarr3":
        import zarr

        array = zarr.create_array(
            store=str(mag_path),
            shape=SIMPLE_SHAPE,
            chunks=(3, 16, 16, 16),
            shards=(3, 32, 32, 32),
            dtype="uint8",
            compressors=None,
            fill_value=0,
            zarr_format=3,
        )
        array[...] = data
        _write_json(dataset_path / "zarr.json", {"zarr_format": 3, "node_type": "group"})
        _write_json(
            dataset_path / "color" / "zarr.json", {"zarr_format": 3, "node_type": "group"}
        )
    else:
        raise ValueError(f"data_format={data_format!r}, expected one of {FORMATS}")

    properties: dict[str, Any] = {
        "id": {"name": f"simple_{data_format}_dataset", "team": ""},
        "scale": [1.0, 1.0, 1.0],
        "dataLayers": [_simple_layer_json(data_format)],
        "defaultViewConfiguration": {"position": [12, 12, 12]},
    }
    if data_format == "zarr3":
        properties["version"] = 1
    write_properties(dataset_path, properties)
    return data


def make_old_wkw_dataset(dataset_path: Path) -> None:
    """A WKW dataset whose properties predate ``numChannels`` (``old_wkw_dataset``)."""
    import wkw

    header = wkw.Header(np.uint8, num_channels=1, block_len=32, file_len=32)
    wkw.Dataset.create(str(dataset_path / "color" / "1"), header).close()
    write_properties(
        dataset_path,
        {
            "id": {"name": "old_wkw_dataset", "team": ""},
            "scale": [1, 1, 1],
            "dataLayers": [
                {
                    "name": "color",
                    "category": "color",
                    "dataFormat": "wkw",
                    "elementClass": "uint8",
                    "boundingBox": {
                        "topLeft": [0, 0, 0],
                        "width": 24,
                        "height": 24,
                        "depth": 24,
                    },
                    "wkwResolutions": [{"resolution": [1, 1, 1], "cubeLength": 1024}],
                }
            ],
        },
    )


COMPLEX_PROPERTIES: dict[str, Any] = {
    "id": {"name": "ROI2017_wkw", "team": "Connectomics department"},
    "dataLayers": [
        {
            "name": "color",
            "category": "color",
            "boundingBox": {"topLeft": [0, 0, 0], "width": 1024, "height": 1024, "depth": 1024},
            "wkwResolutions": [
                {"resolution": [1, 1, 1], "cubeLength": 1024},
                {"resolution": [16, 16, 16], "cubeLength": 64},
                {"resolution": [2, 2, 2], "cubeLength": 512},
            ],
            "elementClass": "uint8",
            "dataFormat": "wkw",
        },
        {
            "name": "segmentation",
            "boundingBox": {"topLeft": [0, 0, 0], "width": 1024, "height": 1024, "depth": 1024},
            "wkwResolutions": [
                {"resolution": [1, 1, 1], "cubeLength": 1024},
                {"resolution": [2, 2, 2], "cubeLength": 512},
            ],
            "elementClass": "uint32",
            "mappings": ["larger5um1", "axons", "astrocyte-ge-7", "astrocyte"],
            "largestSegmentId": 1000000000,
            "category": "segmentation",
            "dataFormat": "wkw",
        },
    ],
    "scale": [11.239999771118164, 11.239999771118164, 28],
}


def make_complex_property_dataset(dataset_path: Path) -> None:
    """Legacy WKW properties with mappings and many mags (``complex_property_ds``)."""
    import wkw

    for layer in COMPLEX_PROPERTIES["dataLayers"]:
        dtype = np.uint8 if layer["elementClass"] == "uint8" else np.uint32
        for resolution in layer["wkwResolutions"]:
            mag_name = str(resolution["resolution"][0])
            file_len = resolution["cubeLength"] // 32
            header = wkw.Header(dtype, num_channels=1, block_len=32, file_len=file_len)
            wkw.Dataset.create(str(dataset_path / layer["name"] / mag_name), header).close()
    write_properties(dataset_path, COMPLEX_PROPERTIES)


def properties_summary(ds: Any) -> dict[str, Any]:
    """What the public API reports about a dataset, layer by layer."""
    summary: dict[str, Any] = {
        "name": ds.name,
        "voxel_size": tuple(float(v) for v in ds.voxel_size),
        "layers": {},
    }
    for name, layer in ds.layers.items():
        entry = {
            "category": layer.category,
            "data_format": str(layer.data_format),
            "dtype_per_channel": np.dtype(layer.dtype_per_channel),
            "num_channels": layer.num_channels,
            "bounding_box": layer.bounding_box,
            "mags": sorted(mag.to_layer_name() for mag in layer.mags),
        }
        if layer.category == "segmentation":
            entry["largest_segment_id"] = layer.largest_segment_id
        summary["layers"][name] = entry
    return summary


def assert_properties_persisted(ds: Any) -> None:
    """The in-memory state of ``ds`` equals what a fresh ``Dataset.open`` reads.

    Stands in for the reference's ``assure_exported_properties`` (which compares
    the private ``_properties``) using only public attributes.
    """
    reopened = wk.Dataset.open(ds.path)
    assert properties_summary(ds) == properties_summary(reopened), (
        "the properties on disk differ from the dataset object; a change was not saved"
    )
