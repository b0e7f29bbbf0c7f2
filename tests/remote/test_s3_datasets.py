"""Datasets in S3 (a real moto server): every format, copies in every direction, jobs."""

from __future__ import annotations

import numpy as np
import pytest

import wkdist as wk
from wkdist.errors import UnsupportedLocationError
from wkdist.location import RemotePath, as_location
from wkdist.storage import open_array

pytestmark = pytest.mark.usefixtures("s3_endpoint")


def _data(shape: tuple[int, ...], seed: int = 0, dtype: str = "uint8") -> np.ndarray:
    return np.random.default_rng(seed).integers(1, 200, shape, dtype=dtype)


@pytest.mark.parametrize(
    ("data_format", "shard_shape"), [("zarr3", 64), ("zarr3", 32), ("zarr", 32)]
)
def test_create_write_read(bucket, data_format, shard_shape):
    url = f"s3://{bucket}/ds"
    ds = wk.Dataset(url, voxel_size=(11, 11, 24))
    layer = ds.add_layer("color", "color", data_format=data_format)
    mag = layer.add_mag(1, chunk_shape=32, shard_shape=shard_shape)
    data = _data((1, 100, 70, 40))
    mag.write(data[0], absolute_offset=(10, 20, 30), allow_unaligned=True)
    assert isinstance(ds.path, RemotePath)

    reopened = wk.Dataset.open(url)
    layer = reopened.get_layer("color")
    assert layer.bounding_box == wk.BoundingBox((10, 20, 30), (100, 70, 40))
    read = layer.get_mag(1).read(absolute_bounding_box=layer.bounding_box)
    np.testing.assert_array_equal(read, data)
    shards = list(layer.get_mag(1).get_bounding_boxes_on_disk())
    assert shards
    assert all(box.size == wk.Vec3Int.full(shard_shape) for box in shards)
    # metadata went through the same store: zarr.json / .zarray, group files, properties
    keys = set(as_location(url).list_keys())
    assert "datasource-properties.json" in keys
    assert ("color/1/zarr.json" if data_format == "zarr3" else "color/1/.zarray") in keys


def test_wkw_whole_files_and_reads(bucket):
    ds = wk.Dataset(f"s3://{bucket}/wkw", voxel_size=(1, 1, 1))
    layer = ds.add_layer("seg", "segmentation", dtype="uint32", data_format="wkw")
    mag = layer.add_mag(1, chunk_shape=32, shard_shape=64, compress=True)
    data = _data((1, 128, 64, 64), seed=1, dtype="uint32")
    mag.write(data[0], absolute_offset=(0, 0, 0))
    reopened = wk.Dataset.open(f"s3://{bucket}/wkw").get_layer("seg").get_mag(1)
    np.testing.assert_array_equal(reopened.read(absolute_offset=(0, 0, 0), size=(128, 64, 64)), data)
    np.testing.assert_array_equal(
        reopened.read(absolute_offset=(50, 10, 5), size=(40, 30, 20)),
        data[:, 50:90, 10:40, 5:25],
    )
    assert len(list(reopened.get_bounding_boxes_on_disk())) == 2
    with pytest.raises(UnsupportedLocationError, match="zarr3"):
        mag.write(data[0, :10, :10, :10], absolute_offset=(0, 0, 0), allow_unaligned=True)
    # nothing changed by the refused write
    np.testing.assert_array_equal(reopened.read(absolute_offset=(0, 0, 0), size=(128, 64, 64)), data)


def _local_dataset(path, data_format="wkw"):
    ds = wk.Dataset(path, voxel_size=(4, 4, 40))
    layer = ds.add_layer("color", "color", data_format=data_format)
    mag = layer.add_mag(1, chunk_shape=32, shard_shape=64)
    data = _data((1, 128, 96, 64), seed=2)
    mag.write(data[0], absolute_offset=(0, 0, 0))
    return ds, data


