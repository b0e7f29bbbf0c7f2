"""Reference cases: reading and writing through MagView and View.

Re-stated from webknossos-libs ``webknossos/tests/dataset/test_dataset.py`` (later
``test_dataset_io.py``); local paths only. Offsets are in Mag(1) voxels.
"""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pytest

from .reference_support import (
    FORMATS,
    assert_properties_persisted,
    make_simple_dataset,
    multichannel_data,
    random_uint8,
    wk,
)

UNALIGNED = ".*not aligned with the shard shape.*"


def chunk_and_shard(data_format: str, chunk: int) -> tuple[wk.Vec3Int, wk.Vec3Int]:
    """Small shapes as the reference's ``default_chunk_config`` (Zarr v2: no shards)."""
    if data_format == "zarr":
        return wk.Vec3Int.full(chunk * 8), wk.Vec3Int.full(chunk * 8)
    return wk.Vec3Int.full(chunk), wk.Vec3Int.full(chunk * 8)


def simple_mag(tmp_path, data_format):
    make_simple_dataset(data_format, tmp_path / "simple")
    return wk.Dataset.open(tmp_path / "simple").get_layer("color").get_mag("1")


def simple_view(tmp_path, data_format):
    """A 16-voxel view of the simple dataset (its shards are 32 voxels: unaligned)."""
    return simple_mag(tmp_path, data_format).get_view(absolute_offset=(0, 0, 0), size=(16, 16, 16))


# ref: test_dataset.py::test_view_read
@pytest.mark.parametrize("data_format", FORMATS)
def test_view_read(tmp_path, data_format):
    with pytest.warns(UserWarning, match=UNALIGNED):
        view = simple_view(tmp_path, data_format)
    data = view.read(absolute_offset=(0, 0, 0), size=(10, 10, 10))
    assert data.shape == (3, 10, 10, 10)
    assert view.info.data_format == wk.DataFormat(data_format)


# ref: test_dataset.py::test_open_dataset (content of the reference's test data)
@pytest.mark.parametrize("data_format", FORMATS)
def test_read_existing_data(tmp_path, data_format):
    expected = make_simple_dataset(data_format, tmp_path / "simple")
    mag = wk.Dataset.open(tmp_path / "simple").get_layer("color").get_mag(1)
    np.testing.assert_array_equal(mag.read(), expected)
    np.testing.assert_array_equal(
        mag.read(absolute_offset=(3, 4, 5), size=(7, 8, 9)), expected[:, 3:10, 4:12, 5:14]
    )
    np.testing.assert_array_equal(
        mag.read(relative_offset=(3, 4, 5), size=(7, 8, 9)), expected[:, 3:10, 4:12, 5:14]
    )
    np.testing.assert_array_equal(
        mag.read(absolute_bounding_box=wk.BoundingBox((3, 4, 5), (7, 8, 9))),
        expected[:, 3:10, 4:12, 5:14],
    )


# ref: test_dataset.py::test_view_write
@pytest.mark.parametrize("data_format", FORMATS)
def test_view_write(tmp_path, data_format):
    with pytest.warns(UserWarning, match=UNALIGNED):
        view = simple_view(tmp_path, data_format)
    assert view.info.data_format == wk.DataFormat(data_format)
    write_data = random_uint8((3, 10, 10, 10))
    view.write(write_data, allow_unaligned=True)
    np.testing.assert_array_equal(
        view.read(absolute_offset=(0, 0, 0), size=(10, 10, 10)), write_data
    )
    reopened = wk.Dataset.open(tmp_path / "simple").get_layer("color").get_mag(1)
    np.testing.assert_array_equal(
        reopened.read(absolute_offset=(0, 0, 0), size=(10, 10, 10)), write_data
    )


# ref: test_dataset.py::test_view_write_out_of_bounds
@pytest.mark.parametrize("data_format", FORMATS)
def test_view_write_out_of_bounds(tmp_path, data_format):
    with pytest.warns(UserWarning, match=UNALIGNED):
        view = simple_view(tmp_path, data_format)
    with pytest.raises(AssertionError):
        view.write(np.zeros((200, 200, 5), dtype=np.uint8))  # bigger than the view


