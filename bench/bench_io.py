"""Write and read an EM-like volume with wkdist and with webknossos 4.3.3; print MiB/s and ratios.

Run from the repository root::

    /work/venv/bin/python bench/bench_io.py                # 512³, median of 3
    /work/venv/bin/python bench/bench_io.py --size 256 --repeats 1 --only zarr3-whole

Every measurement (one library, one layout, one repetition, one phase) runs in a fresh
subprocess, so import caches, thread pools and the peak RSS of one never leak into another.
See bench/README.md for what is measured.
"""

from __future__ import annotations

import argparse
import hashlib
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
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_BENCH_ENV = "WKDIST_BENCH_SHARED"
DEFAULT_SHARED_BENCH = REPO_ROOT.parent / "shared" / "bench"
VOXEL_SIZE = (11.0, 11.0, 24.0)
MIB = 2**20


@dataclass(frozen=True)
class Run:
    """One library writing one layout."""

    family: str  # rows with the same family are compared with its webknossos row
    library: str  # "wkdist" or "webknossos"
    label: str
    data_format: str
    compress: bool | str
    shard_shape: int | None  # edge length in voxels; None: the library's default


def plan_runs(size: int) -> list[Run]:
    whole = 1 << (size - 1).bit_length()  # one shard covering the volume (size rounded to 2^k)
    return [
        Run("wkw", "webknossos", "webknossos (LZ4HC)", "wkw", True, None),
        Run("wkw", "wkdist", "wkdist (LZ4, default)", "wkw", True, None),
        Run("wkw", "wkdist", "wkdist (LZ4HC)", "wkw", "lz4hc", None),
        Run("zarr3-whole", "webknossos", "webknossos", "zarr3", True, whole),
        Run("zarr3-whole", "wkdist", "wkdist", "zarr3", True, whole),
        Run("zarr3-default", "webknossos", "webknossos", "zarr3", True, None),
        Run("zarr3-default", "wkdist", "wkdist", "zarr3", True, None),
    ]


FAMILY_TITLES = {
    "wkw": "WKW compressed, 32³ blocks, default 1024³ files",
    "zarr3-whole": "Zarr3 zstd-5, 32³ chunks, one shard covering the volume",
    "zarr3-default": "Zarr3 zstd-5, 32³ chunks, each library's default shard",
}


# ------------------------------------------------------------------ worker side
def _proc_status_mib(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, from /proc: unlike
    ``ru_maxrss``, the peak starts afresh at exec, so the parent's memory never shows."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"{field} missing from /proc/self/status")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _import(library: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if library == "webknossos":
            import webknossos as lib
        else:
            import wkdist as lib
    return lib


def worker(task: dict) -> dict:
    """One measurement: ``phase`` "write" (volume file -> dataset) or "read" (dataset -> RAM)."""
    import numpy as np

    warnings.simplefilter("ignore")
    run = Run(**task["run"])
    lib = _import(run.library)
    path = Path(task["dataset"])
    if task["phase"] == "write":
        data = np.load(task["volume"])
        baseline, cpu, start = _proc_status_mib("VmRSS"), _cpu_seconds(), time.perf_counter()
        ds = lib.Dataset(path, voxel_size=VOXEL_SIZE)
        layer = ds.add_layer(
            "color",
            "color",
            dtype_per_channel="uint8",
            data_format=run.data_format,
            bounding_box=lib.BoundingBox((0, 0, 0), data.shape),
        )
        shard = None if run.shard_shape is None else (run.shard_shape,) * 3
        mag = layer.add_mag(1, chunk_shape=(32, 32, 32), shard_shape=shard, compress=run.compress)
        mag.write(data, absolute_offset=(0, 0, 0))
    else:
        mag = lib.Dataset.open(path).get_layer("color").get_mag(1)
        baseline, cpu, start = _proc_status_mib("VmRSS"), _cpu_seconds(), time.perf_counter()
        data = mag.read()
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    peak = _proc_status_mib("VmHWM")
    if task["phase"] == "read" and _digest(data[0]) != task["digest"]:
        raise RuntimeError(f"{run.label}: the data read back differs from the data written")
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_rss_mib": peak,
        "baseline_rss_mib": baseline,
        "disk_bytes": sum(p.stat().st_size for p in path.rglob("*") if p.is_file()),
    }


def _digest(volume) -> str:
    import numpy as np

    return hashlib.blake2b(np.ascontiguousarray(volume).data).hexdigest()


# ------------------------------------------------------------------ driver side
def load_em_volume(shared_bench: Path, size: int, cache: Path):
    """The shared EM-like volume (x, y, z) uint8, cached as ``.npy`` (it takes ~35 s at 512³)."""
    import numpy as np

    if not cache.exists():
        if not (shared_bench / "em_volume.py").exists():
            raise SystemExit(
                f"em_volume.py not found in {shared_bench}; pass --shared-bench DIR "
                f"or set {SHARED_BENCH_ENV}"
            )
        sys.path.insert(0, str(shared_bench))
        from em_volume import make_volume

        print(f"generating make_volume('em', {(size,) * 3}) ...", flush=True)
        np.save(cache, make_volume("em", (size, size, size)))
    return _digest(np.load(cache))


def measure(task: dict) -> dict:
    """Run ``worker(task)`` in a fresh interpreter; an exception becomes ``{"error": ...}``."""
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(task)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": tail[:160]}
    return json.loads(lines[-1])


