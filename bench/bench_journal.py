"""What the job journal costs and what it saves, on the copy benchmark's data.

Run from the repository root (under the shared benchmark lock)::

    flock /tmp/wkdist-bench.lock python3 bench/bench_journal.py            # 1024×1024×512
    flock /tmp/wkdist-bench.lock python3 bench/bench_journal.py --quick    # 256×256×128

1. Journal cost: ``copy_dataset`` WKW -> Zarr3 compressed (default layout) on a
   LocalCluster of 2 worker processes, with the journal and without it
   (``wkdist.journal.enabled: false``), alternating, ``--repeats`` times each;
   webknossos 4.3.3's ``copy_dataset`` (2 processes) once per repeat, for the ratio
   to the peer. Goal: with the journal at most 3% slower than without.
2. Resume (``--size 2048 2048 1024`` shows it at a scale where start-up is small):
   a copy with 256³ target shards (one task each) runs whole, then is killed (SIGKILL
   to its process group) once 90% of its task records exist and run again; the
   rerun's time against the whole run's. Goal: at most 15%. Measured two ways:
   the ``wkdist copy`` command's wall time, with the same command on a source
   without data next to it (``fixed_s``: interpreter, imports, the 2-process
   cluster, planning, finalization) and the rerun's share of the work without it
   (``work_ratio``); and the ``Dataset.copy_dataset`` call on a 2-process cluster
   that is already up, its workers warm (a script's or notebook's view after its
   first job: no start-up in either run).
3. ``verify_files`` (re-read every shard file, CRC-32 against the journal) against
   reading the same mag's voxels (``mag.read()``), both in one process.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("WKDIST_BENCH_SHARED", REPO_ROOT.parent / "shared" / "bench"))
WKDIST = [sys.executable, "-m", "wkdist.cli"]
MIB = 2**20


def make_source(path: Path, size: tuple[int, int, int], *, write: bool = True) -> None:
    sys.path.insert(0, str(SHARED))
    from em_volume import make_volume

    import wkdist as wk

    ds = wk.Dataset(path, voxel_size=(11, 11, 24))
    layer = ds.add_layer("color", "color", data_format="wkw",
                         bounding_box=wk.BoundingBox((0, 0, 0), size))
    mag = layer.add_mag(1, compress=True)
    if not write:
        return
    # Larger sizes repeat the default volume (making 4 GiB takes em_volume ~30 min).
    tile = tuple(min(s, d) for s, d in zip(size, (1024, 1024, 512), strict=True))
    volume = make_volume("em", tile)
    for offset in itertools.product(*(range(0, s, t) for s, t in zip(size, tile, strict=True))):
        part = volume[tuple(slice(0, min(t, s - o)) for o, t, s in zip(offset, tile, size, strict=True))]
        mag.write(part, absolute_offset=offset, allow_unaligned=True)  # one writer


def timed_copies(source: Path, work: Path, repeats: int) -> dict[str, list[float]]:
    import dask
    from distributed import Client, LocalCluster

    import wkdist as wk

    times: dict[str, list[float]] = {"journal": [], "no journal": [], "webknossos": []}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster, Client(cluster):
        ds = wk.Dataset.open(source)
        ds.copy_dataset(work / "warmup", data_format="zarr3", compress=True)  # workers warm
        for repeat in range(repeats):
            for variant, enabled in (("journal", True), ("no journal", False))[:: 1 if repeat % 2 else -1]:
                target = work / f"copy-{variant.replace(' ', '-')}-{repeat}"
                with dask.config.set({"wkdist.journal.enabled": enabled}):
                    start = time.perf_counter()
                    ds.copy_dataset(target, data_format="zarr3", compress=True)
                    times[variant].append(time.perf_counter() - start)
                shutil.rmtree(target)
    for repeat in range(repeats):
        times["webknossos"].append(webknossos_copy(source, work / f"wk-{repeat}"))
    return times


def webknossos_copy(source: Path, target: Path) -> float:
    code = f"""
import time, warnings
warnings.simplefilter("ignore")
import webknossos as wk
from cluster_tools import get_executor
with get_executor("multiprocessing", max_workers=2) as executor:
    ds = wk.Dataset.open({str(source)!r})
    start = time.perf_counter()
    ds.copy_dataset({str(target)!r}, data_format="zarr3", executor=executor)
    print(time.perf_counter() - start)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    shutil.rmtree(target, ignore_errors=True)
    return float(out.stdout.strip().splitlines()[-1])


def records(target: Path) -> int:
    return len(list((target / ".wkdist-jobs").glob("*/tasks/*.json")))


