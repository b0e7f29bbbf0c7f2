"""Patched compressed WKW shards: byte-identical to plain ``wkw``, cost set by the data."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest
import wkw

from tests.storage.storage_contract import split
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.storage import ArraySpec, DataFormat, create_array, wkw_files, wkw_runs

EDGE = 64  # shard edge in voxels: 8 blocks of 8
SHARD = Vec3Int(1, 0, 1)
ORIGIN = SHARD * EDGE

BOXES = {
    "corner": BoundingBox((0, 0, 0), (5, 7, 9)),
    "far-corner": BoundingBox((50, 60, 33), (14, 4, 31)),
    "middle": BoundingBox((20, 13, 30), (17, 30, 3)),
    "one-leaf": BoundingBox((16, 32, 48), (16, 16, 16)),
    "layer-border": BoundingBox((0, 0, 40), (64, 64, 24)),
    "almost-all": BoundingBox((0, 0, 0), (64, 64, 63)),
}


@pytest.fixture(autouse=True)
def _small_leaves(monkeypatch):
    # Three levels of octants inside a 64³ shard, so every path of the recursion runs.
    monkeypatch.setattr(wkw_files, "PATCH_LEAF_EDGE", 16)


def _sparse(rng, dtype, channels, size):
    data = np.zeros((channels, *size), dtype=dtype)
    mask = rng.random(size) < 0.2
    data[:, mask] = rng.integers(1, 200, size=(channels, int(mask.sum())), dtype=dtype)
    return data


def _array(path, dtype, channels, compression):
    spec = ArraySpec(DataFormat.WKW, dtype, channels, (8, 8, 8), (EDGE,) * 3, compression)
    return create_array(path, spec, (1, 1, 1))


def _reference_bytes(tmp_path, header, full):
    """The shard file plain ``wkw`` writes from the whole padded shard ``full``."""
    directory = tmp_path / "reference"
    shutil.rmtree(directory, ignore_errors=True)
    with wkw.Dataset.create(str(directory), header) as dataset:
        dataset.write(tuple(ORIGIN), np.asfortranarray(full))
    return wkw_runs.shard_path(directory, SHARD).read_bytes()


@pytest.mark.parametrize("box_name", list(BOXES))
@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize(
    ("dtype", "channels", "compression"),
    [("uint8", 1, "lz4"), ("uint32", 1, "lz4hc"), ("uint8", 3, "lz4hc"), ("uint32", 2, "lz4")],
)
def test_patch_matches_plain_wkw(tmp_path, box_name, existing, dtype, channels, compression):
    rng = np.random.default_rng(7)
    array = _array(tmp_path / "1", dtype, channels, compression)
    full = np.zeros((channels, EDGE, EDGE, EDGE), dtype=dtype)
    if existing:
        full = _sparse(rng, dtype, channels, (EDGE,) * 3)
        full[:, 8:24, 40:56, 0:8] = 0  # an all-zero octant in the old file
        array.write(ORIGIN, full)
    box = BOXES[box_name]
    data = _sparse(rng, dtype, channels, tuple(box.size))
    array.write(ORIGIN + box.topleft, data)
    full[(slice(None), *box.to_slices())] = data

    written = wkw_runs.shard_path(array.path, SHARD).read_bytes()
    assert written == _reference_bytes(tmp_path, array._dataset.header, full)
    np.testing.assert_array_equal(array.read(BoundingBox(ORIGIN, (EDGE,) * 3)), full)


def test_patch_over_file_of_other_layout_reencodes(tmp_path):
    """An old file that is not laid out as a new one would be is decoded, not copied."""
    rng = np.random.default_rng(3)
    old = _sparse(rng, "uint8", 1, (EDGE,) * 3)
    lz4 = _array(tmp_path / "lz4", "uint8", 1, "lz4")
    lz4.write(ORIGIN, old)
    array = _array(tmp_path / "lz4hc", "uint8", 1, "lz4hc")
    target = wkw_runs.shard_path(array.path, SHARD)
    target.parent.mkdir(parents=True)
    shutil.copyfile(wkw_runs.shard_path(lz4.path, SHARD), target)

    box = BOXES["middle"]
    data = _sparse(rng, "uint8", 1, tuple(box.size))
    array.write(ORIGIN + box.topleft, data)
    old[(slice(None), *box.to_slices())] = data
    assert target.read_bytes() == _reference_bytes(tmp_path, array._dataset.header, old)


def test_zeroing_the_only_data_deletes_the_file(tmp_path):
    array = _array(tmp_path / "1", "uint8", 1, "lz4")
    box = BOXES["middle"]
    data = np.full((1, *box.size), 9, dtype="uint8")
    array.write(ORIGIN + box.topleft, data)
    target = wkw_runs.shard_path(array.path, SHARD)
    assert target.is_file()
    array.write(ORIGIN + box.topleft, np.zeros_like(data))
    assert not target.exists()
    assert list(array.path.glob("**/.*")) == []  # no temporary files left behind


_MEMORY_PROBE = """
import sys, tracemalloc
from pathlib import Path
import numpy as np
from wkdist.storage import ArraySpec, DataFormat, create_array
spec = ArraySpec(DataFormat.WKW, "uint32", 1, (32, 32, 32), (1024, 1024, 1024), "lz4")
array = create_array(Path(sys.argv[1]), spec, (1, 1, 1))
data = np.arange(64**3, dtype="uint32").reshape(1, 64, 64, 64)
tracemalloc.start()
array.write((64, 0, 0), data)
array.write((0, 512, 64), data)
print(tracemalloc.get_traced_memory()[1])
"""


def test_small_write_does_not_allocate_the_shard(tmp_path):
    """A 64³ write into a 1024³ uint32 shard (4 GiB decoded) stays far below it."""
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(tmp_path / "1")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(result.stdout) < 100 << 20


def test_whole_shard_joined_from_octants_matches_plain_wkw(tmp_path, monkeypatch):
    monkeypatch.setattr(wkw_files, "MIN_OCTANT_SPLIT_BYTES", 0)
    monkeypatch.setattr(wkw_files, "worker_count", lambda: 2)
    full = _sparse(np.random.default_rng(5), "uint32", 2, (EDGE,) * 3)
    array = _array(tmp_path / "1", "uint32", 2, "lz4hc")
    array.write(ORIGIN, full)
    written = wkw_runs.shard_path(array.path, SHARD).read_bytes()
    assert written == _reference_bytes(tmp_path, array._dataset.header, full)


@pytest.mark.parametrize("box_name", ["far-corner", "middle", "almost-all"])
@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
def test_patch_from_mosaic_matches_plain_wkw(tmp_path, box_name, existing):
    """Leaves copied straight from the blocks of a mosaic: the same bytes."""
    rng = np.random.default_rng(11)
    array = _array(tmp_path / "1", "uint16", 2, "lz4hc")
    full = _sparse(rng, "uint16", 2, (EDGE,) * 3) if existing else np.zeros((2, EDGE, EDGE, EDGE), "uint16")
    if existing:
        array.write(ORIGIN, full)
    box = BOXES[box_name]
    data = _sparse(rng, "uint16", 2, tuple(box.size))
    cuts = tuple(tuple(range(7, n, 13)) for n in box.size)  # borders off the leaf grid
    array.write(ORIGIN + box.topleft, split(data, ((1,), *cuts)))
    full[(slice(None), *box.to_slices())] = data
    written = wkw_runs.shard_path(array.path, SHARD).read_bytes()
    assert written == _reference_bytes(tmp_path, array._dataset.header, full)


def test_octants_from_mosaic_match_plain_wkw(tmp_path, monkeypatch):
    monkeypatch.setattr(wkw_files, "MIN_OCTANT_SPLIT_BYTES", 0)
    monkeypatch.setattr(wkw_files, "worker_count", lambda: 2)
    full = _sparse(np.random.default_rng(5), "uint32", 2, (EDGE,) * 3)
    array = _array(tmp_path / "1", "uint32", 2, "lz4hc")
    # octant-sized blocks (views, no copy), and blocks across octant borders
    for cuts in (((), (32,), (32,), (32,)), ((1,), (20, 40), (32,), (50,))):
        array.write(ORIGIN, split(full, cuts))
        written = wkw_runs.shard_path(array.path, SHARD).read_bytes()
        assert written == _reference_bytes(tmp_path, array._dataset.header, full)


_MOSAIC_MEMORY_PROBE = """
import sys
from pathlib import Path
import numpy as np
from wkdist.storage import ArraySpec, DataFormat, create_array
from wkdist.storage.mosaic import BlockMosaic

