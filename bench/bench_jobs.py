"""Copy and downsampling jobs with 2 workers: wkdist on a LocalCluster next to webknossos 4.3.3.

Run from the repository root::

    /work/venv/bin/python bench/bench_jobs.py                    # 1024×1024×512, once
    /work/venv/bin/python bench/bench_jobs.py --quick            # 256×256×128 smoke run
    /work/venv/bin/python bench/bench_jobs.py --repeats 3 --out /tmp/bench-jobs

One source dataset (WKW compressed, a uint8 EM-like color layer and a uint32 segmentation
layer from the shared ``em_volume.py``) is written once; then, per library, with 2 workers:

1. ``copy_dataset`` WKW -> Zarr3 compressed (each library's default chunk and shard shape);
2. ``layer.downsample(coarsest_mag=8)`` of each layer on that library's Zarr3 copy, checked
   voxel by voxel against the other library's result;
3. the peak RSS of every worker, next to the size of one Mag(1) shard's data.

wkdist runs on ``distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True)``
with a ``Client`` (``executor=None``); webknossos on
``cluster_tools.get_executor("multiprocessing", max_workers=2)``. Every measurement runs in a
fresh subprocess with a fresh cluster / executor. See bench/README.md for what is measured.
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

from bench_dask import _memory_and_cpu, _shared_make_volume, _start_cluster, environment
from bench_io import _digest, _import, _proc_status_mib

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_BENCH_ENV = "WKDIST_BENCH_SHARED"
DEFAULT_SHARED_BENCH = REPO_ROOT.parent / "shared" / "bench"
VOXEL_SIZE = (11.0, 11.0, 24.0)
MIB = 2**20
LIBRARIES = ("wkdist", "webknossos")
LAYERS = {"color": ("em", "uint8"), "segmentation": ("seg", "uint32")}
JOBS = ("copy", "downsample color", "downsample segmentation")
SHARD_EDGE = 1024  # default Zarr3 shard edge of both libraries (mag voxels)
COARSEST_MAG = 8
SUBPROCESS_TIMEOUT = 3600


# ------------------------------------------------------------------ inside the subprocess
def _probe(delay: float) -> tuple[int, dict[str, float]]:
    """Run on a webknossos pool worker: import webknossos, wait (so that two probes land on
    two workers), return the worker's pid and memory / CPU figures."""
    warnings.simplefilter("ignore")
    import webknossos  # noqa: F401

    time.sleep(delay)
    return os.getpid(), _memory_and_cpu()


def _probe_pool(executor) -> dict[int, dict[str, float]]:
    """Memory and CPU of each pool worker, by pid (two probes submitted together)."""
    futures = [executor.submit(_probe, 1.0) for _ in range(2)]
    return dict(future.result() for future in futures)


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run_with_workers(library: str, job) -> dict:
    """Start 2 workers, warm them up, time ``job(executor)``, then collect each worker's
    peak memory (VmHWM since its exec), its ``ru_maxrss`` and the CPU seconds of the job."""
    if library == "wkdist":
        cluster, client = _start_cluster()  # LocalCluster(2 processes × 1 thread) + Client
        try:
            before = client.run(_memory_and_cpu)
            cpu, start = _self_cpu(), time.perf_counter()
            job(None)  # executor=None: the active distributed.Client
            seconds, cpu = time.perf_counter() - start, _self_cpu() - cpu
            after = client.run(_memory_and_cpu)
        finally:
            client.close()
            cluster.close()
        children_maxrss = None
    else:
        from cluster_tools import get_executor

        executor = get_executor("multiprocessing", max_workers=2)
        try:
            before = _probe_pool(executor)
            cpu, start = _self_cpu(), time.perf_counter()
            job(executor)
            seconds, cpu = time.perf_counter() - start, _self_cpu() - cpu
            after = _probe_pool(executor)
        finally:
            executor.shutdown()
        children_maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    workers = sorted(after)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu + sum(after[w]["cpu"] - before.get(w, {"cpu": 0.0})["cpu"]
                                 for w in workers),
        "worker_hwm_mib": [after[w]["hwm"] for w in workers],
        "worker_idle_mib": [before[w]["hwm"] for w in workers if w in before],
        "worker_maxrss_mib": [after[w]["maxrss"] for w in workers],
        "children_maxrss_mib": children_maxrss,
        "driver_hwm_mib": _proc_status_mib("VmHWM"),
    }


