"""Reference cases: helpers users import from the reference's inner module paths.

Re-stated from webknossos-libs ``webknossos/tests/dataset/test_tinywkw.py``; the
same calls run against ``webknossos`` 4.3.3 with ``WKDIST_REFERENCE_IMPL=webknossos``.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import wkw

from .reference_support import IMPL, wk

tinywkw = importlib.import_module(f"{IMPL}.dataset._utils.tinywkw")

# --------------------------------------------------------------------------- tinywkw


def _native_array(path, chunk_type: int, num_channels: int = 2) -> None:
    header = wkw.Header(np.uint16, num_channels=num_channels, block_len=8, file_len=2,
                        block_type=chunk_type)  # fmt: skip
    wkw.Dataset.create(str(path), header).close()


@pytest.mark.parametrize("chunk_type", [1, 2])
def test_tinywkw_header_matches_native_file(tmp_path, chunk_type):
    _native_array(tmp_path, chunk_type)
    raw = (tmp_path / "header.wkw").read_bytes()
    header = tinywkw.TinyWkwHeader.from_bytes(raw)
    assert header.chunk_shape == wk.Vec3Int.full(8)
    assert header.shard_shape == wk.Vec3Int.full(16)
    assert header.chunk_type == tinywkw.ChunkType(chunk_type)
    assert (header.voxel_type, header.num_channels) == (np.dtype("uint16"), 2)
    assert (header.block_len, header.file_len, header.block_type) == (8, 2, chunk_type)
    assert header.to_bytes(data_offset=header.data_offset) == raw[:16]
    assert header.to_bytes()[8:] == (16 + 8 * 8 * (chunk_type != 1)).to_bytes(8, "little")
    with pytest.raises(AssertionError):
        tinywkw.TinyWkwHeader.from_bytes(b"XKW" + raw[3:])


@pytest.mark.parametrize("chunk_type", ["RAW", "LZ4"])
def test_tinywkw_write_read_against_native(tmp_path, chunk_type):
    header = tinywkw.TinyWkwHeader(
        chunk_shape=wk.Vec3Int.full(8), shard_shape=wk.Vec3Int.full(16),
        chunk_type=tinywkw.ChunkType[chunk_type], voxel_type=np.dtype("uint8"), num_channels=3,
    )  # fmt: skip
    array = tinywkw.TinyWkwArray.create(tmp_path, header)
    data = np.random.default_rng(3).integers(1, 256, (3, 20, 16, 9), dtype=np.uint8)
    array.write(wk.Vec3Int(10, 0, 3), data)  # part of four shards
    with wkw.Dataset.open(str(tmp_path)) as native:
        np.testing.assert_array_equal(native.read((10, 0, 3), (20, 16, 9)), data)
    box = wk.BoundingBox((8, 0, 0), (24, 16, 16))
    read = array.read_bbox(box.normalize_axes(3))
    assert read.shape == (3, 24, 16, 16)
    np.testing.assert_array_equal(read[:, 2:22, :, 3:12], data)
    assert not read[:, :2].any()
    # whole zero shards disappear; missing shards read as zeros
    array.write(wk.Vec3Int(0, 0, 0), np.zeros((3, 32, 16, 16), np.uint8))
    assert not (tmp_path / "z0" / "y0" / "x0.wkw").exists()
    assert not array.read(wk.Vec3Int(0, 0, 0), wk.Vec3Int(64, 16, 16)).any()
