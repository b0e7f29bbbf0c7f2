"""The lazy dask array of a mag (``to_dask()``) next to webknossos 4.3.3, on the same files.

Run from the repository root, one benchmark at a time on the machine::

    flock /tmp/wkdist-bench.lock python3 bench/bench_to_dask.py --out /tmp/bench-to-dask
    flock /tmp/wkdist-bench.lock python3 bench/bench_to_dask.py --size 512 512 256 --repeats 1

The workload is ``make_volume("em", size)`` from the shared ``em_volume.py``
(default 1024 x 1024 x 512 uint8), written once per format (WKW, Zarr3) by
``webknossos`` with its defaults (``compress=True``: LZ4HC WKW, zstd Zarr3,
32³ chunks, 1024³ shards). Every measurement runs in a fresh Python process;
times are medians of ``--repeats``, peak memory is ``VmHWM``. Parts:

1. whole result: ``to_dask().compute()`` (default blocks = shards, and 256³ blocks)
   against ``webknossos`` ``mag.read()``; ``dask.array.from_zarr(zarr.open_array(...))``
   on the Zarr3 mag (once: it is slow);
2. reductions: ``to_dask().sum()``, ``.max()``, ``.astype("f4").mean()`` against the
   same numpy call on ``webknossos`` ``mag.read()`` (read included on both sides);
3. write back: ``target.write(source.to_dask() * 2 // 3)`` into a new compressed mag
   against ``webknossos`` read → numpy → write, and wkdist's own copy job
   (``add_layer_as_copy``) of the same mag; for Zarr3 (whose copy into the same layout
   is a file copy) both again into 512³ shards, where the copy re-encodes every chunk;
4. halo: ``wk.map_blocks`` of a 3D Gaussian (sigma 2, halo 8) from the WKW mag into a
   Zarr3 layer (256³ shards) on a 2-process ``LocalCluster`` with
   ``wkdist.write.task-memory`` = 64 MiB, for growing boxes: seconds and peak RSS per worker.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# ../shared/bench next to the repository (or next to the worktrees' directory).
DEFAULT_SHARED_BENCH = next(
    (p / "shared" / "bench" for p in REPO_ROOT.parents if (p / "shared" / "bench").is_dir()),
    REPO_ROOT.parent / "shared" / "bench",
)
VOXEL_SIZE = (11.0, 11.0, 24.0)
FORMATS = ("wkw", "zarr3")
MIB = 2**20


def _hwm_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM missing from /proc/self/status")


# ------------------------------------------------------------- measurements
def _lib(name: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "wk":
            import webknossos as lib
        else:
            import wkdist as lib
    return lib


def _mag(lib_name: str, path: str):
    return _lib(lib_name).Dataset.open(path).get_layer("color").get_mag(1)


def smooth(block):
    """The halo example: a 3D Gaussian (sigma 2 voxels, reach 8) of a uint8 EM block."""
    from scipy import ndimage

    result = ndimage.gaussian_filter(block, sigma=(0, 2, 2, 2), mode="reflect", output="f4")
    return result.round().astype("uint8")


def measure(task: dict) -> dict:
    """One measurement in this (fresh) process; returns seconds and peak RSS."""
    warnings.simplefilter("ignore")
    import dask

    kind, path = task["kind"], task.get("path")
    out = Path(task.get("out", "."))
    lib_name = "wk" if kind.startswith("wk-") else "wd"
    # Opening (imports, metadata) is outside the timing, on both sides.
    mag = _mag(lib_name, path) if kind in _TIMED_AFTER_OPEN else None
    started = time.perf_counter()
    value: object = None
    if kind in ("wk-read", "wd-read"):
        value = mag.read().shape
    elif kind == "wd-compute":
        value = mag.to_dask(chunks=task.get("chunks")).compute().shape
    elif kind == "from-zarr":
        import dask.array as da
        import zarr

        array = zarr.open_array(str(Path(path) / "color" / "1"), mode="r")
        box = json.loads((Path(path) / "datasource-properties.json").read_text())
        size = box["dataLayers"][0]["boundingBox"]
        started = time.perf_counter()
        lazy = da.from_zarr(array)[:, : size["width"], : size["height"], : size["depth"]]
        value = lazy.compute().shape
    elif kind.startswith("wk-np-"):
        value = _reduce(mag.read(), kind.removeprefix("wk-np-"))
    elif kind.startswith("wd-dask-"):
        op = kind.removeprefix("wd-dask-")
        value = _reduce(mag.to_dask(chunks=task.get("chunks")), op).compute()
    elif kind == "wk-write":
        wk = _lib("wk")
        source = _mag("wk", path)
        target_path = out / f"wk-write-{Path(path).name}"
        shutil.rmtree(target_path, ignore_errors=True)
        started = time.perf_counter()
        data = source.read() * 2 // 3
        ds = wk.Dataset(target_path, voxel_size=VOXEL_SIZE)
        layer = ds.add_layer("color", "color", dtype_per_channel="uint8",
                             data_format=source.info.data_format,
                             bounding_box=source.layer.bounding_box)
        layer.add_mag(1, compress=True).write(data, absolute_offset=(0, 0, 0))
        value = data.shape
    elif kind == "wd-write":
        wd = _lib("wd")
        source = _mag("wd", path)
        target_path = out / f"wd-write-{Path(path).name}"
        shutil.rmtree(target_path, ignore_errors=True)
        started = time.perf_counter()
        ds = wd.Dataset(target_path, voxel_size=VOXEL_SIZE)
        layer = ds.add_layer("color", "color", dtype="uint8", data_format=source.data_format,
                             bounding_box=source.layer.bounding_box)
        target = layer.add_mag(1, compress=True, shard_shape=task.get("shard_shape"))
        with dask.config.set(scheduler="threads"):
            target.write(source.to_dask(chunks=task.get("chunks")) * 2 // 3,
                         absolute_offset=(0, 0, 0))
        value = tuple(target.info.shard_shape)
    elif kind == "wd-copy":
        wd = _lib("wd")
        source = _mag("wd", path)
        target_path = out / f"wd-copy-{Path(path).name}"
        shutil.rmtree(target_path, ignore_errors=True)
        started = time.perf_counter()
        ds = wd.Dataset(target_path, voxel_size=VOXEL_SIZE)
        with dask.config.set(scheduler="threads"):
            layer = ds.add_layer_as_copy(source.layer, "color", compress=True,
                                         shard_shape=task.get("shard_shape"))
        value = tuple(layer.get_mag(1).info.shard_shape)
    elif kind == "halo":
        return _halo(task, out)
    else:
        raise ValueError(kind)
    return {"seconds": time.perf_counter() - started, "hwm": _hwm_mib(), "value": repr(value)}



_TIMED_AFTER_OPEN = {
    "wk-read", "wd-read", "wd-compute", "wk-np-sum", "wk-np-max", "wk-np-mean",
    "wd-dask-sum", "wd-dask-max", "wd-dask-mean",
}


def _reduce(data, op: str):
    if op == "sum":
        return data.sum()
    if op == "max":
        return data.max()
    if op == "mean":
        return data.astype("f4").mean()
    raise ValueError(op)


def _worker_hwm() -> float:
    return _hwm_mib()


def _halo(task: dict, out: Path) -> dict:
    import logging

    import dask
    from distributed import Client, LocalCluster

    wd = _lib("wd")
    size = tuple(task["size"])
    source = _mag("wd", task["path"])
    view = source.get_view(absolute_offset=(0, 0, 0), size=size, read_only=True)
    target_path = out / f"halo-{'x'.join(map(str, size))}"
    shutil.rmtree(target_path, ignore_errors=True)
    ds = wd.Dataset(target_path, voxel_size=VOXEL_SIZE)
    layer = ds.add_layer("smooth", "color", dtype="uint8", data_format="zarr3",
                         bounding_box=view.bounding_box)
    target = layer.add_mag(1, compress=True, chunk_shape=32, shard_shape=256)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                     silence_logs=logging.CRITICAL) as cluster,
        Client(cluster) as client,
        dask.config.set({"wkdist.write.task-memory": "64MiB"}),
    ):
        client.run(lambda: __import__("scipy.ndimage") and __import__("wkdist.dataset.map_blocks"))
        base = client.run(_worker_hwm)
        started = time.perf_counter()
        wd.map_blocks(smooth, view, target, halo=8)
        seconds = time.perf_counter() - started
        peaks = client.run(_worker_hwm)
    return {
        "seconds": seconds,
        "hwm": max(peaks.values()),
        "hwm_idle": max(base.values()),
        "value": repr(size),
    }


# ------------------------------------------------------------------ driver
def _run(task: dict) -> dict:
    env = dict(os.environ, PYTHONPATH=f"{REPO_ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    proc = subprocess.run(
        [sys.executable, __file__, "--one", json.dumps(task)],
        capture_output=True, text=True, env=env, check=False,
    )
    if proc.returncode:
        raise RuntimeError(f"{task} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median(task: dict, repeats: int) -> dict:
    runs = [_run(task) for _ in range(repeats)]
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "hwm": max(r["hwm"] for r in runs),
        **({"hwm_idle": runs[0]["hwm_idle"]} if "hwm_idle" in runs[0] else {}),
    }


def prepare(out: Path, size: tuple[int, int, int], shared: Path) -> dict[str, str]:
    """The volume, written once per format by webknossos (kept in ``out`` for the next run)."""
    import numpy as np

    volume_file = out / f"em_{'_'.join(map(str, size))}.npy"
    if not volume_file.exists():
        sys.path.insert(0, str(shared))
        from em_volume import make_volume

        np.save(volume_file, make_volume("em", size))
    paths = {}
    for fmt in FORMATS:
        path = out / f"wk-{fmt}-{'x'.join(map(str, size))}"
        paths[fmt] = str(path)
        if (path / "datasource-properties.json").exists():
            continue
        wk = _lib("wk")
        data = np.load(volume_file)
        ds = wk.Dataset(path, voxel_size=VOXEL_SIZE)
        layer = ds.add_layer("color", "color", dtype_per_channel="uint8", data_format=fmt,
                             bounding_box=wk.BoundingBox((0, 0, 0), size))
        layer.add_mag(1, compress=True).write(data, absolute_offset=(0, 0, 0))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, nargs=3, default=(1024, 1024, 512))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="work directory (kept)")
    parser.add_argument("--shared-bench", type=Path, default=DEFAULT_SHARED_BENCH)
    parser.add_argument("--parts", nargs="+", default=["compute", "reduce", "write", "halo"])
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        task = json.loads(args.one)
        result = measure(task)
        after = resource.getrusage(resource.RUSAGE_SELF)
        # CPU seconds of the whole process (all threads, opening included): steadier
        # than wall time on a loaded machine.
        result["cpu_process"] = after.ru_utime + after.ru_stime
        result["load"] = os.getloadavg()[0]
        with open(Path(task.get("out", ".")) / "measurements.jsonl", "a") as log:
            log.write(json.dumps({**task, **result}) + "\n")
        print(json.dumps(result))
        return
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-to-dask-"))
    out.mkdir(parents=True, exist_ok=True)
    size = tuple(args.size)
    paths = prepare(out, size, args.shared_bench)
    mib = size[0] * size[1] * size[2] / MIB
    r = args.repeats
    results: dict[str, dict] = {}

    def row(label: str, task: dict, repeats: int = r) -> dict:
        result = _median({**task, "out": str(out)}, repeats)
        results[label] = result
        print(f"  {label:<44} {result['seconds']:7.2f} s {mib / result['seconds']:7.0f} MiB/s "
              f"peak {result['hwm']:6.0f} MiB", flush=True)
        return result

    def ratio(label: str, ours: dict, peer: dict) -> None:
        print(f"  -> {label}: {peer['seconds'] / ours['seconds']:.2f}x", flush=True)

    print(f"{'x'.join(map(str, size))} uint8 EM-like ({mib:.0f} MiB), median of {r}, fresh process each")
    for fmt, path in paths.items():
        print(f"\n[{fmt}]")
        if "compute" in args.parts:
            peer = row("webknossos read()", {"kind": "wk-read", "path": path})
            row("wkdist read()", {"kind": "wd-read", "path": path})
            whole = row("wkdist to_dask().compute()", {"kind": "wd-compute", "path": path})
            blocks = row("wkdist to_dask(chunks=256).compute()",
                         {"kind": "wd-compute", "path": path, "chunks": 256})
            ratio("to_dask().compute() vs webknossos read()", whole, peer)
            ratio("to_dask(chunks=256).compute() vs webknossos read()", blocks, peer)
            if fmt == "zarr3":
                slow = row("dask.array.from_zarr(zarr.open_array()) (1 run)",
                           {"kind": "from-zarr", "path": path}, repeats=1)
                ratio("from_zarr vs webknossos read()", slow, peer)
        if "reduce" in args.parts:
            for op in ("sum", "max", "mean"):
                peer = row(f"numpy {op} on webknossos read()", {"kind": f"wk-np-{op}", "path": path})
                ours = row(f"to_dask().{op}()", {"kind": f"wd-dask-{op}", "path": path})
                small = row(f"to_dask(chunks=256).{op}()",
                            {"kind": f"wd-dask-{op}", "path": path, "chunks": 256})
                ratio(f"{op}: to_dask() vs numpy on webknossos read()", ours, peer)
                ratio(f"{op}: to_dask(chunks=256) vs numpy on webknossos read()", small, peer)
        if "write" in args.parts:
            peer = row("webknossos read -> *2//3 -> write", {"kind": "wk-write", "path": path})
            ours = row("wkdist write(to_dask() * 2 // 3)", {"kind": "wd-write", "path": path})
            copy = row("wkdist copy job (add_layer_as_copy)", {"kind": "wd-copy", "path": path})
            ratio("write(to_dask()*2//3) vs webknossos read->numpy->write", ours, peer)
            print(f"  -> write(to_dask()*2//3) time / copy job time: "
                  f"{ours['seconds'] / copy['seconds']:.2f}", flush=True)
            if fmt == "zarr3":
                # A copy into the source's own layout is a file copy; both again into
                # 512³ shards, so that the copy job re-encodes every chunk too.
                ours = row("wkdist write(to_dask() * 2 // 3), 512³ shards",
                           {"kind": "wd-write", "path": path, "shard_shape": 512})
                copy = row("wkdist copy job, 512³ shards",
                           {"kind": "wd-copy", "path": path, "shard_shape": 512})
                print(f"  -> the same into 512³ shards, write time / copy job time: "
                      f"{ours['seconds'] / copy['seconds']:.2f}", flush=True)
    if "halo" in args.parts:
        print("\n[halo: map_blocks(gaussian sigma 2, halo 8), WKW -> Zarr3 256³ shards, "
              "2-process LocalCluster, task-memory 64 MiB]")
        for edge in (256, 512):
            box = (min(edge, size[0]), min(edge, size[1]), min(edge, size[2]))
            result = row(f"box {box}", {"kind": "halo", "path": paths["wkw"], "size": box}, 1)
            print(f"     peak per worker {result['hwm']:.0f} MiB (idle {result['hwm_idle']:.0f} MiB)")
        result = row(f"box {size}", {"kind": "halo", "path": paths["wkw"], "size": size}, 1)
        print(f"     peak per worker {result['hwm']:.0f} MiB (idle {result['hwm_idle']:.0f} MiB)")
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
