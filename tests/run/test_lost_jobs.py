"""Work lost mid-run: SLURM jobs cancelled under a running copy, and Ctrl-C.

Each job runs in a daemon thread (or a subprocess) with a time limit, so a hang
fails the test instead of blocking the suite. The source is 256³ voxels copied
to 32³ shards: 512 shards, seconds of work, so there is time to interrupt it.
"""

from __future__ import annotations

import signal
import subprocess
import time

import numpy as np
import pytest

import wkdist as wk
from tests.run.run_support import (
    Background,
    assert_no_jobs_left,
    assert_processes_end,
    cli,
    descendants,
    environment,
    jobqueue_settings,
    needs_sbatch,
    processes_of_job,
    slurm,
    slurm_batch_settings,
    slurm_jobs,
    wait_for,
    written_shard_files,
)

COPY = {"data_format": "zarr3", "chunk_shape": 32, "shard_shape": 32}
#: Longest a job may take to end once its SLURM jobs are gone (no-workers-timeout
#: and cluster-tools' polling included).
ENDS_WITHIN = 60.0


def all_shards(target):
    """Every target shard of the copy, as JobIncompleteError.unfinished lists them."""
    mag_path = target / "color" / "1"
    return {(mag_path, box) for box in wk.BoundingBox((0, 0, 0), (256, 256, 256)).chunk((32, 32, 32))}


def assert_lists_unfinished(error: wk.JobIncompleteError, target) -> None:
    assert error.unfinished, "no unfinished shards listed"
    assert set(error.unfinished) <= all_shards(target)
    assert "Unfinished shards:" in str(error)


def kill_once_working(job: Background, job_name: str, target) -> float:
    """Wait until a job called ``job_name`` runs and a shard is written, scancel
    the jobs called ``job_name``, return when."""
    mag_path = target / "color" / "1"
    wait_for(
        lambda: not job.running()
        or (bool(slurm_jobs(job_name, "RUNNING")) and written_shard_files(mag_path) > 0),
        180,
        f"SLURM job {job_name} to work",
    )
    assert job.running(), "the copy ended before its jobs could be cancelled"
    ids = {job_id.split("_")[0] for job_id in slurm_jobs(job_name)}
    subprocess.run(["scancel", *ids], check=True)
    return time.monotonic()


@slurm
def test_slurm_batch_cancelled_array_job(big_source, tmp_path, job_name):
    target = tmp_path / "dst"
    # 32 array tasks of 16 shards each
    config = {**slurm_batch_settings(job_name, tmp_path / "cfut"), "wkdist.write.max-tasks": 32}

    def copy():
        with wk.cluster("slurm-batch", config=config) as executor:
            big_source[0].copy_dataset(target, executor=executor, **COPY)

    job = Background(copy)
    cancelled = kill_once_working(job, job_name, target)
    with pytest.raises(wk.JobIncompleteError) as error:
        job.result(timeout=120)
    assert time.monotonic() - cancelled < ENDS_WITHIN
    assert_lists_unfinished(error.value, target)
    assert_no_jobs_left(job_name)


def copy_on_jobqueue(source, target, config):
    def copy():
        with wk.cluster("slurm-jobqueue", config=config):
            source.copy_dataset(target, **COPY)

    return Background(copy)


@slurm
def test_slurm_jobqueue_lost_worker_fails_the_job(big_source, tmp_path, job_name):
    target = tmp_path / "dst"
    config = {
        **jobqueue_settings(job_name, tmp_path / "logs"),
        "wkdist.cluster.adapt": None,
        "wkdist.cluster.scale.jobs": 1,
        "wkdist.cluster.lost-workers-timeout": "10s",
    }
    job = copy_on_jobqueue(big_source[0], target, config)
    cancelled = kill_once_working(job, job_name, target)
    with pytest.raises(wk.JobIncompleteError) as error:
        job.result(timeout=120)
    assert time.monotonic() - cancelled < ENDS_WITHIN
    assert "NoWorkerError" in str(error.value) or "KilledWorker" in str(error.value)
    assert_lists_unfinished(error.value, target)
    assert_no_jobs_left(job_name)


@slurm
def test_slurm_jobqueue_adapt_replaces_a_lost_worker(big_source, tmp_path, job_name):
    target = tmp_path / "dst"
    config = {
        **jobqueue_settings(job_name, tmp_path / "logs"),
        "wkdist.cluster.adapt.maximum-jobs": 1,
        "wkdist.cluster.lost-workers-timeout": "120s",  # the replacement must start in time
    }
    job = copy_on_jobqueue(big_source[0], target, config)
    kill_once_working(job, job_name, target)
    job.result(timeout=180)
    assert_no_jobs_left(job_name)
    copied = wk.Dataset.open(target).get_layer("color").get_mag(1).read()
    np.testing.assert_array_equal(copied, big_source[1])


@pytest.mark.parametrize(
    "profile", ["local", pytest.param("slurm-jobqueue", marks=[pytest.mark.slurm, needs_sbatch])]
)
def test_ctrl_c(big_source, tmp_path, job_name, profile):
    target = tmp_path / "dst"
    stderr_path = tmp_path / "stderr.txt"
    env = environment(
        DASK_JOBQUEUE__SLURM__CORES=1,
        DASK_JOBQUEUE__SLURM__MEMORY="2GB",
        DASK_JOBQUEUE__SLURM__NAME=job_name,
        DASK_JOBQUEUE__SLURM__LOG_DIRECTORY=tmp_path / "logs",
        DASK_WKDIST__CLUSTER__ADAPT__MAXIMUM_JOBS=1,
    )
    command = cli("copy", big_source[0].path, target, "--data-format", "zarr3",
                  "--chunk-shape", "32", "--shard-shape", "32", "--cluster", profile, "--jobs", "2")
    children: set[int] = set()
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=stderr)
        try:

            def working() -> bool:
                children.update(descendants(process.pid))
                return process.poll() is not None or written_shard_files(target / "color" / "1") > 0

            wait_for(working, 120, "the first shard")
            assert process.poll() is None, "the copy ended before it could be interrupted"
            workers = children | descendants(process.pid)
            if profile == "slurm-jobqueue":
                workers |= set(processes_of_job(job_name))
            assert workers, "no worker processes found"
            process.send_signal(signal.SIGINT)
            process.wait(timeout=ENDS_WITHIN)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    if profile == "slurm-jobqueue":
        assert_no_jobs_left(job_name)
    assert_processes_end(workers)
    message = stderr_path.read_text()
    assert process.returncode == 130, message[-2000:]
    assert "wkdist: interrupted" in message
