"""Write tasks that take several blocks of one target shard write them as they are
(a BlockMosaic, no assembled copy of the task's box): the same voxels, read back
by wkdist and by webknossos."""

from __future__ import annotations

import warnings

import dask.array as da
import numpy as np
import pytest
import webknossos as wkr

import wkdist as wk

BOX = wk.BoundingBox((3, 64, 10), (150, 100, 90))  # partial shards on every side


@pytest.mark.parametrize("channels", [1, 2])
def test_blocks_of_one_shard_written_without_assembly(tmp_path, scheduler, data_format, channels):
    rng = np.random.default_rng(4)
    data = rng.integers(0, 60000, (channels, *BOX.size), dtype=np.uint16)
    data[:, :40] = 0  # an all-zero part
    target = wk.Dataset(tmp_path / "dst", voxel_size=(1, 1, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 2 channels of uint16 are not shown by WEBKNOSSOS
        layer = target.add_layer("c", "color", dtype="uint16", num_channels=channels, data_format=data_format)
    mag = layer.add_mag(1, chunk_shape=16, shard_shape=None if data_format == "zarr" else 64)
    # Fortran-ordered blocks as to_dask() gives, shifted off the shard grid: each write
    # task takes up to 4 x 4 x 4 of them, and blocks straddle shard borders.
    blocks = da.from_array(np.asfortranarray(data), chunks=(channels, 16, 20, 32)).map_blocks(
        lambda block: np.asfortranarray(block // 3 * 2)
    )
    plan = mag.write(blocks, absolute_offset=BOX.topleft, compute=False)
    write_tasks = [k for k in dict(plan.dask) if isinstance(k, tuple) and "wkdist-write" in k[0]]
    assert not any("rechunk" in str(key) for key in dict(plan.dask))
    assert len(write_tasks) < blocks.npartitions
    plan.compute()
    expected = data // 3 * 2
    np.testing.assert_array_equal(mag.read(absolute_offset=BOX.topleft, size=BOX.size), expected)
    np.testing.assert_array_equal(mag.read(), expected)
    assert layer.bounding_box == BOX
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = wkr.Dataset.open(tmp_path / "dst").get_layer("c").get_mag(1).read()
    np.testing.assert_array_equal(theirs.reshape(expected.shape), expected)
