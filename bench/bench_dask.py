"""The dask bridge of wkdist: lazy reads, write planning and the memory of distributed writes.

Run from the repository root::

    /work/venv/bin/python bench/bench_dask.py            # full run (~10-15 min on 2 cores)
    /work/venv/bin/python bench/bench_dask.py --quick    # smoke run with small sizes

Three parts, printed as tables (see bench/README.md, section ``bench_dask.py``):

1. read: ``MagView.to_dask().compute()`` of a whole mag (threads, and on a
   ``distributed.LocalCluster``) next to webknossos 4.3.3 ``MagView.read()`` of the same files;
2. plan: seconds and task count of ``MagView.write(dask_array, compute=False)`` into a
   Zarr3 layer of 32 768 shards, with nothing written;
3. memory: peak RSS per worker while a LocalCluster writes arrays of growing size.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import logging
import os
import pickle
import platform
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
SHARED_BENCH_ENV = "WKDIST_BENCH_SHARED"
DEFAULT_SHARED_BENCH = REPO_ROOT.parent / "shared" / "bench"
VOXEL_SIZE = (11.0, 11.0, 24.0)
MIB = 2**20
TILE = 256  # edge of the EM tile that part 3 builds its arrays from


# ------------------------------------------------------------------ helpers
def _proc_status_mib(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak since exec) of this process in MiB, from /proc."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} missing from /proc/self/status")


def _memory_and_cpu() -> dict[str, float]:
    """This process's memory figures (MiB) and CPU seconds; run on workers via ``client.run``."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "rss": _proc_status_mib("VmRSS"),
        "hwm": _proc_status_mib("VmHWM"),
        "maxrss": usage.ru_maxrss / 1024,  # kB on Linux
        "cpu": usage.ru_utime + usage.ru_stime,
    }


def _warm_worker() -> None:
    """Import what the tasks need, so the first timed task pays no import."""
    warnings.simplefilter("ignore")
    import tensorstore  # noqa: F401

    import wkdist.dask_bridge  # noqa: F401
    import wkdist.storage  # noqa: F401


def _digest(volume) -> str:
    import numpy as np

    return hashlib.blake2b(np.ascontiguousarray(volume).data).hexdigest()


def _import(library: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if library == "webknossos":
            import webknossos as lib
        else:
            import wkdist as lib
    return lib


def _start_cluster():
    from distributed import Client, LocalCluster

    # silence_logs: closing a cluster races with the workers' heartbeats, which log a
    # harmless CommClosedError traceback at ERROR level; failed tasks still raise in compute.
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        silence_logs=logging.CRITICAL,
    )
    client = Client(cluster)
    client.run(_warm_worker)
    return cluster, client


def _shard_files(mag_path: Path) -> list[Path]:
    """Every file below a mag directory but the array metadata."""
    return [p for p in mag_path.rglob("*") if p.is_file() and p.name != "zarr.json"]


def _shared_make_volume(shared_bench: Path):
    if not (shared_bench / "em_volume.py").exists():
        raise SystemExit(
            f"em_volume.py not found in {shared_bench}; pass --shared-bench DIR "
            f"or set {SHARED_BENCH_ENV}"
        )
    sys.path.insert(0, str(shared_bench))
    from em_volume import make_volume

    return make_volume


def environment() -> str:
    cpus = len(os.sched_getaffinity(0))
    with open("/proc/meminfo") as meminfo:
        total = int(meminfo.readline().split()[1]) / 2**20
    model = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line),
        platform.processor(),
    )
    names = ("numpy", "dask", "distributed", "tensorstore", "zarr", "wkw", "webknossos", "wkdist")
    versions = []
    for name in names:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} ?")
    commit = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n".join([
        f"machine: {cpus} cores usable ({os.cpu_count()} online), {total:.1f} GiB RAM, {model}",
        f"python {platform.python_version()} on {platform.platform()}",
        ", ".join(versions),
        f"wkdist commit {commit or '?'}{' + uncommitted changes' if dirty else ''}",
        f"load average (1/5/15 min) at start: {load}",
    ])


