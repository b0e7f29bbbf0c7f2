"""Job journals in object storage (a real moto server): a failed job leaves no
visible dataset and resumes without rewriting what it stored; status and verify
read the journal there."""

from __future__ import annotations

import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
import numpy as np
import pytest

import wkdist as wk
from tests.broken_datasets import broken_wkw_dataset
from wkdist.journal import journals, verify_files
from wkdist.location import as_location

pytestmark = pytest.mark.usefixtures("s3_endpoint")


@pytest.fixture
def broken_source(tmp_path):
    return broken_wkw_dataset(tmp_path)


def objects(endpoint: str, bucket: str, prefix: str) -> dict[str, str]:
    """Key → ETag of every object below ``prefix``."""
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    listing = client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {item["Key"]: item["ETag"] for item in listing}


def test_copy_to_s3_resumes_and_verifies(broken_source, bucket, s3_endpoint):
    source, shard, intact, data = broken_source
    url = f"s3://{bucket}/ds"
    # One task at a time, in plan order (x outermost): the intact shard is written first.
    with ThreadPoolExecutor(1) as one, pytest.raises(wk.JobIncompleteError):
        source.copy_dataset(url, data_format="zarr3", chunk_shape=32, shard_shape=64,
                            executor=one)
    stored = objects(s3_endpoint, bucket, "ds/color/1/c/")
    assert len(stored) == 1  # the intact shard, recorded in the journal
    assert "ds/datasource-properties.json" not in objects(s3_endpoint, bucket, "ds/")
    with pytest.raises(wk.UnfinishedJobError, match="is creating it"):
        wk.Dataset.open(url)
    status = subprocess.run([sys.executable, "-m", "wkdist.cli", "status", url],
                            capture_output=True, text=True, check=True)
    assert "UNFINISHED" in status.stdout and "1/2" in status.stdout.replace(" ", "")

    shutil.copy(intact, shard)
    copy = source.copy_dataset(url, data_format="zarr3", chunk_shape=32, shard_shape=64)
    after = objects(s3_endpoint, bucket, "ds/color/1/c/")
    assert len(after) == 2 and all(after[key] == etag for key, etag in stored.items())  # kept
    assert np.array_equal(copy.get_layer("color").get_mag(1).read()[0], data)
    assert [j.finalized for j in journals(as_location(url))] == [True]
    assert verify_files(as_location(url)) == (2, [])

    # Damage: a rewritten shard and a deleted one are found.
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    first, second = sorted(after)
    client.put_object(Bucket=bucket, Key=first, Body=b"not a shard")
    client.delete_object(Bucket=bucket, Key=second)
    checked, bad = verify_files(as_location(url))
    assert checked == 2 and sorted(b.problem for b in bad) == ["changed", "missing"]
    result = subprocess.run([sys.executable, "-m", "wkdist.cli", "verify", url],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "wkdist resume" in result.stderr


def test_downsample_on_s3_publishes_its_mag_at_the_end(broken_source, bucket):
    source, shard, intact, _ = broken_source
    shutil.copy(intact, shard)
    url = f"s3://{bucket}/ds"
    remote = source.copy_dataset(url, data_format="zarr3", chunk_shape=32, shard_shape=64)
    remote.get_layer("color").downsample(coarsest_mag=2)
    reopened = wk.Dataset.open(url)
    assert sorted(m.to_layer_name() for m in reopened.get_layer("color").mags) == ["1", "2"]
    assert [j.header.kind for j in journals(as_location(url))] == ["copy", "downsample"]
    assert all(j.finalized for j in journals(as_location(url)))
    assert verify_files(as_location(url))[1] == []


def test_image_import_into_s3_is_a_journaled_job(tmp_path, bucket):
    tifffile = pytest.importorskip("tifffile")
    stack = np.random.default_rng(7).integers(0, 255, (5, 40, 70), dtype=np.uint8)  # z, y, x
    for z, image in enumerate(stack):
        tifffile.imwrite(tmp_path / f"slice_{z}.tif", image)
    url = f"s3://{bucket}/imported"
    ds = wk.Dataset.from_images(tmp_path, url, voxel_size=(1, 1, 1), layer_name="em",
                                data_format="zarr3", shard_shape=64)
    assert np.array_equal(ds.get_layer("em").get_mag(1).read()[0], stack.transpose(2, 1, 0))
    assert [(j.header.kind, j.finalized) for j in journals(as_location(url))] == [("import", True)]
    checked, bad = verify_files(as_location(url))
    assert checked > 0
    assert bad == []
