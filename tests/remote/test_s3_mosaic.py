"""Block mosaics written into S3 (a real moto server): the same objects as the assembled array."""

from __future__ import annotations

import numpy as np
import pytest

from tests.storage.storage_contract import random_data, split
from wkdist.geometry import BoundingBox
from wkdist.location import as_location
from wkdist.storage import ArraySpec, DataFormat, create_array

pytestmark = pytest.mark.usefixtures("s3_endpoint")


@pytest.mark.parametrize(
    ("data_format", "offset"), [("wkw", (0, 64, 0)), ("zarr3", (0, 64, 0)), ("zarr3", (5, 70, 9))]
)
def test_mosaic_objects_equal_assembled(bucket, data_format, offset):
    """WKW takes whole files (from the blocks, octant by octant); zarr3 also parts of shards."""
    compression = "lz4" if data_format == "wkw" else "zstd"
    spec = ArraySpec(DataFormat(data_format), "uint16", 2, (16, 16, 16), (64, 64, 64), compression)
    data = random_data((2, 128, 64, 64), "uint16", seed=8)
    data[:, 64:] = 0  # an all-zero shard
    arrays = [create_array(f"s3://{bucket}/{name}", spec, (256, 256, 128)) for name in "ma"]
    arrays[0].write(offset, split(data, ((1,), (40, 64, 100), (32,), (17,))))
    arrays[1].write(offset, data)
    keys = [sorted(as_location(f"s3://{bucket}/{name}").list_keys()) for name in "ma"]
    assert keys[0] == keys[1]
    for key in keys[0]:
        assert (arrays[0].path / key).read_bytes() == (arrays[1].path / key).read_bytes(), key
    np.testing.assert_array_equal(arrays[0].read(BoundingBox(offset, data.shape[1:])), data)
