"""Dask arrays written as shard-aligned plans with one finalization."""

from __future__ import annotations


import dask
import dask.array as da
import numpy as np
import pytest
from dask.delayed import Delayed

import wkdist as wk
from tests.file_events import FileWrites


def make_source(path, fmt="zarr3"):
    ds = wk.Dataset(path, voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", data_format=fmt,
                         bounding_box=wk.BoundingBox((0, 0, 0), (192, 128, 96)))
    data = np.random.default_rng(1).integers(0, 100, (1, 192, 128, 96), dtype=np.uint8)
    layer.add_mag(1, shard_shape=None if fmt == "zarr" else 64).write(data, absolute_offset=(0, 0, 0))
    return ds, data


def test_expression_into_other_layer_format_and_mag(tmp_path, scheduler, data_format):
    ds, data = make_source(tmp_path / "src")
    source = ds.get_layer("color").get_mag(1).to_dask()
    expr = (source * 2).astype(np.uint16)
    expr = expr.map_blocks(lambda b: b + 1, dtype=np.uint16)
    target = wk.Dataset(tmp_path / "dst", voxel_size=(1, 1, 1))
    layer = target.add_layer("out", "color", dtype="uint16", data_format=data_format)
    mag2 = layer.add_mag(2, shard_shape=None if data_format == "zarr" else 32)
    halved = expr[:, ::2, ::2, ::2]
    mag2.write(halved, absolute_offset=(0, 0, 0))
    expected = (data.astype(np.uint16) * 2 + 1)[:, ::2, ::2, ::2]
    np.testing.assert_array_equal(mag2.read(), expected)
    assert wk.Dataset.open(tmp_path / "dst").get_layer("out").bounding_box == wk.BoundingBox(
        (0, 0, 0), (192, 128, 96)
    )


def test_blocks_not_matching_target_shards(tmp_path, scheduler, data_format):
    target = wk.Dataset(tmp_path / "dst", voxel_size=(1, 1, 1))
    mag = target.add_layer("c", "color", dtype="uint32", data_format=data_format).add_mag(
        1, shard_shape=None if data_format == "zarr" else 64
    )
    values = np.arange(100 * 90 * 70, dtype=np.uint32).reshape(1, 100, 90, 70)
    odd_blocks = da.from_array(values, chunks=(1, 37, 41, 29))
    mag.write(odd_blocks, absolute_offset=(5, 7, 9))
    np.testing.assert_array_equal(mag.read(absolute_offset=(5, 7, 9), size=(100, 90, 70)), values)
    assert target.get_layer("c").bounding_box == wk.BoundingBox((5, 7, 9), (100, 90, 70))


def test_properties_written_once_by_finalization(tmp_path, scheduler):
    ds, data = make_source(tmp_path / "src")
    target = wk.Dataset(tmp_path / "dst", voxel_size=(1, 1, 1))
    mag = target.add_layer("copy", "color").add_mag(1, shard_shape=32)
    writes = FileWrites(tmp_path / "dst", "datasource-properties.json")
    try:
        plan = mag.write(ds.get_layer("color").get_mag(1).to_dask(), absolute_offset=(0, 0, 0), compute=False)
        assert isinstance(plan, Delayed)
        assert writes.count() == 0
        assert mag.read(absolute_offset=(0, 0, 0), size=(32, 32, 32)).sum() == 0
        dask.compute(plan)
        assert writes.count() == 1
    finally:
        writes.close()
    np.testing.assert_array_equal(mag.read(), data)
    keys = dict(plan.dask)
    assert sum(1 for k in keys if str(k).startswith("('wkdist-finalize")) == 1


