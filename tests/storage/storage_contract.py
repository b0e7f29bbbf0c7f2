"""The behaviour every storage backend must show; subclassed once per backend and layout."""

from __future__ import annotations

import itertools
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.storage import (
    ArraySpec,
    DataFormat,
    StorageArray,
    create_array,
    detect_data_format,
    open_array,
)
from wkdist.storage.mosaic import BlockMosaic

SHAPE = Vec3Int(128, 128, 64)
DTYPES = ("uint8", "uint16", "uint32", "uint64", "float32", "int8")


def random_data(
    shape: tuple[int, ...], dtype: str | np.dtype[Any] = "uint8", seed: int = 0
) -> np.ndarray:
    """Random voxels spanning the dtype's range (no zeros, so unwritten parts stand out)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return (rng.standard_normal(shape) * 1e6 + 1e7).astype(dtype)
    info = np.iinfo(dtype)
    values = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    values[values == 0] = 1
    return values


def split(data: np.ndarray, cuts: tuple[tuple[int, ...], ...]) -> BlockMosaic:
    """``data`` as a mosaic of copies of its blocks, cut at ``cuts`` (per axis, C first);
    every other block C-ordered, the rest Fortran-ordered, as dask blocks may come."""
    edges = [(0, *c, n) for c, n in zip(cuts, data.shape, strict=True)]
    blocks = {}
    for index in itertools.product(*(range(len(e) - 1) for e in edges)):
        part = data[tuple(slice(e[i], e[i + 1]) for e, i in zip(edges, index, strict=True))]
        blocks[index] = np.array(part, order="C" if sum(index) % 2 else "F")
    return BlockMosaic(blocks)


# offset, size, cuts (per axis, C first, relative to the box)
MOSAICS = {
    "aligned": ((0, 0, 0), (128, 128, 64), ((), (32, 64, 96), (64,), (32,))),
    "unaligned": ((3, 5, 7), (100, 90, 50), ((), (17, 61), (40,), (9, 33))),
    "shard-border": ((60, 0, 30), (10, 128, 4), ((), (4,), (50,), (2,))),
    "inside-one-shard": ((8, 8, 8), (40, 40, 20), ((), (8,), (30,), (10,))),
}


def stored_files(path: Path) -> set[str]:
    """Relative paths of all files below ``path``, except the metadata."""
    names = set()
    for root, _, files in os.walk(path):
        for name in files:
            names.add(os.path.relpath(os.path.join(root, name), path))
    return names - {"header.wkw", "zarr.json", ".zarray"}


def assert_kill_leaves_whole_shard(array: StorageArray, seconds: float = 0.5) -> None:
    """SIGKILL a process that rewrites shard 0 with two random patterns in turn.

    Afterwards the shard must hold exactly one of the patterns: never a torn file.
    """
    shard = array.spec.shard_shape
    shape = (1, *shard)
    script = textwrap.dedent(
        f"""
        from tests.storage.storage_contract import random_data
        from wkdist.storage import open_array
        array = open_array({str(array.path)!r}, {array.data_format.value!r})
        patterns = [random_data({shape}, seed=seed) for seed in (1, 2)]
        array.write((0, 0, 0), patterns[0])
        print("ready", flush=True)
        for i in range(10**9):
            array.write((0, 0, 0), patterns[i % 2])
        """
    )
    root = str(Path(__file__).parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env)
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
        time.sleep(seconds)
    finally:
        process.kill()
        process.wait()
    result = array.read(BoundingBox((0, 0, 0), shard))
    assert any(np.array_equal(result, random_data(shape, seed=seed)) for seed in (1, 2))
    # a killed writer may leave hidden temporary files, but never another shard
    assert array.list_written_shards() == [BoundingBox((0, 0, 0), shard)]


class StorageContract:
    """Tests shared by all backends; subclasses set the format and layout."""

    data_format: ClassVar[DataFormat]
    compression: ClassVar[str | None]
    chunk_shape: ClassVar[Vec3Int]
    shard_shape: ClassVar[Vec3Int]

    def spec(self, dtype: str = "uint8", num_channels: int = 1) -> ArraySpec:
        return ArraySpec(
            data_format=self.data_format,
            dtype=dtype,
            num_channels=num_channels,
            chunk_shape=self.chunk_shape,
            shard_shape=self.shard_shape,
            compression=self.compression,
        )

    def make(self, path: Path, dtype: str = "uint8", num_channels: int = 1) -> StorageArray:
        return create_array(path / "array", self.spec(dtype, num_channels), SHAPE)

    # ------------------------------------------------------------ life cycle
    def test_create_and_open(self, tmp_path):
        array = self.make(tmp_path, "uint16", 2)
        assert array.spec == self.spec("uint16", 2)
        assert detect_data_format(array.path) == self.data_format
        reopened = open_array(array.path, self.data_format.value)
        assert reopened == array
        assert reopened.spec == array.spec
        assert type(reopened).data_format == self.data_format

    def test_shape_after_create(self, tmp_path):
        array = self.make(tmp_path)
        if self.data_format == DataFormat.WKW:
            assert array.shape is None
        else:
            grid = self.shard_shape
            assert array.shape == SHAPE.ceildiv(grid) * grid

    def test_recreated_array_is_reopened(self, tmp_path):
        first = self.make(tmp_path, "uint8")
        first.write((0, 0, 0), random_data((1, 4, 4, 4)))
        shutil.rmtree(first.path)
        second = self.make(tmp_path, "int8", 2)
        assert open_array(second.path, self.data_format).spec == self.spec("int8", 2)
        assert (
            not open_array(second.path, self.data_format)
            .read(BoundingBox((0, 0, 0), (4, 4, 4)))
            .any()
        )

    def test_create_over_existing_raises(self, tmp_path):
        array = self.make(tmp_path)
        with pytest.raises(FileExistsError, match="exists already"):
            create_array(array.path, self.spec(), SHAPE)

    def test_open_missing_raises(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="does not exist"):
            open_array(tmp_path / "nothing", self.data_format)

    def test_create_rejects_other_format(self, tmp_path):
        other = DataFormat.ZARR if self.data_format != DataFormat.ZARR else DataFormat.ZARR3
        cls = type(self.make(tmp_path))
        spec = ArraySpec(other, "uint8", 1, self.chunk_shape, self.chunk_shape, None)
        with pytest.raises(InvalidArgumentError, match="does not match"):
            cls.create(tmp_path / "other", spec, SHAPE)

    # ----------------------------------------------------------- read/write
    def test_aligned_round_trip(self, tmp_path):
        array = self.make(tmp_path)
        box = BoundingBox(self.shard_shape * (1, 0, 0), self.shard_shape * (1, 2, 1))
        data = random_data((1, *box.size))
        array.write(box.topleft, data)
        np.testing.assert_array_equal(array.read(box), data)
        assert array.list_written_shards() == sorted(
            box.chunk(self.shard_shape), key=lambda b: (b.topleft.z, b.topleft.y, b.topleft.x)
        )

    @pytest.mark.parametrize(
        ("offset", "size"),
        [((0, 0, 0), (1, 1, 1)), ((3, 5, 7), (40, 33, 20)), ((31, 1, 60), (70, 90, 4))],
    )
    def test_unaligned_writes_keep_the_rest(self, tmp_path, offset, size):
        array = self.make(tmp_path)
        whole = BoundingBox((0, 0, 0), SHAPE)
        expected = random_data((1, *SHAPE), seed=1)
        array.write((0, 0, 0), expected)
        patch = random_data((1, *size), seed=2)
        array.write(offset, patch)
        box = BoundingBox(offset, size)
        expected[(slice(None), *box.to_slices())] = patch
        np.testing.assert_array_equal(array.read(whole), expected)
        np.testing.assert_array_equal(array.read(box), patch)

    def test_unaligned_write_into_empty_array(self, tmp_path):
        array = self.make(tmp_path)
        box = BoundingBox((10, 20, 30), (50, 9, 30))
        data = random_data((1, *box.size))
        array.write(box.topleft, data)
        expected = np.zeros((1, *SHAPE), np.uint8)
        expected[(slice(None), *box.to_slices())] = data
        np.testing.assert_array_equal(array.read(BoundingBox((0, 0, 0), SHAPE)), expected)

    def test_unwritten_and_out_of_shape_reads_are_zero(self, tmp_path):
        array = self.make(tmp_path, "uint16")
        data = random_data((1, 16, 16, 16), "uint16")
        array.write((0, 0, 0), data)
        box = BoundingBox((-8, 0, 0), (SHAPE.x + 100, 24, 16))
        result = array.read(box)
        assert result.shape == (1, *box.size)
        assert result.dtype == np.uint16
        assert result.flags.f_contiguous
        np.testing.assert_array_equal(result[:, 8:24, :16], data)
        result[:, 8:24, :16] = 0
        assert not result.any()
        assert not array.read(BoundingBox((500, 500, 500), (3, 3, 3))).any()

    def test_empty_box(self, tmp_path):
        array = self.make(tmp_path, num_channels=3)
        assert array.read(BoundingBox((5, 5, 5), (0, 4, 4))).shape == (3, 0, 4, 4)
        array.write((0, 0, 0), np.zeros((3, 0, 2, 2), np.uint8))
        assert array.list_written_shards() == []

    def test_multichannel(self, tmp_path):
        array = self.make(tmp_path, "uint8", 3)
        box = BoundingBox((5, 60, 0), (70, 20, 33))
        data = random_data((3, *box.size))
        array.write(box.topleft, data)
        np.testing.assert_array_equal(array.read(box), data)
        assert not array.read(BoundingBox((0, 0, 0), (5, 5, 5))).any()

    def test_c_ordered_input(self, tmp_path):
        array = self.make(tmp_path, "uint16", 2)
        data = np.ascontiguousarray(random_data((2, 40, 30, 20), "uint16"))
        array.write((1, 2, 3), data)
        np.testing.assert_array_equal(array.read(BoundingBox((1, 2, 3), (40, 30, 20))), data)

    def test_c_ordered_reads(self, tmp_path):
        array = self.make(tmp_path, "uint16", 2)
        data = random_data((2, 40, 30, 20), "uint16")
        array.write((1, 2, 3), data)
        for box in (BoundingBox((1, 2, 3), (40, 30, 20)), BoundingBox((0, 0, 0), (50, 40, 30))):
            as_c = array.read(box, order="C")
            assert as_c.flags.c_contiguous
            np.testing.assert_array_equal(as_c, array.read(box))
            assert array.read(box).flags.f_contiguous

    @pytest.mark.parametrize("dtype", DTYPES)
    def test_dtypes(self, tmp_path, dtype):
        array = self.make(tmp_path, dtype)
        assert array.spec.dtype == np.dtype(dtype)
        box = BoundingBox((7, 0, 9), (40, 64, 30))
        data = random_data((1, *box.size), dtype)
        array.write(box.topleft, data)
        result = array.read(box)
        assert result.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(result, data)
        reopened = open_array(array.path, self.data_format)
        assert reopened.spec.dtype == np.dtype(dtype)

    def test_zero_shards_are_not_stored(self, tmp_path):
        array = self.make(tmp_path)
        box = BoundingBox((0, 0, 0), self.shard_shape)
        array.write((0, 0, 0), random_data((1, *box.size)))
        assert array.list_written_shards() == [box]
        array.write((0, 0, 0), np.zeros((1, *box.size), np.uint8))
        assert array.list_written_shards() == []
        assert not array.read(box).any()

    # ------------------------------------------------------- block mosaics
    def assert_mosaic_writes_like_array(
        self,
        tmp_path: Path,
        offset: tuple[int, int, int],
        data: np.ndarray,
        cuts: tuple[tuple[int, ...], ...],
        existing: bool,
    ) -> None:
        """Writing ``data`` as a mosaic stores the same voxels and the same files
        as writing it as one array (over random old data with ``existing``)."""
        arrays = [self.make(tmp_path / name, str(data.dtype), data.shape[0]) for name in "ma"]
        if existing:
            for array in arrays:
                array.write((0, 0, 0), random_data((data.shape[0], *SHAPE), data.dtype, seed=1))
        arrays[0].write(offset, split(data, cuts))
        arrays[1].write(offset, data)
        whole = BoundingBox((0, 0, 0), SHAPE)
        np.testing.assert_array_equal(arrays[0].read(whole), arrays[1].read(whole))
        box = BoundingBox(offset, data.shape[1:])
        np.testing.assert_array_equal(arrays[0].read(box), data)
        names = stored_files(arrays[1].path)
        assert stored_files(arrays[0].path) == names
        for name in names:
            assert (arrays[0].path / name).read_bytes() == (arrays[1].path / name).read_bytes(), name

    @pytest.mark.parametrize("case", list(MOSAICS))
    @pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
    def test_mosaic_write_equals_array_write(self, tmp_path, case, existing):
        offset, size, cuts = MOSAICS[case]
        data = random_data((1, *size), seed=3)
        self.assert_mosaic_writes_like_array(tmp_path, offset, data, cuts, existing)

    def test_multichannel_mosaic(self, tmp_path):
        data = random_data((3, 70, 64, 40), "uint16", seed=4)
        cuts = ((1,), (30, 64), (10,), (32,))
        self.assert_mosaic_writes_like_array(tmp_path, (5, 64, 0), data, cuts, existing=True)

    @pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
    def test_mosaic_of_zeros(self, tmp_path, existing):
        data = random_data((1, 128, 64, 64), seed=5)
        data[:, :64] = 0  # the first shard (of any layout here) all zero
        data[:, 100:110, :, 3:20] = 0
        cuts = ((), (32, 64, 100), (32,), (20,))
        self.assert_mosaic_writes_like_array(tmp_path, (0, 0, 0), data, cuts, existing)
        zeros = np.zeros((1, 128, 128, 64), np.uint8)
        self.assert_mosaic_writes_like_array(
            tmp_path / "zeros", (0, 0, 0), zeros, ((), (64,), (16,), (8,)), existing
        )

    # ------------------------------------------------------------ atomicity
    def test_whole_shard_write_replaces_the_file(self, tmp_path):
        array = self.make(tmp_path)
        box = BoundingBox((0, 0, 0), self.shard_shape)
        array.write((0, 0, 0), random_data((1, *box.size), seed=1))
        (before,) = stored_files(array.path)
        inode = os.stat(array.path / before).st_ino
        array.write((0, 0, 0), random_data((1, *box.size), seed=2))
        assert stored_files(array.path) == {before}, "no temporary files may stay behind"
        assert os.stat(array.path / before).st_ino != inode, "shard must be replaced, not patched"

    # ----------------------------------------------------------- validation
    def test_write_validates_data(self, tmp_path):
        array = self.make(tmp_path, "uint16", 2)
        good = np.zeros((2, 4, 4, 4), np.uint16)
        with pytest.raises(InvalidArgumentError, match="dtype uint8"):
            array.write((0, 0, 0), good.astype(np.uint8))
        with pytest.raises(InvalidArgumentError, match="3 channels"):
            array.write((0, 0, 0), np.zeros((3, 4, 4, 4), np.uint16))
        with pytest.raises(InvalidArgumentError, match="4-D"):
            array.write((0, 0, 0), good[0])
        with pytest.raises(InvalidArgumentError, match="negative"):
            array.write((-1, 0, 0), good)
        with pytest.raises(InvalidArgumentError, match="dtype uint8"):
            array.write((0, 0, 0), split(good.astype(np.uint8), ((), (2,), (), ())))
        with pytest.raises(InvalidArgumentError, match="1 channels"):
            array.write((0, 0, 0), split(good[:1], ((), (2,), (), ())))
        assert array.list_written_shards() == []

    def test_write_outside_shape(self, tmp_path):
        array = self.make(tmp_path)
        inside = random_data((1, 8, 8, 8))
        array.write((0, 0, 0), inside)
        before = array.list_written_shards()
        offset = (0, 0, int(array.shape.z) - 4) if array.shape is not None else (0, 0, 1000)
        data = random_data((1, 8, 8, 8), seed=3)
        if array.shape is None:  # WKW is unbounded
            array.write(offset, data)
            np.testing.assert_array_equal(array.read(BoundingBox(offset, (8, 8, 8))), data)
            return
        with pytest.raises(ValueError, match=r"resize.*first") as error:
            array.write(offset, data)
        assert str(tuple(array.shape)) in str(error.value)
        assert array.list_written_shards() == before
        np.testing.assert_array_equal(array.read(BoundingBox((0, 0, 0), (8, 8, 8))), inside)

    # --------------------------------------------------------------- resize
    def test_resize(self, tmp_path):
        array = self.make(tmp_path)
        if array.shape is None:
            array.resize((1, 1, 1))
            assert array.shape is None
            return
        grid = self.shard_shape
        taller = SHAPE.with_z(SHAPE.z + 100)
        array.resize(taller)
        grown = taller.ceildiv(grid) * grid
        assert array.shape == grown
        assert open_array(array.path, self.data_format).shape == grown
        data = random_data((1, 4, 4, 4))
        far = (0, 0, int(grown.z) - 4)
        array.write(far, data)
        np.testing.assert_array_equal(array.read(BoundingBox(far, (4, 4, 4))), data)
        array.resize((1, 1, 1))
        assert array.shape == grid
        assert not array.read(BoundingBox(far, (4, 4, 4))).any()
        array.resize(grown)  # metadata only: the chunks were kept
        np.testing.assert_array_equal(array.read(BoundingBox(far, (4, 4, 4))), data)

    def test_resize_rejects_negative(self, tmp_path):
        array = self.make(tmp_path)
        if array.shape is not None:
            with pytest.raises(InvalidArgumentError, match="negative"):
                array.resize((-1, 0, 0))

    # -------------------------------------------------------------- listing
    def test_list_written_shards(self, tmp_path):
        array = self.make(tmp_path)
        assert array.list_written_shards() == []
        shard = self.shard_shape
        points = [Vec3Int(1, 1, 1), shard * (1, 0, 0) + 3, shard * (0, 1, 0) + (0, 0, shard.z // 2)]
        for point in points:
            array.write(point, random_data((1, 1, 1, 1)))
        expected = {BoundingBox(point // shard * shard, shard) for point in points}
        listed = array.list_written_shards()
        assert set(listed) == expected
        assert len(listed) == len(expected)

    # ------------------------------------------------------- value protocol
    def test_pickle_round_trip(self, tmp_path):
        array = self.make(tmp_path, "uint16")
        data = random_data((1, 5, 6, 7), "uint16")
        array.write((1, 2, 3), data)
        clone = pickle.loads(pickle.dumps(array))
        assert clone == array
        assert hash(clone) == hash(array)
        assert clone.spec == array.spec
        np.testing.assert_array_equal(clone.read(BoundingBox((1, 2, 3), (5, 6, 7))), data)
        assert pickle.loads(pickle.dumps(array.spec)) == array.spec

    def test_equality_is_by_type_and_path(self, tmp_path):
        first = self.make(tmp_path / "a")
        second = self.make(tmp_path / "b")
        assert first != second
        assert first == open_array(tmp_path / "a" / "array", self.data_format)
        assert first != "not an array"

    def test_zarr_array_handle(self, tmp_path):
        array = self.make(tmp_path, "uint16", 2)
        data = random_data((2, 8, 8, 8), "uint16")
        array.write((8, 0, 0), data)
        if self.data_format == DataFormat.WKW:
            with pytest.raises(NotImplementedError, match="needs a Zarr array"):
                array.zarr_array()
            return
        handle = array.zarr_array()
        assert handle.shape == (2, *array.shape)
        np.testing.assert_array_equal(handle[:, 8:16, 0:8, 0:8], data)