def kib(field):  # of /proc/self/status
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))

spec = ArraySpec(DataFormat.WKW, "uint32", 1, (32, 32, 32), (1024, 1024, 1024), "lz4")
array = create_array(Path(sys.argv[1]), spec, (1, 1, 1))
edge = 128
mosaic = BlockMosaic({
    (0, x, y, z): np.full((1, edge, edge, edge), 1 + x + 4 * y + 8 * z, "uint32", order="F")
    for x in range(4) for y in range(2) for z in range(2)
})
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")  # restart the peak (VmHWM) from the current resident size
before = kib("VmRSS")
array.write((0, 0, 0), mosaic if sys.argv[2] == "mosaic" else np.asarray(mosaic))
print((kib("VmHWM") - before) * 1024)
"""


def test_mosaic_write_does_not_assemble_the_box(tmp_path):
    """Writing 16 blocks (128 MiB in all) into part of a shard stays far below
    another copy of the whole box (peak resident memory of a fresh process),
    which assembling them first takes."""

    def peak_growth(mode):
        result = subprocess.run(
            [sys.executable, "-c", _MOSAIC_MEMORY_PROBE, str(tmp_path / mode), mode],
            capture_output=True,
            text=True,
            check=True,
        )
        return int(result.stdout)

    assert peak_growth("mosaic") < 48 << 20
    assert peak_growth("assembled") > 96 << 20
