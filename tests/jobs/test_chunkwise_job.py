"""Chunk-wise processing as a wkdist job: every runner, failures by chunk."""

from __future__ import annotations

import numpy as np
import pytest
from cluster_tools import get_executor

import wkdist as wk
from tests.dask_bridge.conftest import local_cluster, scheduler

__all__ = ["local_cluster", "scheduler"]


def double(args):
    view, _index = args
    view.write(view.read() * 2)


def fail_at_third(args):
    view, index = args
    if index == 2:
        raise ValueError("chunk three is broken")
    view.write(view.read() + 1)


def voxel_sum(view):
    return int(view.read().sum(dtype=np.int64))


@pytest.fixture
def mag(tmp_path):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    mag = ds.add_layer("color", "color", dtype="uint16").add_mag(
        1, chunk_shape=16, shard_shape=32
    )
    data = np.arange(96 * 64 * 40, dtype=np.uint16).reshape(96, 64, 40) % 1000
    mag.write(data, allow_resize=True)
    return mag, data


def test_for_each_chunk_on_the_active_scheduler(mag, scheduler):
    view, data = mag
    view.for_each_chunk(double)
    np.testing.assert_array_equal(view.read()[0], data * 2)
    assert view.map_chunk(voxel_sum) and sum(view.map_chunk(voxel_sum)) == int(data.sum()) * 2


def test_for_each_chunk_on_a_distributed_client_passed_as_executor(mag, local_cluster):
    from distributed import Client

    view, data = mag
    with Client(local_cluster) as client:
        view.for_each_chunk(double, executor=client)
    np.testing.assert_array_equal(view.read()[0], data * 2)


def test_for_each_chunk_on_cluster_tools_processes(mag):
    view, data = mag
    # one worker process: the views and the function travel pickled, as on SLURM
    with get_executor("multiprocessing", max_workers=1) as executor:
        view.for_each_chunk(double, chunk_shape=(64, 64, 64), executor=executor)
    np.testing.assert_array_equal(view.read()[0], data * 2)


@pytest.mark.parametrize("runner", ["threads", "sequential", "distributed"])
def test_a_failing_chunk_is_reported_with_its_box(mag, runner, local_cluster):
    from distributed import Client

    view, data = mag
    if runner == "threads":
        with pytest.raises(wk.JobIncompleteError) as raised:
            view.for_each_chunk(fail_at_third)
    elif runner == "sequential":
        with get_executor("sequential") as executor, pytest.raises(wk.JobIncompleteError) as raised:
            view.for_each_chunk(fail_at_third, executor=executor)
    else:
        with Client(local_cluster) as client, pytest.raises(wk.JobIncompleteError) as raised:
            view.for_each_chunk(fail_at_third, executor=client)
    message = str(raised.value)
    assert "chunk three is broken" in message
    assert "chunk (0, 32, 0)+(32, 32, 32)" in message  # the third chunk (x outermost)
    assert "chunk (0, 32, 0)+(32, 32, 32)" in " ".join(raised.value.unfinished)
    # Every other chunk ran: they hold data + 1, the broken one is unchanged.
    broken = view.read(absolute_offset=(0, 32, 0), size=(32, 32, 32))[0]
    np.testing.assert_array_equal(broken, data[:32, 32:64, :32])
    if runner != "threads":  # dask's local scheduler stops at the first failure
        np.testing.assert_array_equal(view.read()[0, 32:], data[32:] + 1)


def test_content_is_equal_in_chunks(mag, scheduler):
    view, data = mag
    copy = view.layer.dataset.add_layer("copy", "color", dtype="uint16").add_mag(
        1, chunk_shape=16, shard_shape=32
    )
    copy.write(data, allow_resize=True)
    assert view.content_is_equal(copy, chunk_shape=(32, 32, 32))
    copy.write(np.ones((1, 1, 1), np.uint16), absolute_offset=(95, 63, 39), allow_unaligned=True)
    assert not view.content_is_equal(copy)
