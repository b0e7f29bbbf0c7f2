"""Copies to and from S3 (a local moto_server): wkdist next to webknossos 4.3.3, same run.

Run from the repository root (one benchmark at a time on the shared machine)::

    flock /tmp/wkdist-bench.lock env PYTHONPATH=$PWD python3 bench/bench_s3.py
    ... bench/bench_s3.py --edge 256        # smoke run

One local WKW dataset (LZ4, 32³ chunks, 1024³ files; the shared EM-like uint8 volume,
``--edge``³ voxels) is written once. Then, per library, each in a fresh subprocess:

1. ``copy_dataset`` local WKW -> ``s3://…`` Zarr3 (zstd, each library's default shards);
2. ``copy_dataset`` that S3 Zarr3 -> local Zarr3.

Both talk to the same moto server through a loopback proxy that counts the HTTP bytes in
each direction; wkdist gets the endpoint from ``AWS_ENDPOINT_URL``, webknossos from
``UPath(..., endpoint_url=...)``. wkdist runs on its default scheduler (dask threads),
webknossos on ``cluster_tools``' multiprocessing executor with 2 workers. The copies are
checked voxel for voxel. moto keeps everything in memory, so keep the data modest.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench_dask import _shared_make_volume

from tests.remote.servers import CountingProxy, moto_server

DEFAULT_SHARED_BENCH = REPO_ROOT.parent / "shared" / "bench"
MIB = 2**20
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1"}


def _child(library: str, direction: str, source: str, target: str, endpoint: str) -> None:
    """Inside the subprocess: one timed copy; prints a JSON line."""
    import warnings

    warnings.simplefilter("ignore")
    start = time.perf_counter()
    if library == "wkdist":
        import wkdist as wk

        wk.Dataset.open(source).copy_dataset(target, data_format="zarr3", compress=True)
    else:
        import webknossos
        from cluster_tools import get_executor
        from upath import UPath

        def location(text: str) -> UPath | Path:
            return UPath(text, endpoint_url=endpoint) if text.startswith("s3://") else Path(text)

        with get_executor("multiprocessing", max_workers=2) as executor:
            webknossos.Dataset.open(location(source)).copy_dataset(
                location(target), data_format="zarr3", compress=True, executor=executor
            )
    print(json.dumps({"seconds": time.perf_counter() - start}))


def _run(library: str, direction: str, source: str, target: str, endpoint: str) -> float:
    env = {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": endpoint, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, __file__, "--child", library, direction, source, target, endpoint],
        capture_output=True, text=True, env=env, check=False, timeout=3600,
    )
    if result.returncode != 0:
        raise SystemExit(f"{library} {direction} failed:\n{result.stderr[-3000:]}")
    return float(json.loads(result.stdout.strip().splitlines()[-1])["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edge", type=int, default=512, help="volume edge in voxels (default 512)")
    parser.add_argument("--shared-bench", type=Path, default=DEFAULT_SHARED_BENCH)
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return

    import boto3
    import numpy as np

    import wkdist as wk

    os.environ.update(CREDENTIALS)
    volume = _shared_make_volume(args.shared_bench)("em", (args.edge,) * 3)
    mib = volume.nbytes / MIB
    with tempfile.TemporaryDirectory(prefix="wkdist-bench-s3-") as tmp, moto_server() as moto:
        source = Path(tmp) / "source"
        ds = wk.Dataset(source, voxel_size=(11, 11, 24))
        ds.add_layer("color", "color", data_format="wkw").add_mag(
            1, chunk_shape=32, shard_shape=1024, compress="lz4"
        ).write(volume, absolute_offset=(0, 0, 0))
        proxy = CountingProxy(moto)
        boto3.client("s3", endpoint_url=moto, region_name="us-east-1").create_bucket(
            Bucket="bench"
        )
        print(f"{args.edge}³ uint8 ({mib:.0f} MiB), moto_server on loopback; "
              f"{len(os.sched_getaffinity(0))} CPUs")
        rows = []
        for library in ("wkdist", "webknossos"):
            remote = f"s3://bench/{library}"
            back = str(Path(tmp) / f"back-{library}")
            for direction, src, dst in (("local WKW -> S3 zarr3", str(source), remote),
                                        ("S3 zarr3 -> local zarr3", remote, back)):
                proxy.reset()
                seconds = _run(library, direction, src, dst, proxy.url)
                rows.append((direction, library, seconds, proxy.bytes_sent, proxy.bytes_received))
            copied = wk.Dataset.open(back).get_layer("color").get_mag(1).read()[0]
            if not np.array_equal(copied, volume):
                raise SystemExit(f"{library}: the copy back from S3 differs from the source")
        proxy.close()
    print(f"{'job':26s} {'library':11s} {'s':>7s} {'MiB/s':>7s} {'up MiB':>8s} {'down MiB':>9s}")
    for direction, library, seconds, up, down in rows:
        print(f"{direction:26s} {library:11s} {seconds:7.2f} {mib / seconds:7.1f} "
              f"{up / MIB:8.1f} {down / MIB:9.1f}")
    for direction in dict.fromkeys(row[0] for row in rows):
        ours, theirs = (row[2] for row in rows if row[0] == direction)
        print(f"{direction}: wkdist is {theirs / ours:.2f}x webknossos' speed")


if __name__ == "__main__":
    main()
