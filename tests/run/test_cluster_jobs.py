"""The same job through every profile: a copy (WKW → Zarr v3, re-sharded to 32³)
and a downsampling to mag 4 give the voxels and properties of the threaded run,
and the properties file is only written by the submitting process.

Writes of ``datasource-properties.json`` (counted with inotify, from every
process on the machine, SLURM jobs included): the copy creates the dataset, the
layer and the mag (3 writes) and its one finalization writes nothing, because the
copied layer already has the source's box; downsampling adds a mag per step (2
writes) and its finalizations keep the layer box. Workers never write it, so every
runner counts what the threads count. Where finalizations do grow boxes (two
plans into two empty layers), the file is written once per plan.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import dask
import pytest
from distributed import Client

import wkdist as wk
from tests.run.run_support import (
    assert_no_jobs_left,
    assert_same_outcome,
    finalization_writes,
    jobqueue_settings,
    run_job,
    slurm_jobs,
    wait_for,
    slurm,
    slurm_batch_settings,
)


def test_threads_reference(reference, source):
    # Each job publishes its staged properties once, at its finalization.
    assert (reference.copy_writes, reference.downsample_writes) == (1, 1)
    assert sorted(reference.voxels) == ["1", "2-2-1", "4-4-2"]
    assert (reference.voxels["1"] == source[1]).all()


def test_threads_finalizations(source, tmp_path):
    with dask.config.set(scheduler="threads"):
        assert finalization_writes(source[0], tmp_path / "two") == 2


def test_local_profile(source, reference, tmp_path):
    with wk.cluster("local", config={"wkdist.cluster.local.n-workers": 2}) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        outcome = run_job(source[0], tmp_path / "dst")
        assert finalization_writes(source[0], tmp_path / "two") == 2
    assert_same_outcome(outcome, reference)


@pytest.mark.parametrize("how", ["config", "environment"])
def test_distributed_profile(source, reference, tmp_path, local_cluster, monkeypatch, how):
    address = local_cluster.scheduler_address
    config = {"wkdist.cluster.address": address} if how == "config" else {}
    if how == "environment":
        monkeypatch.setenv("DASK_WKDIST__CLUSTER__ADDRESS", address)
    with wk.cluster("distributed", config=config) as client:
        assert client.scheduler.address == address
        outcome = run_job(source[0], tmp_path / "dst")
        assert finalization_writes(source[0], tmp_path / "two") == 2
    assert_same_outcome(outcome, reference)
    with Client(address) as other:  # the scheduler is not ours: it still runs
        assert len(other.scheduler_info()["workers"]) == 2


@slurm
def test_slurm_jobqueue_profile(source, reference, tmp_path, job_name):
    config = {
        **jobqueue_settings(job_name, tmp_path / "logs"),
        "wkdist.cluster.adapt.maximum-jobs": 2,
    }
    with wk.cluster("slurm-jobqueue", config=config):
        outcome = run_job(source[0], tmp_path / "dst")
        assert finalization_writes(source[0], tmp_path / "two") == 2
    assert_no_jobs_left(job_name)
    assert_same_outcome(outcome, reference)


@slurm
def test_slurm_batch_profile(source, reference, tmp_path, job_name):
    with wk.cluster("slurm-batch", config=slurm_batch_settings(job_name, tmp_path / "cfut")) as executor:
        outcome = run_job(source[0], tmp_path / "dst", executor=executor)
        assert finalization_writes(source[0], tmp_path / "two", executor=executor) == 2
    assert_no_jobs_left(job_name)
    assert_same_outcome(outcome, reference)


#: A slurm-jobqueue cluster without worker jobs: its scheduler only, no SLURM needed
#: (run in a temporary folder: the profile makes its log folder there).
NO_JOBS = """
import signal, threading, wkdist
config = {"wkdist.cluster.adapt": None, "wkdist.cluster.scale.jobs": 0,
          "jobqueue.slurm.scheduler-options": {"dashboard_address": ":0"}}
"""


def run_python(code: str, cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", NO_JOBS + code], capture_output=True, text=True, timeout=120, cwd=cwd
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_slurm_jobqueue_profile_keeps_ctrl_c(tmp_path):
    """Ctrl-C stays a KeyboardInterrupt inside and after the block (the CLI maps it
    to exit code 130; dask_jobqueue's import replaces the handler by sys.exit())."""
    handlers = run_python(
        "with wkdist.cluster('slurm-jobqueue', config=config):\n"
        "    inside = signal.getsignal(signal.SIGINT)\n"
        "print(inside is signal.default_int_handler, "
        "signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n",
        tmp_path,
    )
    assert handlers == "True True"


def test_slurm_jobqueue_profile_starts_in_a_thread(tmp_path):
    """A service or GUI may start the profile off the main thread."""
    errors = run_python(
        "errors = []\n"
        "def start():\n"
        "    try:\n"
        "        with wkdist.cluster('slurm-jobqueue', config=config):\n"
        "            pass\n"
        "    except BaseException as error:\n"
        "        errors.append(f'{type(error).__name__}: {error}')\n"
        "thread = threading.Thread(target=start)\n"
        "thread.start()\n"
        "thread.join()\n"
        "print(errors)\n",
        tmp_path,
    )
    assert errors == "[]"


@slurm
def test_slurm_jobqueue_waits_for_a_queued_worker_job(source, tmp_path, job_name):
    """The lost-workers timeout is for workers lost mid-run: a worker job that waits
    in the queue longer than that (here held for 8 s, released by the test) must
    not fail the job."""
    config = {
        **jobqueue_settings(job_name, tmp_path / "logs"),
        "jobqueue.slurm.job-extra-directives": ["--hold"],
        "wkdist.cluster.adapt.maximum-jobs": 1,
        "wkdist.cluster.lost-workers-timeout": "3s",
    }

    def release_later() -> None:
        wait_for(lambda: bool(slurm_jobs(job_name)), timeout=30, what="the held worker job")
        time.sleep(8)
        for job in slurm_jobs(job_name):
            subprocess.run(["scontrol", "release", job], check=True)

    releaser = threading.Thread(target=release_later, daemon=True)
    releaser.start()
    with wk.cluster("slurm-jobqueue", config=config):
        source[0].copy_dataset(tmp_path / "dst", data_format="zarr3", shard_shape=64)
    releaser.join(timeout=5)
    assert_no_jobs_left(job_name)
    copied = wk.Dataset.open(tmp_path / "dst").get_layer("color").get_mag(1).read()
    assert (copied == source[1]).all()
