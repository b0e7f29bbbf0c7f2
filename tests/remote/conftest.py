"""A real S3 server (moto) for every test here; nothing contacts a cloud endpoint.

The endpoint reaches wkdist the way users configure it: ``AWS_ENDPOINT_URL``,
with credentials in ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``.
"""

from __future__ import annotations

import itertools
import os
from typing import TYPE_CHECKING

import boto3
import pytest

from tests.remote.servers import moto_server

if TYPE_CHECKING:
    from collections.abc import Iterator

# Distinctive, so tests can check that it never lands in graphs, pickles or output.
SECRET = "wkdist-test-secret-5ac1d"
_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": SECRET,
    "AWS_REGION": "us-east-1",
}
_bucket_numbers = itertools.count()


@pytest.fixture(scope="package")
def s3_endpoint() -> Iterator[str]:
    """The moto server's URL, also set as AWS_ENDPOINT_URL (with test credentials)."""
    saved = {k: os.environ.get(k) for k in (*_CREDENTIALS, "AWS_ENDPOINT_URL")}
    with moto_server() as endpoint:
        os.environ.update(_CREDENTIALS, AWS_ENDPOINT_URL=endpoint)
        try:
            yield endpoint
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    """A new, empty bucket on the moto server."""
    name = f"wkdist-test-{os.getpid()}-{next(_bucket_numbers)}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(
        Bucket=name
    )
    return name
