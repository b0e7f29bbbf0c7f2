"""Compressing in place keeps the voxels and leaves no staging directories."""

from __future__ import annotations

import numpy as np

import wkdist as wk


def test_dataset_compress(tmp_path, data_format, scheduler):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    data = np.random.default_rng(3).integers(0, 9, (1, 70, 50, 40), dtype=np.uint8)
    layer = ds.add_layer("color", "color", data_format=data_format,
                         bounding_box=wk.BoundingBox((3, 0, 0), (70, 50, 40)))
    mag = layer.add_mag(1, compress=False, shard_shape=None if data_format == "zarr" else 32)
    mag.write(data, absolute_offset=(3, 0, 0), allow_unaligned=True)
    assert not mag.info.compressed
    ds.compress()
    reopened = wk.Dataset.open(tmp_path / "ds").get_layer("color").get_mag(1)
    assert reopened.info.compressed
    np.testing.assert_array_equal(reopened.read(), data)
    assert sorted(p.name for p in (tmp_path / "ds" / "color").iterdir() if p.is_dir()) == ["1"]