# ------------------------------------------------------------ part 1: read
READ_RUNS = (
    # (row label, library, mode, to_dask chunks)
    ("webknossos MagView.read()", "webknossos", "read", None),
    ("wkdist MagView.read()", "wkdist", "read", None),
    ("wkdist to_dask() threads", "wkdist", "threads", None),
    ("wkdist to_dask(chunks=128) threads", "wkdist", "threads", 128),
    ("wkdist to_dask() LocalCluster 2x1", "wkdist", "cluster", None),
)
READ_FORMATS = {
    "zarr3": "Zarr3 zstd, 32³ chunks, 512³ shards (written by webknossos)",
    "wkw": "WKW compressed (LZ4HC), 32³ blocks, 1024³ files (written by webknossos)",
}


def create_read_datasets(volume_file: Path, out: Path) -> dict[str, str]:
    """Write the volume once per format with webknossos; both libraries then read these files."""
    import numpy as np

    wk = _import("webknossos")
    data = np.load(volume_file)
    paths = {}
    for fmt in READ_FORMATS:
        path = out / f"read-{fmt}-{data.shape[0]}"
        paths[fmt] = str(path)
        if (path / "datasource-properties.json").exists():
            continue
        shutil.rmtree(path, ignore_errors=True)
        started = time.perf_counter()
        ds = wk.Dataset(path, voxel_size=VOXEL_SIZE)
        layer = ds.add_layer(
            "color", "color", dtype_per_channel="uint8", data_format=fmt,
            bounding_box=wk.BoundingBox((0, 0, 0), data.shape),
        )
        shard = (512, 512, 512) if fmt == "zarr3" else None
        mag = layer.add_mag(1, chunk_shape=(32, 32, 32), shard_shape=shard, compress=True)
        mag.write(data, absolute_offset=(0, 0, 0))
        print(f"  wrote {fmt} dataset with webknossos in {time.perf_counter() - started:.1f} s",
              flush=True)
    return paths


def read_worker(task: dict) -> dict:
    """One read measurement in a fresh process: open, then time the read only."""
    warnings.simplefilter("ignore")
    lib = _import(task["library"])
    mag = lib.Dataset.open(task["dataset"]).get_layer("color").get_mag(1)
    if task["library"] == "wkdist":
        _warm_worker()  # imports dask.array, as webknossos does at import
    # Open the array and start the codec threads outside the timing, for both libraries.
    mag.read(absolute_offset=(0, 0, 0), size=(32, 32, 32))
    cluster = client = None
    if task["mode"] == "cluster":
        cluster, client = _start_cluster()
    try:
        workers_before = client.run(_memory_and_cpu) if client else {}
        cpu, start = _memory_and_cpu()["cpu"], time.perf_counter()
        if task["mode"] == "read":
            data = mag.read()
        else:
            data = mag.to_dask(chunks=task["chunks"]).compute()
        seconds = time.perf_counter() - start
        cpu = _memory_and_cpu()["cpu"] - cpu
        if client:
            workers_after = client.run(_memory_and_cpu)
            cpu += sum(workers_after[w]["cpu"] - workers_before[w]["cpu"] for w in workers_after)
    finally:
        if client:
            client.close()
            cluster.close()
    if _digest(data[0]) != task["digest"]:
        raise RuntimeError(f"{task['library']} {task['mode']}: the data read differs")
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mib": _proc_status_mib("VmHWM")}


def _in_subprocess(task: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(task)],
        capture_output=True, text=True, check=False, cwd=REPO_ROOT,
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": tail[:200]}
    return json.loads(lines[-1])