# ref: test_dataset.py::test_mag_view_write_out_of_bounds
@pytest.mark.parametrize("data_format", FORMATS)
def test_mag_view_write_out_of_bounds(tmp_path, data_format):
    mag_view = simple_mag(tmp_path, data_format)
    ds = mag_view.layer.dataset
    assert mag_view.info.data_format == wk.DataFormat(data_format)
    assert tuple(ds.get_layer("color").bounding_box.size) == (24, 24, 24)
    mag_view.write(np.zeros((3, 1, 1, 48), dtype=np.uint8), allow_resize=True, allow_unaligned=True)
    assert tuple(ds.get_layer("color").bounding_box.size) == (24, 24, 48)
    assert_properties_persisted(ds)


# ref: test_dataset.py::test_mag_view_write_out_of_bounds_mag2
@pytest.mark.parametrize("data_format", FORMATS)
def test_mag_view_write_out_of_bounds_mag2(tmp_path, data_format):
    make_simple_dataset(data_format, tmp_path / "simple")
    ds = wk.Dataset.open(tmp_path / "simple")
    color_layer = ds.get_layer("color")
    mag_view = color_layer.get_or_add_mag("2-2-1", compress=False)
    assert color_layer.bounding_box.topleft == wk.Vec3Int(0, 0, 0)
    assert color_layer.bounding_box.size == wk.Vec3Int(24, 24, 24)
    mag_view.write(
        np.zeros((3, 50, 1, 48), dtype=np.uint8),
        absolute_offset=(20, 20, 10),
        allow_resize=True,
        allow_unaligned=True,
    )
    assert color_layer.bounding_box.topleft == wk.Vec3Int(0, 0, 0)
    assert color_layer.bounding_box.size == wk.Vec3Int(120, 24, 58)
    assert_properties_persisted(ds)


# ref: test_dataset.py::test_view_write_allow_resize
@pytest.mark.parametrize("data_format", FORMATS)
def test_view_write_allow_resize(tmp_path, data_format):
    layer = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1)).add_layer(
        "color", wk.COLOR_CATEGORY, data_format=data_format
    )
    mag = layer.add_mag("1")
    write_data = random_uint8((10, 10, 10))

    # wkdist keeps the first edition's default (json_update_allowed=True grows the
    # box, issue 2); webknossos >= 2.0 raises here unless allow_resize=True, which
    # wkdist does when allow_resize=False is passed explicitly.
    with pytest.raises(ValueError, match=".*does not fit in the layer's bounding box.*"):
        mag.write(absolute_offset=(0, 0, 0), data=write_data, allow_resize=False)
    mag.write(absolute_offset=(0, 0, 0), data=write_data, allow_resize=True)
    assert layer.bounding_box == wk.BoundingBox((0, 0, 0), (10, 10, 10))
    data = mag.read(absolute_offset=(0, 0, 0), size=(10, 10, 10)).squeeze(0)
    np.testing.assert_array_equal(data, write_data)

    # overwrite within the same box
    mag.write(absolute_offset=(0, 0, 0), data=random_uint8((10, 10, 10), seed=2))
    # grow the box
    mag.write(
        absolute_offset=(10, 10, 10), data=random_uint8((5, 5, 5)),
        allow_resize=True, allow_unaligned=True,
    )
    assert layer.bounding_box == wk.BoundingBox((0, 0, 0), (15, 15, 15))


