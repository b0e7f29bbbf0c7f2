"""Reference cases across libraries: datasets written by one side, opened by the other.

The reference's tests open datasets that WEBKNOSSOS and older library versions wrote
(``testdata/``); here the real ``webknossos`` 4.3.3 package is the other side.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from .reference_support import FORMATS, random_uint8, wk

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import webknossos as reference_wk


def _write_sample(module, path, data_format):
    """Color (3 x uint8) and segmentation (uint32) layers, Mag 1 and 2-2-1.

    Small shards keep the unaligned writes cheap for both libraries.
    """
    shapes = {"chunk_shape": 32, "shard_shape": 32 if data_format == "zarr" else 64}
    ds = module.Dataset(path, voxel_size=(11, 11, 24))
    color = ds.add_layer(
        "color", "color", dtype_per_channel="uint8", num_channels=3, data_format=data_format,
        bounding_box=module.BoundingBox((10, 20, 30), (64, 48, 40)),
    )
    color_data = random_uint8((3, 64, 48, 40))
    color.add_mag(1, **shapes).write(color_data, absolute_offset=(10, 20, 30), allow_unaligned=True)
    color.add_mag("2-2-1", **shapes).write(
        color_data[:, ::2, ::2, :], absolute_offset=(10, 20, 30), allow_unaligned=True
    )
    seg = ds.add_layer(
        "segmentation", "segmentation", dtype_per_channel="uint32", largest_segment_id=77,
        data_format=data_format, bounding_box=module.BoundingBox((0, 0, 0), (32, 32, 32)),
    )
    seg_data = (random_uint8((32, 32, 32), seed=5) % 78).astype(np.uint32)
    seg.add_mag(1, **shapes).write(seg_data, absolute_offset=(0, 0, 0))
    return color_data, seg_data


def _assert_sample(module, path, data_format, color_data, seg_data):
    ds = module.Dataset.open(path)
    assert tuple(float(v) for v in ds.voxel_size) == (11.0, 11.0, 24.0)
    assert set(ds.layers) == {"color", "segmentation"}
    color = ds.get_layer("color")
    assert str(color.data_format) == data_format
    assert color.num_channels == 3
    assert np.dtype(color.dtype_per_channel) == np.dtype("uint8")
    assert tuple(color.bounding_box.topleft) == (10, 20, 30)
    assert tuple(color.bounding_box.size) == (64, 48, 40)
    assert sorted(mag.to_layer_name() for mag in color.mags) == ["1", "2-2-1"]
    np.testing.assert_array_equal(color.get_mag(1).read(), color_data)
    np.testing.assert_array_equal(color.get_mag("2-2-1").read(), color_data[:, ::2, ::2, :])
    seg = ds.get_layer("segmentation")
    assert seg.category == "segmentation"
    assert seg.largest_segment_id == 77
    np.testing.assert_array_equal(seg.get_mag(1).read()[0], seg_data)


# ref: test_dataset.py::test_open_dataset (a dataset wkdist wrote, opened by webknossos)
@pytest.mark.parametrize("data_format", FORMATS)
def test_webknossos_reads_what_wk_writes(tmp_path, data_format):
    color_data, seg_data = _write_sample(wk, tmp_path / "ds", data_format)
    _assert_sample(reference_wk, tmp_path / "ds", data_format, color_data, seg_data)


# ref: test_dataset.py::test_open_dataset (a dataset webknossos wrote, opened by wkdist)
@pytest.mark.parametrize("data_format", FORMATS)
def test_wk_reads_what_webknossos_writes(tmp_path, data_format):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        color_data, seg_data = _write_sample(reference_wk, tmp_path / "ds", data_format)
    _assert_sample(wk, tmp_path / "ds", data_format, color_data, seg_data)


# ref: test_dataset.py::test_modify_existing_dataset (changes to a webknossos dataset)
@pytest.mark.parametrize("data_format", FORMATS)
def test_wk_extends_a_webknossos_dataset(tmp_path, data_format):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        color_data, _ = _write_sample(reference_wk, tmp_path / "ds", data_format)
    ds = wk.Dataset.open(tmp_path / "ds")
    extra = random_uint8((3, 16, 16, 16), seed=11)
    ds.get_layer("color").get_mag(1).write(
        extra, absolute_offset=(74, 68, 70), allow_resize=True, allow_unaligned=True
    )
    ds.add_layer("more", "color", data_format=data_format).add_mag(1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reopened = reference_wk.Dataset.open(tmp_path / "ds")
        layer = reopened.get_layer("color")
        assert layer.bounding_box == reference_wk.BoundingBox((10, 20, 30), (80, 64, 56))
        np.testing.assert_array_equal(
            layer.get_mag(1).read(absolute_offset=(74, 68, 70), size=(16, 16, 16)), extra
        )
        np.testing.assert_array_equal(
            layer.get_mag(1).read(absolute_offset=(10, 20, 30), size=(64, 48, 40)), color_data
        )
        assert "more" in reopened.layers


# ref: test_dataset.py::test_direct_zarr_access (zarr-python opens the arrays)
@pytest.mark.parametrize("data_format", ["zarr", "zarr3"])
def test_zarr_python_reads_mag_arrays(tmp_path, data_format):
    import zarr

    color_data, _ = _write_sample(wk, tmp_path / "ds", data_format)
    array = zarr.open_array(str(tmp_path / "ds" / "color" / "1"), mode="r")
    assert array.shape[0] == 3
    np.testing.assert_array_equal(array[:, 10:74, 20:68, 30:70], color_data)


# ref: test_dataset.py::test_create_dataset_with_explicit_header_fields (wkw reads the files)
def test_wkw_package_reads_mag_files(tmp_path):
    import wkw

    color_data, _ = _write_sample(wk, tmp_path / "ds", "wkw")
    with wkw.Dataset.open(str(tmp_path / "ds" / "color" / "1")) as wkw_dataset:
        np.testing.assert_array_equal(wkw_dataset.read((10, 20, 30), (64, 48, 40)), color_data)
