"""Zarr v2 and v3 arrays: the storage contract, plus metadata and refresh behaviour."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorstore as ts

from tests.storage.storage_contract import (
    StorageContract,
    assert_kill_leaves_whole_shard,
    random_data,
)
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, NDBoundingBox, Vec3Int
from wkdist.storage import ArraySpec, DataFormat, create_array, open_array


class TestZarrRaw(StorageContract):
    data_format = DataFormat.ZARR
    compression = None
    chunk_shape = Vec3Int.full(32)
    shard_shape = Vec3Int.full(32)


class TestZarrZstd(StorageContract):
    data_format = DataFormat.ZARR
    compression = "zstd"
    chunk_shape = Vec3Int(32, 16, 32)
    shard_shape = Vec3Int(32, 16, 32)


class TestZarr3RawUnsharded(StorageContract):
    data_format = DataFormat.ZARR3
    compression = None
    chunk_shape = Vec3Int.full(32)
    shard_shape = Vec3Int.full(32)


class TestZarr3ZstdSharded(StorageContract):
    data_format = DataFormat.ZARR3
    compression = "zstd"
    chunk_shape = Vec3Int.full(16)
    shard_shape = Vec3Int(64, 64, 32)


def test_zarr3_metadata_is_what_webknossos_writes(tmp_path):
    spec = ArraySpec(DataFormat.ZARR3, "uint8", 3, (32,) * 3, (1024,) * 3, "zstd")
    array = create_array(tmp_path / "1", spec, (110, 100, 70))
    assert json.loads((array.path / "zarr.json").read_text()) == {
        "zarr_format": 3,
        "node_type": "array",
        "shape": [3, 1024, 1024, 1024],
        "data_type": "uint8",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [3, 1024, 1024, 1024]}},
        "chunk_key_encoding": {"name": "default"},
        "fill_value": 0,
        "dimension_names": ["c", "x", "y", "z"],
        "codecs": [
            {
                "name": "sharding_indexed",
                "configuration": {
                    "chunk_shape": [3, 32, 32, 32],
                    "codecs": [
                        {"name": "transpose", "configuration": {"order": [3, 2, 1, 0]}},
                        {"name": "bytes"},
                        {"name": "zstd", "configuration": {"level": 5, "checksum": True}},
                    ],
                    "index_codecs": [
                        {"name": "bytes", "configuration": {"endian": "little"}},
                        {"name": "crc32c"},
                    ],
                },
            }
        ],
    }


def test_zarr3_without_shards_has_no_sharding_codec(tmp_path):
    spec = ArraySpec(DataFormat.ZARR3, "uint16", 1, (32,) * 3, (32,) * 3, None)
    array = create_array(tmp_path / "1", spec, (40, 40, 40))
    metadata = json.loads((array.path / "zarr.json").read_text())
    assert metadata["codecs"] == [
        {"name": "transpose", "configuration": {"order": [3, 2, 1, 0]}},
        {"name": "bytes", "configuration": {"endian": "little"}},
    ]
    assert metadata["shape"] == [1, 64, 64, 64]


@pytest.mark.parametrize(
    ("compression", "compressor"), [("zstd", {"id": "zstd", "level": 5}), (None, None)]
)
def test_zarr2_metadata(tmp_path, compression, compressor):
    spec = ArraySpec(DataFormat.ZARR, "uint32", 2, (32,) * 3, (32,) * 3, compression)
    array = create_array(tmp_path / "1", spec, (33, 1, 64))
    assert json.loads((array.path / ".zarray").read_text()) == {
        "chunks": [2, 32, 32, 32],
        "compressor": compressor,
        "dimension_separator": "/",
        "dtype": "<u4",
        "fill_value": 0,
        "filters": None,
        "order": "F",
        "shape": [2, 64, 32, 64],
        "zarr_format": 2,
    }
    array.write((32, 0, 32), np.ones((2, 1, 1, 1), np.uint32))
    assert (array.path / "0" / "1" / "0" / "1").is_file()


def test_zarr2_with_dot_separator_and_other_codec(tmp_path):
    data = random_data((2, 20, 30, 40), "int16")
    ts.open(
        {
            "driver": "zarr",
            "kvstore": {"driver": "file", "path": str(tmp_path / "1")},
            "metadata": {
                "shape": [2, 20, 30, 40],
                "chunks": [2, 8, 16, 16],
                "dtype": "<i2",
                "compressor": {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1},
                "order": "C",
                "dimension_separator": ".",
            },
        },
        create=True,
    ).result().write(data).result()
    array = open_array(tmp_path / "1", "zarr")
    assert array.spec == ArraySpec(DataFormat.ZARR, "int16", 2, (8, 16, 16), (8, 16, 16), "blosc")
    box = BoundingBox((1, 2, 3), (19, 28, 37))
    np.testing.assert_array_equal(array.read(box), data[(slice(None), *box.to_slices())])
    assert BoundingBox((8, 16, 32), (8, 16, 16)) in array.list_written_shards()
    assert len(array.list_written_shards()) == 3 * 2 * 3


def test_zarr3_foreign_axis_order_and_rank(tmp_path):
    data = random_data((30, 20, 10), "uint16")  # stored as z, y, x without channel axis
    ts.open(
        {
            "driver": "zarr3",
            "kvstore": {"driver": "file", "path": str(tmp_path / "1")},
            "metadata": {
                "shape": [30, 20, 10],
                "data_type": "uint16",
                "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [8, 8, 8]}},
                "chunk_key_encoding": {"name": "v2", "configuration": {"separator": "."}},
                "dimension_names": ["z", "y", "x"],
                "codecs": [{"name": "bytes"}, {"name": "gzip", "configuration": {"level": 1}}],
            },
        },
        create=True,
    ).result().write(data).result()
    array = open_array(tmp_path / "1", "zarr3")
    assert array.spec == ArraySpec(
        DataFormat.ZARR3, "uint16", 1, (8, 8, 8), (8, 8, 8), "gzip", axes=("z", "y", "x")
    )
    assert array.shape == Vec3Int(10, 20, 30)
    xyz = data.transpose(2, 1, 0)[None]
    np.testing.assert_array_equal(array.read(BoundingBox((0, 0, 0), (10, 20, 30))), xyz)
    array.write((1, 2, 3), np.full((1, 2, 2, 2), 7, np.uint16))
    assert (
        ts.open({"driver": "zarr3", "kvstore": {"driver": "file", "path": str(tmp_path / "1")}})
        .result()[3:5, 2:4, 1:3]
        .read()
        .result()
        == 7
    ).all()
    assert BoundingBox((8, 16, 24), (8, 8, 8)) in array.list_written_shards()


def test_killed_writer_leaves_old_or_new_shard(tmp_path):
    """tensorstore replaces shard files by rename: verify it under SIGKILL."""
    spec = ArraySpec(DataFormat.ZARR3, "uint8", 1, (32,) * 3, (256,) * 3, "zstd")
    assert_kill_leaves_whole_shard(create_array(tmp_path / "1", spec, (256, 256, 256)))


def test_group_is_not_an_array(tmp_path):
    (tmp_path / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group"}')
    with pytest.raises(FileNotFoundError, match="group, not an array"):
        open_array(tmp_path, "zarr3")


def test_resize_by_another_process_is_seen(tmp_path):
    spec = ArraySpec(DataFormat.ZARR3, "uint8", 1, (16,) * 3, (32,) * 3, "zstd")
    array = create_array(tmp_path / "1", spec, (32, 32, 32))
    array.write((0, 0, 0), random_data((1, 32, 32, 32)))
    script = textwrap.dedent(
        f"""
        from wkdist.storage import open_array
        open_array({str(array.path)!r}, "zarr3").resize((32, 32, 96))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    assert array.shape == Vec3Int(32, 32, 96)
    data = random_data((1, 32, 32, 32), seed=5)
    array.write((0, 0, 64), data)  # the cached handle must not refuse this
    np.testing.assert_array_equal(array.read(BoundingBox((0, 0, 64), (32, 32, 32))), data)


