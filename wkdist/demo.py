"""The README's main job: build a sample dataset, write it, convert it, summarise."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from wkdist.dataset import Dataset
from wkdist.geometry import BoundingBox
from wkdist.location import require_local
from wkdist.sample_data import em_like_volume

if TYPE_CHECKING:
    from concurrent.futures import Executor
    from pathlib import Path


def _mib(nbytes: int, seconds: float) -> str:
    return f"{nbytes / 2**20 / max(seconds, 1e-9):7.1f} MiB/s"


def _disk_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def run_demo(folder: Path, size: tuple[int, int, int], executor: Executor | None = None) -> None:
    """Write an EM-like color layer and its segmentation as WKW, copy the dataset
    to compressed Zarr v3, downsample the copy, check it and print a summary.

    The copy and the downsampling run on ``executor`` (``None``: the active dask
    scheduler)."""
    folder.mkdir(parents=True, exist_ok=True)
    image, labels = em_like_volume(size)
    box = BoundingBox((0, 0, 0), size)
    source = Dataset(folder / "sample_wkw", voxel_size=(11, 11, 24))
    started = time.perf_counter()
    color = source.add_layer("color", "color", dtype="uint8", data_format="wkw", bounding_box=box)
    color.add_mag(1).write(image, absolute_offset=(0, 0, 0))
    seg = source.add_layer(
        "segmentation", "segmentation", dtype="uint32", data_format="wkw",
        bounding_box=box, largest_segment_id=int(labels.max()),
    )
    seg.add_mag(1).write(labels, absolute_offset=(0, 0, 0))
    write_s = time.perf_counter() - started

    started = time.perf_counter()
    target = source.copy_dataset(
        folder / "sample_zarr3", data_format="zarr3", compress=True, executor=executor
    )
    copy_s = time.perf_counter() - started

    started = time.perf_counter()
    created = [target.get_layer(name).downsample(executor=executor) for name in target.layers]
    downsample_s = time.perf_counter() - started

    started = time.perf_counter()
    same = all(
        np.array_equal(
            layer.get_mag(1).read(), target.get_layer(name).get_mag(1).read()
        )
        for name, layer in source.layers.items()
    )
    verify_s = time.perf_counter() - started
    if not same:
        raise RuntimeError("the Zarr v3 copy differs from the WKW source")

    nbytes = image.nbytes + labels.nbytes
    print(f"wkdist demo in {folder}")
    for ds in (source, target):
        print(f"  {ds.path.name}: {_disk_size(require_local(ds.path, 'the demo')) / 2**20:.1f} MiB on disk")
        for layer in ds.layers.values():
            print(
                f"    {layer.name:13s} {layer.data_format.value:6s} {layer.dtype.name:7s} "
                f"box {layer.bounding_box} mags {[m.to_layer_name() for m in layer.mags]}"
            )
    print(f"  write WKW (lz4):        {write_s:6.2f} s  {_mib(nbytes, write_s)}")
    print(f"  copy WKW -> Zarr v3:    {copy_s:6.2f} s  {_mib(nbytes, copy_s)}")
    print(
        f"  downsample Zarr v3:     {downsample_s:6.2f} s  {_mib(nbytes, downsample_s)}"
        f"  (mags {', '.join(m.to_layer_name() for m in created[0])})"
    )
    print(f"  verify (read both):     {verify_s:6.2f} s  {_mib(2 * nbytes, verify_s)}")
    print("  the copy holds the same voxels as the source")
