"""Import a TIFF stack into Zarr v3 with 2 workers: wkdist next to webknossos 4.3.3.

Run from the repository root (under the shared benchmark lock)::

    flock /tmp/wkdist-bench.lock python3 bench/bench_import.py              # 2048x2048x512
    flock /tmp/wkdist-bench.lock python3 bench/bench_import.py --size 512,512,64 --data /tmp/stack

The stack (one uncompressed uint8 TIFF per z slice, ``slice_0000.tif`` ...) is made once
from the shared ``em_volume.py`` (``make_volume("em", size)``) and kept in ``--data``.
Each library then runs ``Dataset.from_images(stack, target, voxel_size=...)`` with its
defaults (Zarr v3, 32^3 chunks, 4096 x 4096 x 32 shards, zstd) on 2 worker processes:
wkdist on ``LocalCluster(n_workers=2, threads_per_worker=1)`` with a ``Client``,
webknossos on ``cluster_tools.get_executor("multiprocessing", max_workers=2)``; every
run in a fresh subprocess, with the stack read once beforehand (page cache warm for both),
the libraries taking turns going first. Reported: wall seconds and MiB/s of voxels, the ratio, and the
peak RSS (VmHWM) of each worker next to ``wkdist.write.task-memory``. Both results are
compared slab by slab, and with the source volume's digest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_dask import _shared_make_volume, environment
from bench_jobs import _run_with_workers

REPO_ROOT = Path(__file__).resolve().parents[1]
VOXEL_SIZE = (11.0, 11.0, 24.0)
MIB = 2**20
LIBRARIES = ("wkdist", "webknossos")


def _digest_update(digest, slab) -> None:
    import numpy as np

    digest.update(np.ascontiguousarray(slab).data)


def generate(task: dict) -> dict:
    """Write the stack (once): slice z is ``volume[:, :, z].T`` (rows y, columns x)."""
    import numpy as np
    import tifffile

    folder = Path(task["data"])
    size = tuple(task["size"])
    digest_file = folder / "volume.blake2b"
    if len(list(folder.glob("slice_*.tif"))) == size[2]:
        if not digest_file.exists():  # a stack written by other means: digest its slices
            digest = hashlib.blake2b()
            for z0 in range(0, size[2], 32):
                slab = [tifffile.imread(folder / f"slice_{z:04d}.tif").T
                        for z in range(z0, min(z0 + 32, size[2]))]
                _digest_update(digest, np.stack(slab, axis=-1))
            digest_file.write_text(digest.hexdigest())
        return {"digest": digest_file.read_text(), "generated": False}
    make_volume = _shared_make_volume(Path(task["shared_bench"]))
    volume = make_volume("em", size)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    digest = hashlib.blake2b()
    for z in range(size[2]):
        tifffile.imwrite(partial / f"slice_{z:04d}.tif", np.ascontiguousarray(volume[:, :, z].T))
    for z0 in range(0, size[2], 32):
        _digest_update(digest, volume[:, :, z0 : z0 + 32])
    (partial / "volume.blake2b").write_text(digest.hexdigest())
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return {"digest": digest.hexdigest(), "generated": True}


def import_job(task: dict) -> dict:
    import warnings

    warnings.simplefilter("ignore")
    if task["library"] == "wkdist":
        import wkdist as lib
    else:
        import webknossos as lib
    target = Path(task["target"])
    shutil.rmtree(target, ignore_errors=True)

    def job(executor) -> None:
        lib.Dataset.from_images(task["data"], target, voxel_size=VOXEL_SIZE, layer_name="color",
                                executor=executor)

    return _run_with_workers(task["library"], job)


def verify(task: dict) -> dict:
    """Both results slab by slab (read with webknossos), and against the source digest."""
    import numpy as np
    import webknossos as wk

    mags = {lib: wk.Dataset.open(path).get_layer("color").get_mag(1)
            for lib, path in task["targets"].items()}
    boxes = {lib: mag.layer.bounding_box for lib, mag in mags.items()}
    size = tuple(task["size"])
    digest = hashlib.blake2b()
    equal = len({(tuple(b.topleft), tuple(b.size)) for b in boxes.values()}) == 1
    for z0 in range(0, size[2], 32):
        box = wk.BoundingBox((0, 0, z0), (size[0], size[1], min(32, size[2] - z0)))
        slabs = [mag.read(absolute_bounding_box=box)[0] for mag in mags.values()]
        equal = equal and bool(np.array_equal(*slabs))
        _digest_update(digest, np.asfortranarray(slabs[0]))
    layouts = {lib: f"shard {tuple(mag.info.shard_shape)}" for lib, mag in mags.items()}
    return {"equal": equal, "source_identical": digest.hexdigest() == task["digest"],
            "layouts": layouts, "boxes": {lib: str(b) for lib, b in boxes.items()}}


WORKERS = {"generate": generate, "import": import_job, "verify": verify}


def in_subprocess(task: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(task)],
        capture_output=True, text=True, check=False, cwd=REPO_ROOT,
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        raise SystemExit(f"{task['kind']} failed: {tail}")
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="2048,2048,512", help="X,Y,Z (default 2048,2048,512)")
    parser.add_argument("--data", type=Path, help="stack folder (default /work/bench-data/import-em-XxYxZ)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/wkdist-bench-import"))
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--shared-bench", type=Path, default=Path("/work/shared/bench"),
                        help="where em_volume.py lives (default /work/shared/bench)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        task = json.loads(args.worker)
        print(json.dumps(WORKERS[task["kind"]](task)))
        return
    size = [int(s) for s in args.size.split(",")]
    data = args.data or Path(f"/work/bench-data/import-em-{size[0]}x{size[1]}x{size[2]}")
    print(environment())
    start = time.perf_counter()
    stack = in_subprocess({"kind": "generate", "data": str(data), "size": size,
                           "shared_bench": str(args.shared_bench)})
    print(f"stack {data}: {'generated' if stack['generated'] else 'reused'} "
          f"({time.perf_counter() - start:.0f} s)")
    args.out.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict]] = {lib: [] for lib in LIBRARIES}
    targets = {lib: str(args.out / lib) for lib in LIBRARIES}
    # Both libraries start with the stack in the page cache (the first run would pay
    # for reading it from disk), and they take turns going first.
    for path in sorted(data.iterdir()):
        path.read_bytes()
    for repeat in range(args.repeats):
        for lib in LIBRARIES[:: -1 if repeat % 2 else 1]:
            runs[lib].append(in_subprocess({"kind": "import", "library": lib, "data": str(data),
                                            "target": targets[lib]}))
    checked = in_subprocess({"kind": "verify", "targets": targets, "size": size,
                             "digest": stack["digest"]})
    mib = size[0] * size[1] * size[2] / MIB
    seconds = {lib: statistics.median(r["seconds"] for r in runs[lib]) for lib in LIBRARIES}
    print(f"\nimport {size[0]}x{size[1]}x{size[2]} uint8 ({mib:.0f} MiB, {size[2]} TIFFs) "
          f"-> Zarr v3, 2 workers, median of {args.repeats}")
    for lib in LIBRARIES:
        hwm = max((r["worker_hwm_mib"] for r in runs[lib]), key=max)
        print(f"  {lib:10s} {seconds[lib]:7.1f} s {mib / seconds[lib]:7.1f} MiB/s   "
              f"CPU {statistics.median(r['cpu_seconds'] for r in runs[lib]):6.1f} s   "
              f"peak RSS per worker {', '.join(f'{h:.0f}' for h in hwm)} MiB   "
              f"{checked['layouts'][lib]}")
    print(f"  ratio (wkdist speed / webknossos speed): {seconds['webknossos'] / seconds['wkdist']:.2f}")
    import dask.config

    import wkdist  # noqa: F401 - registers the wkdist defaults

    budget = dask.config.get("wkdist.write.task-memory")
    print(f"  wkdist task budget (wkdist.write.task-memory): {budget}; one shard of data: "
          f"{min(size[0], 4096) * min(size[1], 4096) * min(size[2], 32) / MIB:.0f} MiB")
    print(f"  identical: {checked['equal']} (boxes {checked['boxes']}); "
          f"equal to the source volume: {checked['source_identical']}")
    (args.out / "results.json").write_text(json.dumps({"runs": runs, "verify": checked}, indent=1))


if __name__ == "__main__":
    main()
