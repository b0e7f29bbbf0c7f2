"""``for_each_chunk`` with a numpy function over a 1024×1024×512 mag: wkdist next to webknossos 4.3.3.

Run from the repository root (takes the benchmark lock, as every benchmark should)::

    flock /tmp/wkdist-bench.lock python3 bench/bench_for_each_chunk.py
    flock /tmp/wkdist-bench.lock python3 bench/bench_for_each_chunk.py --quick   # 256×256×128

The source is the shared EM-like uint8 volume (``em_volume.py``), written once as a Zarr v3
layer with 32³ chunks and 256³ shards (so the mag has 32 chunks of 16 MiB). Each
measurement copies that dataset's files, then, in a fresh process, opens it with one
library and calls ``mag.for_each_chunk(func, chunk_shape=(256, 256, 256), executor=...)``
where ``func`` reads its chunk, applies a numpy function (contrast stretch with a
threshold) and writes the chunk back. The results of both libraries are compared voxel
by voxel. Executor settings, the same for both libraries:

* ``default``: ``executor=None`` (webknossos: the calls run one after another in the
  calling process; wkdist: the active dask scheduler, dask's local threads);
* ``processes``: ``cluster_tools.get_executor("multiprocessing", max_workers=2)``,
  created inside the timing (as a user script does).

Reported: seconds (median of ``--repeats``), MiB/s of voxels processed, and the ratio
webknossos / wkdist.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
# where em_volume.py lives (as in bench_jobs.py)
SHARED_BENCH = Path(os.environ.get("WKDIST_BENCH_SHARED", REPO_ROOT.parent / "shared" / "bench"))
LIBRARIES = ("webknossos", "wkdist")
SETTINGS = ("default", "processes")
SHARD = 256
MIB = 2**20


def stretch(args) -> None:
    """The per-chunk numpy function: contrast stretch above a threshold, clipped to uint8."""
    view = args[0]
    data = view.read().astype(np.float32)
    out = np.where(data > 96, (data - 96) * 1.6, data * 0.5)
    view.write(np.clip(out, 0, 255).astype(np.uint8))


def _measure(library: str, dataset: str, setting: str) -> float:
    """Inside the subprocess: open the dataset and time for_each_chunk."""
    import warnings

    warnings.simplefilter("ignore")
    sys.path.insert(0, str(REPO_ROOT / "bench"))
    wk = importlib.import_module(library)
    from cluster_tools import get_executor

    mag = wk.Dataset.open(dataset).get_layer("color").get_mag(1)
    func = getattr(importlib.import_module("bench_for_each_chunk"), "stretch")
    start = time.perf_counter()
    if setting == "default":
        mag.for_each_chunk(func, chunk_shape=(SHARD, SHARD, SHARD))
    else:
        with get_executor("multiprocessing", max_workers=2) as executor:
            mag.for_each_chunk(func, chunk_shape=(SHARD, SHARD, SHARD), executor=executor)
    return time.perf_counter() - start


def _make_source(root: Path, shape: tuple[int, int, int]) -> Path:
    spec = importlib.util.spec_from_file_location("em_volume", SHARED_BENCH / "em_volume.py")
    assert spec is not None and spec.loader is not None
    em_volume = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(em_volume)
    import wkdist as wk

    source = root / "source"
    if (source / "datasource-properties.json").exists():
        return source
    volume = em_volume.make_volume("em", shape)
    ds = wk.Dataset(source, voxel_size=(11, 11, 24))
    layer = ds.add_layer("color", "color", dtype="uint8",
                         bounding_box=wk.BoundingBox((0, 0, 0), shape))
    layer.add_mag(1, chunk_shape=32, shard_shape=SHARD).write(volume, absolute_offset=(0, 0, 0))
    return source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="256×256×128 instead")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, help="work directory to keep (reuses the source)")
    args = parser.parse_args()
    shape = (256, 256, 128) if args.quick else (1024, 1024, 512)
    root = args.out or Path(tempfile.mkdtemp(prefix="bench-for-each-chunk-"))
    root.mkdir(parents=True, exist_ok=True)
    source = _make_source(root, shape)
    mib = np.prod(shape) / MIB
    results: dict[str, dict[str, float]] = {}
    outputs: dict[tuple[str, str], Path] = {}
    for setting in SETTINGS:
        for library in LIBRARIES:
            times = []
            for repeat in range(args.repeats):
                target = root / f"{library}-{setting}-{repeat}"
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(source, target)
                code = (
                    f"import sys; sys.path.insert(0, {str(REPO_ROOT / 'bench')!r}); "
                    "import bench_for_each_chunk as b; "
                    f"print(b._measure({library!r}, {str(target)!r}, {setting!r}))"
                )
                done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                      text=True, check=True, cwd=REPO_ROOT)
                times.append(float(done.stdout.strip().splitlines()[-1]))
                outputs[(library, setting)] = target
            seconds = statistics.median(times)
            results.setdefault(setting, {})[library] = seconds
            print(f"{setting:10s} {library:11s} {seconds:7.2f} s  {mib / seconds:7.1f} MiB/s  "
                  f"(runs: {', '.join(f'{t:.2f}' for t in times)})", flush=True)
        import wkdist as wk

        a, b = (wk.Dataset.open(outputs[(lib, setting)]).get_layer("color").get_mag(1)
                for lib in LIBRARIES)
        assert a.content_is_equal(b), f"results differ for {setting}"
        ratio = results[setting]["webknossos"] / results[setting]["wkdist"]
        print(f"{setting:10s} ratio webknossos/wkdist: {ratio:.2f}x (same voxels)", flush=True)
    print(json.dumps({"shape": shape, "seconds": results}))
    if args.out is None:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