# ref: test_dataset.py::test_view_write_allow_unaligned
@pytest.mark.parametrize("data_format", FORMATS)
def test_view_write_allow_unaligned(tmp_path, data_format):
    layer = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1)).add_layer(
        "color", wk.COLOR_CATEGORY,
        bounding_box=wk.BoundingBox((0, 0, 0), (32, 32, 32)), data_format=data_format,
    )
    mag = layer.add_mag(
        "1", chunk_shape=(8, 8, 8),
        shard_shape=(8, 8, 8) if data_format == "zarr" else (16, 16, 16),
    )
    write_data = random_uint8((4, 4, 4))

    with pytest.raises(ValueError, match=".*is not aligned with the shard shape.*"):
        mag.write(absolute_offset=(0, 0, 0), data=write_data)
    mag.write(absolute_offset=(0, 0, 0), data=write_data, allow_unaligned=True)
    np.testing.assert_array_equal(
        mag.read(absolute_offset=(0, 0, 0), size=(4, 4, 4)).squeeze(0), write_data
    )

    whole_shard = random_uint8((16, 16, 16))
    mag.write(absolute_offset=(16, 16, 16), data=whole_shard)
    several_shards = random_uint8((16, 16, 32))
    mag.write(absolute_offset=(16, 16, 0), data=several_shards)
    whole_box = random_uint8((32, 32, 32))
    mag.write(absolute_offset=(0, 0, 0), data=whole_box)
    np.testing.assert_array_equal(mag.read()[0], whole_box)


# ref: test_dataset.py::test_views_are_equal
@pytest.mark.parametrize("data_format", FORMATS)
def test_views_are_equal(tmp_path, data_format):
    data = random_uint8((10, 10, 10))
    mags = [
        wk.Dataset(tmp_path / name, voxel_size=(1, 1, 1))
        .get_or_add_layer(
            "color", wk.COLOR_CATEGORY, data_format=data_format,
            bounding_box=wk.BoundingBox((0, 0, 0), data.shape),
        )
        .get_or_add_mag("1")
        for name in ("a", "b")
    ]
    mags[0].write(data)
    mags[1].write(data)
    assert mags[0].content_is_equal(mags[1])
    mags[1].write(data + 10)
    assert not mags[0].content_is_equal(mags[1])


