"""webknossos 4.3.3 and wkdist read each other's datasets in S3 (a real moto server)."""

from __future__ import annotations

import numpy as np
import pytest
import webknossos
from upath import UPath

import wkdist as wk

pytestmark = pytest.mark.usefixtures("s3_endpoint")


def _upath(bucket: str, key: str, endpoint: str) -> UPath:
    return UPath(f"s3://{bucket}/{key}", endpoint_url=endpoint)


@pytest.mark.parametrize("data_format", ["zarr3", "zarr"])
def test_webknossos_reads_what_wkdist_wrote(bucket, s3_endpoint, data_format):
    ds = wk.Dataset(f"s3://{bucket}/from-wkdist", voxel_size=(11, 11, 24))
    layer = ds.add_layer("color", "color", data_format=data_format)
    data = np.random.default_rng(11).integers(0, 255, (80, 64, 40), dtype="uint8")
    layer.add_mag(1, chunk_shape=32, shard_shape=64 if data_format == "zarr3" else 32).write(
        data, absolute_offset=(8, 0, 0), allow_unaligned=True
    )
    layer.downsample(coarsest_mag=2)
    theirs = webknossos.Dataset.open(_upath(bucket, "from-wkdist", s3_endpoint))
    their_layer = theirs.get_layer("color")
    assert their_layer.bounding_box == webknossos.BoundingBox((8, 0, 0), (80, 64, 40))
    np.testing.assert_array_equal(their_layer.get_mag(1).read()[0], data)
    np.testing.assert_array_equal(
        their_layer.get_mag("2-2-1").read(), layer.get_mag("2-2-1").read()
    )


def test_wkdist_reads_what_webknossos_wrote(bucket, s3_endpoint):
    theirs = webknossos.Dataset(_upath(bucket, "from-webknossos", s3_endpoint), voxel_size=(1, 1, 1))
    data = np.random.default_rng(12).integers(0, 60000, (64, 64, 64), dtype="uint16")
    their_layer = theirs.add_layer("seg", "segmentation", dtype_per_channel="uint16",
                                   largest_segment_id=60000, data_format="zarr3")
    their_layer.add_mag(1, chunk_shape=32, shard_shape=64).write(
        data, absolute_offset=(0, 0, 0), allow_resize=True
    )
    ours = wk.Dataset.open(f"s3://{bucket}/from-webknossos")
    layer = ours.get_layer("seg")
    assert layer.largest_segment_id == 60000
    np.testing.assert_array_equal(layer.get_mag(1).read()[0], data)
    assert [box.topleft for box in layer.get_mag(1).get_bounding_boxes_on_disk()] == [(0, 0, 0)]
