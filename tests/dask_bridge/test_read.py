"""MagView.to_dask / View.to_dask: lazy, shard-aligned, equal to read()."""

from __future__ import annotations

import pickle

import dask
import dask.array as da
import numpy as np
import pytest
from dask.callbacks import Callback

import wkdist as wk
from wkdist.dask_bridge.assembly import assemble
from wkdist.dask_bridge.read import StorageOrderArray


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


@pytest.mark.parametrize("data_format", ["wkw", "zarr3"])
def test_blocks_smaller_than_a_shard_are_written_back_by_one_task(tmp_path, data_format, scheduler):
    # One 1024³ shard (both formats' default) cut into 8 blocks along z: a write
    # back takes all of them in one task, put together in storage order (no
    # rechunk, whose C-ordered concatenation would cost a transpose).
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", data_format=data_format,
                         bounding_box=wk.BoundingBox((0, 0, 0), (128, 64, 256)))
    mag = layer.add_mag(1, shard_shape=1024)
    data = np.random.default_rng(5).integers(0, 255, (1, 128, 64, 256), dtype=np.uint8)
    mag.write(data, absolute_offset=(0, 0, 0))
    array = mag.to_dask(chunks=(128, 64, 32))
    assert array.numblocks == (1, 1, 1, 8)
    out = ds.add_layer("out", "color", data_format=data_format,
                       bounding_box=layer.bounding_box).add_mag(1, shard_shape=1024)
    plan = out.write(array * 2 // 3, absolute_offset=(0, 0, 0), compute=False)
    keys = dict(plan.dask)
    assert not any("rechunk" in str(key) for key in keys)
    assert len([k for k in keys if isinstance(k, tuple) and "wkdist-write" in k[0]]) == 1
    plan.compute()
    np.testing.assert_array_equal(out.read(), data * 2 // 3)


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
    assert isinstance(restored, StorageOrderArray)
    np.testing.assert_array_equal(restored.compute(), mag.read())


def test_blocks_are_storage_ordered_and_equal_read(layer, scheduler):
    """Every block is a Fortran-ordered numpy array equal to read() of its box."""
    view = layer.get_mag(1).get_view(absolute_offset=(13, 21, 3), size=(130, 90, 61))
    array = view.to_dask(chunks=(64, 32, 32))
    expected = view.read()
    blocks = array.to_delayed().ravel()
    computed = dask.compute(*blocks)
    starts = [np.cumsum((0, *c[:-1])) for c in array.chunks]
    for index, block in zip(np.ndindex(array.numblocks), computed, strict=True):
        assert isinstance(block, np.ndarray)
        assert block.flags.f_contiguous
        where = tuple(slice(s[i], s[i] + c[i]) for s, c, i in zip(starts, array.chunks, index))
        np.testing.assert_array_equal(block, expected[where])


def test_compute_assembles_fortran_order(layer, scheduler):
    mag = layer.get_mag(1)
    array = mag.to_dask(chunks=32)
    assert array.npartitions > 1
    result = array.compute()
    assert result.flags.f_contiguous
    np.testing.assert_array_equal(result, mag.read())
    # dask.compute and persist go through the same assembly.
    (again,) = dask.compute(array)
    assert again.flags.f_contiguous
    np.testing.assert_array_equal(np.asarray(array.persist()), result)


def test_derived_arrays_keep_numpy_semantics(layer):
    """dask fuses slicing (steps, integers, reversed) into the block reads."""
    mag = layer.get_mag(1)
    data = mag.read()
    array = mag.to_dask(chunks=32)
    np.testing.assert_array_equal(
        (array[:, 5:100:3, ::2] * 2 // 3).compute(), data[:, 5:100:3, ::2] * 2 // 3
    )
    assert array.sum().compute() == data.sum()
    assert array.max().compute() == data.max()
    np.testing.assert_allclose(
        array.astype("f4").mean().compute(), data.astype("f4").mean(), rtol=1e-6
    )
    np.testing.assert_array_equal(array[1, ::-1, 3, 60:2:-7].compute(), data[1, ::-1, 3, 60:2:-7])
    np.testing.assert_array_equal(array[:, [3, 1, 90]].compute(), data[:, [3, 1, 90]])
    np.testing.assert_array_equal(array.transpose(0, 3, 2, 1).compute(), data.transpose(0, 3, 2, 1))


def test_block_tasks_do_not_read_the_metadata_file(layer):
    """Tasks open the storage from the metadata bytes carried in the graph."""
    mag = layer.get_mag(1)
    array = mag.to_dask(chunks=64)
    expected = mag.read()
    metadata = next(p for p in mag.path.iterdir() if p.name in ("header.wkw", "zarr.json", ".zarray"))
    content = metadata.read_bytes()
    metadata.write_bytes(b"not metadata")
    try:
        with dask.config.set(scheduler="threads"):
            np.testing.assert_array_equal(array.compute(), expected)
    finally:
        metadata.write_bytes(content)


def test_assemble_falls_back_to_dask_for_c_ordered_blocks():
    blocks = [[np.arange(6).reshape(2, 3), np.arange(6).reshape(2, 3)]]
    result = assemble(blocks)
    np.testing.assert_array_equal(result, np.concatenate(blocks[0], axis=1))
    fortran = [[np.asfortranarray(b) for b in blocks[0]]]
    assert assemble(fortran).flags.f_contiguous
    np.testing.assert_array_equal(assemble(fortran), result)


class _TaskCounter(Callback):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def _pretask(self, key, dsk, state):
        self.count += 1


def test_compute_of_the_array_as_made_is_one_read(layer):
    # On a local scheduler no block task runs: the whole box is read at once.
    mag = layer.get_mag(1)
    array = mag.to_dask(chunks=32)
    assert array.npartitions > 1
    with dask.config.set(scheduler="threads"), _TaskCounter() as counter:
        result = array.compute()
        np.testing.assert_array_equal(np.asarray(array), result)
    assert counter.count == 0
    assert result.flags.f_contiguous
    np.testing.assert_array_equal(result, mag.read())
    # Pickled arrays (a graph shipped to another process) keep that.
    with dask.config.set(scheduler="sync"), _TaskCounter() as counter:
        restored = pickle.loads(pickle.dumps(array)).compute()
    assert counter.count == 0
    np.testing.assert_array_equal(restored, result)
    # Derived arrays run their block tasks.
    with dask.config.set(scheduler="threads"), _TaskCounter() as counter:
        np.testing.assert_array_equal((array + 1).compute(), result + 1)
    assert counter.count >= array.npartitions


def test_persisted_array_keeps_its_blocks(layer):
    mag = layer.get_mag(1)
    before = mag.read()
    with dask.config.set(scheduler="threads"):
        persisted = mag.to_dask(chunks=64).persist()
        mag.write(before + 1, absolute_offset=layer.bounding_box.topleft)
        np.testing.assert_array_equal(persisted.compute(), before)
        assert persisted.compute().flags.f_contiguous
        np.testing.assert_array_equal(mag.to_dask().compute(), before + 1)


@pytest.mark.parametrize(
    ("dtype", "num_channels", "chunk_size", "expected"),
    [
        ("uint8", 1, None, (256, 256, 256)),  # the default: 16 MiB
        ("uint64", 1, "16MiB", (128, 128, 128)),
        ("uint8", 3, "16MiB", (256, 128, 128)),
        ("uint8", 1, "128MiB", (512, 512, 512)),
        ("uint8", 1, "2GiB", (1024, 1024, 1024)),
        ("uint8", 1, "1KiB", (32, 32, 32)),  # never below the chunk shape
    ],
)
def test_default_blocks_split_large_shards(tmp_path, dtype, num_channels, chunk_size, expected):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    category = "segmentation" if dtype == "uint64" else "color"
    layer = ds.add_layer("layer", category, dtype=dtype, num_channels=num_channels,
                         bounding_box=wk.BoundingBox((0, 0, 0), (2048, 2048, 1024)))
    mag = layer.add_mag(1, chunk_shape=32, shard_shape=1024)
    settings = {"wkdist.to-dask.max-blocks": 10**9}  # see test_huge_arrays_keep_larger_blocks
    if chunk_size is not None:
        settings["wkdist.to-dask.block-size"] = chunk_size
    with dask.config.set(settings):
        array = mag.to_dask()
    assert tuple(max(c) for c in array.chunks[1:]) == expected
    assert array.chunks[1] == (expected[0],) * (2048 // expected[0])


def test_huge_arrays_keep_larger_blocks(tmp_path):
    """Halving stops before the array would have more than wkdist.to-dask.max-blocks blocks."""
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", bounding_box=wk.BoundingBox((0, 0, 0), (2048, 2048, 1024)))
    mag = layer.add_mag(1, chunk_shape=32, shard_shape=1024)
    assert mag.to_dask().numblocks == (1, 8, 8, 4)  # 256³ blocks of 16 MiB
    with dask.config.set({"wkdist.to-dask.max-blocks": 32}):
        array = mag.to_dask()
    assert array.numblocks == (1, 4, 4, 2)
    assert tuple(max(c) for c in array.chunks[1:]) == (512, 512, 512)