def prepare(task: dict) -> dict:
    """Make both volumes and write them once as a WKW compressed dataset (with wkdist)."""
    wkdist = _import("wkdist")
    make_volume = _shared_make_volume(Path(task["shared_bench"]))
    size = tuple(task["size"])
    path = Path(task["source"])
    shutil.rmtree(path, ignore_errors=True)
    ds = wkdist.Dataset(path, voxel_size=VOXEL_SIZE)
    digests = {}
    for name, (kind, dtype) in LAYERS.items():
        start = time.perf_counter()
        volume = make_volume(kind, size)
        extra = {"largest_segment_id": int(volume.max())} if name == "segmentation" else {}
        layer = ds.add_layer(name, name, dtype_per_channel=dtype, data_format="wkw",
                             bounding_box=wkdist.BoundingBox((0, 0, 0), size), **extra)
        layer.add_mag(1, compress=True).write(volume, absolute_offset=(0, 0, 0))
        digests[name] = _digest(volume)
        print(f"  {name}: make_volume({kind!r}) + WKW write {time.perf_counter() - start:.0f} s",
              file=sys.stderr, flush=True)
        del volume
    return {"digests": digests, "size": list(size)}


def copy_job(task: dict) -> dict:
    lib = _import(task["library"])
    source = lib.Dataset.open(task["source"])

    def job(executor) -> None:
        source.copy_dataset(task["target"], data_format="zarr3", compress=True,
                            executor=executor)

    return _run_with_workers(task["library"], job)


def downsample_job(task: dict) -> dict:
    lib = _import(task["library"])
    layer = lib.Dataset.open(task["dataset"]).get_layer(task["layer"])

    def job(executor) -> None:
        layer.downsample(coarsest_mag=lib.Mag(COARSEST_MAG), sampling_mode=task["sampling_mode"],
                         executor=executor)

    result = _run_with_workers(task["library"], job)
    layer = lib.Dataset.open(task["dataset"]).get_layer(task["layer"])
    result["mags"] = sorted(mag.to_layer_name() for mag in layer.mags)
    return result


def verify_copies(task: dict) -> dict:
    """Read each library's copy with webknossos; compare with the source's digests; layouts."""
    wk = _import("webknossos")
    out = {}
    for library, path in task["copies"].items():
        ds = wk.Dataset.open(path)
        for name, digest in task["digests"].items():
            mag = ds.get_layer(name).get_mag(1)
            info = mag.info
            out[f"{library}/{name}"] = {
                "identical": _digest(mag.read()[0]) == digest,
                "layout": f"{info.data_format.value} chunk {tuple(info.chunk_shape)} "
                          f"shard {tuple(info.shard_shape)} "
                          f"{'compressed' if info.compression_mode else 'raw'}",
                "disk_mib": sum(p.stat().st_size for p in mag.path.rglob("*") if p.is_file())
                            / MIB,
            }
    return out


def verify_downsampled(task: dict) -> dict:
    """Mag by mag, ``np.array_equal`` of the two libraries' results (read with webknossos)."""
    import numpy as np

    wk = _import("webknossos")
    layers = {lib: wk.Dataset.open(path).get_layer(task["layer"])
              for lib, path in task["datasets"].items()}
    mags = {lib: sorted(mag.to_layer_name() for mag in layer.mags) for lib, layer in layers.items()}
    names = list(mags.values())
    result = {"mags": mags, "equal": {}}
    for mag in sorted(set(names[0]) & set(names[1])):
        a, b = (layer.get_mag(mag).read() for layer in layers.values())
        result["equal"][mag] = bool(a.shape == b.shape and np.array_equal(a, b))
        del a, b
    return result


WORKERS = {
    "prepare": prepare,
    "copy": copy_job,
    "downsample": downsample_job,
    "verify_copies": verify_copies,
    "verify_downsampled": verify_downsampled,
}


