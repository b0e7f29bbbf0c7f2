"""Reference cases: writing and reading slice by slice (``get_buffered_slice_writer``,
``get_buffered_slice_reader``), and ``read_cxyz``/``write_cxyz``.

Same calls against wkdist and, with ``WKDIST_REFERENCE_IMPL=webknossos``, webknossos 4.3.3.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from .reference_support import random_uint8, wk


def _mag(tmp_path, box, num_channels=1, dtype="uint8", **layout):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", dtype=dtype, num_channels=num_channels,
                         bounding_box=box)
    return layer.add_mag(1, **layout)


def test_writer_writes_a_full_buffer_and_the_rest_on_exit(tmp_path):
    image = (np.arange(24 * 24).reshape(24, 24) + 1).astype(np.uint16)
    mag = _mag(tmp_path, wk.BoundingBox((0, 0, 0), (24, 24, 35)), dtype="uint16",
               shard_shape=(1024, 1024, 32))
    with mag.get_buffered_slice_writer(absolute_offset=(0, 0, 0)) as writer:
        for _ in range(13):
            writer.send(image)
        assert not mag.read(absolute_offset=(0, 0, 0), size=(24, 24, 13)).any()
        for _ in range(13, 32):
            writer.send(image)
        assert mag.read(absolute_offset=(0, 0, 0), size=(24, 24, 32)).all()
        for _ in range(32, 35):
            writer.send(image)
    np.testing.assert_array_equal(mag.read()[0], np.repeat(image[:, :, None], 35, axis=2))


@pytest.mark.parametrize("dimension", ["x", "y", "z"])
def test_writer_and_reader_along_each_axis(tmp_path, dimension):
    cube = np.stack([random_uint8((13, 13, 13), seed=s) for s in range(3)])
    offset = wk.Vec3Int(64, 96, 32)
    shard = wk.Vec3Int(1024, 1024, 1024).with_replaced(dimension, 32)
    mag = _mag(tmp_path, wk.BoundingBox(offset, (13, 13, 13)), num_channels=3,
               shard_shape=shard)
    axis = "xyz".index(dimension)
    with mag.get_buffered_slice_writer(absolute_offset=offset, buffer_size=5,
                                       dimension=dimension, allow_unaligned=True) as writer:
        for index in range(13):
            writer.send(np.take(cube, index, axis=1 + axis))
    np.testing.assert_array_equal(mag.read(absolute_offset=offset, size=(13, 13, 13)), cube)

    with mag.get_buffered_slice_reader(buffer_size=5, dimension=dimension) as slices:
        read = list(slices)
    assert len(read) == 13
    for index, section in enumerate(read):
        np.testing.assert_array_equal(section, np.take(cube, index, axis=1 + axis))


def test_writer_over_several_shards_without_warnings(tmp_path):
    data = random_uint8((160, 150, 140))
    mag = _mag(tmp_path, wk.BoundingBox((0, 0, 0), (160, 150, 140)), chunk_shape=32,
               shard_shape=128)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with mag.get_buffered_slice_writer() as writer:
            for z in range(140):
                writer.send(data[:, :, z])
    np.testing.assert_array_equal(mag.read()[0], data)


def test_unaligned_start_is_refused_or_warned_and_keeps_other_data(tmp_path):
    mag = _mag(tmp_path, wk.BoundingBox((0, 0, 0), (130, 130, 36)), chunk_shape=32,
               shard_shape=64)
    ones = np.ones((128, 128, 4), np.uint8)
    mag.write(ones, absolute_offset=(0, 0, 32), allow_unaligned=True)
    data = random_uint8((128, 128, 31))
    with pytest.raises(ValueError, match="doesn't align with the datataset's shard shape"):
        mag.get_buffered_slice_writer(absolute_offset=(1, 1, 1), buffer_size=35)
    with pytest.warns(UserWarning, match="align with the datataset's shard shape"):
        with mag.get_buffered_slice_writer(absolute_offset=(1, 1, 1), buffer_size=32,
                                           allow_unaligned=True) as writer:
            for z in range(31):
                writer.send(data[:, :, z])
    np.testing.assert_array_equal(mag.read(absolute_offset=(1, 1, 1), size=(128, 128, 31))[0], data)
    np.testing.assert_array_equal(mag.read(absolute_offset=(0, 0, 32), size=(128, 128, 4))[0], ones)


def test_reset_offset_continues_elsewhere(tmp_path):
    data = random_uint8((64, 64, 32))
    mag = _mag(tmp_path, wk.BoundingBox((0, 0, 0), (64, 64, 40)), chunk_shape=(32, 32, 8),
               shard_shape=(64, 64, 8))
    with mag.get_buffered_slice_writer() as writer:
        for z in range(24):
            writer.send(data[:, :, z])
        writer.reset_offset(absolute_offset=(0, 0, 32))
        for z in range(24, 32):
            writer.send(data[:, :, z])
    np.testing.assert_array_equal(mag.read(absolute_offset=(0, 0, 0), size=(64, 64, 24))[0],
                                  data[:, :, :24])
    np.testing.assert_array_equal(mag.read(absolute_offset=(0, 0, 32), size=(64, 64, 8))[0],
                                  data[:, :, 24:])


def test_writer_into_a_coarser_mag_with_a_box(tmp_path):
    box = wk.BoundingBox((128, 128, 0), (32, 32, 8))
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    mag = ds.add_layer("color", "color", dtype="uint8", bounding_box=box).add_mag("2-2-1")
    data = random_uint8((16, 16, 8))
    with mag.get_buffered_slice_writer(absolute_bounding_box=box) as writer:
        for z in range(8):
            writer.send(data[:, :, z])
    np.testing.assert_array_equal(mag.read(absolute_bounding_box=box)[0], data)


def test_read_and_write_cxyz(tmp_path):
    mag = _mag(tmp_path, wk.BoundingBox((0, 0, 0), (10, 10, 10)), num_channels=3)
    data = np.stack([random_uint8((10, 10, 10), seed=s) for s in range(3)])
    mag.write_cxyz(data, absolute_offset=(0, 0, 0), allow_unaligned=True)
    np.testing.assert_array_equal(mag.read_cxyz(absolute_offset=(0, 0, 0), size=(10, 10, 10)), data)
    single = _mag(tmp_path / "one", wk.BoundingBox((0, 0, 0), (10, 10, 10)))
    assert single.read_cxyz(absolute_bounding_box=wk.BoundingBox((0, 0, 0), (10, 10, 10))).shape == (
        1, 10, 10, 10
    )


@pytest.mark.parametrize("data_format", ["zarr", "zarr3"])
def test_get_zarr_array_is_a_tensorstore_handle(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    mag = ds.add_layer("color", "color", num_channels=3, data_format=data_format,
                       bounding_box=wk.BoundingBox((0, 0, 0), (16, 16, 16))).add_mag(1)
    data = np.stack([random_uint8((10, 10, 10), seed=s) for s in range(3)])
    mag.get_zarr_array()[:, 0:10, 0:10, 0:10].write(data).result()
    np.testing.assert_array_equal(mag.read(absolute_offset=(0, 0, 0), size=(10, 10, 10)), data)
    mag.write(data[:, ::-1], absolute_offset=(0, 0, 0), allow_unaligned=True)
    np.testing.assert_array_equal(
        mag.get_zarr_array()[:, 0:10, 0:10, 0:10].read().result(), data[:, ::-1]
    )
