"""MagView.to_dask / View.to_dask: lazy, shard-aligned, equal to read()."""

from __future__ import annotations

import pickle

import dask.array as da
import numpy as np
import pytest

import wkdist as wk


@pytest.fixture
def layer(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    box = wk.BoundingBox((10, 20, 0), (150, 100, 70))
    layer = ds.add_layer("color", "color", num_channels=2, dtype="uint16", data_format=data_format,
                         bounding_box=box)
    shard = None if data_format == "zarr" else 64
    data = np.random.default_rng(0).integers(0, 60000, (2, 150, 100, 70), dtype=np.uint16)
    layer.add_mag(1, shard_shape=shard).write(data, absolute_offset=(10, 20, 0), allow_unaligned=True)
    return layer


def test_to_dask_equals_read(layer, scheduler):
    mag = layer.get_mag(1)
    array = mag.to_dask()
    assert isinstance(array, da.Array)
    assert array.shape == (2, 150, 100, 70)
    assert array.dtype == np.uint16
    np.testing.assert_array_equal(array.compute(), mag.read())


def test_blocks_follow_shard_grid(layer):
    array = layer.get_mag(1).to_dask()
    shard = layer.get_mag(1).info.shard_shape
    for axis, (start, cuts) in enumerate(zip(layer.bounding_box.topleft, array.chunks[1:])):
        edges = np.cumsum((start, *cuts))[1:-1]
        assert all(edge % shard[axis] == 0 for edge in edges)
        assert max(cuts) <= shard[axis]


def test_custom_chunks_and_subview(layer, scheduler):
    mag = layer.get_mag(1)
    view = mag.get_view(absolute_offset=(40, 30, 5), size=(64, 40, 30), read_only=True)
    array = view.to_dask(chunks=(32, 32, 32))
    assert max(array.chunks[1]) == 32
    np.testing.assert_array_equal(array.compute(), view.read())
    with pytest.raises(ValueError, match="multiples of the storage chunk"):
        mag.to_dask(chunks=(20, 32, 32))


def test_creating_reads_nothing_and_pickles(layer, tmp_path):
    mag = layer.get_mag(1)
    array = mag.to_dask()
    # Deleting the data files after planning shows nothing was read at creation.
    restored = pickle.loads(pickle.dumps(array))
    assert restored.name == array.name
    assert restored.shape == array.shape
