"""Jobs resumed after losing more than a task: a killed dask worker, a full disk,
a folder without write permission, and a SLURM driver job cancelled with scancel
(then resumed under the slurm-batch and slurm-jobqueue profiles)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import numpy as np
import psutil
import pytest

import wkdist as wk
from tests.journal.crash_support import WKDIST, data_files, environment, leftovers, records, run
from tests.run.run_support import (
    cancel_jobs,
    jobqueue_settings,
    slurm,
    slurm_batch_settings,
    slurm_jobs,
    unique_job_name,
    wait_for,
)
from wkdist.journal import unfinished_jobs, verify_files

SHAPE = (128, 128, 128)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    ds = wk.Dataset(tmp_path_factory.mktemp("resume") / "src", voxel_size=(11, 11, 24))
    layer = ds.add_layer("color", "color", data_format="wkw", bounding_box=wk.BoundingBox((0, 0, 0), SHAPE))
    layer.add_mag(1, chunk_shape=32, shard_shape=32, compress=False).write(
        np.random.default_rng(5).integers(0, 255, SHAPE, dtype=np.uint8), absolute_offset=(0, 0, 0))
    return ds.path


@pytest.fixture
def job_name():
    name = unique_job_name()
    yield name
    cancel_jobs(name)
    cancel_jobs(f"{name}-driver")


def copy_command(source, target, *extra):
    return [WKDIST, "copy", str(source), str(target), "--data-format", "zarr3",
            "--shard-shape", "32", *extra]


@pytest.fixture(scope="module")
def reference(source, tmp_path_factory):
    target = tmp_path_factory.mktemp("reference") / "dst"
    run(copy_command(source, target), cwd=target.parent)
    return target


def assert_complete(target, reference):
    assert data_files(target) == data_files(reference)
    assert leftovers(target) == [] and unfinished_jobs(target) == []
    assert verify_files(target)[1] == []


def test_killed_worker(source, reference, tmp_path):
    """A worker process killed mid-job: dask reruns its tasks elsewhere, or the job
    stops resumable; either way the result is complete after at most one rerun."""
    target = tmp_path / "dst"
    env = {"DASK_WKDIST__CLUSTER__LOCAL__PROCESSES": "True", "DASK_WKDIST__CLUSTER__LOCAL__N_WORKERS": "2",
           "DASK_WKDIST__CLUSTER__LOCAL__THREADS_PER_WORKER": "1"}
    proc = subprocess.Popen(copy_command(source, target), cwd=tmp_path, env=environment(env),
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(lambda: proc.poll() is not None or records(target) >= 3, 120, "the copy to write")
    workers = [p for p in psutil.Process(proc.pid).children(recursive=True)
               if "spawn_main" in " ".join(p.cmdline()) or "multiprocessing" in " ".join(p.cmdline())]
    if proc.poll() is None and workers:
        workers[0].kill()
    proc.wait(timeout=300)
    if proc.returncode != 0:
        run(copy_command(source, target), cwd=tmp_path, env=env)
    assert_complete(target, reference)


@pytest.fixture
def tmpfs(tmp_path):
    """A 1 MiB tmpfs (mounting needs root); remount it with :func:`remount`."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                      capture_output=True, check=False).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def remount(mount, options, seconds=0.0):
    """Remount with ``options``, retrying for ``seconds`` while the kernel answers
    "mount point is busy" (remounting read-only fails while a file is open for writing)."""
    deadline = time.monotonic() + seconds
    while True:
        done = subprocess.run(["mount", "-o", f"remount,{options}", str(mount)],
                              capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"remount,{options} failed: {done.stderr}")
        time.sleep(0.01)


def test_disk_full_then_resumed(source, reference, tmpfs):
    """No space left: a clear error and a resumable journal; once there is room,
    the same command finishes the job (2 MiB of incompressible voxels, 1 MiB disk)."""
    target = tmpfs / "dst"
    result = run(copy_command(source, target), cwd=tmpfs, check=False)
    assert result.returncode == 1, result.stderr
    assert "No space left on device" in result.stderr, result.stderr
    assert "run the same command again" in result.stderr
    assert 0 < records(target) < 64
    remount(tmpfs, "size=16m")
    run(copy_command(source, target), cwd=tmpfs)
    assert_complete(target, reference)


def test_read_only_then_resumed(source, reference, tmpfs):
    """The target turns read-only mid-job: a clear error; writable again, the same
    command finishes the job."""
    remount(tmpfs, "size=16m")
    target = tmpfs / "dst"
    proc = subprocess.Popen(copy_command(source, target), cwd=tmpfs, env=environment(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: proc.poll() is not None or records(target) >= 3, 120, "the copy to write")
    remount(tmpfs, "ro", seconds=60)
    _, stderr = proc.communicate(timeout=300)
    remount(tmpfs, "rw")
    if proc.returncode == 0:
        pytest.skip("the copy finished before the disk turned read-only")
    assert "Read-only file system" in stderr, stderr
    run(copy_command(source, target), cwd=tmpfs)
    assert_complete(target, reference)


def driver_script(tmp_path, command, env):
    lines = ["#!/bin/bash", *(f"export {k}={v!r}" for k, v in env.items()), " ".join(command)]
    script = tmp_path / "driver.sh"
    script.write_text("\n".join(lines) + "\n")
    return script


@slurm
@pytest.mark.parametrize("profile", ["slurm-batch", "slurm-jobqueue"])
def test_scancelled_driver_resumes(source, reference, tmp_path, job_name, profile):
    """The command itself runs as a SLURM job and is cancelled (scancel) mid-copy;
    ``wkdist resume`` under the same profile finishes it."""
    settings = (slurm_batch_settings(job_name, tmp_path / "cfut") if profile == "slurm-batch"
                else jobqueue_settings(job_name, tmp_path / "logs"))
    env = {"DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value)
           for key, value in settings.items() if not isinstance(value, dict)}
    env["DASK_WKDIST__WRITE__MAX_TASKS"] = "16"
    env["PYTHONPATH"] = os.getcwd()
    target = tmp_path / "dst"
    script = driver_script(tmp_path, [*copy_command(source, target), "--cluster", profile], env)
    driver = f"{job_name}-driver"
    subprocess.run(["sbatch", "-J", driver, "-o", str(tmp_path / "driver.log"), "--mem", "2G",
                    str(script)], check=True, capture_output=True)
    wait_for(lambda: records(target) >= 1 or not slurm_jobs(driver), 300, "the driver to write")
    assert slurm_jobs(driver), (tmp_path / "driver.log").read_text()
    subprocess.run(["scancel", "-n", driver], check=True)
    wait_for(lambda: not slurm_jobs(driver), 120, "the driver to end")
    subprocess.run(["scancel", "-n", job_name], check=False)  # workers it left behind
    assert unfinished_jobs(target)
    result = subprocess.run([WKDIST, "resume", str(target), "--cluster", profile], cwd=tmp_path,
                            env=environment(env), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert_complete(target, reference)
