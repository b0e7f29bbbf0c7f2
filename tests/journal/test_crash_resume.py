"""Fault injection on the real command line: kill a job's whole process group
(SIGKILL) while it plans, while it writes and while it finalizes, run the same
command again, and require the result of an uninterrupted run, byte for byte,
with no temporary files left and a complete journal.

Each job is killed at a chain of instants on one target (every run continues
what the runs before it left): shortly after the start, after k task records
(k drawn from a seeded generator, growing), and once every task is recorded
(finalization); then it runs to the end. ``WKDIST_CRASH_INSTANTS=N`` (default
5) gives longer chains.
"""

from __future__ import annotations

import shutil
import signal
import sys

import numpy as np
import pytest

import wkdist as wk
from tests.journal.crash_support import WKDIST, check_like, crash_loop, records, run, run_and_kill

SHAPE = (128, 128, 64)
SHARDS = 32  # 4 × 4 × 2 shards per mag
WRITE_SCRIPT = '''
import sys
import dask.array as da
import wkdist as wk
ds = wk.Dataset.open(sys.argv[1])
layer = ds.get_layer("color")
data = (da.arange(128 * 128 * 64, chunks=128 * 128 * 16).reshape((128, 128, 64)) % 251).astype("uint8")
mag = layer.get_or_add_mag(2, chunk_shape=16, shard_shape=16, compress=True)
mag.write(data[::2, ::2, ::2], absolute_offset=(0, 0, 0))
'''


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    root = tmp_path_factory.mktemp("crash")
    ds = wk.Dataset(root / "src", voxel_size=(11, 11, 24))
    rng = np.random.default_rng(3)
    color = ds.add_layer("color", "color", data_format="wkw",
                         bounding_box=wk.BoundingBox((0, 0, 0), SHAPE))
    color.add_mag(1, chunk_shape=32, shard_shape=SHARDS, compress=False).write(
        rng.integers(0, 255, SHAPE, dtype=np.uint8), absolute_offset=(0, 0, 0))
    seg = ds.add_layer("segmentation", "segmentation", data_format="wkw", dtype_per_channel="uint32",
                       largest_segment_id=9, bounding_box=wk.BoundingBox((0, 0, 0), SHAPE))
    seg.add_mag(1, chunk_shape=32, shard_shape=SHARDS, compress=False).write(
        rng.integers(0, 9, SHAPE, dtype=np.uint32), absolute_offset=(0, 0, 0))
    return ds.path


def test_copy_survives_kills(tmp_path, source):
    crash_loop(
        tmp_path,
        lambda path: path.parent.mkdir() or path,
        lambda target: [WKDIST, "copy", str(source), str(target), "--data-format", "zarr3",
                        "--shard-shape", "32", "--compress"],
        total=2 * 32,
        seed=1,
    )


def test_compress_survives_kills(tmp_path, source):
    def fresh(path):
        shutil.copytree(source, path)
        return path

    crash_loop(tmp_path, fresh, lambda target: [WKDIST, "compress", str(target)], total=2 * 32, seed=2)


def test_downsample_survives_kills(tmp_path, source):
    def fresh(path):
        shutil.copytree(source, path)
        return path

    crash_loop(tmp_path, fresh,
               lambda target: [WKDIST, "downsample", str(target), "--coarsest-mag", "4", "--layer", "color"],
               total=4 + 1, seed=3)


def test_dask_array_write_survives_kills(tmp_path, source):
    script = tmp_path / "write.py"
    script.write_text(WRITE_SCRIPT)

    def fresh(path):
        shutil.copytree(source, path)
        return path

    crash_loop(tmp_path, fresh, lambda target: [sys.executable, str(script), str(target)],
               total=4 * 4 * 2, seed=4)


def test_sigterm_then_resume(tmp_path, source):
    """SIGTERM stops the job cleanly (exit 143); status tells how to resume; resume finishes it."""
    target, reference = tmp_path / "t" / "ds", tmp_path / "reference" / "ds"
    copy = [WKDIST, "copy", str(source), "--data-format", "zarr3", "--shard-shape", "32"]
    code = run_and_kill([*copy, str(target)], lambda: records(target) >= 5, cwd=tmp_path,
                        sig=signal.SIGTERM)
    assert code == 143
    status = run([WKDIST, "status", str(target)], cwd=tmp_path)
    assert "UNFINISHED" in status.stdout and f"wkdist resume {target}" in status.stdout
    other = run([WKDIST, "compress", str(target)], cwd=tmp_path, check=False)
    assert other.returncode == 2
    assert "unfinished job" in other.stderr and "wkdist discard" in other.stderr
    run([WKDIST, "resume", str(target)], cwd=tmp_path)
    run([*copy, str(reference)], cwd=tmp_path)
    check_like(target, reference)
