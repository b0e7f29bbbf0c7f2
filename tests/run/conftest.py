"""Fixtures of the cluster tests: source datasets, the threaded reference run, a
2-process LocalCluster, and SLURM job names that are cancelled after each test."""

from __future__ import annotations

import signal

import dask
import pytest

from tests.dask_bridge.conftest import local_cluster
from tests.run.run_support import (
    cancel_jobs,
    make_wkw_source,
    run_job,
    unique_job_name,
)

# dask_jobqueue installs a SIGINT handler (sys.exit) when first imported, which
# only works in the main thread. Import it here, in the main thread, and give
# pytest its handler back, so that tests may start the profile in a thread.
_handler = signal.getsignal(signal.SIGINT)
import dask_jobqueue  # noqa: E402, F401

signal.signal(signal.SIGINT, _handler)

__all__ = ["local_cluster"]


@pytest.fixture(scope="session")
def source(tmp_path_factory):
    """128 × 128 × 96 random uint8 voxels in WKW (LZ4), 64³ files."""
    return make_wkw_source(tmp_path_factory.mktemp("source") / "src", (128, 128, 96), compress=True)


@pytest.fixture(scope="session")
def reference(source, tmp_path_factory):
    """The job's outcome on dask's threaded scheduler (no cluster)."""
    with dask.config.set(scheduler="threads"):
        return run_job(source[0], tmp_path_factory.mktemp("threads") / "dst")


@pytest.fixture(scope="session")
def big_source(tmp_path_factory):
    """256³ random uint8 voxels in raw WKW: a copy to 32³ shards is 512 tasks, a few
    seconds of work on one worker, long enough to interrupt it."""
    return make_wkw_source(tmp_path_factory.mktemp("big") / "src", (256, 256, 256), compress=False)


@pytest.fixture
def job_name():
    """A unique SLURM job name for this test; its jobs are cancelled afterwards
    (only a safety net: the tests check that none are left)."""
    name = unique_job_name()
    yield name
    cancel_jobs(name)