# ref: test_dataset.py::test_update_new_bounding_box_offset
@pytest.mark.parametrize("data_format", FORMATS)
def test_update_new_bounding_box_offset(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    color_layer = ds.add_layer("color", wk.COLOR_CATEGORY, data_format=data_format)
    mag = color_layer.add_mag("1", compress=False)
    assert color_layer.bounding_box.topleft == wk.Vec3Int(0, 0, 0)

    write_data = random_uint8((10, 10, 10))
    mag.write(write_data, absolute_offset=(10, 10, 10), allow_resize=True, allow_unaligned=True)
    assert color_layer.bounding_box.topleft == wk.Vec3Int(10, 10, 10)
    assert color_layer.bounding_box.size == wk.Vec3Int(10, 10, 10)

    mag.write(write_data, absolute_offset=(5, 5, 20), allow_resize=True, allow_unaligned=True)
    assert color_layer.bounding_box.topleft == wk.Vec3Int(5, 5, 10)
    assert color_layer.bounding_box.size == wk.Vec3Int(15, 15, 20)
    assert_properties_persisted(ds)


# ref: test_dataset.py::test_chunked_compressed_write
def test_chunked_compressed_write(tmp_path):
    mag = (
        wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
        .get_or_add_layer(
            "color", wk.COLOR_CATEGORY, data_format="wkw",
            bounding_box=wk.BoundingBox((1019, 1019, 1019), (10, 10, 10)),
        )
        .get_or_add_mag("1", compress=True)
    )
    data = random_uint8((10, 10, 10))
    # the bottom-right corner of one shard plus its neighbours
    offset = mag.info.shard_shape - wk.Vec3Int(5, 5, 5)
    mag.write(data, absolute_offset=offset)
    np.testing.assert_array_equal(
        mag.get_view(absolute_offset=offset, size=(10, 10, 10)).read()[0], data
    )


# ref: test_dataset.py::test_write_multi_channel_uint8
@pytest.mark.parametrize("data_format", FORMATS)
def test_write_multi_channel_uint8(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    mag = ds.add_layer(
        "color", wk.COLOR_CATEGORY, num_channels=3, data_format=data_format
    ).add_mag("1", shard_shape=(512, 512, 32) if data_format == "zarr3" else None)
    data = multichannel_data(np.uint8)
    mag.write(data, allow_resize=True)
    np.testing.assert_array_equal(data, mag.read())
    assert_properties_persisted(ds)


# ref: test_dataset.py::test_wkw_write_multi_channel_uint16
@pytest.mark.parametrize("data_format", FORMATS)
def test_write_multi_channel_uint16(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    mag = ds.add_layer(
        "color", wk.COLOR_CATEGORY, num_channels=3, dtype_per_channel="uint16",
        data_format=data_format,
    ).add_mag("1", shard_shape=(512, 512, 32) if data_format == "zarr3" else None)
    data = multichannel_data(np.uint16)
    mag.write(data, allow_resize=True)
    np.testing.assert_array_equal(data, mag.read())
    assert_properties_persisted(ds)


# ref: test_dataset.py::test_empty_read
@pytest.mark.parametrize("data_format", FORMATS)
def test_empty_read(tmp_path, data_format):
    mag = (
        wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
        .add_layer("color", category=wk.COLOR_CATEGORY, data_format=data_format)
        .add_mag("1")
    )
    with pytest.raises(AssertionError):
        mag.read(absolute_offset=(0, 0, 0), size=(0, 0, 0))


# ref: test_dataset.py::test_read_padded_data
@pytest.mark.parametrize("data_format", FORMATS)
def test_read_padded_data(tmp_path, data_format):
    mag = (
        wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
        .add_layer("color", category=wk.COLOR_CATEGORY, num_channels=3, data_format=data_format)
        .add_mag("1")
    )
    # nothing written yet: reads are filled with zeros
    data = mag.read(absolute_offset=(0, 0, 0), size=(10, 10, 10))
    assert data.shape == (3, 10, 10, 10)
    np.testing.assert_array_equal(data, np.zeros((3, 10, 10, 10)))


# ref: test_dataset.py::test_num_channel_mismatch_assertion
@pytest.mark.parametrize("data_format", FORMATS)
def test_num_channel_mismatch_assertion(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    mag = ds.add_layer(
        "color", category=wk.COLOR_CATEGORY, num_channels=1, data_format=data_format
    ).add_mag("1")
    with pytest.raises(AssertionError):
        mag.write(random_uint8((3, 10, 10, 10)), allow_resize=True)  # 3 channels into 1
    assert_properties_persisted(ds)


# ref: test_dataset.py::test_get_view
def test_get_view(tmp_path):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    mag = ds.add_layer("color", wk.COLOR_CATEGORY, data_format="wkw").add_mag("1")

    # a new layer has an empty bounding box, and so has its default view
    assert mag.get_view().bounding_box.is_empty()
    with pytest.raises(AssertionError):  # exceeds the layer box
        mag.get_view(relative_offset=(0, 0, 0), size=(16, 16, 16))

    read_only_view = mag.get_view(relative_offset=(0, 0, 0), size=(16, 16, 16), read_only=True)
    assert read_only_view.bounding_box == wk.BoundingBox((0, 0, 0), (16, 16, 16))
    with pytest.raises(AssertionError):  # writable sub-view of a read-only view
        read_only_view.get_view(read_only=False)

    mag.write(random_uint8((100, 200, 300)), absolute_offset=(10, 20, 30), allow_resize=True)

    with pytest.raises(AssertionError):  # sizes with a 0 are not allowed
        mag.get_view(absolute_offset=(0, 0, 0), size=(10, 10, 0))
    assert mag.bounding_box.bottomright == wk.Vec3Int(110, 220, 330)

    with pytest.warns(UserWarning, match=UNALIGNED):
        view = mag.get_view(relative_offset=(0, 0, 0), size=(16, 16, 16))
    assert view.bounding_box == wk.BoundingBox((10, 20, 30), (16, 16, 16))

    with pytest.raises(AssertionError):  # (0, 0, 0) is outside the layer box
        mag.get_view(size=(26, 36, 46), absolute_offset=(0, 0, 0))
    mag.get_view(size=(26, 36, 46), absolute_offset=(0, 0, 0), read_only=True)

    with pytest.warns(UserWarning, match=UNALIGNED):
        sub_view = view.get_view(relative_offset=(8, 8, 8), size=(8, 8, 8))
    assert sub_view.bounding_box == wk.BoundingBox((18, 28, 38), (8, 8, 8))

    with pytest.raises(AssertionError):  # not inside the parent view
        view.get_view(relative_offset=(8, 8, 8), size=(10, 10, 10))
    view.get_view(relative_offset=(8, 8, 8), size=(10, 10, 10), read_only=True)

    with pytest.raises(AssertionError):  # negative offsets
        mag.get_view(absolute_offset=(-1, -2, -3))
    assert_properties_persisted(ds)


# ref: test_dataset.py::test_read_only_view
@pytest.mark.parametrize("data_format", FORMATS)
def test_read_only_view(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.get_or_add_layer("color", wk.COLOR_CATEGORY, data_format=data_format)
    mag = layer.get_or_add_mag("1")
    mag.write(
        data=random_uint8((1, 10, 10, 10)), absolute_offset=(10, 20, 30),
        allow_resize=True, allow_unaligned=True,
    )
    v_write = mag.get_view()
    v_read = mag.get_view(read_only=True)
    new_data = random_uint8((1, 5, 6, 7), seed=3)
    with pytest.raises(RuntimeError):
        v_read.write(data=new_data)
    v_write.write(data=new_data, allow_unaligned=True)
    np.testing.assert_array_equal(mag.read(absolute_offset=(10, 20, 30), size=(5, 6, 7)), new_data)
    assert_properties_persisted(ds)


# ref: test_dataset.py::test_read_bbox
def test_read_bbox(tmp_path):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(2, 2, 1))
    mag = ds.add_layer("color", wk.COLOR_CATEGORY).add_mag(1)
    mag.write(absolute_offset=(10, 20, 30), data=random_uint8((50, 60, 70)), allow_resize=True)
    np.testing.assert_array_equal(
        mag.read(absolute_offset=(20, 30, 40), size=(40, 50, 60)),
        mag.read(absolute_bounding_box=wk.BoundingBox(topleft=(20, 30, 40), size=(40, 50, 60))),
    )


# ref: test_dataset.py::test_pickle_view
def test_pickle_view(tmp_path):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    mag1 = ds.add_layer("color", wk.COLOR_CATEGORY, data_format="wkw").add_mag(1)
    data_to_write = random_uint8((1, 10, 10, 10))
    mag1.write(data_to_write, allow_resize=True)
    assert mag1._cached_array is not None  # the array the view opened (private name)

    pickled_mag1 = pickle.loads(pickle.dumps(mag1))
    assert pickled_mag1._cached_array is None  # not pickled: the copy opens its own
    np.testing.assert_array_equal(
        data_to_write, pickled_mag1.read(relative_offset=(0, 0, 0), size=data_to_write.shape[-3:])
    )
    assert pickled_mag1._cached_array is not None
    assert pickled_mag1.layer is not None
    assert pickled_mag1.layer.name == "color"


# ref: test_dataset.py::test_writing_subset_of_compressed_data_multi_channel
@pytest.mark.parametrize("data_format", FORMATS)
def test_writing_subset_of_compressed_data_multi_channel(tmp_path, data_format):
    chunk_shape, shard_shape = chunk_and_shard(data_format, 8)
    write_data1 = random_uint8((3, 100, 120, 140))
    mag_view = (
        wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
        .add_layer("color", wk.COLOR_CATEGORY, num_channels=3, data_format=data_format)
        .add_mag("1", chunk_shape=chunk_shape, shard_shape=shard_shape, compress=True)
    )
    mag_view.write(write_data1, allow_resize=True, allow_unaligned=True)

    compressed_mag = wk.Dataset.open(tmp_path / "ds").get_layer("color").get_mag("1")
    write_data2 = random_uint8((3, 10, 10, 10), seed=7)
    with pytest.warns(UserWarning):
        view = compressed_mag.get_view(relative_offset=(50, 60, 70), size=(50, 60, 70))
    with pytest.raises(ValueError):
        view.write(relative_offset=(10, 20, 30), data=write_data2)
    view.write(relative_offset=(10, 20, 30), data=write_data2, allow_unaligned=True)

    np.testing.assert_array_equal(
        write_data2, compressed_mag.read(relative_offset=(60, 80, 100), size=(10, 10, 10))
    )
    np.testing.assert_array_equal(
        write_data1[:, :60, :80, :100],
        compressed_mag.read(relative_offset=(0, 0, 0), size=(60, 80, 100)),
    )


# ref: test_dataset.py::test_writing_subset_of_compressed_data_single_channel
@pytest.mark.parametrize("data_format", FORMATS)
def test_writing_subset_of_compressed_data_single_channel(tmp_path, data_format):
    chunk_shape, shard_shape = chunk_and_shard(data_format, 8)
    write_data1 = random_uint8((100, 120, 140))
    mag_view = (
        wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
        .add_layer("color", wk.COLOR_CATEGORY, data_format=data_format)
        .add_mag("1", chunk_shape=chunk_shape, shard_shape=shard_shape, compress=True)
    )
    mag_view.write(write_data1, allow_resize=True)

    compressed_mag = wk.Dataset.open(tmp_path / "ds").get_layer("color").get_mag("1")
    write_data2 = random_uint8((10, 10, 10), seed=7)
    with pytest.warns(UserWarning):
        view = compressed_mag.get_view(absolute_offset=(50, 60, 70), size=(50, 60, 70))
    with pytest.raises(ValueError, match=UNALIGNED):
        view.write(relative_offset=(10, 20, 30), data=write_data2)
    view.write(relative_offset=(10, 20, 30), data=write_data2, allow_unaligned=True)

    np.testing.assert_array_equal(
        write_data2, compressed_mag.read(absolute_offset=(60, 80, 100), size=(10, 10, 10))[0]
    )
    np.testing.assert_array_equal(
        write_data1[:60, :80, :100],
        compressed_mag.read(absolute_offset=(0, 0, 0), size=(60, 80, 100))[0],
    )


# ref: test_dataset.py::test_writing_subset_of_compressed_data
@pytest.mark.parametrize("data_format", FORMATS)
def test_writing_subset_of_compressed_data(tmp_path, data_format):
    chunk_shape, shard_shape = chunk_and_shard(data_format, 8)
    mag_view = (
        wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
        .add_layer("color", wk.COLOR_CATEGORY, data_format=data_format)
        .add_mag("2", chunk_shape=chunk_shape, shard_shape=shard_shape, compress=True)
    )
    mag_view.write(random_uint8((120, 140, 160)), allow_resize=True)

    compressed_mag = wk.Dataset.open(tmp_path / "ds").get_layer("color").get_mag("2")
    with pytest.raises(ValueError, match=UNALIGNED):
        compressed_mag.write(absolute_offset=(10, 20, 30), data=random_uint8((10, 10, 10)))
    with pytest.raises(ValueError, match=UNALIGNED):
        compressed_mag.write(relative_offset=(20, 40, 60), data=random_uint8((10, 10, 10)))

    assert compressed_mag.bounding_box == wk.BoundingBox((0, 0, 0), (120 * 2, 140 * 2, 160 * 2))
    # unaligned at the border of the layer box: allowed (shards clip to the box)
    compressed_mag.write(absolute_offset=(128, 128, 128), data=random_uint8((56, 76, 96)))
    compressed_mag.get_view().write(
        absolute_offset=(128, 128, 128), data=random_uint8((56, 76, 96))
    )
    # aligned
    compressed_mag.write(data=random_uint8((64, 64, 64)))


# ref: test_dataset.py::test_writing_subset_of_chunked_compressed_data
@pytest.mark.parametrize("data_format", FORMATS)
def test_writing_subset_of_chunked_compressed_data(tmp_path, data_format):
    chunk_shape, shard_shape = chunk_and_shard(data_format, 8)
    write_data1 = random_uint8((100, 200, 300))
    write_data2 = random_uint8((50, 40, 30), seed=5)
    mag_view = (
        wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
        .add_layer("color", wk.COLOR_CATEGORY, data_format=data_format)
        .add_mag("1", chunk_shape=chunk_shape, shard_shape=shard_shape, compress=True)
    )
    mag_view.write(write_data1, allow_resize=True, allow_unaligned=True)

    view = (
        wk.Dataset.open(tmp_path / "ds").get_layer("color").get_mag("1")
        .get_view(absolute_offset=(0, 0, 0), size=(100, 200, 300))
    )
    with pytest.raises(ValueError, match=UNALIGNED):
        view.write(absolute_offset=(10, 20, 30), data=write_data2)
    view.write(absolute_offset=(10, 20, 30), data=write_data2, allow_unaligned=True)

    bigger = random_uint8((90, 80, 70), seed=6)
    with pytest.raises(ValueError, match=UNALIGNED):
        view.write(absolute_offset=(10, 20, 30), data=bigger)
    view.write(absolute_offset=(10, 20, 30), data=bigger, allow_unaligned=True)

    np.testing.assert_array_equal(
        bigger, view.read(absolute_offset=(10, 20, 30), size=(90, 80, 70))[0]
    )
    np.testing.assert_array_equal(
        write_data1[:10, :20, :30], view.read(absolute_offset=(0, 0, 0), size=(10, 20, 30))[0]
    )


# ref: test_dataset.py::test_bounding_box_on_disk
@pytest.mark.parametrize("data_format", FORMATS)
def test_bounding_box_on_disk(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(2, 2, 1))
    chunk_shape, shard_shape = chunk_and_shard(data_format, 8)
    mag = ds.add_layer("color", category="color", data_format=data_format).add_mag(
        "2-2-1", chunk_shape=chunk_shape, shard_shape=shard_shape
    )
    write_positions = [wk.Vec3Int(0, 0, 0), wk.Vec3Int(20, 80, 120), wk.Vec3Int(1000, 2000, 4000)]
    data_size = wk.Vec3Int(10, 20, 30)
    write_data = random_uint8(data_size.to_tuple())
    for offset in write_positions:  # offsets in the mag's own voxels
        mag.write(
            absolute_offset=offset * mag.mag.to_vec3_int(), data=write_data,
            allow_resize=True, allow_unaligned=True,
        )

    file_size = shard_shape
    expected = set()
    for offset in write_positions:
        start = offset // file_size * file_size
        end = offset + data_size
        for topleft in itertools.product(
            *(range(start[i], end[i], file_size[i]) for i in range(3))
        ):
            expected.add(wk.BoundingBox(topleft, file_size).from_mag_to_mag1(mag.mag))
    assert set(mag.get_bounding_boxes_on_disk()) == expected



# ref: test_dataset.py::test_rechunking
@pytest.mark.parametrize("data_format", ["wkw", "zarr3"])
def test_rechunk_in_place(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", num_channels=3, data_format=data_format)
    mag = layer.add_mag(1, compress=False, chunk_shape=16, shard_shape=64)
    data = np.random.default_rng(6).integers(0, 255, (3, 10, 20, 30), dtype=np.uint8)
    mag.write(data, absolute_offset=(60, 80, 100), allow_resize=True)
    assert not mag._is_compressed()
    mag.rechunk(chunk_shape=8, shard_shape=32)
    mag = wk.Dataset.open(ds.path).get_layer("color").get_mag(1)
    assert mag._is_compressed()
    assert (mag.info.chunk_shape, mag.info.shard_shape) == (wk.Vec3Int.full(8), wk.Vec3Int.full(32))
    np.testing.assert_array_equal(mag.read(absolute_offset=(60, 80, 100), size=(10, 20, 30)), data)


# ref: test_dataset.py::test_create_default_mag, test_bounding_box_on_disk
@pytest.mark.parametrize("data_format", ["wkw", "zarr3"])
def test_mag_info_channels_and_file_dimensions(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", num_channels=3, data_format=data_format)
    mag = layer.add_mag(1, chunk_shape=8, shard_shape=64)
    assert mag.info.bounding_box.axes == ("c", "x", "y", "z")
    assert mag.info.bounding_box.size.c == 3
    assert mag._get_file_dimensions() == wk.Vec3Int.full(64)