# ------------------------------------------------------------------ driver side
def in_subprocess(task: dict) -> dict:
    """Run ``WORKERS[task["kind"]](task)`` in a fresh interpreter; failures become ``{"error"}``."""
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", json.dumps(task)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False,
            cwd=REPO_ROOT, timeout=SUBPROCESS_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {SUBPROCESS_TIMEOUT} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        return {"error": f"rc {proc.returncode}: {tail[:200]}"}
    return json.loads(lines[-1])


def _link_copy(source: Path, target: Path) -> None:
    """A copy of a dataset whose data files are hard links (metadata files are real copies),
    so that a downsampling run starts from the pristine Mag(1) without copying gigabytes."""
    shutil.rmtree(target, ignore_errors=True)

    def link_or_copy(src: str, dst: str) -> None:
        if src.endswith(".json"):
            shutil.copy2(src, dst)
        else:
            os.link(src, dst)

    shutil.copytree(source, target, copy_function=link_or_copy)


def job_bytes(size: tuple[int, int, int], job: str) -> tuple[int, int]:
    """(uncompressed Mag(1) bytes the job reads, data bytes of its largest Mag(1) shard)."""
    voxels, shard = 1, 1
    for edge in size:
        voxels *= edge
        shard *= min(edge, SHARD_EDGE)
    layers = list(LAYERS) if job == "copy" else [job.split()[1]]
    itemsizes = [4 if LAYERS[name][1] == "uint32" else 1 for name in layers]
    return voxels * sum(itemsizes), shard * max(itemsizes)


def _largest(lists: list[list[float]]) -> list[float]:
    """The list (one figure per worker) holding the largest figure."""
    return max(lists, key=lambda figures: max(figures, default=0.0))


def summarize(reps: list[dict]) -> dict:
    """Median seconds and CPU seconds; the largest memory figures over the repetitions."""
    errors = [r["error"] for r in reps if "error" in r]
    if errors or not reps:
        return {"error": errors[0] if errors else "not run"}
    maxima = ("worker_hwm_mib", "worker_idle_mib", "worker_maxrss_mib")
    out = {key: _largest([r[key] for r in reps]) for key in maxima}
    out["seconds"] = statistics.median(r["seconds"] for r in reps)
    out["cpu_seconds"] = statistics.median(r["cpu_seconds"] for r in reps)
    out["driver_hwm_mib"] = max(r["driver_hwm_mib"] for r in reps)
    children = [r["children_maxrss_mib"] for r in reps if r["children_maxrss_mib"] is not None]
    out["children_maxrss_mib"] = max(children) if children else None
    return out


def format_table(size: tuple[int, int, int], results: dict, repeats: int) -> str:
    def cell(value, width: int, digits: int = 1) -> str:
        return "—".rjust(width) if value is None else f"{value:{width}.{digits}f}"

    header = (
        f"{'job':<24} {'library':<10} {'s':>7} {'MiB/s':>7} {'ratio':>6} {'CPU s':>6} "
        f"{'worker peak MiB':>16} {'idle':>5} {'driver':>6} {'child':>6} {'shard':>6} "
        f"{'peak/':>6} {'mem':>5}\n"
        f"{'':<24} {'':<10} {'':>7} {'':>7} {'':>6} {'':>6} {'':>16} {'MiB':>5} {'MiB':>6} "
        f"{'maxrss':>6} {'MiB':>6} {'shard':>6} {'ratio':>5}"
    )
    width = len(header.splitlines()[0])
    lines = [
        f"{'×'.join(map(str, size))} voxels, 2 workers per library, median of {repeats}; "
        "ratio = wkdist MiB/s ÷ webknossos MiB/s (>1: wkdist faster);",
        "worker peak = VmHWM of each worker; idle = the largest worker VmHWM before the job; "
        "driver = VmHWM of the process that submits the job",
        "(wkdist: also hosts the scheduler); child maxrss = RUSAGE_CHILDREN.ru_maxrss after the "
        "pool shut down (webknossos only);",
        "shard = data bytes of one Mag(1) target shard (the larger layer's for the copy); "
        "peak/shard = largest worker peak ÷ shard;",
        "mem ratio = wkdist ÷ webknossos largest worker peak.",
        header,
        "-" * width,
    ]
    for job in JOBS:
        nbytes, shard = job_bytes(size, job)
        ref = results[job]["webknossos"]
        for library in LIBRARIES:
            res = results[job][library]
            label = job if library == LIBRARIES[0] else ""
            if "error" in res:
                lines.append(f"{label:<24} {library:<10} failed: {res['error']}")
                continue
            rate = nbytes / MIB / res["seconds"]
            peak = max(res["worker_hwm_mib"])
            ours = library == "wkdist" and "error" not in ref
            peaks = "/".join(f"{p:.0f}" for p in res["worker_hwm_mib"])
            lines.append(
                f"{label:<24} {library:<10} {res['seconds']:7.1f} {rate:7.1f} "
                f"{cell(ref['seconds'] / res['seconds'] if ours else None, 6, 2)} "
                f"{res['cpu_seconds']:6.1f} {peaks:>16} "
                f"{cell(max(res['worker_idle_mib'] or [0]), 5, 0)} "
                f"{res['driver_hwm_mib']:6.0f} {cell(res['children_maxrss_mib'], 6, 0)} "
                f"{shard / MIB:6.0f} {peak * MIB / shard:6.2f} "
                f"{cell(peak / max(ref['worker_hwm_mib']) if ours else None, 5, 2)}"
            )
    return "\n".join(lines)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {_load()}] {message}", flush=True)