def test_copy_local_to_s3_to_local(tmp_path, bucket):
    source, data = _local_dataset(tmp_path / "src")
    remote = source.copy_dataset(f"s3://{bucket}/copy", data_format="zarr3")
    assert isinstance(remote.path, RemotePath)
    back = remote.copy_dataset(tmp_path / "back", data_format="wkw")
    np.testing.assert_array_equal(
        back.get_layer("color").get_mag(1).read(absolute_offset=(0, 0, 0), size=(128, 96, 64)),
        data,
    )
    assert back.get_layer("color").bounding_box == source.get_layer("color").bounding_box
    # S3 -> S3, and the file-by-file path (unchanged layout)
    again = remote.copy_dataset(f"s3://{bucket}/copy2")
    files = remote.copy_dataset(tmp_path / "files")
    for ds in (again, files):
        view = ds.get_layer("color").get_mag(1)
        np.testing.assert_array_equal(view.read(absolute_offset=(0, 0, 0), size=(128, 96, 64)), data)


def test_downsample_on_s3_and_compress_error(tmp_path, bucket):
    source, data = _local_dataset(tmp_path / "src", data_format="zarr3")
    remote = source.copy_dataset(f"s3://{bucket}/ds", compress=False)
    layer = remote.get_layer("color")
    layer.downsample(coarsest_mag=4)
    local = wk.Dataset.open(tmp_path / "src").get_layer("color")
    local.downsample(coarsest_mag=4)
    assert list(layer.mags) == list(local.mags)
    assert len(layer.mags) == 3
    for mag in list(layer.mags)[1:]:
        np.testing.assert_array_equal(layer.get_mag(mag).read(), local.get_mag(mag).read())
    before = set(as_location(f"s3://{bucket}/ds").list_keys())
    with pytest.raises(UnsupportedLocationError, match="compress in place"):
        layer.get_mag(1).compress()
    assert set(as_location(f"s3://{bucket}/ds").list_keys()) == before
    compressed = remote.copy_dataset(f"s3://{bucket}/compressed", compress=True)
    mag1 = compressed.get_layer("color").get_mag(1)
    assert mag1.info.compressed
    np.testing.assert_array_equal(mag1.read(absolute_offset=(0, 0, 0), size=(128, 96, 64)), data)


def test_symlink_layer_refused(tmp_path, bucket):
    source, _ = _local_dataset(tmp_path / "src")
    remote = wk.Dataset(f"s3://{bucket}/links", voxel_size=(1, 1, 1))
    with pytest.raises(UnsupportedLocationError, match="add_symlink_layer"):
        remote.add_symlink_layer(source.get_layer("color"))
    assert remote.layers == {}


def test_read_from_big_shard_transfers_little(bucket, s3_endpoint):
    """One 32³ chunk of a 1024³ shard: the shard index and that chunk, not the shard."""
    from tests.remote.servers import CountingProxy

    proxy = CountingProxy(s3_endpoint)
    try:
        location = RemotePath("s3", bucket, "big/color/1", proxy.url, "us-east-1")
        spec = wk.storage.ArraySpec("zarr3", np.dtype("uint8"), 1, (32, 32, 32), (1024,) * 3, None)
        array = wk.storage.create_array(location, spec, (1024, 1024, 1024))
        rng = np.random.default_rng(3)
        array.write((0, 0, 0), rng.integers(0, 255, (1, 1024, 1024, 64), dtype="uint8"))
        proxy.reset()
        block = open_array(location, "zarr3").read(wk.BoundingBox((64, 64, 32), (32, 32, 32)))
        assert block.shape == (1, 32, 32, 32)
        received = proxy.bytes_by_method.get("GET", 0)
        chunk = 32**3
        index = (1024 // 32) ** 3 * 16
        assert received <= index + 4 * chunk, (received, proxy.requests)
    finally:
        proxy.close()


def test_wkw_shard_jobs_into_s3_are_refused_before_writing(tmp_path, bucket):
    source, data = _local_dataset(tmp_path / "src")  # WKW, 128 x 96 x 64 (edge shards)
    with pytest.raises(UnsupportedLocationError, match="use zarr3"):
        source.copy_dataset(f"s3://{bucket}/resharded", shard_shape=32)
    assert as_location(f"s3://{bucket}/resharded").list_keys() == []
    remote = source.copy_dataset(f"s3://{bucket}/files")  # unchanged layout: whole files
    keys = set(as_location(f"s3://{bucket}/files").list_keys())
    with pytest.raises(UnsupportedLocationError, match="use zarr3"):
        remote.get_layer("color").downsample(coarsest_mag=2)
    assert set(as_location(f"s3://{bucket}/files").list_keys()) == keys
    np.testing.assert_array_equal(remote.get_layer("color").get_mag(1).read(), data)