def bench_read(paths: dict[str, str], digest: str, size: int, repeats: int) -> tuple[str, dict]:
    results: dict[tuple[str, str], list[dict]] = {}
    # Rounds interleave the rows, so a burst of load from elsewhere hits all of them.
    for rep in range(repeats):
        for fmt, path in paths.items():
            for label, library, mode, chunks in READ_RUNS:
                task = {"library": library, "mode": mode, "chunks": chunks,
                        "dataset": path, "digest": digest}
                results.setdefault((fmt, label), []).append(_in_subprocess(task))
        print(f"  read round {rep + 1}/{repeats} done", flush=True)
    mib = size**3 / MIB
    lines = [
        f"{size}³ uint8 EM-like volume ({mib:g} MiB), median of {repeats}; MiB/s of uncompressed "
        "voxels; ratio = MiB/s ÷ webknossos read() MiB/s; CPU s = user+sys of the process "
        "(+ both workers for LocalCluster); peak = VmHWM of the reading process",
        f"{'':<38} {'MiB/s':>7} {'ratio':>6} {'CPU s':>6} {'peakMiB':>7}",
    ]
    summary = {}
    for fmt, title in READ_FORMATS.items():
        lines.append(title)
        reference = None  # the webknossos read() row, listed first
        for label, library, *_ in READ_RUNS:
            reps = results[(fmt, label)]
            errors = [r["error"] for r in reps if "error" in r]
            if errors:
                lines.append(f"  {label:<36} failed: {errors[0]}")
                continue
            rate = mib / statistics.median(r["seconds"] for r in reps)
            if library == "webknossos":
                reference = rate
            ratio = f"{rate / reference:6.2f}" if reference else f"{'—':>6}"
            cpu = statistics.median(r["cpu_seconds"] for r in reps)
            peak = max(r["peak_mib"] for r in reps)
            summary[f"{fmt}/{label}"] = {"mib_s": rate, "cpu_s": cpu, "peak_mib": peak,
                                         "runs": reps}
            lines.append(f"  {label:<36} {rate:7.0f} {ratio} {cpu:6.2f} "
                         f"{peak:7.0f}")
    return "\n".join(lines), summary