# The same job as a Python call on a LocalCluster that is already up and whose workers
# have imported wkdist: what a script or notebook pays after its first job. Prints "ready" once the cluster runs, then the call's seconds.
COPY_CALL = """
import sys, time, warnings
warnings.simplefilter("ignore")
import wkdist as wk
from distributed import Client, LocalCluster
source, target, shard = sys.argv[1], sys.argv[2], int(sys.argv[3])
with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster) as client:
    ds = wk.Dataset.open(source)
    client.run(__import__, "wkdist.dask_bridge.tasks")  # workers warm, as after an earlier job
    print("ready", flush=True)
    start = time.perf_counter()
    ds.copy_dataset(target, data_format="zarr3", compress=True, shard_shape=shard)
    print(time.perf_counter() - start, flush=True)
"""


def _timed(argv: list[str], env: dict[str, str]) -> float:
    """Seconds of one run: the last number it prints, else its wall time."""
    start = time.perf_counter()
    out = subprocess.run(argv, env=env, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    try:
        return float(out.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return wall


def _killed_at(argv: list[str], env: dict[str, str], target: Path, share: float, total: int) -> int:
    """Run ``argv`` and SIGKILL its process group once ``share`` of ``total`` task records exist."""
    proc = subprocess.Popen(argv, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and records(target) < share * total:
        time.sleep(0.01)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return records(target)


def resume_ratio(
    source: Path, work: Path, shard: int, size: tuple[int, int, int], *, python_call: bool
) -> dict[str, float]:
    """A whole run, then a run killed at 90% of its task records and run again.

    ``python_call``: time ``Dataset.copy_dataset`` on a running 2-process cluster
    (both runs alike); else the ``wkdist copy`` command's wall time, with its
    fixed cost (the same command on a source without data) reported next to it.
    """
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}

    def argv(src: Path, target: Path) -> list[str]:
        if python_call:
            return [sys.executable, "-c", COPY_CALL, str(src), str(target), str(shard)]
        return [*WKDIST, "copy", str(src), str(target), "--data-format", "zarr3", "--compress",
                "--shard-shape", str(shard), "--jobs", "2"]

    tag = "call" if python_call else "command"
    for name in (f"whole-{tag}", f"killed-{tag}", "empty"):  # left by an earlier run in --out
        shutil.rmtree(work / name, ignore_errors=True)
    full = _timed(argv(source, work / f"whole-{tag}"), env)
    total = records(work / f"whole-{tag}")
    killed = work / f"killed-{tag}"
    done = _killed_at(argv(source, killed), env, killed, 0.9, total)
    rerun = _timed(argv(source, killed), env)
    result = {"full_s": full, "resume_s": rerun, "ratio": rerun / full,
              "tasks_total": total, "tasks_done_when_killed": done}
    if not python_call:
        # interpreter, imports, the 2-process cluster, planning, finalization; no shard to write
        empty = work / "empty-source"
        if not empty.exists():
            make_source(empty, size, write=False)
        fixed = _timed(argv(empty, work / "empty"), env)
        result |= {"fixed_s": fixed, "work_ratio": (rerun - fixed) / (full - fixed)}
    return result


def verify_vs_read(target: Path) -> dict[str, float]:
    import wkdist as wk
    from wkdist.journal import verify_files

    start = time.perf_counter()
    checked, bad = verify_files(target)
    verify = time.perf_counter() - start
    assert not bad, bad
    mag = wk.Dataset.open(target).get_layer("color").get_mag(1)
    start = time.perf_counter()
    mag.read()
    read = time.perf_counter() - start
    size = sum(p.stat().st_size for p in mag.path.rglob("*") if p.is_file())
    return {"verify_s": verify, "read_voxels_s": read, "ratio": verify / read,
            "files": checked, "stored_mib": size / MIB}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="256×256×128 instead of 1024×1024×512")
    parser.add_argument("--size", type=int, nargs=3, metavar=("X", "Y", "Z"),
                        help="another volume size (e.g. 2048 2048 1024 for the resume at scale)")
    parser.add_argument("--resume-only", action="store_true",
                        help="measure only the resume (part 2) and verify (part 3)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, help="work folder (kept); default: a temporary one")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    size = tuple(args.size) if args.size else (256, 256, 128) if args.quick else (1024, 1024, 512)
    work = args.out or Path(tempfile.mkdtemp(prefix="bench-journal-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        source = work / "source"
        if not source.exists():
            make_source(source, size)
        results: dict[str, object] = {"size": size}
        if not args.resume_only:
            times = timed_copies(source, work, args.repeats)
            medians = {k: statistics.median(v) for k, v in times.items()}
            results["copy_s"] = times
            results["journal_cost"] = medians["journal"] / medians["no journal"] - 1
            results["wkdist_vs_webknossos"] = medians["journal"] / medians["webknossos"]
        shard = 128 if args.quick else 256
        results["resume_command"] = resume_ratio(source, work, shard, size, python_call=False)
        results["resume_call"] = resume_ratio(source, work, shard, size, python_call=True)
        results["verify"] = verify_vs_read(work / "whole-command")
        print(json.dumps(results, indent=2))
    finally:
        if args.out is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
