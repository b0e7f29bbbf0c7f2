"""The journal on real arrays: durable records, the cheap check, status, verify."""

from __future__ import annotations

import os

import numpy as np
import pytest

import wkdist as wk
from wkdist.errors import UnfinishedJobWarning
from wkdist.journal import (
    TEMP_PREFIX,
    ArrayPlan,
    Journal,
    LocalFiles,
    job_status,
    journals,
    new_header,
    unfinished_jobs,
    verify_files,
)
from wkdist.storage import open_array


@pytest.fixture
def written(tmp_path, data_format):
    """A mag of 2×2×2 shards, each written by its own task and recorded."""
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", data_format=data_format,
                         bounding_box=wk.BoundingBox((0, 0, 0), (64, 64, 64)))
    mag = layer.add_mag(1, chunk_shape=32, shard_shape=32)
    data = np.random.default_rng(1).integers(1, 255, (64, 64, 64), dtype=np.uint8)
    data[32:, 32:, 32:] = 0  # a shard that WKW and Zarr do not store
    mag.write(data, absolute_offset=(0, 0, 0))
    header = new_header(kind="test", source=None, target=str(ds.path), parameters={"a": 1},
                        argv=("test", str(ds.path)))
    journal = Journal.start(ds.path, header)
    journal.record_array(ArrayPlan("color/1", "color/1", 8))
    array = open_array(mag.path, data_format)
    for box in wk.BoundingBox((0, 0, 0), (64, 64, 64)).chunk((32, 32, 32)):
        journal.task_journal("color/1").record(array, [box])
    return ds, journal, array


def test_records_round_trip(written):
    ds, journal, array = written
    again = Journal(ds.path, journal.name)
    assert again.header == journal.header
    shards = again.recorded_shards()["color/1"]
    assert len(shards) == 8 and sum(s.absent for s in shards.values()) == 1
    assert again.done_shards(journal.arrays[0]) == set(shards)
    assert [j.name for j in unfinished_jobs(ds.path)] == [journal.name]
    status = job_status(again)
    assert (status.done, status.total, status.finalized) == (8, 8, False)
    assert "UNFINISHED" in status.describe() and "wkdist resume" in status.describe()
    journal.finalize()
    assert unfinished_jobs(ds.path) == [] and len(journals(ds.path)) == 1
    assert verify_files(ds.path) == (8, [])


def test_a_second_start_is_refused(written):
    ds, journal, _ = written
    with pytest.raises(FileExistsError):
        Journal.start(ds.path, journal.header)


def test_temporaries_are_invisible_and_removed(written):
    ds, journal, array = written
    (journal.dir / "tasks" / f"{TEMP_PREFIX}abc").write_bytes(b'{"trunc')  # a killed put
    assert len(journal.tasks()) == 8
    (array.path / f"{TEMP_PREFIX}123").mkdir()
    assert journal.remove_temporaries() == 2  # the mag's and the journal's own
    assert not (array.path / f"{TEMP_PREFIX}123").exists()
    assert not (journal.dir / "tasks" / f"{TEMP_PREFIX}abc").exists()


def test_cheap_check_sees_rewritten_shards(written):
    ds, journal, array = written
    path = array.shard_file((1, 0, 0))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert (1, 0, 0) not in journal.done_shards(journal.arrays[0])


def test_verify_finds_damage(written):
    ds, journal, array = written
    journal.finalize()
    truncated, flipped, deleted = (array.shard_file(i) for i in [(0, 0, 0), (1, 0, 0), (0, 1, 0)])
    truncated.write_bytes(truncated.read_bytes()[:-10])
    content = bytearray(flipped.read_bytes())
    content[len(content) // 2] ^= 0x01
    flipped.write_bytes(bytes(content))
    deleted.unlink()
    (array.path / "stray.bin").write_bytes(b"x")
    checked, bad = verify_files(ds.path)
    problems = {b.file.split("/")[-1] if b.file == "stray.bin" else b.file: b.problem for b in bad}
    rel = lambda p: p.relative_to(array.path).as_posix()  # noqa: E731
    assert checked == 8
    assert problems == {
        rel(truncated): "truncated",
        rel(flipped): "checksum mismatch",
        rel(deleted): "missing",
        "stray.bin": "not in the journal",
    }


def test_local_files_create_is_exclusive(tmp_path):
    files = LocalFiles(tmp_path / "j")
    assert files.create("a.json", b"1") and not files.create("a.json", b"2")
    files.put("a.json", b"3")
    assert files.get("a.json") == b"3"
    assert os.listdir(tmp_path / "j") == ["a.json"]


def run_cli(*args):
    import subprocess
    import sys
    from pathlib import Path

    wkdist_bin = str(Path(sys.executable).with_name("wkdist"))
    return subprocess.run([wkdist_bin, *map(str, args)], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("data_format", ["zarr3"])
def test_cli_status_verify_info_discard(written):
    ds, journal, array = written
    with pytest.warns(UnfinishedJobWarning, match="unfinished job"):
        wk.Dataset.open(ds.path)
    status = run_cli("status", ds.path)
    assert status.returncode == 0 and "8/8 done" in status.stdout and "UNFINISHED" in status.stdout
    info = run_cli("info", ds.path)
    assert info.returncode == 0 and f"UNFINISHED job {journal.name}" in info.stdout
    assert run_cli("verify", ds.path).returncode == 0
    array.shard_file((0, 0, 0)).write_bytes(b"rot")
    verify = run_cli("verify", ds.path)
    assert verify.returncode == 1 and "truncated" in verify.stdout, verify
    discard = run_cli("discard", ds.path)
    assert discard.returncode == 0, discard.stderr
    assert not journal.dir.exists()
    assert run_cli("verify", ds.path).returncode == 2
