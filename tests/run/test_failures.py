"""A task that raises (a truncated source file) ends the job with JobIncompleteError
naming the shard, with the worker's traceback, on every runner and in the CLI."""

from __future__ import annotations

import os
import subprocess

import dask
import pytest
from distributed import Client

import wkdist as wk
from tests.run.run_support import (
    assert_no_jobs_left,
    cli,
    make_wkw_source,
    slurm,
    slurm_batch_settings,
)

#: The target shards of the copy (Zarr v3, 64³ shards) of the 128 × 64 × 64 source.
GOOD_SHARD = wk.BoundingBox((0, 0, 0), (64, 64, 64))
BAD_SHARD = wk.BoundingBox((64, 0, 0), (64, 64, 64))
SHARD_TEXT = "shard (64, 0, 0)+(64, 64, 64) (voxels of mag 1)"


@pytest.fixture(scope="module")
def corrupt_source(tmp_path_factory):
    """Two WKW files (LZ4); the second one, x = 64..128, cut in half."""
    ds, _ = make_wkw_source(tmp_path_factory.mktemp("corrupt") / "src", (128, 64, 64), compress=True)
    wkw_file = ds.path / "color" / "1" / "z0" / "y0" / "x1.wkw"
    os.truncate(wkw_file, wkw_file.stat().st_size // 2)
    return ds


COPY = {"data_format": "zarr3", "chunk_shape": 32, "shard_shape": 64}


def assert_names_the_bad_shard(message: str) -> None:
    assert SHARD_TEXT in message
    assert "x1.wkw" in message and "WKWException" in message
    assert "--- traceback on the worker ---" in message
    assert "Traceback (most recent call last)" in message and "run_shard_batch" in message
    assert "Unfinished shards:" in message


def assert_incomplete(error: wk.JobIncompleteError, target, *, all_tasks_ran: bool) -> None:
    assert_names_the_bad_shard(str(error))
    mag_path = target / "color" / "1"
    assert (mag_path, BAD_SHARD) in error.unfinished
    if all_tasks_ran:  # the good shard was written and is not listed
        assert error.unfinished == [(mag_path, BAD_SHARD)]


def test_threads(corrupt_source, tmp_path):
    target = tmp_path / "dst"
    with dask.config.set(scheduler="threads"), pytest.raises(wk.JobIncompleteError) as error:
        corrupt_source.copy_dataset(target, **COPY)
    assert_incomplete(error.value, target, all_tasks_ran=False)


def test_distributed_local_cluster(corrupt_source, tmp_path, local_cluster):
    target = tmp_path / "dst"
    with Client(local_cluster), pytest.raises(wk.JobIncompleteError) as error:
        corrupt_source.copy_dataset(target, **COPY)
    assert_incomplete(error.value, target, all_tasks_ran=True)


def test_cli_local_profile(corrupt_source, tmp_path):
    result = subprocess.run(
        cli("copy", corrupt_source.path, tmp_path / "dst", "--data-format", "zarr3",
            "--shard-shape", "64", "--cluster", "local", "--jobs", "2"),
        capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "wkdist: error: 1 shard(s) were not confirmed written" in result.stderr
    assert_names_the_bad_shard(result.stderr)


@slurm
def test_slurm_batch(corrupt_source, tmp_path, job_name):
    target = tmp_path / "dst"
    config = slurm_batch_settings(job_name, tmp_path / "cfut")
    with pytest.raises(wk.JobIncompleteError) as error:
        with wk.cluster("slurm-batch", config=config) as executor:
            corrupt_source.copy_dataset(target, executor=executor, **COPY)
    assert_incomplete(error.value, target, all_tasks_ran=True)
    assert_no_jobs_left(job_name)
