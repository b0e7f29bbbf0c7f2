"""Concurrency, dask clusters and the CLI against S3 (a real moto server)."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import pickle
import subprocess
import sys

import cloudpickle
import numpy as np
import pytest

import wkdist as wk
from tests.remote.conftest import SECRET
from wkdist.properties import load_properties, merge_bounding_boxes, update_properties

pytestmark = pytest.mark.usefixtures("s3_endpoint")


def _add_layer_and_grow(url: str, index: int) -> None:
    """One 'finalization': add its own layer and grow the shared layer's box."""

    def add(props):
        shared = props.get_layer("shared")
        mine = shared.with_bounding_box(wk.BoundingBox((index, 0, 0), (1, 1, 1)))
        return props.with_layer(dataclasses.replace(mine, name=f"l{index}"))

    update_properties(url, add)
    merge_bounding_boxes(url, "shared", [wk.BoundingBox((0, index * 10, 0), (1, 10, 1))])


def test_eight_concurrent_finalizations_keep_every_box(bucket):
    url = f"s3://{bucket}/ds"
    ds = wk.Dataset(url, voxel_size=(1, 1, 1))
    ds.add_layer("shared", "color", bounding_box=wk.BoundingBox((0, 0, 0), (1, 1, 1)))
    context = multiprocessing.get_context("spawn")
    with context.Pool(8) as pool:
        pool.starmap(_add_layer_and_grow, [(url, i) for i in range(8)])
    props = load_properties(url)
    names = {layer.name for layer in props.data_layers}
    assert names == {"shared", *(f"l{i}" for i in range(8))}
    for i in range(8):
        assert props.get_layer(f"l{i}").bounding_box == wk.BoundingBox((i, 0, 0), (1, 1, 1))
    assert props.get_layer("shared").bounding_box == wk.BoundingBox((0, 0, 0), (1, 80, 1))


def test_to_dask_on_a_two_process_cluster(bucket):
    from distributed import Client, LocalCluster

    ds = wk.Dataset(f"s3://{bucket}/dask", voxel_size=(1, 1, 1))
    mag = ds.add_layer("color", "color", dtype="uint16").add_mag(1, chunk_shape=32, shard_shape=64)
    data = np.random.default_rng(5).integers(0, 60000, (1, 128, 128, 64), dtype="uint16")
    mag.write(data[0], absolute_offset=(0, 0, 0))
    array = ds.get_layer("color").get_mag(1).to_dask()
    graph = dict(array.__dask_graph__())
    for dumps in (pickle.dumps, cloudpickle.dumps):
        assert SECRET.encode() not in dumps(graph)
    # workers are new processes: they have only the environment (AWS_* variables)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster):
        np.testing.assert_array_equal(array.compute(), data)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return subprocess.run(
        [sys.executable, "-m", "wkdist.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": root, **(env or {})},
        timeout=300,
        check=False,
    )


def test_cli_with_aws_endpoint_url(tmp_path, bucket, s3_endpoint):
    source = wk.Dataset(tmp_path / "src", voxel_size=(1, 1, 1))
    data = np.arange(64 * 64 * 32, dtype="uint8").reshape(1, 64, 64, 32)
    source.add_layer("color", "color", data_format="wkw").add_mag(1).write(
        data[0], absolute_offset=(0, 0, 0)
    )
    url = f"s3://{bucket}/cli"
    env = {"AWS_ENDPOINT_URL": s3_endpoint}
    copied = _cli("copy", str(tmp_path / "src"), url, "--data-format", "zarr3", "--jobs", "2", env=env)
    assert copied.returncode == 0, copied.stderr
    info = _cli("info", url, env=env)
    assert info.returncode == 0, info.stderr
    assert "zarr3" in info.stdout
    assert "in object storage" in info.stdout
    np.testing.assert_array_equal(wk.Dataset.open(url).get_layer("color").get_mag(1).read(), data)
    for output in (copied, info):
        assert SECRET not in output.stdout + output.stderr


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("s3:/{bucket}/x", "is malformed; expected s3://bucket/key"),
        ("foo://{bucket}/x", "unknown scheme 'foo'"),
        ("s3://no-such-bucket-here/x", "the bucket 'no-such-bucket-here' does not exist"),
    ],
)
def test_cli_bad_targets_are_one_clear_line(tmp_path, bucket, s3_endpoint, target, expected):
    wk.Dataset(tmp_path / "src", voxel_size=(1, 1, 1))
    result = _cli("copy", str(tmp_path / "src"), target.format(bucket=bucket), env={"AWS_ENDPOINT_URL": s3_endpoint})
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, result.stderr
    assert expected in errors[0]
    assert not list(tmp_path.glob("s3*"))
    assert not list(tmp_path.glob("foo*"))