# ------------------------------------------------------------ part 2: plan
def bench_plan(out: Path, edge: int, shard: int) -> tuple[str, dict]:
    """Plan writes of ``edge``³ voxels into Zarr3 layers of ``shard``³ shards; compute nothing."""
    import dask.array as da
    import numpy as np

    wkdist = _import("wkdist")
    from wkdist.dask_bridge.write import batch_shape

    path = out / f"plan-{edge}"
    shutil.rmtree(path, ignore_errors=True)
    ds = wkdist.Dataset(path, voxel_size=VOXEL_SIZE)
    box = wkdist.BoundingBox((0, 0, 0), (edge,) * 3)

    def mag(name: str, shard_edge: int | None, layer_box):
        added = ds.add_layer(name, "color", dtype_per_channel="uint8", data_format="zarr3",
                             bounding_box=layer_box)
        return added.add_mag(1, chunk_shape=32, shard_shape=shard_edge)

    target = mag("target", shard, box)
    empty_target = mag("target-empty-box", shard, None)
    sources = [mag("source-default", None, box), mag(f"source-{shard}", shard, box)]

    def zeros():
        return da.zeros((1, edge, edge, edge), dtype=np.uint8, chunks=(1, 512, 512, 512))

    cases = [("da.zeros, chunks 512³", zeros, target)] + [
        (f"{source.layer.name}.to_dask(), {source.info.shard_shape.x}³ blocks",
         source.to_dask, target)
        for source in sources
    ] + [("da.zeros -> layer with an empty box", zeros, empty_target)]
    all_mags = [target, empty_target, *sources]
    metadata = {p: p.read_bytes() for p in [path / "datasource-properties.json",
                                            *(m.path / "zarr.json" for m in all_mags)]}
    batch = batch_shape(target.info, box)
    shards = (edge // shard) ** 3
    lines = [
        f"write plan of a {edge}³ uint8 array into Zarr3 ({shard}³ shards = {shards} shards, "
        f"32³ chunks); block of a write task: {tuple(batch)} = {batch.prod() / MIB:g} MiB",
        "plan s = MagView.write(..., compute=False): first call / median of 3 more; "
        "tasks = len(plan.dask)",
        f"{'input':<40} {'blocks':>6} {'first s':>7} {'plan s':>6} {'tasks':>6} "
        f"{'writes':>6} {'pickle MiB':>10}",
    ]
    summary = {}
    for label, make, target_mag in cases:
        times = []
        for _ in range(4):
            array = make()
            start = time.perf_counter()
            plan = target_mag.write(array, absolute_offset=(0, 0, 0), compute=False)
            times.append(time.perf_counter() - start)
        graph = plan.__dask_graph__()
        tasks = len(plan.dask)
        writes = sum(1 for key in graph if isinstance(key, tuple)
                     and str(key[0]).startswith("wkdist-write-"))
        pickled = len(pickle.dumps(dict(graph))) / MIB
        median = statistics.median(times[1:])
        summary[label] = {"first_seconds": times[0], "seconds": median, "tasks": tasks,
                          "write_tasks": writes, "input_blocks": array.npartitions,
                          "pickle_mib": pickled}
        lines.append(f"{label:<40} {array.npartitions:6d} {times[0]:7.2f} {median:6.2f} "
                     f"{tasks:6d} {writes:6d} {pickled:10.2f}")
    written = [p for m in all_mags for p in _shard_files(m.path)]
    changed = [p.relative_to(path) for p, content in metadata.items() if p.read_bytes() != content]
    lines.append(
        f"after planning: {len(written)} shard files"
        f"{' (BUG: ' + str(written[:3]) + ')' if written else ''}; metadata files changed: "
        f"{[str(p) for p in changed] if changed else 'none'} "
        "(datasource-properties.json and every zarr.json compared byte for byte)"
    )
    summary["shard_files_written"] = len(written)
    summary["metadata_changed"] = [str(p) for p in changed]
    shutil.rmtree(path, ignore_errors=True)
    return "\n".join(lines), summary


# ---------------------------------------------------------- part 3: memory
def _em_block(zeros, tile_file: str, block_info=None):
    """One input block: the EM tile rolled by an amount that depends on the block's index."""
    import numpy as np

    i, j, k = block_info[0]["chunk-location"][1:]
    tile = np.load(tile_file)
    shift = ((i * 37 + j * 11 + k * 5) % TILE, (i * 7 + j * 41 + k * 13) % TILE,
             (i * 3 + j * 19 + k * 43) % TILE)
    block = np.roll(tile, shift, axis=(0, 1, 2))
    _, x, y, z = zeros.shape
    return np.asfortranarray(block[:x, :y, :z])[np.newaxis]


def memory_one(out: Path, tile_file: Path, size: tuple[int, int, int], shard: int | None,
               settings: dict[str, object]) -> dict:
    """Write one EM-like array of ``size`` on a fresh LocalCluster; return the workers' memory.

    ``settings`` (wkdist's dask.config keys) apply while the write is planned."""
    import dask.array as da
    import dask.config
    import numpy as np

    wkdist = _import("wkdist")
    from wkdist.dask_bridge.write import batch_shape

    path = out / "memory"
    shutil.rmtree(path, ignore_errors=True)
    ds = wkdist.Dataset(path, voxel_size=VOXEL_SIZE)
    box = wkdist.BoundingBox((0, 0, 0), size)
    layer = ds.add_layer("color", "color", dtype_per_channel="uint8", data_format="zarr3",
                         bounding_box=box)
    mag = layer.add_mag(1, chunk_shape=32, shard_shape=shard, compress=True)
    spec = mag.info
    zeros = da.zeros((1, *size), dtype=np.uint8, chunks=(1, TILE, TILE, TILE))
    array = zeros.map_blocks(_em_block, str(tile_file), dtype=np.uint8)
    cluster, client = _start_cluster()
    try:
        before = client.run(_memory_and_cpu)
        start = time.perf_counter()
        with dask.config.set(settings):
            block = batch_shape(spec, box)
            plan = mag.write(array, absolute_offset=(0, 0, 0), compute=False)
        plan.compute()
        seconds = time.perf_counter() - start
        after = client.run(_memory_and_cpu)
    finally:
        client.close()
        cluster.close()
    files = len(_shard_files(mag.path))
    expected = int(np.prod([-(-s // e) for s, e in zip(size, spec.shard_shape)]))
    if files != expected or layer.bounding_box != box:
        raise RuntimeError(f"{size} shards {tuple(spec.shard_shape)}: {files} shard files "
                           f"(expected {expected}), layer box {layer.bounding_box}")
    shutil.rmtree(path, ignore_errors=True)
    return {
        "seconds": seconds,
        "shard": tuple(spec.shard_shape),
        # the block of a write task: the batch shape, clipped at the array's box
        "block": tuple(min(b, s) for b, s in zip(block, size)),
        "idle_hwm": max(w["hwm"] for w in before.values()),
        "peak_hwm": [w["hwm"] for w in after.values()],
        "peak_maxrss": [w["maxrss"] for w in after.values()],
        "cpu": sum(after[w]["cpu"] - before[w]["cpu"] for w in after),
    }


def bench_memory(out: Path, tile_file: Path,
                 cases: list[tuple[int | None, tuple[int, int, int], dict[str, object]]],
                 ) -> tuple[str, dict]:
    import dask.config

    lines = [
        "peak RSS per worker after writing an EM-like uint8 dask array (input chunks "
        f"{TILE}³, made per block) into Zarr3 zstd, 32³ chunks; a fresh "
        "LocalCluster(n_workers=2, threads_per_worker=1, processes=True) per row",
        "idle / peak w1 / peak w2 = VmHWM in MiB of the workers before the write and after it; "
        "maxrss = max ru_maxrss after it (inherits the spawning process's RSS, see README)",
        f"defaults: wkdist.write.task-memory = {dask.config.get('wkdist.write.task-memory')}, "
        f"wkdist.write.max-tasks = {dask.config.get('wkdist.write.max-tasks')}",
        f"{'shards':<13} {'array (x,y,z)':<15} {'MiB':>5} {'task block':<15} {'idle':>5} "
        f"{'peak w1':>7} {'peak w2':>7} {'maxrss':>6} {'MiB/s':>5} {'CPU s':>5}  settings",
    ]
    summary = {}
    for shard, size, settings in cases:
        result = memory_one(out, tile_file, size, shard, settings)
        mib = size[0] * size[1] * size[2] / MIB
        shown = ", ".join(f"{k.rsplit('.', 1)[1]}={v}" for k, v in settings.items())
        key = f"{'default' if shard is None else shard}/{'x'.join(map(str, size))}"
        summary[key + (f"/{shown}" if shown else "")] = result
        shard_label = f"{result['shard'][0]}³" + (" (dflt)" if shard is None else "")
        w1, w2 = sorted(result["peak_hwm"])
        lines.append(
            f"{shard_label:<13} {'×'.join(map(str, size)):<15} {mib:5.0f} "
            f"{'×'.join(map(str, result['block'])):<15} {result['idle_hwm']:5.0f} "
            f"{w1:7.0f} {w2:7.0f} {max(result['peak_maxrss']):6.0f} "
            f"{mib / result['seconds']:5.1f} {result['cpu']:5.1f}  {shown or '-'}"
        )
        print(f"  memory {key} {shown}: {w1:.0f}/{w2:.0f} MiB in {result['seconds']:.1f} s",
              flush=True)
    return "\n".join(lines), summary


# --------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition")
    parser.add_argument("--out", type=Path, help="work directory, kept (default: temp, deleted)")
    parser.add_argument("--repeats", type=int, help="read repetitions (default 3, quick 1)")
    parser.add_argument("--parts", nargs="+", choices=("read", "plan", "memory"),
                        default=["read", "plan", "memory"], help="run only these parts")
    parser.add_argument(
        "--shared-bench", type=Path,
        default=Path(os.environ.get(SHARED_BENCH_ENV, DEFAULT_SHARED_BENCH)),
        help=f"directory holding em_volume.py (env {SHARED_BENCH_ENV})",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(read_worker(json.loads(args.worker))))
        return
    warnings.simplefilter("ignore")
    import numpy as np

    _import("wkdist")  # registers the wkdist defaults in dask.config
    read_size = 256 if args.quick else 512
    repeats = args.repeats or (1 if args.quick else 3)
    plan_edge = 2048 if args.quick else 4096
    memory_sizes = (
        [(256, 256, 256), (512, 512, 256), (512, 512, 512)] if args.quick
        else [(512, 512, 512), (1024, 1024, 512), (1024, 1024, 1024)]
    )
    out = args.out or Path(tempfile.mkdtemp(prefix="wkdist-bench-dask-"))
    out.mkdir(parents=True, exist_ok=True)
    report = [environment()]
    print(report[0], flush=True)
    results: dict[str, object] = {}
    started = time.perf_counter()
    try:
        make_volume = None
        if "read" in args.parts:
            volume_file = out / f"volume-em-{read_size}.npy"
            if not volume_file.exists():
                make_volume = _shared_make_volume(args.shared_bench)
                print(f"generating make_volume('em', {(read_size,) * 3}) ...", flush=True)
                np.save(volume_file, make_volume("em", (read_size,) * 3))
            digest = _digest(np.load(volume_file))
            paths = create_read_datasets(volume_file, out)
            table, results["read"] = bench_read(paths, digest, read_size, repeats)
            report.append("== 1. whole-mag read: to_dask() vs webknossos read() ==\n" + table)
            print(report[-1], flush=True)
        if "plan" in args.parts:
            table, results["plan"] = bench_plan(out, plan_edge, 128)
            report.append("== 2. planning a dask write (compute=False) ==\n" + table)
            print(report[-1], flush=True)
        if "memory" in args.parts:
            tile_file = out / f"tile-em-{TILE}.npy"
            if not tile_file.exists():
                make_volume = make_volume or _shared_make_volume(args.shared_bench)
                np.save(tile_file, np.asfortranarray(make_volume("em", (TILE,) * 3)))
            cases = [(shard, size, {}) for shard in (None, 128, 256) for size in memory_sizes]
            # Fewer, larger tasks: the batch grows until task-memory stops it.
            cases += [
                (128, memory_sizes[1], {"wkdist.write.max-tasks": 8}),
                (128, memory_sizes[1], {"wkdist.write.max-tasks": 8,
                                        "wkdist.write.task-memory": "4MiB" if args.quick
                                        else "16MiB"}),
            ]
            table, results["memory"] = bench_memory(out, tile_file, cases)
            report.append(
                "== 3. worker memory of a distributed write ==\n" + table + "\n"
                "Bound: a worker holds its task's block (shard shape x 2^k, k from "
                "wkdist.write.max-tasks, capped by wkdist.write.task-memory, clipped at the "
                "array's box) about 2-3 times over (gathered input chunks, their concatenation, "
                "encoder buffers), plus one input chunk being made; the array's size only "
                "sets the number of tasks, so RSS grows with the array only while the array "
                "is smaller than one block (the default 1024³ shard: a 1 GiB block)."
            )
            print(report[-1], flush=True)
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        report.append(f"total {time.perf_counter() - started:.0f} s; load average at end: {load}")
        print(report[-1])
        if args.out:
            (out / "bench_dask_results.txt").write_text("\n\n".join(report) + "\n")
            (out / "bench_dask_results.json").write_text(json.dumps(results, indent=2,
                                                                    default=str))
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
