"""Bad input raises a clear error and leaves every file on disk unchanged."""

from __future__ import annotations

import numpy as np
import pytest

import wkdist as wk
from tests.conftest import snapshot


@pytest.fixture
def ds(tmp_path, data_format):
    dataset = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = dataset.add_layer(
        "color", "color", data_format=data_format, bounding_box=wk.BoundingBox((0, 0, 0), (64, 64, 64))
    )
    layer.add_mag(1, shard_shape=None if data_format == "zarr" else 64).write(
        np.ones((64, 64, 64), np.uint8), absolute_offset=(0, 0, 0)
    )
    return dataset


def unchanged(ds, action, error, match):
    before = snapshot(ds.path)
    with pytest.raises(error, match=match):
        action()
    assert snapshot(ds.path) == before


def test_open_missing_dataset(tmp_path):
    with pytest.raises(FileNotFoundError, match="no dataset"):
        wk.Dataset.open(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="voxel_size"):
        wk.Dataset(tmp_path / "missing")
    assert not (tmp_path / "missing").exists()


def test_create_over_existing(ds):
    unchanged(ds, lambda: wk.Dataset(ds.path, voxel_size=(1, 1, 1)), RuntimeError, "exist_ok")
    unchanged(ds, lambda: wk.Dataset(ds.path, voxel_size=(2, 2, 2), exist_ok=True), RuntimeError, "voxel size")


def test_duplicate_layer(ds):
    unchanged(ds, lambda: ds.add_layer("color", "color"), IndexError, "has a layer")


def test_duplicate_mag(ds):
    unchanged(ds, lambda: ds.get_layer("color").add_mag(1), IndexError, "exists already")


def test_unknown_layer_and_mag(ds):
    unchanged(ds, lambda: ds.get_layer("nope"), IndexError, "'nope' is not a layer")
    unchanged(ds, lambda: ds.get_layer("color").get_mag(4), IndexError, "mag 4 is not a mag")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"layer_name": "bad name!", "category": "color"}, "layer_name"),
        ({"layer_name": "x", "category": "colour"}, "category"),
        ({"layer_name": "x", "category": "color", "dtype": "uint64"}, "Supported dtypes are"),
        ({"layer_name": "x", "category": "color", "num_channels": 0}, "num_channels"),
        ({"layer_name": "x", "category": "color", "data_format": "n6"}, "data_format"),
        (
            {"layer_name": "x", "category": "color", "bounding_box": wk.BoundingBox((-1, 0, 0), (1, 1, 1))},
            "topleft",
        ),
    ],
)
def test_bad_layer_arguments(ds, kwargs, match):
    unchanged(ds, lambda: ds.add_layer(**kwargs), ValueError, match)


def test_wrong_dtype(ds):
    mag = ds.get_layer("color").get_mag(1)
    unchanged(ds, lambda: mag.write(np.full((64, 64, 64), 0.5), absolute_offset=(0, 0, 0)), ValueError, "dtype")
    unchanged(ds, lambda: mag.write(np.full((64, 64, 64), 300), absolute_offset=(0, 0, 0)), ValueError, "dtype")


def test_wrong_channel_count(ds):
    mag = ds.get_layer("color").get_mag(1)
    data = np.zeros((3, 64, 64, 64), np.uint8)
    unchanged(ds, lambda: mag.write(data, absolute_offset=(0, 0, 0)), ValueError, "channels")
    unchanged(ds, lambda: mag.write(np.zeros((64, 64), np.uint8)), ValueError, "shape")


def test_negative_offset_and_zero_size(ds):
    mag = ds.get_layer("color").get_mag(1)
    unchanged(ds, lambda: mag.write(np.zeros((64, 64, 64), np.uint8), absolute_offset=(-64, 0, 0)), ValueError, "negative")
    unchanged(ds, lambda: mag.read(absolute_offset=(-1, 0, 0), size=(1, 1, 1)), ValueError, "negative")
    unchanged(ds, lambda: mag.read(absolute_offset=(0, 0, 0), size=(0, 4, 4)), ValueError, "zero")


def test_unaligned_write(ds):
    mag = ds.get_layer("color").get_mag(1)
    if ds.get_layer("color").data_format == "wkw" and not mag.info.compressed:
        pytest.skip("raw WKW only warns")
    unchanged(ds, lambda: mag.write(np.zeros((8, 8, 8), np.uint8), absolute_offset=(8, 8, 8)), ValueError, "aligned")


def test_malformed_properties(tmp_path):
    path = tmp_path / "broken"
    path.mkdir()
    for content, match in [
        ("{not json", "JSON|json"),
        ('{"id": {}, "scale": [1, 1, 1]}', "dataLayers"),
        (
            '{"scale": [1,1,1], "dataLayers": [{"name": "c", "category": "color", '
            '"boundingBox": {"topLeft": [0, 0], "width": 1, "height": 1, "depth": 1}, '
            '"dataFormat": "wkw", "elementClass": "uint8"}]}',
            "boundingBox|topLeft",
        ),
    ]:
        (path / "datasource-properties.json").write_text(content)
        before = snapshot(path)
        with pytest.raises(ValueError, match=match):
            wk.Dataset.open(path)
        assert snapshot(path) == before
