"""Helpers of the cluster tests: datasets, the job every runner does, SLURM queries,
bounded waits and process checks. No mocks: real clusters, real SLURM jobs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import dask.config
import numpy as np
import psutil
import pytest

import wkdist as wk
from tests.file_events import FileWrites
from wkdist.dataset.copying import add_mag_copy
from wkdist.run import run_plans

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

PROPERTIES = "datasource-properties.json"

#: Marks a test that submits SLURM jobs; it skips where there is no SLURM.
needs_sbatch = pytest.mark.skipif(
    shutil.which("sbatch") is None, reason="needs SLURM: sbatch is not on PATH"
)


def slurm(test: Callable[..., Any]) -> Callable[..., Any]:
    """``@pytest.mark.slurm``, skipped with the reason where ``sbatch`` is missing."""
    return pytest.mark.slurm(needs_sbatch(test))


# ----------------------------------------------------------------- datasets


def make_wkw_source(
    path: Path, size: tuple[int, int, int], *, compress: bool, seed: int = 0
) -> tuple[wk.Dataset, np.ndarray]:
    """A WKW dataset with one uint8 color layer of random voxels (chunk 32, shard 64)."""
    ds = wk.Dataset(path, voxel_size=(11, 11, 24))
    layer = ds.add_layer(
        "color", "color", dtype="uint8", data_format="wkw",
        bounding_box=wk.BoundingBox((0, 0, 0), size),
    )
    data = np.random.default_rng(seed).integers(0, 255, (1, *size), dtype=np.uint8)
    layer.add_mag(1, chunk_shape=32, shard_shape=64, compress=compress).write(
        data, absolute_offset=(0, 0, 0)
    )
    return ds, data


def written_shard_files(mag_path: Path) -> int:
    """Shard files of a Zarr v3 mag written so far."""
    chunks = mag_path / "c"
    return sum(1 for p in chunks.rglob("*") if p.is_file()) if chunks.is_dir() else 0


# ------------------------------------------------------- the job every runner does

#: Batches of the copy: 48 target shards in 4 tasks, so that SLURM array jobs stay short.
JOB_SETTINGS = {"wkdist.write.max-tasks": 4}


@dataclass(frozen=True)
class JobOutcome:
    """What a copy (WKW → Zarr v3, re-sharded) plus downsampling left on disk."""

    voxels: dict[str, np.ndarray]  # mag name -> (C, X, Y, Z)
    properties: dict[str, Any]
    copy_writes: int  # completed writes of the target's properties file during the copy
    downsample_writes: int  # ... during the downsampling


def run_job(source: wk.Dataset, target: Path, executor: object = None) -> JobOutcome:
    """Copy ``source`` to ``target`` (Zarr v3, 32³ shards), downsample to mag 4;
    count the writes of the target's properties file in each step."""
    target.mkdir()
    writes = FileWrites(target, PROPERTIES)
    try:
        with dask.config.set(JOB_SETTINGS):
            copy = source.copy_dataset(
                target, data_format="zarr3", chunk_shape=32, shard_shape=32,
                exists_ok=True, executor=executor,
            )
            copy_writes = writes.count()
            copy.get_layer("color").downsample(coarsest_mag=4, executor=executor)
            downsample_writes = writes.count() - copy_writes
    finally:
        writes.close()
    layer = wk.Dataset.open(target).get_layer("color")
    return JobOutcome(
        {mag.to_layer_name(): view.read() for mag, view in layer.mags.items()},
        json.loads((target / PROPERTIES).read_text()),
        copy_writes,
        downsample_writes,
    )


def assert_same_outcome(got: JobOutcome, expected: JobOutcome) -> None:
    assert sorted(got.voxels) == sorted(expected.voxels)
    for mag, voxels in expected.voxels.items():
        np.testing.assert_array_equal(got.voxels[mag], voxels, err_msg=f"mag {mag}")
    assert got.properties == expected.properties
    assert (got.copy_writes, got.downsample_writes) == (
        expected.copy_writes,
        expected.downsample_writes,
    )


