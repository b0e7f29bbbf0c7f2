"""wk.map_blocks: a function with a halo over a mag, against scipy on the whole volume."""

from __future__ import annotations

import functools

import dask
import numpy as np
import pytest
from scipy import ndimage

import wkdist as wk
from tests.conftest import snapshot

BOX = wk.BoundingBox((10, 20, 0), (70, 50, 40))  # unaligned: borders inside shards


def smooth(block: np.ndarray, mode: str = "reflect") -> np.ndarray:
    """Gaussian of reach 4 (sigma 1) along x, y, z; float32 → uint16 target."""
    result = ndimage.gaussian_filter(block.astype(np.float32), sigma=(0, 1, 1, 1), mode=mode)
    return np.rint(result).astype(np.uint16)


def threshold(block: np.ndarray) -> np.ndarray:
    return block[0] > 30000  # bool (X, Y, Z) casts safely into one uint8 channel


@pytest.fixture
def source(tmp_path, data_format):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", dtype="uint16", data_format=data_format, bounding_box=BOX)
    shard = None if data_format == "zarr" else 32
    rng = np.random.default_rng(3)
    data = ndimage.uniform_filter(rng.integers(0, 60000, (1, *BOX.size)).astype(np.float64), 3)
    mag = layer.add_mag(1, chunk_shape=16, shard_shape=shard)
    mag.write(data.astype(np.uint16), absolute_offset=BOX.topleft, allow_unaligned=True)
    return mag


def new_target(source, name="out", dtype="uint16", data_format=None):
    ds = source.layer.dataset
    layer = ds.add_layer(name, "color", dtype=dtype, data_format=data_format or source.layer.data_format,
                         bounding_box=source.layer.bounding_box)
    shard = None if layer.data_format == "zarr" else 32
    return layer.add_mag(1, chunk_shape=16, shard_shape=shard)


def test_gaussian_equals_scipy_on_the_whole_volume(source, scheduler):
    """Mirror at the layer's border, real data across shard and task borders."""
    target = new_target(source)
    written = wk.map_blocks(smooth, source, target, halo=4)
    assert written == BOX
    np.testing.assert_array_equal(target.read(), smooth(source.read()))


@pytest.mark.parametrize("data_format", ["zarr3"])
def test_zero_boundary_and_small_pieces(source):
    """Zeros beyond the box; pieces within a tiny task memory give the same voxels."""
    target = new_target(source)
    with dask.config.set({"wkdist.write.task-memory": "8KiB", "scheduler": "threads"}):
        wk.map_blocks(functools.partial(smooth, mode="constant"), source, target,
                      halo=(4, 4, 4), boundary="zero")
    np.testing.assert_array_equal(target.read(), smooth(source.read(), mode="constant"))


@pytest.mark.parametrize("data_format", ["wkw"])
def test_subview_mirrors_at_its_own_border(source):
    view = source.get_view(absolute_offset=(30, 30, 5), size=(40, 33, 30), read_only=True)
    target = new_target(source, data_format="zarr3")
    with dask.config.set(scheduler="threads"):
        written = wk.map_blocks(smooth, view, target, halo=5)
    assert written == view.bounding_box
    got = target.read(absolute_bounding_box=view.bounding_box)
    np.testing.assert_array_equal(got, smooth(view.read()))
    assert not target.read(absolute_offset=BOX.topleft, size=(20, 10, 5)).any()


@pytest.mark.parametrize("data_format", ["zarr3"])
def test_threshold_into_one_uint8_channel(source):
    target = new_target(source, dtype="uint8")
    with dask.config.set(scheduler="threads"):
        wk.map_blocks(threshold, source, target)
    np.testing.assert_array_equal(target.read()[0], source.read()[0] > 30000)


@pytest.mark.parametrize("data_format", ["wkw"])
def test_bad_input_writes_nothing(source):
    target = new_target(source)
    other_mag = target.layer.add_mag(2)
    before = snapshot(source.layer.dataset.path)
    cases = [
        (dict(halo=-1), "halo must not be negative"),
        (dict(boundary="wrap"), "boundary must be one of"),
        (dict(target=source), "cannot write into its source"),
        (dict(target=other_mag), "same mag"),
    ]
    for kwargs, message in cases:
        arguments = dict(source=source, target=target) | kwargs
        with pytest.raises(wk.InvalidArgumentError, match=message):
            wk.map_blocks(smooth, **arguments)
    assert snapshot(source.layer.dataset.path) == before
    target.layer.bounding_box = wk.BoundingBox((10, 20, 0), (70, 50, 30))
    with pytest.raises(wk.InvalidArgumentError, match="does not contain the source box"):
        wk.map_blocks(smooth, source, target)
    target.layer.bounding_box = BOX
    before = snapshot(source.layer.dataset.path)
    with dask.config.set(scheduler="sync"), pytest.raises(wk.JobIncompleteError, match="uint16"):
        wk.map_blocks(lambda block: block.astype(np.float32), source, target)
    with dask.config.set(scheduler="sync"), pytest.raises(wk.JobIncompleteError, match="shape"):
        wk.map_blocks(lambda block: block[:, 1:], source, target)
    assert snapshot(source.layer.dataset.path) == before


def where_am_i(block: np.ndarray, box: wk.BoundingBox) -> np.ndarray:
    out = np.zeros(block.shape[1:], np.uint16)
    out[...] = box.topleft.x * 1000 + box.topleft.y * 10 + box.topleft.z // 32
    return out


@pytest.mark.parametrize("data_format", ["zarr3"])
def test_function_with_a_box_parameter_learns_its_block(source):
    target = new_target(source)
    with dask.config.set(scheduler="threads"):
        wk.map_blocks(where_am_i, source, target, halo=2)
    result = target.read()[0]
    for box in target.bounding_box.in_mag(target.mag).grid_boxes((32, 32, 32)):
        code = box.topleft.x * 1000 + box.topleft.y * 10 + box.topleft.z // 32
        local = box.offset(-BOX.topleft)
        assert (result[local.to_slices()] == code).all()
