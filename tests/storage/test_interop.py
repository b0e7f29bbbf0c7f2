"""Arrays written by wkdist open unchanged in zarr-python, tensorstore and webknossos 4.3.3,
and wkdist reads what they write."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import numpy as np
import pytest
import tensorstore as ts
import webknossos as wk
import zarr

from tests.storage.storage_contract import random_data
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.storage import ArraySpec, create_array, open_array

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

SIZE = Vec3Int(96, 64, 40)
# (format, compression, chunk edge, shard edge, dtype, channels)
LAYOUTS = [
    ("zarr3", "zstd", 16, 32, "uint8", 3),
    ("zarr3", None, 32, 32, "uint16", 1),
    ("zarr", "zstd", 16, 16, "uint8", 1),
    ("zarr", None, 32, 32, "uint32", 2),
    ("wkw", "lz4", 16, 32, "uint8", 3),
    ("wkw", "lz4hc", 16, 32, "uint16", 1),
    ("wkw", None, 32, 64, "uint8", 1),
]
ZARR_LAYOUTS = [layout for layout in LAYOUTS if layout[0] != "wkw"]


def _ids(layout: tuple[object, ...]) -> str:
    return "-".join(str(part) for part in layout)


def _wkdist_array(path: Path, layout: tuple) -> tuple[object, np.ndarray]:
    fmt, compression, chunk, shard, dtype, channels = layout
    spec = ArraySpec(fmt, dtype, channels, (chunk,) * 3, (shard,) * 3, compression)
    array = create_array(path, spec, SIZE)
    data = random_data((channels, *SIZE), dtype)
    array.write((0, 0, 0), data)
    return array, data


@pytest.mark.parametrize("layout", ZARR_LAYOUTS, ids=_ids)
def test_zarr_python_and_tensorstore_read_ours(tmp_path, layout):
    array, data = _wkdist_array(tmp_path / "1", layout)
    region = (slice(None), slice(0, SIZE.x), slice(0, SIZE.y), slice(0, SIZE.z))
    handle = zarr.open_array(str(array.path), mode="r")
    np.testing.assert_array_equal(handle[region], data)
    driver = "zarr3" if layout[0] == "zarr3" else "zarr"
    store = ts.open(
        {"driver": driver, "kvstore": {"driver": "file", "path": str(array.path)}},
        context=ts.Context(),
    ).result()
    np.testing.assert_array_equal(store[region].read().result(), data)


@pytest.mark.parametrize("layout", ZARR_LAYOUTS, ids=_ids)
def test_we_read_zarr_python_writes(tmp_path, layout):
    array, _ = _wkdist_array(tmp_path / "1", layout)
    handle = zarr.open_array(str(array.path), mode="r+")
    data = random_data((layout[5], 50, 30, 20), layout[4], seed=9)
    handle[:, 10:60, 20:50, 5:25] = data
    np.testing.assert_array_equal(
        open_array(array.path, layout[0]).read(BoundingBox((10, 20, 5), (50, 30, 20))), data
    )


def _wk_mag(root: Path, layout: tuple) -> wk.MagView:
    fmt, compression, chunk, shard, dtype, channels = layout
    dataset = wk.Dataset(root, voxel_size=(11, 11, 24))
    layer = dataset.add_layer(
        "color",
        "color",
        dtype_per_channel=dtype,
        num_channels=channels,
        data_format=fmt,
        bounding_box=wk.BoundingBox((0, 0, 0), SIZE),
    )
    return layer.add_mag(1, chunk_shape=chunk, shard_shape=shard, compress=compression is not None)


def _wk_read(root: Path) -> np.ndarray:
    mag = wk.Dataset.open(root).get_layer("color").get_mag(1)
    data = mag.read(absolute_offset=(0, 0, 0), size=SIZE)
    return data if data.ndim == 4 else data[None]


@pytest.mark.parametrize("layout", LAYOUTS, ids=_ids)
def test_webknossos_reads_ours(tmp_path, layout):
    mag = _wk_mag(tmp_path / "ds", layout)
    path = mag.path
    shutil.rmtree(path)
    _, data = _wkdist_array(path, layout)
    np.testing.assert_array_equal(_wk_read(tmp_path / "ds"), data)


@pytest.mark.parametrize("layout", LAYOUTS, ids=_ids)
def test_we_read_webknossos_writes(tmp_path, layout):
    fmt, compression, chunk, shard, dtype, channels = layout
    mag = _wk_mag(tmp_path / "ds", layout)
    data = random_data((channels, *SIZE), dtype, seed=4)
    mag.write(data, absolute_offset=(0, 0, 0))
    array = open_array(mag.path, fmt)
    expected_compression = "lz4hc" if fmt == "wkw" and compression else compression
    assert array.spec == ArraySpec(
        fmt, dtype, channels, (chunk,) * 3, (shard,) * 3, expected_compression
    )
    np.testing.assert_array_equal(array.read(BoundingBox((0, 0, 0), SIZE)), data)
    # and webknossos still reads it after wkdist patched part of it
    patch = random_data((channels, 20, 10, 7), dtype, seed=5)
    array.write((30, 11, 2), patch)
    data[:, 30:50, 11:21, 2:9] = patch
    np.testing.assert_array_equal(_wk_read(tmp_path / "ds"), data)


@pytest.mark.parametrize("layout", ZARR_LAYOUTS, ids=_ids)
def test_metadata_equals_webknossos(tmp_path, layout):
    """Array metadata byte-for-byte as webknossos writes it (after JSON parsing)."""
    import json

    fmt = layout[0]
    mag = _wk_mag(tmp_path / "ds", layout)
    name = "zarr.json" if fmt == "zarr3" else ".zarray"
    theirs = json.loads((mag.path / name).read_text())
    ours_array, _ = _wkdist_array(tmp_path / "ours", layout)
    ours = json.loads((ours_array.path / name).read_text())
    assert ours == theirs
