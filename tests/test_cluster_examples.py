"""examples/dask_cluster.py and examples/slurm_cluster.py run as a user runs them
and leave the right data on disk (and, on SLURM, nothing in the queue)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import wkdist as wk

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MAGS = [wk.Mag(1), wk.Mag((2, 2, 1)), wk.Mag((4, 4, 2))]
# Generous: a SLURM busy with other jobs starts ours late; a hang fails instead of blocking CI.
TIMEOUT_S = 240

needs_slurm = pytest.mark.skipif(
    shutil.which("sbatch") is None,
    reason="needs a running SLURM: sbatch is not on PATH (.ci/run starts a local one)",
)


def run_example(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def queued_jobs_from(folder: Path) -> list[str]:
    """SLURM jobs still queued or running that were submitted from ``folder``."""
    listing = subprocess.run(
        ["squeue", "-h", "-o", "%i %T %Z"], capture_output=True, text=True, check=True
    ).stdout
    return [line for line in listing.splitlines() if str(folder) in line]


def assert_converted(output: Path, copy_name: str) -> None:
    """The Zarr v3 copy holds the source's voxels in Mag(1) and has all mags."""
    source = wk.Dataset.open(output / "em_wkw")
    copy = wk.Dataset.open(output / copy_name)
    assert set(copy.layers) == {"color", "segmentation"}
    for name, layer in source.layers.items():
        target = copy.get_layer(name)
        assert target.data_format.value == "zarr3"
        assert sorted(target.mags) == MAGS
        np.testing.assert_array_equal(target.get_mag(1).read(), layer.get_mag(1).read())
        coarsest = target.get_mag("4-4-2").read()
        assert coarsest.shape == (1, 32, 32, 32)
        assert coarsest.any()


# With dashboard_address=None the scheduler still serves /health on 8787, or
# elsewhere with this warning when another cluster has the port.
@pytest.mark.filterwarnings("ignore:Port 8787 is already in use:UserWarning")
def test_dask_example_on_local_and_existing_scheduler(tmp_path):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, processes=True, dashboard_address=None) as cluster:
        result = run_example(
            "dask_cluster.py", str(tmp_path / "out"), "--scheduler", cluster.scheduler_address,
            cwd=tmp_path,
        )
        # The example's tasks ran on this scheduler, which it left running.
        assert any(prefix.startswith("wkdist-write") for prefix in cluster.scheduler.task_prefixes)
        with Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
    assert result.stdout.count("Mag(1) equals the source") == 4
    assert_converted(tmp_path / "out", "em_zarr3_local")
    assert_converted(tmp_path / "out", "em_zarr3_scheduler")


@pytest.mark.slurm
@needs_slurm
@pytest.mark.parametrize(
    ("profile", "job_files"),
    [("slurm-jobqueue", "slurm-logs/dask-worker-*.out"), ("slurm-batch", "cfut/*")],
)
def test_slurm_example(tmp_path, profile, job_files):
    # Run from tmp_path: SLURM records it as the jobs' working directory, which
    # tells this run's jobs apart from other jobs in the queue.
    result = run_example(
        "slurm_cluster.py", str(tmp_path / "out"), "--profile", profile, cwd=tmp_path
    )
    assert queued_jobs_from(tmp_path) == []
    assert list((tmp_path / "out").glob(job_files)), f"no SLURM job files {job_files}"
    assert result.stdout.startswith(f"{profile}: ")
    assert_converted(tmp_path / "out", "em_zarr3")
