"""Digests of every file that copy, downsample, upsample, compress and dask writes produce.

Run it with two versions of wkdist on ``PYTHONPATH`` and compare the outputs: files on disk
must not change when the planning code is refactored::

    PYTHONPATH=<old checkout> python bench/byte_identity.py /tmp/old > old.json
    PYTHONPATH=<new checkout> python bench/byte_identity.py /tmp/new > new.json
    python bench/byte_identity.py --compare old.json new.json

The data are the shared EM-like volumes (``../shared/bench/em_volume.py``) at a small size,
with small shards so every job plans many shards and clips at the layer border. The
output is ``{"<dataset>/<relative path>": sha256}`` for every file, JSON files included.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import warnings
from pathlib import Path

import dask.array as da
import numpy as np

SHARED_BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "bench"
SHAPE = (200, 170, 90)  # not a multiple of the shards: every job clips at the border
OFFSET = (32, 0, 16)


def _volumes() -> dict[str, np.ndarray]:
    sys.path.insert(0, str(SHARED_BENCH if SHARED_BENCH.exists() else Path("/work/shared/bench")))
    from em_volume import make_volume

    return {"color": make_volume("em", SHAPE), "segmentation": make_volume("seg", SHAPE)}


def _source(wk: object, path: Path, data_format: str, compress: bool) -> object:
    volumes = _volumes()
    ds = wk.Dataset(path, voxel_size=(11, 11, 24))  # type: ignore[attr-defined]
    for name, data in volumes.items():
        layer = ds.add_layer(name, name, dtype=data.dtype.name, data_format=data_format)
        shard = None if data_format == "zarr" else 64
        mag = layer.add_mag(1, chunk_shape=32, shard_shape=shard, compress=compress)
        mag.write(data, absolute_offset=OFFSET, allow_unaligned=True)
    return ds


def run_jobs(work: Path) -> None:
    """Write the sources and run every job into ``work``."""
    import wkdist as wk

    warnings.simplefilter("ignore")
    with __import__("dask").config.set(scheduler="threads"):
        wkw = _source(wk, work / "src-wkw", "wkw", compress=False)
        zarr3 = _source(wk, work / "src-zarr3", "zarr3", compress=True)
        wkw.copy_dataset(work / "copy-wkw-zarr3", data_format="zarr3", shard_shape=64, compress=True)
        zarr3.copy_dataset(work / "copy-zarr3-wkw", data_format="wkw", compress=True)
        zarr3.copy_dataset(work / "copy-zarr3-zarr", data_format="zarr", chunk_shape=64)
        zarr3.copy_dataset(work / "copy-zarr3-rechunk", chunk_shape=32, shard_shape=128)
        for name in ("src-wkw", "src-zarr3"):
            ds = wk.Dataset.open(work / name)
            ds.get_layer("color").downsample(coarsest_mag=8)
            ds.get_layer("segmentation").downsample(coarsest_mag=4, sampling_mode="isotropic")
        wk.Dataset.open(work / "copy-zarr3-wkw").get_layer("color").downsample(
            coarsest_mag=4, interpolation_mode="bilinear"
        )
        up = wk.Dataset.open(work / "copy-zarr3-rechunk").get_layer("segmentation")
        up.downsample(coarsest_mag=4)
        up.delete_mag(1)
        up.upsample(from_mag="4-4-2", finest_mag=1)
        for data_format in ("wkw", "zarr3"):  # sparse: one source shard in a larger layer
            ds = wk.Dataset(work / f"sparse-{data_format}", voxel_size=(1, 1, 1))
            layer = ds.add_layer("c", "color", data_format=data_format)
            layer.bounding_box = wk.BoundingBox((0, 0, 0), (256, 256, 256))
            mag = layer.add_mag(1, chunk_shape=32, shard_shape=64)
            mag.write(_volumes()["color"][:64, :64, :64], absolute_offset=(64, 0, 0))
            layer.add_mag(2, chunk_shape=32, shard_shape=64)
            layer.downsample(coarsest_mag=2)
        wk.Dataset.open(work / "src-wkw").compress()
        target = wk.Dataset(work / "dask-write", voxel_size=(1, 1, 1))
        mag = target.add_layer("c", "color", data_format="zarr3").add_mag(1, shard_shape=64)
        lazy = da.from_array(_volumes()["color"][np.newaxis], chunks=(1, 50, 70, 40))
        mag.write(lazy, absolute_offset=(64, 0, 0))


def digests(work: Path) -> dict[str, str]:
    return {
        str(path.relative_to(work)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(work.rglob("*"))
        if path.is_file()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", nargs="?", type=Path, help="empty directory for the outputs")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"))
    args = parser.parse_args()
    if args.compare:
        old, new = (json.loads(p.read_text()) for p in args.compare)
        changed = sorted(k for k in old.keys() & new.keys() if old[k] != new[k])
        only_old, only_new = sorted(old.keys() - new.keys()), sorted(new.keys() - old.keys())
        for label, names in (("changed", changed), ("only old", only_old), ("only new", only_new)):
            for name in names:
                print(f"{label}: {name}")
        print(f"{len(old)} old files, {len(new)} new files, {len(changed)} changed, "
              f"{len(only_old)} only old, {len(only_new)} only new")
        return 1 if changed or only_old or only_new else 0
    if args.work is None:
        parser.error("give a work directory or --compare OLD NEW")
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    run_jobs(args.work)
    json.dump(digests(args.work), sys.stdout, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
