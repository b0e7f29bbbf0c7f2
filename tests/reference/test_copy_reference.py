"""Reference cases: copy_dataset and add_symlink_layer.

Re-stated from webknossos-libs ``webknossos/tests/dataset/test_dataset.py`` (later
``test_dataset_copy.py``) and the dataset usage example (``tests/test_examples.py``);
local paths only.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from .reference_support import (
    FORMATS,
    assert_properties_persisted,
    layer_json,
    make_simple_dataset,
    random_uint8,
    read_properties,
    wk,
)


SMALL_SHARDS = {"chunk_shape": wk.Vec3Int.full(8), "shard_shape": wk.Vec3Int.full(128)}


def _dataset_with_segmentation(tmp_path, data_format):
    """The simple dataset plus a segmentation layer (largest id 999) with an empty Mag 1."""
    ds_path = tmp_path / "original"
    make_simple_dataset(data_format, ds_path)
    original = wk.Dataset.open(ds_path)
    original.add_layer(
        "segmentation", wk.SEGMENTATION_CATEGORY, largest_segment_id=999, data_format=data_format
    ).add_mag(1)
    return original


# ref: test_dataset.py::test_add_symlink_layer
@pytest.mark.parametrize("data_format", FORMATS)
def test_add_symlink_layer(tmp_path, data_format):
    original_ds = _dataset_with_segmentation(tmp_path, data_format)
    ds_path = original_ds.path
    original_mag = original_ds.get_layer("color").get_mag("1")
    original_mag.write(random_uint8((3, 10, 10, 10)), allow_unaligned=True)

    symlink_path = tmp_path / "with_symlink"
    ds = wk.Dataset(symlink_path, voxel_size=(1, 1, 1))
    symlink_layer = ds.add_symlink_layer(ds_path / "color")
    symlink_segmentation_layer = ds.add_symlink_layer(ds_path / "segmentation", make_relative=True)
    mag = symlink_layer.get_mag("1")

    assert (symlink_path / "color").is_symlink()
    assert (symlink_path / "color" / "1").resolve().exists()
    assert (symlink_path / "segmentation").is_symlink()
    assert (symlink_path / "segmentation").resolve().exists()
    assert not os.path.isabs(os.readlink(symlink_path / "segmentation"))
    assert len(ds.layers) == 2
    assert len(ds.get_layer("color").mags) == 1
    assert symlink_segmentation_layer.largest_segment_id == 999

    assert symlink_layer.read_only
    assert symlink_segmentation_layer.read_only
    assert mag.read_only
    with pytest.raises(RuntimeError):
        mag.write(random_uint8((3, 10, 10, 10)), allow_unaligned=True)

    np.testing.assert_array_equal(
        mag.read(absolute_offset=(0, 0, 0), size=(10, 10, 10)),
        original_mag.read(absolute_offset=(0, 0, 0), size=(10, 10, 10)),
    )
    assert_properties_persisted(ds)


# ref: test_dataset.py::test_add_symlink_layer (by Layer object, under a new name)
@pytest.mark.parametrize("data_format", FORMATS)
def test_add_symlink_layer_from_object_with_new_name(tmp_path, data_format):
    original_ds = _dataset_with_segmentation(tmp_path, data_format)
    ds = wk.Dataset(tmp_path / "with_symlink", voxel_size=(1, 1, 1))
    layer = ds.add_symlink_layer(original_ds.get_layer("color"), new_layer_name="linked")
    assert (tmp_path / "with_symlink" / "linked").is_symlink()
    assert layer.name == "linked"
    assert layer.num_channels == 3
    assert layer.bounding_box == wk.BoundingBox((0, 0, 0), (24, 24, 24))
    np.testing.assert_array_equal(
        wk.Dataset.open(tmp_path / "with_symlink").get_layer("linked").get_mag(1).read(),
        original_ds.get_layer("color").get_mag(1).read(),
    )
    with pytest.raises(IndexError):  # the name is taken now
        ds.add_symlink_layer(original_ds.get_layer("color"), new_layer_name="linked")


# ref: test_dataset.py::test_symlink_layer_add_mag
@pytest.mark.parametrize("data_format", FORMATS)
def test_symlink_layer_add_mag(tmp_path, data_format):
    original_ds = _dataset_with_segmentation(tmp_path, data_format)
    ds = wk.Dataset(tmp_path / "with_symlink", voxel_size=(1, 1, 1))
    symlink_layer = ds.add_symlink_layer(original_ds.path / "color")
    with pytest.raises(RuntimeError):
        symlink_layer.add_mag(2)
    assert not (original_ds.path / "color" / "2").exists()


# ref: test_dataset.py::test_symlink_layer_rename
@pytest.mark.parametrize("data_format", FORMATS)
def test_symlink_layer_rename(tmp_path, data_format):
    original_ds = _dataset_with_segmentation(tmp_path, data_format)
    symlink_ds = wk.Dataset(tmp_path / "with_symlink", voxel_size=(1, 1, 1))
    symlink_layer = symlink_ds.add_symlink_layer(original_ds.path / "color", make_relative=True)
    symlink_layer.name = "color2"
    assert (symlink_ds.path / "color2").exists()
    assert not (symlink_ds.path / "color").exists()
    assert (original_ds.path / "color").exists()


# ref: test_dataset.py::test_ome_ngff_0_5_metadata_symlink
def test_symlink_layer_does_not_write_into_the_source(tmp_path):
    original_ds = _dataset_with_segmentation(tmp_path, "zarr3")
    source_files = {
        path: path.read_bytes() for path in sorted(original_ds.path.rglob("*")) if path.is_file()
    }
    mode_before = {path: path.stat().st_mode for path in source_files}
    for path in [original_ds.path, *original_ds.path.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        ds = wk.Dataset(tmp_path / "with_symlink", voxel_size=(1, 1, 1))
        ds.add_symlink_layer(original_ds.path / "color")
        ds.add_symlink_layer(original_ds.path / "segmentation")
    finally:
        for path in [original_ds.path, *original_ds.path.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert {
        path: path.read_bytes() for path in sorted(original_ds.path.rglob("*")) if path.is_file()
    } == source_files
    assert set(mode_before) == set(source_files)


# ref: test_dataset.py::test_dataset_conversion_wkw_only
def test_dataset_conversion_wkw_only(tmp_path):
    origin_ds = wk.Dataset(tmp_path / "original", voxel_size=(1, 1, 1))
    seg_layer = origin_ds.add_layer(
        "layer1", wk.SEGMENTATION_CATEGORY, num_channels=1, largest_segment_id=1000000000,
        data_format="wkw",
    )
    seg_layer.add_mag("1", **SMALL_SHARDS).write(
        absolute_offset=(10, 20, 30), data=random_uint8((128, 128, 256)), allow_resize=True
    )
    seg_layer.add_mag("2", **SMALL_SHARDS).write(
        absolute_offset=(10, 20, 30), data=random_uint8((64, 64, 128), seed=2), allow_resize=True
    )
    color_layer = origin_ds.add_layer(
        "layer2", wk.COLOR_CATEGORY, num_channels=3, data_format="wkw"
    )
    color_layer.add_mag("1", **SMALL_SHARDS).write(
        absolute_offset=(10, 20, 30), data=random_uint8((3, 128, 128, 256), seed=3),
        allow_resize=True,
    )
    color_layer.add_mag("2", **SMALL_SHARDS).write(
        absolute_offset=(10, 20, 30), data=random_uint8((3, 64, 64, 128), seed=4),
        allow_resize=True,
    )

    converted_ds = origin_ds.copy_dataset(tmp_path / "converted")

    assert origin_ds.layers.keys() == converted_ds.layers.keys()
    for layer_name, origin_layer in origin_ds.layers.items():
        converted_layer = converted_ds.layers[layer_name]
        assert origin_layer.mags.keys() == converted_layer.mags.keys()
        assert origin_layer.num_channels == converted_layer.num_channels
        assert origin_layer.bounding_box == converted_layer.bounding_box
        for mag, origin_mag in origin_layer.mags.items():
            origin_info = origin_mag.info
            converted_info = converted_layer.mags[mag].info
            assert origin_info.voxel_type == converted_info.voxel_type
            assert origin_info.compression_mode == converted_info.compression_mode
            assert origin_info.chunk_shape == converted_info.chunk_shape
            assert origin_info.shard_shape == converted_info.shard_shape
            assert origin_info.data_format == converted_info.data_format
            np.testing.assert_array_equal(origin_mag.read(), converted_layer.mags[mag].read())
    assert converted_ds.get_layer("layer1").largest_segment_id == 1000000000
    assert converted_ds.voxel_size == origin_ds.voxel_size
    assert_properties_persisted(origin_ds)
    assert_properties_persisted(converted_ds)


# ref: test_dataset.py::test_dataset_conversion_from_wkw_to_zarr
@pytest.mark.parametrize("data_format", ["zarr", "zarr3"])
def test_dataset_conversion_from_wkw_to_zarr(tmp_path, data_format):
    make_simple_dataset("wkw", tmp_path / "simple")
    input_ds = wk.Dataset.open(tmp_path / "simple")
    converted_path = tmp_path / "converted"
    converted_ds = input_ds.copy_dataset(
        converted_path, data_format=data_format, shard_shape=32
    )

    marker = ".zarray" if data_format == "zarr" else "zarr.json"
    assert (converted_path / "color" / "1" / marker).exists()
    np.testing.assert_array_equal(
        input_ds.get_layer("color").get_mag("1").read(),
        converted_ds.get_layer("color").get_mag("1").read(),
    )
    assert converted_ds.get_layer("color").data_format == wk.DataFormat(data_format)
    assert converted_ds.get_layer("color").get_mag("1").info.data_format == wk.DataFormat(
        data_format
    )
    assert layer_json(converted_path, "color")["dataFormat"] == data_format
    assert_properties_persisted(converted_ds)


# ref: test_dataset.py::test_dataset_conversion_from_wkw_to_zarr (every format pair)
@pytest.mark.parametrize("target_format", FORMATS)
@pytest.mark.parametrize("source_format", FORMATS)
def test_copy_dataset_between_formats(tmp_path, source_format, target_format):
    expected = make_simple_dataset(source_format, tmp_path / "simple")
    source = wk.Dataset.open(tmp_path / "simple")
    target = source.copy_dataset(
        tmp_path / "copy", data_format=target_format, chunk_shape=32, shard_shape=32
    )
    layer = target.get_layer("color")
    assert layer.data_format == wk.DataFormat(target_format)
    assert layer.bounding_box == wk.BoundingBox((0, 0, 0), (24, 24, 24))
    assert layer.num_channels == 3
    np.testing.assert_array_equal(
        wk.Dataset.open(tmp_path / "copy").get_layer("color").get_mag(1).read(), expected
    )


# ref: test_dataset.py::test_copy_dataset_exists_ok
def test_copy_dataset_exists_ok(tmp_path):
    make_simple_dataset("wkw", tmp_path / "simple")
    wkw_ds = wk.Dataset.open(tmp_path / "simple")
    target = tmp_path / "copied"
    wkw_ds.copy_dataset(target, data_format="zarr3")
    with pytest.raises(RuntimeError):
        wkw_ds.copy_dataset(target, data_format="zarr3")
    copied = wkw_ds.copy_dataset(target, data_format="zarr3", exists_ok=True)
    np.testing.assert_array_equal(
        copied.get_layer("color").get_mag(1).read(), wkw_ds.get_layer("color").get_mag(1).read()
    )


# ref: test_dataset_copy.py::test_copy_preserves_layer_metadata
@pytest.mark.parametrize("data_format", FORMATS)
def test_copy_dataset_keeps_view_configuration(tmp_path, data_format):
    make_simple_dataset(data_format, tmp_path / "simple")
    wk.Dataset.open(tmp_path / "simple").copy_dataset(tmp_path / "copy")
    properties = read_properties(tmp_path / "copy")
    assert properties["defaultViewConfiguration"] == {"position": [12, 12, 12]}
    assert layer_json(tmp_path / "copy", "color")["defaultViewConfiguration"] == {
        "color": [255, 0, 0]
    }
    assert layer_json(tmp_path / "copy", "color")["dataFormat"] == data_format


# ref: test_examples.py::test_dataset_usage (copy_dataset with chunk/shard/compress)
def test_dataset_usage_example(tmp_path):
    dataset = wk.Dataset(tmp_path / "my_new_dataset", voxel_size=(1, 1, 1))
    layer = dataset.add_layer(
        layer_name="color", category="color", dtype_per_channel="uint8", num_channels=3,
        bounding_box=wk.BoundingBox((10, 20, 30), (128, 128, 32)),
    )
    mag1 = layer.add_mag("1")
    mag2 = layer.add_mag("2")
    # the documented example uses (512, 512, 32) voxels; smaller here to stay fast
    data1 = random_uint8((3, 128, 128, 32))
    data2 = random_uint8((3, 64, 64, 16), seed=9)
    mag1.write(absolute_offset=(10, 20, 30), data=data1, allow_unaligned=True)
    mag2.write(absolute_offset=(10, 20, 30), data=data2, allow_unaligned=True)

    np.testing.assert_array_equal(mag1.read(), data1)
    np.testing.assert_array_equal(
        mag1.read(absolute_offset=(10, 20, 30), size=(128, 128, 32)), data1
    )
    np.testing.assert_array_equal(mag2.read(), data2)
    subset = mag2.read(absolute_offset=(10, 20, 30), size=(128, 128, 32))
    assert subset.shape == (3, 64, 64, 16)
    np.testing.assert_array_equal(subset, data2)

    copy_of_dataset = dataset.copy_dataset(
        tmp_path / "copy_of_dataset",
        chunk_shape=(32, 32, 32),
        shard_shape=(64, 64, 64),
        compress=True,
    )
    copied_mag1 = copy_of_dataset.get_layer("color").get_mag(1)
    assert copied_mag1.info.chunk_shape == wk.Vec3Int(32, 32, 32)
    assert copied_mag1.info.shard_shape == wk.Vec3Int(64, 64, 64)
    assert copied_mag1.info.compression_mode is True
    np.testing.assert_array_equal(copied_mag1.read(), data1)
    np.testing.assert_array_equal(copy_of_dataset.get_layer("color").get_mag(2).read(), data2)
    assert copy_of_dataset.get_layer("color").bounding_box == layer.bounding_box

    new_layer = dataset.add_layer(
        layer_name="segmentation", category="segmentation",
        dtype_per_channel="uint8", largest_segment_id=0,
    )
    sym_layer = copy_of_dataset.add_symlink_layer(new_layer)
    assert sym_layer.largest_segment_id == 0
    assert set(wk.Dataset.open(tmp_path / "copy_of_dataset").layers) == {"color", "segmentation"}
