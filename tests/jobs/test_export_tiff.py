"""Boxes exported as TIFF: the files and pixels webknossos' export writes, and
export -> import gives the box back."""

from __future__ import annotations

import warnings

import dask
import numpy as np
import pytest
import tifffile

import wkdist as wk

webknossos = pytest.importorskip("webknossos")
from cluster_tools import get_executor
from webknossos.cli.export_as_tiff import export_tiff_stack

RNG = np.random.default_rng(41)
BOX = wk.BoundingBox((10, 20, 5), (70, 50, 9))


def make_layer(path, channels=1, category="color", dtype="uint8"):
    ds = wk.Dataset(path, voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", category, dtype_per_channel=dtype, num_channels=channels,
                         bounding_box=BOX)
    data = RNG.integers(1, 250, (channels, *BOX.size), dtype=dtype)
    layer.add_mag(1, chunk_shape=8, shard_shape=(32, 32, 8)).write(data, absolute_offset=BOX.topleft)
    return layer, data


def reference_export(dataset_path, destination, tile_size=None, batch_size=8):
    mag_view = webknossos.Dataset.open(dataset_path).get_layer("color").get_mag(1)
    with warnings.catch_warnings(), get_executor("sequential") as executor:
        warnings.simplefilter("ignore")
        export_tiff_stack(mag_view, webknossos.BoundingBox(BOX.topleft, BOX.size), destination,
                          "", tile_size, batch_size, 1, executor)


def files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.tiff"))


def test_slices_like_webknossos_and_back(tmp_path, scheduler):
    layer, data = make_layer(tmp_path / "ds")
    with dask.config.set({"wkdist.write.task-memory": "2KiB"}):  # bands of a few rows
        count = layer.get_mag(1).export_as_tiff(tmp_path / "ours", name="em")
    assert count == 9
    assert files(tmp_path / "ours") == [f"em_{z:06d}.tiff" for z in range(9)]
    for z in range(9):
        np.testing.assert_array_equal(tifffile.imread(tmp_path / "ours" / f"em_{z:06d}.tiff"), data[0, :, :, z].T)
    if scheduler == "threads":
        reference_export(tmp_path / "ds", tmp_path / "theirs")
        assert [f"em_{name}" for name in files(tmp_path / "theirs")] == files(tmp_path / "ours")
    again = wk.Dataset.from_images(tmp_path / "ours", tmp_path / "again", voxel_size=(1, 1, 1),
                                   topleft=BOX.topleft, layer_name="color")
    np.testing.assert_array_equal(again.get_layer("color").get_mag(1).read(absolute_bounding_box=BOX), data)
    assert again.get_layer("color").bounding_box == BOX


def test_rgb_tiles_like_webknossos(tmp_path):
    layer, _ = make_layer(tmp_path / "ds", channels=3)
    layer.get_mag(1).export_as_tiff(tmp_path / "ours", tile_size=(32, 16), batch_size=4)
    reference_export(tmp_path / "ds", tmp_path / "theirs", tile_size=(32, 16), batch_size=4)
    names = files(tmp_path / "ours")
    assert names == files(tmp_path / "theirs")
    assert len(names) == 9 * 4 * 3
    for name in names:
        np.testing.assert_array_equal(tifffile.imread(tmp_path / "ours" / name),
                                      tifffile.imread(tmp_path / "theirs" / name))


def test_mag2_box_and_segmentation(tmp_path):
    layer, _ = make_layer(tmp_path / "ds", category="segmentation", dtype="uint32")
    layer.downsample(coarsest_mag=2)
    box = wk.BoundingBox((12, 20, 6), (40, 30, 4))
    layer.get_mag(2).export_as_tiff(tmp_path / "ours", bbox=box)
    expected = layer.get_mag(2).read(absolute_bounding_box=box.align_with_mag(wk.Mag(2), ceil=True))
    assert files(tmp_path / "ours") == ["000000.tiff", "000002.tiff"]  # numbered in Mag(1) slices
    np.testing.assert_array_equal(tifffile.imread(tmp_path / "ours" / "000002.tiff"), expected[0, :, :, 1].T)