def prepare_source(out: Path, size: tuple[int, int, int], shared_bench: Path) -> tuple[Path, dict]:
    """The WKW source dataset and its layers' digests, made once per size and kept in ``out``."""
    source = out / f"source-{'x'.join(map(str, size))}"
    marker = source / "bench-prepared.json"
    if marker.exists():
        _log(f"reusing the source dataset {source}")
        return source, json.loads(marker.read_text())
    _log(f"writing the source dataset {source} (make_volume + WKW, once)")
    prepared = in_subprocess({"kind": "prepare", "size": list(size), "source": str(source),
                              "shared_bench": str(shared_bench)})
    if "error" in prepared:
        raise SystemExit(f"preparing the source failed: {prepared['error']}")
    marker.write_text(json.dumps(prepared))
    return source, prepared


def _outcome(result: dict) -> str:
    return result.get("error") or f"{result['seconds']:.1f} s"


def copy_round(rep: int, order: tuple[str, ...], source: Path, copies: dict[str, Path],
               out: Path, reps: dict) -> None:
    """Each library copies the source; round 1's copies are kept in ``copies``."""
    for library in order:
        target = copies[library] if rep == 0 else out / f"copy-{library}"
        shutil.rmtree(target, ignore_errors=True)
        result = in_subprocess({"kind": "copy", "library": library,
                                "source": str(source), "target": str(target)})
        reps["copy"][library].append(result)
        _log(f"round {rep + 1} copy {library}: {_outcome(result)}")
        if rep > 0:
            shutil.rmtree(target, ignore_errors=True)


def check_copies(copies: dict[str, Path], digests: dict[str, str]) -> list[str]:
    present = {lib: str(path) for lib, path in copies.items() if path.exists()}
    verdict = in_subprocess({"kind": "verify_copies", "copies": present, "digests": digests})
    if "error" in verdict:
        return [f"copy check failed: {verdict['error']}"]
    lines = ["copy check (each copy read with webknossos, compared with the source):"]
    for key, value in sorted(verdict.items()):
        lines.append(f"  {key:<24} {'identical' if value['identical'] else 'DIFFERS'}"
                     f"  {value['layout']}  {value['disk_mib']:.0f} MiB on disk")
    return lines


def check_downsampled(job: str, layer: str, datasets: dict[str, Path]) -> str:
    verdict = in_subprocess({"kind": "verify_downsampled", "layer": layer,
                             "datasets": {lib: str(path) for lib, path in datasets.items()}})
    if "error" in verdict:
        return f"{job}: check failed: {verdict['error']}"
    mags = verdict["mags"]
    same = "same mags" if mags["wkdist"] == mags["webknossos"] else (
        f"MAGS DIFFER wkdist {mags['wkdist']} webknossos {mags['webknossos']}")
    equal = ", ".join(f"{mag} {'equal' if e else 'DIFFER'}" for mag, e in verdict["equal"].items())
    return f"{job} (wkdist vs webknossos, np.array_equal per mag): {same}; {equal}"


