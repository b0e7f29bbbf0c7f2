"""Locations: parsing, kvstore specs, clear errors, HTTP reads, credentials never leaked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import wkdist as wk
from tests.remote.servers import free_port, moto_server, range_http_server
from wkdist.errors import LocationError, RemoteStorageError, UnsupportedLocationError
from wkdist.location import RemotePath, as_location


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/data/ds", Path("/data/ds")),
        ("relative/ds", Path("relative/ds")),
        ("file:///data/ds", Path("/data/ds")),
        ("a:b/c", Path("a:b/c")),
        ("s3://bucket/a/b/", RemotePath("s3", "bucket", "a/b", "http://127.0.0.1:9", "eu-west-1")),
        ("gs://bucket/ds", RemotePath("gs", "bucket", "ds")),
        ("https://host:8443/data/ds", RemotePath("https", "host:8443", "data/ds")),
    ],
)
def test_parse(monkeypatch, given, expected):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert as_location(given) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("foo://bucket/ds", "unknown scheme 'foo'"),
        ("s3:/bucket/ds", "is malformed"),
        ("s3:bucket", "is malformed"),
        ("s3:///ds", "is malformed"),
        ("gs://", "names no bucket"),
        (Path("s3://bucket/ds"), "collapsed into a Path"),
    ],
)
def test_malformed_locations_are_errors(tmp_path, monkeypatch, given, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LocationError, match=message):
        wk.Dataset(given, voxel_size=(1, 1, 1))
    assert list(tmp_path.iterdir()) == []


def test_endpoint_precedence(monkeypatch):
    import dask.config

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:2")
    assert as_location("s3://b/k").endpoint == "http://127.0.0.1:2"
    with dask.config.set({"wkdist.s3.endpoint": "http://127.0.0.1:3", "wkdist.s3.region": "r"}):
        location = as_location("s3://b/k")
    assert (location.endpoint, location.region) == ("http://127.0.0.1:3", "r")
    spec = location.kvstore_spec()
    assert spec == {
        "driver": "s3", "bucket": "b", "path": "k/",
        "endpoint": "http://127.0.0.1:3", "aws_region": "r",
    }


def test_gcs_and_http_specs():
    assert as_location("gs://bucket/a/ds").kvstore_spec() == {
        "driver": "gcs", "bucket": "bucket", "path": "a/ds/",
    }
    assert as_location("https://example.org/data/ds").kvstore_spec() == {
        "driver": "http", "base_url": "https://example.org/", "path": "data/ds/",
    }


def test_read_over_http_with_ranges(tmp_path):
    ds = wk.Dataset(tmp_path / "ds", voxel_size=(1, 1, 1))
    data = np.random.default_rng(7).integers(0, 255, (96, 64, 32), dtype="uint8")
    ds.add_layer("color", "color").add_mag(1, chunk_shape=32, shard_shape=64).write(
        data, absolute_offset=(0, 0, 0)
    )
    with range_http_server(tmp_path) as url:
        remote = wk.Dataset.open(f"{url}/ds")
        assert remote.read_only
        mag = remote.get_layer("color").get_mag(1)
        np.testing.assert_array_equal(mag.read()[0], data)
        np.testing.assert_array_equal(
            mag.read(absolute_offset=(40, 10, 3), size=(20, 30, 10))[0], data[40:60, 10:40, 3:13]
        )
        with pytest.raises(wk.ReadOnlyError):
            remote.add_layer("other", "color")
        with pytest.raises(UnsupportedLocationError, match="read-only"):
            wk.Dataset(f"{url}/new", voxel_size=(1, 1, 1))


def test_missing_bucket_and_unreachable_endpoint(s3_endpoint, monkeypatch):
    with pytest.raises(RemoteStorageError, match="the bucket 'no-such-bucket' does not exist"):
        wk.Dataset.open("s3://no-such-bucket/ds")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(RemoteStorageError, match="cannot be reached") as error:
        wk.Dataset.open("s3://bucket/ds")
    assert "\n" not in str(error.value)


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": root, **env},
    )


def test_bad_credentials_are_one_clear_line():
    """moto with IAM authentication on: unknown keys are refused (403)."""
    with moto_server({"INITIAL_NO_AUTH_ACTION_COUNT": "0"}) as endpoint:
        result = _run(
            "import wkdist.cli, sys; sys.exit(wkdist.cli.main(['info', 's3://bucket/ds']))",
            {
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "AKIAWRONGWRONGWRONG1",
                "AWS_SECRET_ACCESS_KEY": "not-the-secret-9f8e",
            },
        )
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("wkdist: error")]
    assert len(errors) == 1, result.stderr
    assert "access denied" in errors[0]
    assert "not-the-secret-9f8e" not in result.stderr + result.stdout


def test_server_ignoring_conditional_writes_needs_single_writer_mode(s3_endpoint, bucket):
    """A server that ignores If-None-Match (a proxy dropping it) is refused for writes."""
    import dask.config

    from tests.remote.servers import CountingProxy

    proxy = CountingProxy(s3_endpoint, strip_conditions=True)
    url = f"s3://{bucket}/ds"
    try:
        with dask.config.set({"wkdist.s3.endpoint": proxy.url}):
            with pytest.raises(RemoteStorageError, match="ignores conditional writes"):
                wk.Dataset(url, voxel_size=(1, 1, 1))
            assert as_location(f"s3://{bucket}").list_keys() == []
            with dask.config.set({"wkdist.s3.single-writer": True}):
                wk.Dataset(url, voxel_size=(1, 1, 1)).add_layer("color", "color")
            assert list(wk.Dataset.open(url).layers) == ["color"]
    finally:
        proxy.close()
