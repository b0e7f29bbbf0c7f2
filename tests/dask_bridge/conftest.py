"""Each dask-bridge test runs on the threaded scheduler and on a 2-process LocalCluster."""

from __future__ import annotations

import dask
import pytest
from distributed import Client, LocalCluster


@pytest.fixture(scope="session")
def local_cluster():
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster


@pytest.fixture(params=["threads", "distributed"])
def scheduler(request):
    if request.param == "threads":
        with dask.config.set(scheduler="threads"):
            yield "threads"
    else:
        cluster = request.getfixturevalue("local_cluster")
        with Client(cluster) as client:
            yield client
