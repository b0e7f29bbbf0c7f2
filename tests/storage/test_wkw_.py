"""WKW arrays: the storage contract, plus what is specific to WKW files."""

from __future__ import annotations

import numpy as np
import pytest
import wkw

from tests.storage.storage_contract import (
    StorageContract,
    assert_kill_leaves_whole_shard,
    random_data,
)
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.storage import ArraySpec, DataFormat, WkwArray, create_array, open_array


class TestWkwRaw(StorageContract):
    data_format = DataFormat.WKW
    compression = None
    chunk_shape = Vec3Int.full(16)
    shard_shape = Vec3Int.full(64)


class TestWkwLz4(StorageContract):
    data_format = DataFormat.WKW
    compression = "lz4"
    chunk_shape = Vec3Int.full(16)
    shard_shape = Vec3Int.full(64)


class TestWkwLz4hc(StorageContract):
    data_format = DataFormat.WKW
    compression = "lz4hc"
    chunk_shape = Vec3Int.full(32)
    shard_shape = Vec3Int.full(64)


def _header_bytes(path):
    return (path / "header.wkw").read_bytes()


@pytest.mark.parametrize(("compression", "block_type"), [(None, 1), ("lz4", 2), ("lz4hc", 3)])
def test_header_matches_format(tmp_path, compression, block_type):
    spec = ArraySpec(DataFormat.WKW, "uint16", 3, (32, 32, 32), (1024, 1024, 1024), compression)
    array = create_array(tmp_path / "1", spec, (1, 1, 1))
    header = _header_bytes(array.path)
    assert header[:4] == b"WKW\x01"
    assert header[4] == 0x55  # 32 blocks per file edge, 32 voxels per block edge
    assert header[5] == block_type
    assert header[6] == 2  # uint16
    assert header[7] == 6  # bytes per voxel, all channels
    assert int.from_bytes(header[8:16], "little") == 0


def test_rejects_unsupported_dtype(tmp_path):
    spec = ArraySpec(DataFormat.WKW, "complex64", 1, (32,) * 3, (64,) * 3, None)
    with pytest.raises(InvalidArgumentError, match="cannot be stored as WKW"):
        create_array(tmp_path / "1", spec, (1, 1, 1))


@pytest.mark.parametrize("compression", [None, "lz4", "lz4hc"])
def test_files_equal_what_wkw_writes(tmp_path, compression):
    """Large shards are encoded as eight octants and joined: the bytes must not change."""
    # >= 1 MiB per shard, so that compressed shards take the octant path
    edge, channels = (128, 2) if compression != "lz4hc" else (64, 4)
    spec = ArraySpec(DataFormat.WKW, "uint8", channels, (8, 8, 8), (edge,) * 3, compression)
    data = random_data((channels, edge, edge, edge))
    data[:, : edge // 2] //= 8  # some redundancy for the compressor
    ours = create_array(tmp_path / "ours", spec, (1, 1, 1))
    ours.write((edge, 0, edge), data)
    block_type = ours._dataset.header.block_type
    header = wkw.Header(np.uint8, channels, block_len=8, file_len=edge // 8, block_type=block_type)
    with wkw.Dataset.create(str(tmp_path / "theirs"), header) as theirs:
        theirs.write((edge, 0, edge), np.asfortranarray(data))
    name = "z1/y0/x1.wkw"
    assert (tmp_path / "ours" / name).read_bytes() == (tmp_path / "theirs" / name).read_bytes()


def test_partial_writes_to_compressed_shards_read_back_in_wkw(tmp_path):
    spec = ArraySpec(DataFormat.WKW, "uint32", 1, (16,) * 3, (64,) * 3, "lz4")
    array = create_array(tmp_path / "1", spec, (1, 1, 1))
    expected = np.zeros((1, 128, 128, 64), np.uint32)
    for seed, (offset, size) in enumerate(
        [((0, 0, 0), (128, 128, 64)), ((60, 3, 5), (10, 90, 50))]
    ):
        data = random_data((1, *size), "uint32", seed)
        array.write(offset, data)
        expected[(slice(None), *BoundingBox(offset, size).to_slices())] = data
    with wkw.Dataset.open(str(array.path)) as dataset:
        np.testing.assert_array_equal(dataset.read((0, 0, 0), (128, 128, 64)), expected)


def test_large_reads_are_split_correctly(tmp_path):
    spec = ArraySpec(DataFormat.WKW, "uint8", 1, (32,) * 3, (128,) * 3, "lz4")
    array = create_array(tmp_path / "1", spec, (1, 1, 1))
    data = random_data((1, 160, 150, 300))
    array.write((0, 0, 0), data)
    box = BoundingBox((3, 0, 7), (150, 150, 290))  # ≥ 4 MiB: read in parallel z-slabs
    np.testing.assert_array_equal(array.read(box), data[(slice(None), *box.to_slices())])


def test_listing_ignores_foreign_files(tmp_path):
    spec = ArraySpec(DataFormat.WKW, "uint8", 1, (16,) * 3, (32,) * 3, None)
    array = create_array(tmp_path / "1", spec, (1, 1, 1))
    array.write((32, 64, 96), random_data((1, 1, 1, 1)))
    for junk in (
        "z3/y2/x1.wkw.123.partial",
        "z3/y2/notes.txt",
        "zz/y0/x0.wkw",
        ".wkdist-tmp-1/z0/y0/x0.wkw",
    ):
        (array.path / junk).parent.mkdir(parents=True, exist_ok=True)
        (array.path / junk).write_bytes(b"")
    assert array.list_written_shards() == [BoundingBox((32, 64, 96), (32, 32, 32))]


def test_killed_writer_leaves_old_or_new_shard(tmp_path):
    spec = ArraySpec(DataFormat.WKW, "uint8", 1, (32,) * 3, (256,) * 3, "lz4")
    assert_kill_leaves_whole_shard(create_array(tmp_path / "1", spec, (1, 1, 1)))


def test_open_reads_header(tmp_path):
    with wkw.Dataset.create(
        str(tmp_path / "1"), wkw.Header(np.int8, 4, block_len=8, file_len=4, block_type=3)
    ):
        pass
    array = open_array(tmp_path / "1", DataFormat.WKW)
    assert isinstance(array, WkwArray)
    assert array.spec == ArraySpec(DataFormat.WKW, "int8", 4, (8,) * 3, (32,) * 3, "lz4hc")


def test_large_zero_and_sparse_shards(tmp_path):
    """Octant-encoded shards: all zeros deletes the file, a single voxel keeps it."""
    spec = ArraySpec(DataFormat.WKW, "uint8", 1, (16,) * 3, (128,) * 3, "lz4")
    array = create_array(tmp_path / "1", spec, (1, 1, 1))
    shard = BoundingBox((128, 0, 0), (128, 128, 128))
    array.write(shard.topleft, random_data((1, *shard.size)))
    sparse = np.zeros((1, *shard.size), np.uint8)
    sparse[0, 127, 127, 127] = 5
    array.write(shard.topleft, sparse)
    assert array.list_written_shards() == [shard]
    np.testing.assert_array_equal(array.read(shard), sparse)
    array.write(shard.topleft, np.zeros_like(sparse))
    assert array.list_written_shards() == []
