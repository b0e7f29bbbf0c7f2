"""Reference cases: chunk-wise processing (``for_each_chunk``, ``map_chunk``,
``for_zipped_chunks``, ``View.chunk``, ``content_is_equal``).

Same calls against wkdist and, with ``WKDIST_REFERENCE_IMPL=webknossos``, against
webknossos 4.3.3, with a cluster_tools executor as the reference's tests use.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from cluster_tools import get_executor

from .reference_support import FORMATS, random_uint8, wk


def add_50(args):
    view, _index = args
    view.write(view.read() + 50)


def fill_with_corner_sum(args):
    view, _index = args
    box = view.bounding_box
    view.write(np.full(view.read().shape, sum(box.topleft) % 256, dtype=np.uint8))


def shifted_copy(args, shift):
    source, target, _index = args
    target.write(source.read() + shift)


def corner_and_size(view):
    return (view.bounding_box.topleft.to_tuple(), view.bounding_box.size.to_tuple())


def _mag(tmp_path, data_format, shape=(64, 128, 96), num_channels=1):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", dtype="uint8", num_channels=num_channels,
                         data_format=data_format)
    shard = (64, 64, 64) if data_format != "zarr" else (32, 32, 32)
    mag = layer.add_mag(1, chunk_shape=(32, 32, 32) if data_format != "zarr" else 32,
                        shard_shape=shard)
    data = random_uint8((num_channels, *shape))
    mag.write(data if num_channels > 1 else data[0], allow_resize=True)
    return mag, data


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("executor_name", ["sequential", None])
def test_for_each_chunk_changes_every_voxel_once(tmp_path, data_format, executor_name):
    mag, data = _mag(tmp_path, data_format)
    if executor_name is None:
        mag.for_each_chunk(add_50, chunk_shape=(64, 64, 64))
    else:
        with get_executor(executor_name) as executor:
            mag.for_each_chunk(add_50, chunk_shape=(64, 64, 64), executor=executor)
    np.testing.assert_array_equal(mag.read(), data + 50)


def test_for_each_chunk_on_an_offset_view_cuts_on_the_shard_grid(tmp_path):
    mag, _ = _mag(tmp_path, "zarr3", shape=(160, 160, 64), num_channels=3)
    with pytest.warns(UserWarning, match="not aligned with the shard shape"):
        view = mag.get_view(absolute_offset=(10, 10, 10), size=(150, 150, 54))
    with get_executor("sequential") as executor:
        view.for_each_chunk(fill_with_corner_sum, executor=executor)
    for offset, size in [((10, 10, 10), (54, 54, 54)), ((64, 128, 10), (64, 32, 54)),
                         ((128, 128, 10), (32, 32, 54))]:
        box = wk.BoundingBox(offset, size)
        np.testing.assert_array_equal(
            mag.read(absolute_bounding_box=box), np.full((3, *size), sum(offset) % 256)
        )


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("bad_shape", [(0, 64, 64), (16, 64, 64), (100, 64, 64)])
def test_for_each_chunk_refuses_shapes_off_the_shard_grid(tmp_path, data_format, bad_shape):
    mag, data = _mag(tmp_path, data_format)
    if data_format == "zarr" and bad_shape == (16, 64, 64):
        bad_shape = (16, 32, 32)  # Zarr v2 shards are 32³ here
    with pytest.raises(AssertionError):
        mag.for_each_chunk(add_50, chunk_shape=bad_shape)
    np.testing.assert_array_equal(mag.read(), data)


def test_map_chunk_returns_one_result_per_chunk(tmp_path):
    mag, _ = _mag(tmp_path, "zarr3", shape=(100, 64, 64))
    with get_executor("sequential") as executor:
        results = mag.map_chunk(corner_and_size, chunk_shape=(64, 64, 64), executor=executor)
    # wkdist keeps the chunk order; webknossos' sequential executor returns them reversed.
    assert sorted(results) == [((0, 0, 0), (64, 64, 64)), ((64, 0, 0), (36, 64, 64))]


def test_view_chunk_with_border_alignment(tmp_path):
    mag, _ = _mag(tmp_path, "zarr3")
    view = mag.get_view(absolute_offset=(10, 0, 0), size=(50, 32, 32), read_only=True)
    boxes = [v.bounding_box for v in view.chunk((32, 32, 32), chunk_border_alignments=(32, 32, 32))]
    assert boxes == [wk.BoundingBox((10, 0, 0), (22, 32, 32)), wk.BoundingBox((32, 0, 0), (28, 32, 32))]
    assert all(v.read_only for v in view.chunk((32, 32, 32)))


@pytest.mark.parametrize("data_format", FORMATS)
def test_for_zipped_chunks_writes_the_target(tmp_path, data_format):
    mag, data = _mag(tmp_path, data_format, shape=(128, 128, 64), num_channels=3)
    source = mag.get_view(absolute_offset=(0, 0, 0), size=(128, 128, 64), read_only=True)
    target_layer = wk.Dataset(tmp_path / "target", voxel_size=(1, 1, 1)).add_layer(
        "color", "color", dtype="uint8", num_channels=3, data_format=data_format
    )
    target_mag = target_layer.add_mag(1, chunk_shape=8, shard_shape=32 if data_format != "zarr" else 8)
    target_layer.bounding_box = wk.BoundingBox((0, 0, 0), (128, 128, 64))
    target = target_mag.get_view(absolute_offset=(0, 0, 0), size=(128, 128, 64))
    with get_executor("sequential") as executor:
        source.for_zipped_chunks(
            functools.partial(shifted_copy, shift=7), target_view=target,
            source_chunk_shape=(64, 64, 64), target_chunk_shape=(64, 64, 64), executor=executor,
        )
    np.testing.assert_array_equal(target.read(), data + 7)
    assert source.content_is_equal(target) is False
    assert target_mag.content_is_equal(target_mag, chunk_shape=(32, 32, 32))


@pytest.mark.parametrize("shape", [(10, 20, 30), (64, 64, 100), (200, 128, 128)])
def test_for_zipped_chunks_refuses_bad_target_chunks(tmp_path, shape):
    mag, _ = _mag(tmp_path, "zarr3")
    other = mag.layer.dataset.add_layer("other", "color", dtype="uint8").add_mag(
        1, chunk_shape=32, shard_shape=64
    )
    other.layer.bounding_box = mag.layer.bounding_box
    with pytest.raises(AssertionError):
        mag.get_view(read_only=True).for_zipped_chunks(
            add_50, target_view=other.get_view(),
            source_chunk_shape=shape, target_chunk_shape=shape,
        )