def test_concurrent_finalizations_keep_both_boxes(tmp_path, scheduler):
    target = wk.Dataset(tmp_path / "dst", voxel_size=(1, 1, 1))
    plans = []
    for i, name in enumerate(["a", "b"]):
        mag = target.add_layer(name, "color").add_mag(1, shard_shape=32)
        block = da.full((1, 64, 64, 64), i + 1, dtype=np.uint8, chunks=32)
        plans.append(mag.write(block, absolute_offset=(64 * i, 0, 0), compute=False))
    dask.compute(*plans)
    reopened = wk.Dataset.open(tmp_path / "dst")
    assert reopened.get_layer("a").bounding_box == wk.BoundingBox((0, 0, 0), (64, 64, 64))
    assert reopened.get_layer("b").bounding_box == wk.BoundingBox((64, 0, 0), (64, 64, 64))


def test_many_shards_are_batched_without_reading(tmp_path):
    target = wk.Dataset(tmp_path / "big", voxel_size=(1, 1, 1))
    mag = target.add_layer("c", "color").add_mag(1, shard_shape=128)
    lazy = da.zeros((1, 4096, 4096, 4096), dtype=np.uint8, chunks=(1, 512, 512, 512))
    plan = mag.write(lazy, absolute_offset=(0, 0, 0), compute=False)
    write_tasks = [k for k in dict(plan.dask) if isinstance(k, tuple) and str(k[0]).startswith("wkdist-write")]
    assert 1 <= len(write_tasks) <= 2000
    assert not any((tmp_path / "big" / "c" / "1").rglob("c/*"))


def _write_tasks(plan):
    return [key for key in dict(plan.dask) if isinstance(key, tuple) and "wkdist-write" in key[0]]


def test_shard_aligned_input_blocks_are_written_as_they_are(tmp_path):
    target = wk.Dataset(tmp_path / "dst", voxel_size=(1, 1, 1))
    mag = target.add_layer("c", "color").add_mag(1, shard_shape=64)
    aligned = da.ones((1, 256, 128, 64), dtype=np.uint8, chunks=(1, 128, 64, 64))
    plan = mag.write(aligned, absolute_offset=(0, 0, 0), compute=False)
    assert not any("rechunk" in str(key) for key in dict(plan.dask))
    assert len(_write_tasks(plan)) == 4  # one per block of two shards
    plan.compute()
    assert mag.read().sum() == 256 * 128 * 64


@pytest.mark.parametrize("x_chunks", [96, 32])
def test_blocks_of_the_same_shards_share_one_write_task(tmp_path, x_chunks):
    # 96: blocks straddle shard borders, 0-192 and 192-256 are whole shards;
    # 32: two blocks per shard. Neither is rechunked.
    mag = wk.Dataset(tmp_path / "dst", voxel_size=(1, 1, 1)).add_layer("c", "color").add_mag(
        1, shard_shape=64
    )
    data = np.random.default_rng(3).integers(0, 200, (1, 256, 128, 64), dtype=np.uint8)
    blocks = da.from_array(np.asfortranarray(data), chunks=(1, x_chunks, 64, 64))
    plan = mag.write(blocks, absolute_offset=(0, 0, 0), compute=False)
    assert not any("rechunk" in str(key) for key in dict(plan.dask))
    assert len(_write_tasks(plan)) == {96: 2 * 2, 32: 4 * 2}[x_chunks]
    with dask.config.set(scheduler="threads"):
        plan.compute()
    np.testing.assert_array_equal(mag.read(), data)


def test_write_cells_beyond_the_task_memory_are_rechunked(tmp_path):
    mag = wk.Dataset(tmp_path / "dst", voxel_size=(1, 1, 1)).add_layer("c", "color").add_mag(
        1, shard_shape=64
    )
    straddling = da.ones((1, 256, 128, 64), dtype=np.uint8, chunks=(1, 96, 64, 64))
    with dask.config.set({"wkdist.write.task-memory": "300KiB"}):  # a cell of 192 is 768 KiB
        plan = mag.write(straddling, absolute_offset=(0, 0, 0), compute=False)
    assert any("rechunk" in str(key) for key in dict(plan.dask))
    plan.compute()
    assert mag.read().sum() == 256 * 128 * 64
