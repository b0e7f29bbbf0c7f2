"""Creating, opening and changing datasets, layers and mags."""

from __future__ import annotations

import json

import numpy as np
import pytest

import wkdist as wk


def props(path):
    return json.loads((path / "datasource-properties.json").read_text())


def test_create_open_and_reopen(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(11, 11, 24))
    layer = ds.add_layer("color", "color", dtype_per_channel="uint16", data_format=data_format)
    layer.add_mag(1)
    layer.add_mag("2-2-1")
    again = wk.Dataset.open(tmp_path / "ds")
    assert again.voxel_size == (11.0, 11.0, 24.0)
    assert again.name == "ds"
    reopened = again.get_layer("color")
    assert reopened.dtype_per_channel == np.dtype("uint16")
    assert reopened.data_format == wk.DataFormat(data_format)
    assert list(reopened.mags) == [wk.Mag(1), wk.Mag("2-2-1")]
    assert props(tmp_path / "ds")["dataLayers"][0]["mags"][1]["path"] == "./color/2-2-1"


def test_first_edition_spellings(tmp_path):
    with pytest.warns(FutureWarning):
        ds = wk.Dataset.create(tmp_path / "old", scale=(1, 1, 1))
    layer = ds.add_layer("color", wk.LayerCategories.COLOR_TYPE, dtype_per_channel="uint8")
    mag2 = layer.add_mag("2")
    data = np.arange(8 * 8 * 4, dtype=np.uint8).reshape(8, 8, 4)
    with pytest.warns(FutureWarning):
        mag2.write(offset=(5, 10, 15), data=data, allow_unaligned=True)
    # offsets and sizes in the mag's own voxels
    with pytest.warns(FutureWarning):
        old = mag2.read(offset=(5, 10, 15), size=(8, 8, 4))
    new = mag2.read(absolute_offset=(10, 20, 30), size=(16, 16, 8))
    np.testing.assert_array_equal(old, new)
    np.testing.assert_array_equal(old[0], data)
    assert wk.Dataset(tmp_path / "old").get_layer("color").bounding_box == wk.BoundingBox(
        (10, 20, 30), (16, 16, 8)
    )