def finalization_writes(source: wk.Dataset, target: Path, executor: object = None) -> int:
    """Plan copies of ``source``'s mag 1 into two new, empty layers (each plan's
    finalization grows its layer's box) and count the properties writes while
    the two plans run."""
    ds = wk.Dataset(target, voxel_size=(11, 11, 24))
    plans = [
        add_mag_copy(
            ds.add_layer(name, "color", dtype="uint8", data_format="zarr3"),
            source.get_layer("color").get_mag(1),
            chunk_shape=32,
            shard_shape=64,
        )
        for name in ("a", "b")
    ]
    writes = FileWrites(target, PROPERTIES)
    try:
        run_plans(plans, executor=executor)
        count = writes.count()
    finally:
        writes.close()
    reopened = wk.Dataset.open(target)
    box = source.get_layer("color").bounding_box
    assert reopened.get_layer("a").bounding_box == reopened.get_layer("b").bounding_box == box
    return count


# ------------------------------------------------------------------- SLURM


def unique_job_name() -> str:
    return f"wkdist-test-{uuid.uuid4().hex[:10]}"


def slurm_jobs(name: str, state: str | None = None) -> list[str]:
    """Ids of the queued jobs (array tasks too) called ``name``, optionally in ``state``."""
    command = ["squeue", "-h", "-n", name, "-o", "%i"]
    if state is not None:
        command += ["-t", state]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return result.stdout.split()


def assert_no_jobs_left(name: str, timeout: float = 20.0) -> None:
    """``squeue`` lists no job called ``name`` (cancelled jobs may take seconds to leave)."""
    deadline = time.monotonic() + timeout
    while slurm_jobs(name) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert slurm_jobs(name) == [], f"SLURM jobs {slurm_jobs(name)} named {name} are still queued"


def cancel_jobs(name: str) -> None:
    if shutil.which("scancel") is not None:
        subprocess.run(["scancel", "-n", name], check=False, capture_output=True)


def jobqueue_settings(name: str, log_dir: Path) -> dict[str, Any]:
    """Small dask-jobqueue worker jobs named ``name``, their logs in ``log_dir``."""
    return {
        "jobqueue.slurm.cores": 1,
        "jobqueue.slurm.memory": "2GB",
        "jobqueue.slurm.name": name,
        "jobqueue.slurm.log-directory": str(log_dir),
        "jobqueue.slurm.scheduler-options": {"dashboard_address": ":0"},
    }


def slurm_batch_settings(name: str, cfut_dir: Path) -> dict[str, Any]:
    """cluster-tools array jobs named ``name``, their files in ``cfut_dir``."""
    return {
        "wkdist.cluster.slurm-batch.cfut-dir": str(cfut_dir),
        "wkdist.cluster.slurm-batch.job-name": name,
        "wkdist.cluster.slurm-batch.job-resources.mem": "1G",
    }


# --------------------------------------------------------------- bounded waits


class Background:
    """Runs ``fn`` in a daemon thread, so that a hang fails the test instead of blocking it."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._outcome: dict[str, Any] = {}
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self._outcome["value"] = fn()
        except BaseException as error:  # handed to the test thread
            self._outcome["error"] = error

    def running(self) -> bool:
        return self._thread.is_alive()

    def result(self, timeout: float) -> Any:
        """``fn``'s return value (or its exception, raised); fails if it runs longer."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            pytest.fail(f"the job did not end within {timeout:.0f} s (hang)")
        if "error" in self._outcome:
            raise self._outcome["error"]
        return self._outcome.get("value")


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


# ------------------------------------------------------------------ processes


def cli(*args: object) -> list[str]:
    """The command line of ``wkdist ARGS`` with this interpreter."""
    return [sys.executable, "-m", "wkdist.cli", *map(str, args)]


def live(pids: Iterable[int]) -> list[psutil.Process]:
    """The processes of ``pids`` that still run (zombies are dead)."""
    alive = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


def processes_of_job(name: str) -> list[int]:
    """Processes that a SLURM job called ``name`` started (they inherit SLURM_JOB_NAME)."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("SLURM_JOB_NAME") == name:
                found.append(process.pid)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


def descendants(pid: int) -> set[int]:
    try:
        return {child.pid for child in psutil.Process(pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return set()


def assert_processes_end(pids: Iterable[int], timeout: float = 15.0) -> None:
    pids = set(pids)
    deadline = time.monotonic() + timeout
    while live(pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [(p.pid, " ".join(p.cmdline())[:120]) for p in live(pids)]
    assert not left, f"processes left running: {left}"


def environment(**variables: object) -> dict[str, str]:
    """This process's environment plus ``variables``."""
    return {**os.environ, **{key: str(value) for key, value in variables.items()}}
