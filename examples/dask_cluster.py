"""Convert an EM dataset to Zarr v3 and build its mags on a dask cluster.

    python examples/dask_cluster.py [OUTPUT_FOLDER] [--scheduler tcp://HOST:8786]

The job is the usual first step after an EM acquisition: copy the raw volume
and its cell segmentation from WKW to compressed, sharded Zarr v3 and compute
the downsampled mags that WEBKNOSSOS and neuroglancer browse. wkdist cuts both
steps into one task per target shard; where the tasks run is decided by the
``with wkdist.cluster(...)`` block around them, not by the job code:

(a) ``wkdist.cluster("local")`` starts a dask cluster on this machine for the
    length of the block and stops it afterwards.
(b) ``wkdist.cluster("distributed", ...)`` connects to a scheduler that is
    already running (your lab's cluster, dask-gateway, a `dask scheduler` in a
    SLURM allocation). Give its address with ``--scheduler`` or
    ``DASK_WKDIST__CLUSTER__ADDRESS``; without one, (b) is skipped.

The datasets stay in OUTPUT_FOLDER (default: a new temporary folder) for you
to open in WEBKNOSSOS or with ``wkdist.Dataset.open``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import wkdist as wk
from wkdist.sample_data import em_like_volume

if TYPE_CHECKING:
    from concurrent.futures import Executor

# 128 x 128 x 64 voxels: 1 MiB of uint8 EM and 4 MiB of uint32 cell labels.
# Replace write_source by wk.Dataset.open("your_dataset") for real data.
SIZE = (128, 128, 64)
VOXEL_SIZE = (11, 11, 24)  # nm; anisotropic like serial-section EM
# Small shards so that even this small volume makes several tasks per step. For
# real volumes keep the default (1024^3-voxel shards of 32^3 chunks): fewer, larger
# files are what object stores and parallel filesystems like.
SHARD_SHAPE = 64
CHUNK_SHAPE = 32
# With anisotropic voxels, mags are 2-2-1 then 4-4-2: z is halved only once x/y
# voxels have caught up with the thicker sections.
COARSEST_MAG = 4
EXPECTED_MAGS = ["1", "2-2-1", "4-4-2"]


def write_source(folder: Path) -> wk.Dataset:
    """An EM-like color layer and its cell segmentation, written as WKW to ``folder``."""
    image, labels = em_like_volume(SIZE)
    box = wk.BoundingBox((0, 0, 0), SIZE)
    source = wk.Dataset(folder, voxel_size=VOXEL_SIZE)
    color = source.add_layer("color", "color", dtype="uint8", data_format="wkw", bounding_box=box)
    color.add_mag(1).write(image, absolute_offset=(0, 0, 0))
    segmentation = source.add_layer(
        "segmentation", "segmentation", dtype="uint32", data_format="wkw",
        bounding_box=box, largest_segment_id=int(labels.max()),
    )
    segmentation.add_mag(1).write(labels, absolute_offset=(0, 0, 0))
    return source


def convert(source: wk.Dataset, path: Path, executor: Executor | None = None) -> wk.Dataset:
    """Copy ``source`` to compressed Zarr v3 at ``path``, then downsample every layer.

    ``executor=None`` runs the tasks on dask's default scheduler, which inside
    ``with wkdist.cluster(...) as client`` is that client. An executor that is
    not a dask client (e.g. of the ``slurm-batch`` profile) is passed along.
    """
    target = source.copy_dataset(
        path, data_format="zarr3", compress=True,
        shard_shape=SHARD_SHAPE, chunk_shape=CHUNK_SHAPE, executor=executor,
    )
    # Color is downsampled by median, segmentation by mode (most frequent id),
    # so no label that does not exist is invented at a cell border.
    for layer in target.layers.values():
        layer.downsample(coarsest_mag=COARSEST_MAG, executor=executor)
    return target


def verify(source: wk.Dataset, path: Path) -> None:
    """Check the Zarr v3 copy at ``path`` against ``source`` and print a summary.

    Raises
    ------
    RuntimeError
        If a layer's Mag(1) voxels differ from the source, its mags are not
        ``EXPECTED_MAGS``, or a downsampled segmentation holds ids that Mag(1) lacks.
    """
    # Open it afresh, as a reader on another machine would: only what reached
    # the disk (shards and datasource-properties.json) counts.
    target = wk.Dataset.open(path)
    print(f"  {path}")
    for name, layer in source.layers.items():
        copy = target.get_layer(name)
        original = layer.get_mag(1).read()
        if not np.array_equal(copy.get_mag(1).read(), original):
            raise RuntimeError(f"layer {name!r} of {path} differs from the source in Mag(1)")
        mags = [mag.to_layer_name() for mag in sorted(copy.mags)]
        if mags != EXPECTED_MAGS:
            raise RuntimeError(
                f"layer {name!r} of {path} has mags {mags}; expected {EXPECTED_MAGS}"
            )
        coarsest = copy.get_mag(EXPECTED_MAGS[-1]).read()
        if copy.category == "segmentation" and not np.isin(coarsest, original).all():
            raise RuntimeError(
                f"layer {name!r} of {path}: Mag({EXPECTED_MAGS[-1]}) has ids that Mag(1) lacks"
            )
        print(
            f"    {name:13s} {copy.data_format.value} {copy.dtype.name:7s} mags {', '.join(mags)}; "
            f"Mag(1) equals the source, Mag({EXPECTED_MAGS[-1]}) is {coarsest.shape[1:]} voxels"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "output", nargs="?", type=Path,
        help="folder for the datasets (default: a new temporary folder)",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", default=os.environ.get("DASK_WKDIST__CLUSTER__ADDRESS"),
        help="address of a running dask scheduler, e.g. tcp://10.0.0.5:8786 "
        "(default: $DASK_WKDIST__CLUSTER__ADDRESS; none: skip part (b))",
    )
    args = parser.parse_args()
    # Absolute, because the workers of (b) may run in another working directory.
    output = (args.output or Path(tempfile.mkdtemp(prefix="wkdist-dask-"))).resolve()
    source = write_source(output / "em_wkw")

    # (a) A dask cluster on this machine, one worker process per core. The
    # processes share nothing but the filesystem: each task reads its source
    # region and writes whole target shards itself, so no voxels travel through
    # the scheduler. The dashboard (needs `pip install bokeh`) shows the tasks.
    with wk.cluster("local") as client:
        workers = len(client.scheduler_info()["workers"])
        print(f"(a) local cluster with {workers} workers; dashboard: {client.dashboard_link}")
        convert(source, output / "em_zarr3_local")
    verify(source, output / "em_zarr3_local")

    if not args.scheduler:
        print("(b) skipped: pass --scheduler tcp://HOST:PORT to run on an existing scheduler")
        return
    # (b) A scheduler someone else started. wkdist only opens a client; closing
    # the block closes the client and leaves the scheduler and workers running.
    # The workers must see OUTPUT_FOLDER at the same path as this process.
    # A plain `distributed.Client(args.scheduler)` works as well: jobs run on
    # dask's default client when no executor= is given.
    with wk.cluster("distributed", config={"wkdist.cluster.address": args.scheduler}) as client:
        workers = len(client.scheduler_info()["workers"])
        print(f"(b) scheduler {client.scheduler.address} with {workers} workers")
        convert(source, output / "em_zarr3_scheduler")
    verify(source, output / "em_zarr3_scheduler")


if __name__ == "__main__":
    main()
