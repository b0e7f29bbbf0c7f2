"""Image stacks imported as a job: voxel-identical to the numpy source and to
webknossos' own ``Dataset.from_images`` of the same files, on threads and on a
2-process LocalCluster."""

from __future__ import annotations

import json
import warnings

import dask
import numpy as np
import pytest
import tifffile
from PIL import Image

import wkdist as wk

webknossos = pytest.importorskip("webknossos")
from cluster_tools import get_executor

RNG = np.random.default_rng(14)
# Small shards for both libraries: webknossos pads every write to a whole shard
# (4096 x 4096 x 32 voxels by default for imports), which would dominate the run time.
SHARD = (64, 64, 32)


def write_slices(folder, volume, *, suffix=".tif", **options: object):
    """``volume`` is (z, rows, columns[, samples]): one file per z slice."""
    folder.mkdir(parents=True)
    for z, page in enumerate(volume):
        if suffix == ".tif":
            tifffile.imwrite(folder / f"slice_{z}{suffix}", page, **options)
        else:
            Image.fromarray(page).save(folder / f"slice_{z}{suffix}")
    return folder


def as_cxyz(volume):
    """(z, rows, columns[, samples]) -> (c, x, y, z) as webknossos imports it."""
    if volume.ndim == 3:
        volume = volume[..., None]
    return volume.transpose(3, 2, 1, 0)


def reference_import(images, target, **options: object):
    with warnings.catch_warnings(), get_executor("sequential") as executor:
        warnings.simplefilter("ignore")
        return webknossos.Dataset.from_images(images, target, voxel_size=(1, 1, 1),
                                              executor=executor, **{"shard_shape": SHARD, **options})


def read_all(layer):
    return layer.get_finest_mag().read(absolute_bounding_box=layer.bounding_box)


def assert_same_as_reference(ours, reference):
    (mine,) = ours.layers.values()
    (theirs,) = reference.layers.values()
    assert mine.name == theirs.name
    assert mine.category == theirs.category
    assert tuple(mine.bounding_box.topleft) == tuple(theirs.bounding_box.topleft)
    assert tuple(mine.bounding_box.size) == tuple(theirs.bounding_box.size)
    assert mine.num_channels == theirs.num_channels
    assert mine.dtype_per_channel == theirs.dtype_per_channel
    np.testing.assert_array_equal(read_all(mine), read_all(theirs))
    if mine.category == "segmentation":
        assert mine.largest_segment_id == theirs.largest_segment_id
    # webknossos reads what wkdist wrote, with the same display range
    again = webknossos.Dataset.open(ours.path).get_layer(mine.name)
    np.testing.assert_array_equal(read_all(again), read_all(theirs))
    assert again.default_view_configuration == theirs.default_view_configuration


def test_grey_uint8_unaligned(tmp_path, scheduler):
    """1000 x 700 x 37 voxels; small shards, so tasks read bands and columns of slices."""
    volume = RNG.integers(0, 255, (37, 700, 1000), dtype=np.uint8)
    images = write_slices(tmp_path / "em", volume, rowsperstrip=16, compression="zlib")
    ds = wk.Dataset.from_images(images, tmp_path / "wkdist", voxel_size=(1, 1, 1),
                                shard_shape=(256, 256, 32))
    layer = ds.get_layer("em")
    assert layer.bounding_box == wk.BoundingBox((0, 0, 0), (1000, 700, 37))
    np.testing.assert_array_equal(read_all(layer), as_cxyz(volume))
    if scheduler == "threads":
        ours = wk.Dataset.from_images(images, tmp_path / "wkdist-default", voxel_size=(1, 1, 1),
                                      shard_shape=SHARD)
        assert_same_as_reference(ours, reference_import(images, tmp_path / "reference"))


@pytest.mark.parametrize("depth", [1, 3])
def test_default_layout_like_webknossos(tmp_path, depth):
    """Zarr v3 shards of 128 x 128 x 1 chunks; a single slice gets flat chunks."""
    volume = RNG.integers(0, 255, (depth, 20, 30), dtype=np.uint8)
    images = write_slices(tmp_path / "img", volume)
    ours = wk.Dataset.from_images(images, tmp_path / "wkdist", voxel_size=(1, 1, 1))
    theirs = reference_import(images, tmp_path / "reference", shard_shape=None)
    info = theirs.get_layer("img").get_finest_mag().info
    spec = ours.get_layer("img").get_mag(1).info
    assert tuple(spec.chunk_shape) == tuple(info.chunk_shape)
    assert tuple(spec.shard_shape) == tuple(info.shard_shape)
    assert_same_as_reference(ours, theirs)


