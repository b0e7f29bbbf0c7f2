"""What the job journal costs and what it saves, on the copy benchmark's data.

Run from the repository root (under the shared benchmark lock)::

    flock /tmp/wkdist-bench.lock python3 bench/bench_journal.py            # 1024×1024×512
    flock /tmp/wkdist-bench.lock python3 bench/bench_journal.py --quick    # 256×256×128

1. Journal cost: ``copy_dataset`` WKW -> Zarr3 compressed (default layout) on a
   LocalCluster of 2 worker processes, with the journal and without it
   (``wkdist.journal.enabled: false``), alternating, ``--repeats`` times each;
   webknossos 4.3.3's ``copy_dataset`` (2 processes) once per repeat, for the ratio
   to the peer. Goal: with the journal at most 3% slower than without.
2. Resume: the ``wkdist copy`` command (256³ shards, so that there are many tasks) runs whole, then is killed
   (SIGKILL to its process group) once 90% of its task records exist and run again;
   the rerun's wall time against the whole run's. Goal: at most 15%. Also the same
   command on a source without data (``fixed_s``: start-up, cluster, planning,
   finalization), and the rerun's share of the work without it (``work_ratio``).
3. ``verify_files`` (re-read every shard file, CRC-32 against the journal) against
   reading the same mag's voxels (``mag.read()``), both in one process.
"""

from __future__ import annotations

import argparse
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
    if write:
        mag.write(make_volume("em", size), absolute_offset=(0, 0, 0))


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


def resume_ratio(
    source: Path, work: Path, shard: int, size: tuple[int, int, int]
) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [*WKDIST, "copy", str(source), "TARGET", "--data-format", "zarr3", "--compress",
               "--shard-shape", str(shard), "--jobs", "2"]
    whole = work / "whole"
    start = time.perf_counter()
    subprocess.run([c if c != "TARGET" else str(whole) for c in command], env=env, check=True,
                   capture_output=True)
    full = time.perf_counter() - start
    total = records(whole)
    killed = work / "killed"
    argv = [c if c != "TARGET" else str(killed) for c in command]
    proc = subprocess.Popen(argv, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and records(killed) < 0.9 * total:
        time.sleep(0.01)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = records(killed)
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    rerun = time.perf_counter() - start
    # The same command on a source of the same shape without data: interpreter,
    # imports, the 2-process cluster, planning, finalization; no shard to write.
    empty = work / "empty-source"
    make_source(empty, size, write=False)
    start = time.perf_counter()
    subprocess.run([c if c != "TARGET" else str(work / "empty") for c in
                    [c if c != str(source) else str(empty) for c in command]],
                   env=env, check=True, capture_output=True)
    fixed = time.perf_counter() - start
    return {"full_s": full, "resume_s": rerun, "ratio": rerun / full,
            "fixed_s": fixed, "work_ratio": (rerun - fixed) / (full - fixed),
            "tasks_total": total, "tasks_done_when_killed": done}


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
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, help="work folder (kept); default: a temporary one")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    size = (256, 256, 128) if args.quick else (1024, 1024, 512)
    work = args.out or Path(tempfile.mkdtemp(prefix="bench-journal-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        source = work / "source"
        if not source.exists():
            make_source(source, size)
        results: dict[str, object] = {"size": size}
        times = timed_copies(source, work, args.repeats)
        medians = {k: statistics.median(v) for k, v in times.items()}
        results["copy_s"] = times
        results["journal_cost"] = medians["journal"] / medians["no journal"] - 1
        results["wkdist_vs_webknossos"] = medians["journal"] / medians["webknossos"]
        results["resume"] = resume_ratio(source, work, 128 if args.quick else 256, size)
        results["verify"] = verify_vs_read(work / "whole")
        print(json.dumps(results, indent=2))
    finally:
        if args.out is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
