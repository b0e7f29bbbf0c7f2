"""Downsampling and upsampling jobs: voxel for voxel what webknossos 4.3.3 computes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import webknossos as wkr
from cluster_tools import get_executor

import wkdist as wk

BOX = ((5, 6, 7), (100, 90, 37))
rng = np.random.default_rng(0)
COLOR = rng.integers(0, 255, (1, *BOX[1]), dtype=np.uint8)
SEG = rng.integers(0, 5, (1, *BOX[1]), dtype=np.uint32)  # many ties for the mode


def build(lib, path, data_format):
    ds = lib.Dataset(path, voxel_size=(11, 11, 24))
    box = lib.BoundingBox(*BOX)
    shard = None if data_format == "zarr" else 64
    color = ds.add_layer("color", "color", bounding_box=box, data_format=data_format)
    color.add_mag(1, shard_shape=shard).write(COLOR, absolute_offset=BOX[0], allow_unaligned=True)
    seg = ds.add_layer("seg", "segmentation", dtype="uint32", bounding_box=box,
                       largest_segment_id=4, data_format=data_format)
    seg.add_mag(1, shard_shape=shard).write(SEG, absolute_offset=BOX[0], allow_unaligned=True)
    return ds


@pytest.fixture(scope="module", params=["wkw", "zarr", "zarr3"])
def reference(request, tmp_path_factory):
    """The same dataset downsampled by webknossos (sequentially, in this process)."""
    path = tmp_path_factory.mktemp("ref") / request.param
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = build(wkr, path, request.param)
        with get_executor("sequential") as executor:
            for name in ("color", "seg"):
                ds.get_layer(name).downsample(coarsest_mag=wkr.Mag(8), executor=executor)
    return request.param, wkr.Dataset.open(path)


def test_downsample_equals_webknossos(tmp_path, reference, scheduler):
    data_format, ref = reference
    ds = build(wk, tmp_path / "ours", data_format)
    for name in ("color", "seg"):
        created = ds.get_layer(name).downsample(coarsest_mag=8)
        assert created == [wk.Mag("2-2-1"), wk.Mag("4-4-2"), wk.Mag("8-8-4")]
    reopened = wk.Dataset.open(tmp_path / "ours")
    for name in ("color", "seg"):
        ref_layer = ref.get_layer(name)
        for mag in ref_layer.mags:
            ours = reopened.get_layer(name).get_mag(mag.to_layer_name())
            theirs = ref_layer.get_mag(mag)
            np.testing.assert_array_equal(ours.read(), theirs.read())
            assert ours.info.shard_shape == wk.Vec3Int(*theirs.info.shard_shape)
            assert ours.info.compressed == theirs.info.compression_mode


# "nearest" follows the reference (scipy zoom, order 0), checked in tests/jobs/downsampling.
@pytest.mark.parametrize("mode", ["max", "min", "mean"])
def test_other_modes_against_numpy(tmp_path, mode, scheduler):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    data = rng.integers(0, 200, (1, 64, 64, 64), dtype=np.uint8)
    layer = ds.add_layer("color", "color", bounding_box=wk.BoundingBox((0, 0, 0), (64, 64, 64)))
    layer.add_mag(1, shard_shape=32).write(data, absolute_offset=(0, 0, 0))
    layer.downsample_mag(1, 2, interpolation_mode=mode)
    blocks = data[0].reshape(32, 2, 32, 2, 32, 2).transpose(0, 2, 4, 1, 3, 5).reshape(32, 32, 32, 8)
    expected = {
        "max": blocks.max(-1),
        "min": blocks.min(-1),
        "mean": None,
    }[mode]
    result = layer.get_mag(2).read()[0]
    if expected is None:
        assert np.abs(result.astype(float) - blocks.mean(-1)).max() <= 1
    else:
        np.testing.assert_array_equal(result, expected)


def test_upsample_repeats_voxels(tmp_path, scheduler):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.add_layer("seg", "segmentation", dtype="uint32",
                         bounding_box=wk.BoundingBox((0, 0, 0), (64, 64, 32)))
    coarse = rng.integers(0, 9, (1, 16, 16, 8), dtype=np.uint32)
    layer.add_mag(4).write(coarse, absolute_offset=(0, 0, 0), allow_unaligned=True)
    created = layer.upsample(from_mag=4, finest_mag=1, sampling_mode="isotropic")
    assert created == [wk.Mag(2), wk.Mag(1)]
    expected = coarse.repeat(4, 1).repeat(4, 2).repeat(4, 3)
    np.testing.assert_array_equal(layer.get_mag(1).read(), expected)


def test_downsample_on_cluster_tools_executor(tmp_path):
    ds = build(wk, tmp_path / "ds", "zarr3")
    with get_executor("multiprocessing", max_workers=2) as executor:
        ds.get_layer("color").downsample(coarsest_mag=4, executor=executor)
    again = build(wk, tmp_path / "again", "zarr3")
    again.get_layer("color").downsample(coarsest_mag=4)
    for mag in ("2-2-1", "4-4-2"):
        np.testing.assert_array_equal(
            ds.get_layer("color").get_mag(mag).read(), again.get_layer("color").get_mag(mag).read()
        )


def test_small_piece_budget_gives_the_same_voxels(tmp_path):
    import dask

    results = []
    for budget in ("1GiB", "64KiB"):
        ds = build(wk, tmp_path / budget, "zarr3")
        with dask.config.set({"wkdist.downsample.piece-memory": budget}):
            ds.get_layer("seg").downsample(coarsest_mag=4)
        results.append(ds.get_layer("seg").get_mag("4-4-2").read())
    np.testing.assert_array_equal(*results)