def test_stray_lock_files_are_not_shards(tmp_path):
    spec = ArraySpec(DataFormat.ZARR3, "uint8", 1, (16,) * 3, (32,) * 3, "zstd")
    array = create_array(tmp_path / "1", spec, (64, 64, 64))
    array.write((32, 0, 0), random_data((1, 32, 32, 32)))
    (array.path / "c" / "0" / "0" / "1" / "0.__lock").parent.mkdir(parents=True)
    (array.path / "c" / "0" / "0" / "1" / "0.__lock").write_bytes(b"")
    assert array.list_written_shards() == [BoundingBox((32, 0, 0), (32, 32, 32))]


@pytest.mark.parametrize("data_format", [DataFormat.ZARR3, DataFormat.ZARR])
def test_array_with_time_axis(tmp_path, data_format):
    """Arrays with an axis beyond c, x, y, z: named in the metadata (Zarr v3) or in
    .zattrs (Zarr v2), read and written in the stored order, grown along t."""
    axes = ("c", "t", "z", "y", "x")
    shard = (8, 8, 8) if data_format == DataFormat.ZARR else (16, 16, 16)
    spec = ArraySpec(data_format, "uint16", 1, (8, 8, 8), shard, "zstd", axes=axes)
    array = create_array(tmp_path / "1", spec, (20, 12, 10), {"t": 3})
    assert open_array(tmp_path / "1", data_format).spec == spec
    assert array.nd_shape[:2] == (1, 3)
    data = random_data((1, 2, 10, 12, 20), "uint16")
    box = NDBoundingBox((0, 1, 0, 0, 0), data.shape, axes)
    array.write_nd(box, data)
    np.testing.assert_array_equal(open_array(tmp_path / "1", data_format).read_nd(box), data)
    beyond = NDBoundingBox((0, 0, 0, 0, 0), (1, 5, 10, 12, 20), axes)
    assert not array.read_nd(beyond)[:, [0, 3, 4]].any()  # outside the shape: zeros
    with pytest.raises(InvalidArgumentError, match="beyond"):
        array.write_nd(beyond, np.zeros(beyond.size.to_tuple(), np.uint16))
    array.resize((20, 12, 10), {"t": 5})
    assert open_array(tmp_path / "1", data_format).nd_shape[1] == 5
    with pytest.raises(InvalidArgumentError, match="read_nd"):
        array.read(BoundingBox((0, 0, 0), (1, 1, 1)))  # (c, x, y, z) reads are refused
    kvstore = {"driver": "file", "path": str(tmp_path / "1")}
    stored = ts.open({"driver": data_format.value, "kvstore": kvstore}).result()
    np.testing.assert_array_equal(stored[:, 1:3, :10, :12, :20].read().result(), data)