def test_grey_uint16_multi_page(tmp_path, scheduler):
    volume = RNG.integers(0, 65535, (12, 50, 70), dtype=np.uint16)
    tifffile.imwrite(tmp_path / "stack.tif", volume, compression="zlib")
    ours = wk.Dataset.from_images(tmp_path / "stack.tif", tmp_path / "wkdist", voxel_size=(1, 1, 1),
                                  chunk_shape=8, shard_shape=(32, 32, 8))
    np.testing.assert_array_equal(read_all(ours.get_layer("stack.tif")), as_cxyz(volume))
    if scheduler == "threads":
        assert_same_as_reference(ours, reference_import(tmp_path / "stack.tif", tmp_path / "reference",
                                                        chunk_shape=8, shard_shape=(32, 32, 8)))


def test_rgb_png(tmp_path, scheduler):
    volume = RNG.integers(0, 255, (5, 40, 60, 3), dtype=np.uint8)
    images = write_slices(tmp_path / "rgb", volume, suffix=".png")
    ours = wk.Dataset.from_images(images, tmp_path / "wkdist", voxel_size=(1, 1, 1), shard_shape=SHARD)
    layer = ours.get_layer("rgb")
    assert layer.num_channels == 3
    np.testing.assert_array_equal(read_all(layer), as_cxyz(volume))
    if scheduler == "threads":
        assert_same_as_reference(ours, reference_import(images, tmp_path / "reference"))


def test_labels_become_segmentation(tmp_path, scheduler):
    volume = RNG.integers(0, 5, (9, 30, 20), dtype=np.uint32) * 100_003
    images = write_slices(tmp_path / "labels", volume, compression="zlib")
    ours = wk.Dataset.from_images(images, tmp_path / "wkdist", voxel_size=(1, 1, 1), shard_shape=SHARD)
    layer = ours.get_layer("labels")
    assert layer.category == "segmentation"
    assert layer.largest_segment_id == int(volume.max())
    np.testing.assert_array_equal(read_all(layer), as_cxyz(volume))
    if scheduler == "threads":
        assert_same_as_reference(ours, reference_import(images, tmp_path / "reference"))


@pytest.mark.parametrize("options", [{"swap_xy": True}, {"flip_x": True, "flip_z": True},
                                     {"flip_y": True, "swap_xy": True}])
def test_orientation_like_webknossos(tmp_path, options):
    volume = RNG.integers(0, 255, (6, 30, 50), dtype=np.uint8)
    images = write_slices(tmp_path / "img", volume)
    ours = wk.Dataset.from_images(images, tmp_path / "wkdist", voxel_size=(1, 1, 1),
                                  shard_shape=SHARD, **options)
    assert_same_as_reference(ours, reference_import(images, tmp_path / "reference", **options))


def test_add_layer_at_topleft_and_mag_like_webknossos(tmp_path):
    volume = RNG.integers(0, 255, (7, 30, 50), dtype=np.uint8)
    images = write_slices(tmp_path / "img", volume)
    ours = wk.Dataset(tmp_path / "wkdist", voxel_size=(1, 1, 1))
    layer = ours.add_layer_from_images(images, "color", topleft=(64, 32, 10), mag=2,
                                       shard_shape=(32, 32, 32), data_format="wkw")
    reference = webknossos.Dataset(tmp_path / "reference", voxel_size=(1, 1, 1))
    with warnings.catch_warnings(), get_executor("sequential") as executor:
        warnings.simplefilter("ignore")
        theirs = reference.add_layer_from_images(images, "color", topleft=(64, 32, 10), mag=2,
                                                 data_format="wkw", executor=executor)
    assert layer.bounding_box == wk.BoundingBox((64, 32, 10), (100, 60, 14))
    assert tuple(theirs.bounding_box.topleft) == (64, 32, 10)
    assert tuple(theirs.bounding_box.size) == (100, 60, 14)
    ours_mag2 = layer.get_mag(2).read(absolute_bounding_box=layer.bounding_box)
    np.testing.assert_array_equal(ours_mag2, theirs.get_mag(2).read(absolute_bounding_box=theirs.bounding_box))
    np.testing.assert_array_equal(layer.get_mag(2).read(absolute_offset=(64, 32, 10), size=(100, 60, 14)),
                                  as_cxyz(volume))


def test_float32_and_pieces_within_task_memory(tmp_path):
    volume = RNG.random((10, 64, 96), dtype=np.float32)
    images = write_slices(tmp_path / "float", volume)
    with dask.config.set({"wkdist.write.task-memory": "64KiB"}):  # pieces of whole chunks
        ds = wk.Dataset.from_images(images, tmp_path / "wkdist", voxel_size=(1, 1, 1),
                                    chunk_shape=16, shard_shape=(64, 64, 16))
    layer = ds.get_layer("float")
    np.testing.assert_array_equal(read_all(layer), as_cxyz(volume))
    view = json.loads((tmp_path / "wkdist" / "datasource-properties.json").read_text())
    config = view["dataLayers"][0]["defaultViewConfiguration"]
    assert config == {"min": float(volume.min()), "max": float(volume.max())}
