"""``wkdist.write.task-memory``: shards larger than the budget are made and written in pieces."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import dask
import numpy as np
import pytest

import wkdist as wk
from wkdist.dask_bridge.tasks import write_piece_shape
from wkdist.geometry import Vec3Int
from wkdist.storage import ArraySpec, DataFormat


def _spec(dtype: str, shard: int, chunk: int = 32, channels: int = 1) -> ArraySpec:
    return ArraySpec(
        DataFormat.ZARR3, np.dtype(dtype), channels, Vec3Int.full(chunk), Vec3Int.full(shard), "zstd"
    )


@pytest.mark.parametrize(
    ("budget", "dtype", "expected"),
    [
        ("1GiB", "uint8", (1024, 1024, 1024)),  # fits: one piece, one write per shard
        ("512MiB", "uint8", (1024, 1024, 512)),  # z is halved first
        ("256MiB", "uint8", (1024, 512, 512)),
        ("1GiB", "uint32", (1024, 512, 512)),
        ("1KiB", "uint64", (32, 32, 32)),  # never below one chunk
    ],
)
def test_piece_shape_halves_the_longest_axis_until_it_fits(budget, dtype, expected):
    with dask.config.set({"wkdist.write.task-memory": budget}):
        assert write_piece_shape(_spec(dtype, 1024)) == Vec3Int(expected)


def test_piece_shape_counts_channels():
    with dask.config.set({"wkdist.write.task-memory": "96MiB"}):
        assert write_piece_shape(_spec("uint8", 512, channels=3)) == Vec3Int(512, 256, 256)


@pytest.fixture
def source(tmp_path):
    ds = wk.Dataset(tmp_path / "source", voxel_size=(11, 11, 24))
    rng = np.random.default_rng(5)
    color = ds.add_layer("color", "color", dtype="uint8", data_format="wkw")
    color.add_mag(1, chunk_shape=32, shard_shape=128).write(
        rng.integers(0, 255, (200, 160, 136), dtype=np.uint8), absolute_offset=(8, 0, 4)
    )
    seg = ds.add_layer("seg", "segmentation", dtype="uint32", data_format="zarr3",
                       largest_segment_id=9)
    seg.add_mag(1, chunk_shape=32, shard_shape=128).write(
        rng.integers(0, 9, (200, 160, 136), dtype=np.uint32), absolute_offset=(8, 0, 4)
    )
    return ds


@pytest.mark.parametrize("data_format", ["zarr3", "wkw"])
def test_copy_and_downsample_in_pieces_give_the_same_voxels(source, tmp_path, scheduler, data_format):
    whole = source.copy_dataset(tmp_path / "whole", data_format=data_format, shard_shape=128)
    with dask.config.set({"wkdist.write.task-memory": "1MiB"}):  # half a uint8 shard, an eighth of uint32
        pieces = source.copy_dataset(tmp_path / "pieces", data_format=data_format, shard_shape=128)
        for layer in pieces.layers.values():
            layer.downsample(coarsest_mag=4)
    for layer in whole.layers.values():
        layer.downsample(coarsest_mag=4)
    for name, layer in whole.layers.items():
        other = pieces.get_layer(name)
        assert other.bounding_box == layer.bounding_box
        assert sorted(other.mags) == sorted(layer.mags)
        for mag, view in layer.mags.items():
            np.testing.assert_array_equal(other.get_mag(mag).read(), view.read())


_PEAK_SCRIPT = textwrap.dedent(
    """
    import re, sys
    import dask
    import wkdist as wk

    def peak_kib():  # VmHWM: unlike ru_maxrss, not inherited from the forking parent
        return int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))

    source = wk.Dataset.open(sys.argv[1])
    before = peak_kib()
    with dask.config.set({"scheduler": "sync", "wkdist.write.task-memory": sys.argv[3]}):
        source.copy_dataset(sys.argv[2], data_format="zarr3", shard_shape=512)
    print((peak_kib() - before) // 1024)
    """
)


def test_a_copy_task_stays_within_the_budget(tmp_path):
    # One 512³ uint8 shard is 128 MiB. Copied whole, the task holds it (the peak
    # rises past 128 MiB); with a 16 MiB budget it holds 16 MiB pieces and the
    # shard's encoded bytes (constant slabs: a few KiB), plus what the libraries
    # load on first use (40-80 MiB seen), never the whole shard.
    ds = wk.Dataset(tmp_path / "source", voxel_size=(1, 1, 1))
    view = ds.add_layer("color", "color", dtype="uint8", data_format="wkw").add_mag(
        1, chunk_shape=32, shard_shape=512
    )
    for z in range(0, 512, 64):
        view.write(np.full((512, 512, 64), z // 64 + 1, np.uint8), absolute_offset=(0, 0, z),
                   allow_unaligned=True)
    rises = {}
    for budget in ("1GiB", "16MiB"):
        out = subprocess.run(
            [sys.executable, "-c", _PEAK_SCRIPT, ds.path, tmp_path / budget, budget],
            check=True, capture_output=True, text=True,
        ).stdout
        rises[budget] = int(out.split()[-1])
    assert rises["1GiB"] >= 128, rises
    assert rises["16MiB"] < 128, rises
    assert rises["16MiB"] * 2 < rises["1GiB"], rises