def test_write_grows_box_and_saves(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    mag1 = ds.add_layer("color", "color", data_format=data_format).add_mag(1)
    data = np.full((1, 40, 30, 20), 7, dtype=np.uint8)
    mag1.write(data, absolute_offset=(3, 4, 5), allow_unaligned=True)
    expected = wk.BoundingBox((3, 4, 5), (40, 30, 20))  # an empty box extends to the written one
    assert ds.get_layer("color").bounding_box == expected
    assert wk.Dataset.open(tmp_path / "ds").get_layer("color").bounding_box == expected
    np.testing.assert_array_equal(mag1.read(absolute_offset=(3, 4, 5), size=(40, 30, 20)), data)


def test_json_update_not_allowed_leaves_properties_untouched(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    mag1 = ds.add_layer("color", "color", data_format=data_format).add_mag(1, compress=False)
    before = (tmp_path / "ds" / "datasource-properties.json").read_bytes()
    data = np.full((32, 32, 32), 3, dtype=np.uint8)
    mag1.write(data, absolute_offset=(32, 0, 0), json_update_allowed=False)
    assert (tmp_path / "ds" / "datasource-properties.json").read_bytes() == before
    layer = ds.get_layer("color")
    layer.bounding_box = wk.BoundingBox((32, 0, 0), (32, 32, 32))
    np.testing.assert_array_equal(mag1.read()[0], data)


def test_allow_resize_false_refuses_growth(tmp_path):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", bounding_box=wk.BoundingBox((0, 0, 0), (32, 32, 32)))
    mag1 = layer.add_mag(1)
    with pytest.raises(ValueError, match="allow_resize"):
        mag1.write(np.zeros((64, 32, 32), np.uint8), allow_resize=False)
    mag1.write(np.ones((64, 32, 32), np.uint8), allow_resize=True)
    assert layer.bounding_box.size == wk.Vec3Int(64, 32, 32)


def test_unaligned_compressed_write_needs_allow_unaligned(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.add_layer(
        "color", "color", data_format=data_format, bounding_box=wk.BoundingBox((0, 0, 0), (128, 128, 128))
    )
    mag1 = layer.add_mag(1, shard_shape=64 if data_format != "zarr" else None)
    with pytest.raises(ValueError, match="not aligned"):
        mag1.write(np.ones((10, 10, 10), np.uint8), absolute_offset=(5, 5, 5))
    mag1.write(np.ones((10, 10, 10), np.uint8), absolute_offset=(5, 5, 5), allow_unaligned=True)
    assert mag1.read(absolute_offset=(0, 0, 0), size=(20, 20, 20))[0].sum() == 1000
    # a box clipped at the layer's border counts as aligned
    mag1.write(np.ones((128, 128, 128), np.uint8), absolute_offset=(0, 0, 0))


def test_views_read_write_relative(tmp_path):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", bounding_box=wk.BoundingBox((0, 0, 0), (64, 64, 64)))
    mag1 = layer.add_mag(1, shard_shape=32)
    view = mag1.get_view(absolute_offset=(32, 0, 0), size=(32, 32, 32))
    data = np.random.default_rng(0).integers(0, 255, (32, 32, 32), dtype=np.uint8)
    view.write(data)
    np.testing.assert_array_equal(view.read()[0], data)
    np.testing.assert_array_equal(
        view.read(relative_offset=(1, 2, 3), size=(4, 4, 4))[0], data[1:5, 2:6, 3:7]
    )
    with pytest.raises(ValueError, match="not inside"):
        view.write(data, relative_offset=(16, 0, 0))


def test_mag2_view_coordinates(tmp_path):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.add_layer(
        "color", "color", num_channels=3, bounding_box=wk.BoundingBox((10, 20, 30), (512, 512, 32))
    )
    mag2 = layer.add_mag(2)
    data = np.random.default_rng(1).integers(0, 255, (3, 256, 256, 16), dtype=np.uint8)
    mag2.write(data, absolute_offset=(10, 20, 30), allow_unaligned=True)
    assert mag2.read(absolute_offset=(10, 20, 30), size=(512, 512, 32)).shape == (3, 256, 256, 16)
    np.testing.assert_array_equal(mag2.read(absolute_offset=(10, 20, 30), size=(512, 512, 32)), data)


def test_delete_layer_and_mag(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", data_format=data_format)
    layer.add_mag(1)
    layer.add_mag(2)
    layer.delete_mag(2)
    assert list(layer.mags) == [wk.Mag(1)]
    assert not (tmp_path / "ds" / "color" / "2").exists()
    ds.delete_layer("color")
    assert not (tmp_path / "ds" / "color").exists()
    assert props(tmp_path / "ds")["dataLayers"] == []


def test_segmentation_layer(tmp_path):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    seg = ds.add_layer("seg", "segmentation", dtype_per_channel="uint64", largest_segment_id=2**60)
    assert isinstance(seg, wk.SegmentationLayer)
    seg.add_mag(1).write(np.full((32, 32, 32), 9, np.uint64), absolute_offset=(0, 0, 0))
    reopened = wk.Dataset.open(tmp_path / "ds").get_segmentation_layers()[0]
    assert reopened.largest_segment_id == 2**60
    reopened.refresh_largest_segment_id()
    assert wk.Dataset.open(tmp_path / "ds").get_layer("seg").largest_segment_id == 9


def test_copy_dataset_converts_every_format(tmp_path, data_format, scheduler):
    ds = wk.Dataset(tmp_path / "src", voxel_size=(1, 1, 1))
    box = wk.BoundingBox((5, 6, 7), (100, 70, 40))
    layer = ds.add_layer("color", "color", num_channels=3, data_format="zarr3", bounding_box=box)
    data = np.random.default_rng(2).integers(0, 255, (3, 100, 70, 40), dtype=np.uint8)
    layer.add_mag(1, shard_shape=64).write(data, absolute_offset=(5, 6, 7), allow_unaligned=True)
    copy = ds.copy_dataset(tmp_path / "dst", data_format=data_format, compress=True)
    copied = copy.get_layer("color")
    assert copied.bounding_box == box
    assert copied.data_format == wk.DataFormat(data_format)
    np.testing.assert_array_equal(copied.get_mag(1).read(), layer.get_mag(1).read())


def test_copy_dataset_unchanged_layout_copies_files(tmp_path):
    ds = wk.Dataset(tmp_path / "src", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", data_format="wkw")
    layer.add_mag(1).write(np.ones((64, 64, 64), np.uint8), absolute_offset=(0, 0, 0))
    copy = ds.copy_dataset(tmp_path / "dst")
    assert (tmp_path / "dst" / "color" / "1" / "z0" / "y0" / "x0.wkw").read_bytes() == (
        tmp_path / "src" / "color" / "1" / "z0" / "y0" / "x0.wkw"
    ).read_bytes()
    assert copy.get_layer("color").get_mag(1).read().sum() == 64**3


def test_symlink_layer(tmp_path):
    src = wk.Dataset(tmp_path / "src", voxel_size=(1, 1, 1))
    layer = src.add_layer("seg", "segmentation", dtype="uint32", largest_segment_id=1)
    layer.add_mag(1).write(np.ones((32, 32, 32), np.uint32), absolute_offset=(0, 0, 0))
    dst = wk.Dataset(tmp_path / "dst", voxel_size=(1, 1, 1))
    linked = dst.add_symlink_layer(layer)
    assert (tmp_path / "dst" / "seg").is_symlink()
    reopened = wk.Dataset.open(tmp_path / "dst").get_layer("seg")
    assert reopened.get_mag(1).read().sum() == 32**3
    assert linked.largest_segment_id == 1


def test_rename_layer(tmp_path):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color")
    layer.add_mag(1).write(np.ones((8, 8, 8), np.uint8), absolute_offset=(0, 0, 0), allow_unaligned=True)
    layer.name = "renamed"
    reopened = wk.Dataset.open(tmp_path / "ds")
    assert list(reopened.layers) == ["renamed"]
    assert reopened.get_layer("renamed").get_mag(1).read().sum() == 512