def downsample_round(rep: int, order: tuple[str, ...], copies: dict[str, Path], out: Path,
                     sampling_mode: str, reps: dict) -> list[str]:
    """Each library downsamples each layer of a hard-linked copy of its own Zarr3 copy
    (the other library's if its own copy failed); round 1 compares the results."""
    checks = []
    for layer in LAYERS:
        job = f"downsample {layer}"
        scratch = {}
        for library in order:
            start = copies[library] if copies[library].exists() else next(
                (path for path in copies.values() if path.exists()), None)
            if start is None:
                reps[job][library].append({"error": "no Zarr3 copy to start from"})
                continue
            scratch[library] = out / f"ds-{layer}-{library}"
            _link_copy(start, scratch[library])
            result = in_subprocess({"kind": "downsample", "library": library,
                                    "dataset": str(scratch[library]), "layer": layer,
                                    "sampling_mode": sampling_mode})
            reps[job][library].append(result)
            mags = f" mags {', '.join(result['mags'])}" if "mags" in result else ""
            _log(f"round {rep + 1} {job} {library}: {_outcome(result)}{mags}")
        if rep == 0 and len(scratch) == len(LIBRARIES):
            checks.append(check_downsampled(job, layer, scratch))
        for path in scratch.values():
            shutil.rmtree(path, ignore_errors=True)
    return checks


def run(args: argparse.Namespace, out: Path) -> None:
    size = tuple(args.size)
    source, prepared = prepare_source(out, size, args.shared_bench)
    reps: dict[str, dict[str, list[dict]]] = {job: {lib: [] for lib in LIBRARIES} for job in JOBS}
    copies = {lib: out / f"zarr3-{lib}" for lib in LIBRARIES}
    for path in copies.values():
        shutil.rmtree(path, ignore_errors=True)
    checks: list[str] = []
    for rep in range(args.repeats):
        # alternate which library goes first, so a burst of load does not favour one
        order = LIBRARIES if rep % 2 == 0 else LIBRARIES[::-1]
        copy_round(rep, order, source, copies, out, reps)
        if rep == 0:
            checks += check_copies(copies, prepared["digests"])
        checks += downsample_round(rep, order, copies, out, args.sampling_mode, reps)
    summary = {job: {lib: summarize(runs) for lib, runs in by_lib.items()}
               for job, by_lib in reps.items()}
    print()
    print("\n".join(checks))
    print()
    print(format_table(size, summary, args.repeats))
    print()
    print(f"load average (1/5/15 min) at end: {_load()}")
    (out / "bench_jobs_results.json").write_text(json.dumps({"raw": reps, "summary": summary},
                                                            indent=2))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, nargs=3, default=[1024, 1024, 512],
                        metavar=("X", "Y", "Z"), help="volume shape in voxels")
    parser.add_argument("--quick", action="store_true", help="256×256×128 (overrides --size)")
    parser.add_argument("--repeats", type=int, default=1, help="rounds; median if > 1")
    parser.add_argument("--sampling-mode", default="anisotropic",
                        choices=("anisotropic", "isotropic"),
                        help="downsampling ladder, voxel size (11, 11, 24) nm")
    parser.add_argument("--out", type=Path,
                        help="work directory, kept (the source is reused); default: temp, deleted")
    parser.add_argument("--shared-bench", type=Path,
                        default=Path(os.environ.get(SHARED_BENCH_ENV, DEFAULT_SHARED_BENCH)),
                        help=f"directory holding em_volume.py (env {SHARED_BENCH_ENV})")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        task = json.loads(args.worker)
        print(json.dumps(WORKERS[task["kind"]](task)))
        return
    if args.quick:
        args.size = [256, 256, 128]
    if min(args.size) < 32 or args.repeats < 1:
        parser.error(f"--size edges must be >= 32 and --repeats >= 1; "
                     f"got {args.size}, {args.repeats}")
    print(environment(), flush=True)
    out = args.out or Path(tempfile.mkdtemp(prefix="wkdist-bench-jobs-"))
    out.mkdir(parents=True, exist_ok=True)
    try:
        run(args, out)
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
