"""The process-wide tensorstore context that every array and remote file shares."""

from __future__ import annotations

import functools
import os

import tensorstore as ts

from wkdist.config import setting, worker_count


@functools.cache
def tensorstore_context() -> ts.Context:
    """The process-wide tensorstore context (thread pools shared by all arrays).

    Remote requests retry ``wkdist.remote.max-retries`` times with backoff. S3
    credentials come from the environment when ``AWS_ACCESS_KEY_ID`` is set (as in
    the AWS SDKs, it wins), else from tensorstore's default chain (shared
    credentials file and ``AWS_PROFILE``, then instance metadata).
    tensorstore cannot be used in a process forked after it started its threads;
    use the ``spawn`` or ``forkserver`` start methods for process pools.
    """
    cpus = worker_count()
    retries = {
        "max_retries": int(setting("remote.max-retries")),
        "initial_delay": "0.1s",
        "max_delay": "2s",
    }
    return ts.Context(
        {
            "data_copy_concurrency": {"limit": cpus},
            "file_io_concurrency": {"limit": max(8, 2 * cpus)},
            "s3_request_retries": retries,
            "gcs_request_retries": retries,
            # "environment" also keeps the default chain from logging missing ~/.aws files
            "aws_credentials": {
                "type": "environment" if os.environ.get("AWS_ACCESS_KEY_ID") else "default"
            },
        }
    )