def measure_round(run: Run, rep: int, out: Path, volume: Path, digest: str) -> dict:
    """Write then read once, into a fresh directory that is deleted afterwards."""
    dataset = out / f"{run.family}-{run.label.split()[0]}-{run.compress}-{rep}" / "ds"
    shutil.rmtree(dataset.parent, ignore_errors=True)
    dataset.parent.mkdir(parents=True)
    results = {}
    try:
        for phase in ("write", "read"):
            task = {"run": asdict(run), "phase": phase, "dataset": str(dataset),
                    "volume": str(volume), "digest": digest}
            results[phase] = measure(task)
            if "error" in results[phase]:
                break
    finally:
        shutil.rmtree(dataset.parent, ignore_errors=True)
    return results


def summarize(rounds: list[dict]) -> dict:
    """Median time and CPU time, maximum peak RSS over the rounds; errors pass through."""
    summary = {}
    for phase in ("write", "read"):
        reps = [r[phase] for r in rounds if phase in r]
        errors = [r["error"] for r in reps if "error" in r]
        if errors or not reps:
            summary[phase] = {"error": errors[0] if errors else "not run"}
            continue
        summary[phase] = {
            "seconds": statistics.median(r["seconds"] for r in reps),
            "cpu_seconds": statistics.median(r["cpu_seconds"] for r in reps),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in reps),
            "baseline_rss_mib": statistics.median(r["baseline_rss_mib"] for r in reps),
            "disk_bytes": reps[0]["disk_bytes"],
        }
    return summary


def format_table(size: int, rows: list[tuple[Run, dict]], repeats: int) -> str:
    nbytes = size**3
    reference = {run.family: res for run, res in rows if run.library == "webknossos"}

    def rate(res: dict, phase: str) -> float | None:
        entry = res.get(phase, {})
        return None if "seconds" not in entry else nbytes / MIB / entry["seconds"]

    def ratio(run: Run, res: dict, phase: str) -> float | None:
        ours, theirs = rate(res, phase), rate(reference.get(run.family, {}), phase)
        return ours / theirs if run.library == "wkdist" and ours and theirs else None

    def cell(value: float | None, width: int, digits: int = 1) -> str:
        return "—".rjust(width) if value is None else f"{value:{width}.{digits}f}"

    columns = (
        f"{'':<30} {'write':>7} {'read':>7} {'write':>6} {'read':>6} {'write':>6} {'read':>6} "
        f"{'write':>7} {'read':>6} {'on':>6}\n"
        f"{'layout / library':<30} {'MiB/s':>7} {'MiB/s':>7} {'ratio':>6} {'ratio':>6} "
        f"{'CPU s':>6} {'CPU s':>6} {'peakMiB':>7} {'peak':>6} {'disk':>6}"
    )
    width = len(columns.splitlines()[1])
    lines = [
        f"{size}³ uint8 EM-like volume ({nbytes / MIB:g} MiB), median of {repeats}; "
        "ratio = wkdist / webknossos MiB/s (>1: wkdist faster);",
        "CPU s = user+sys seconds of the phase; peak = VmHWM of the phase's process in MiB; "
        "disk in MiB",
        columns,
        "-" * width,
    ]
    for family, title in FAMILY_TITLES.items():
        family_rows = [(run, res) for run, res in rows if run.family == family]
        if family_rows:
            lines.append(title)
        for run, res in family_rows:
            error = res["write"].get("error") or res["read"].get("error")
            if error:
                lines.append(f"  {run.label:<28} skipped/failed: {error}")
                continue
            write, read = res["write"], res["read"]
            lines.append(
                f"  {run.label:<28} {cell(rate(res, 'write'), 7)} {cell(rate(res, 'read'), 7)} "
                f"{cell(ratio(run, res, 'write'), 6, 2)} {cell(ratio(run, res, 'read'), 6, 2)} "
                f"{cell(write['cpu_seconds'], 6)} {cell(read['cpu_seconds'], 6)} "
                f"{cell(write['peak_rss_mib'], 7, 0)} {cell(read['peak_rss_mib'], 6, 0)} "
                f"{cell(write['disk_bytes'] / MIB, 6)}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512, help="edge of the cubic volume (voxels)")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions per measurement")
    parser.add_argument("--out", type=Path, help="work directory, kept (default: temp, deleted)")
    parser.add_argument(
        "--shared-bench",
        type=Path,
        default=Path(os.environ.get(SHARED_BENCH_ENV, DEFAULT_SHARED_BENCH)),
        help=f"directory holding em_volume.py (env {SHARED_BENCH_ENV})",
    )
    parser.add_argument(
        "--only", nargs="+", choices=sorted(FAMILY_TITLES), help="benchmark only these layouts"
    )
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    if args.size < 32 or args.repeats < 1:
        parser.error(f"--size must be >= 32 and --repeats >= 1; got {args.size}, {args.repeats}")
    runs = [r for r in plan_runs(args.size) if not args.only or r.family in args.only]
    out = args.out or Path(tempfile.mkdtemp(prefix="wkdist-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    try:
        volume = out / f"volume-em-{args.size}.npy"
        digest = load_em_volume(args.shared_bench, args.size, volume)
        rounds: dict[Run, list[dict]] = {run: [] for run in runs}
        # Rounds interleave the libraries, so load from other processes on the machine
        # spreads over both instead of biasing whichever ran during a busy minute.
        for rep in range(args.repeats):
            for run in runs:
                if any("error" in phase for r in rounds[run] for phase in r.values()):
                    continue
                started = time.perf_counter()
                rounds[run].append(measure_round(run, rep, out, volume, digest))
                elapsed = time.perf_counter() - started
                print(f"round {rep + 1}/{args.repeats} {run.family:<14} {run.label:<24} "
                      f"{elapsed:5.0f} s", flush=True)
        rows = [(run, summarize(rounds[run])) for run in runs]
        print()
        print(format_table(args.size, rows, args.repeats))
        if args.json:
            args.json.write_text(json.dumps([[asdict(r), res] for r, res in rows], indent=2))
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
