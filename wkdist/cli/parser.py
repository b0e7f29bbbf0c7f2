"""The argument parser of the ``wkdist`` command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from wkdist.cli.arguments import (
    box_type,
    cluster_options,
    common_options,
    floats_type,
    layout_options,
    location_type,
    pair_type,
    vec_type,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wkdist",
        description="Copy, convert, compress and downsample WEBKNOSSOS datasets "
        "(WKW, Zarr v2, Zarr v3) as parallel dask jobs.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    copy = commands.add_parser("copy", help="copy a dataset, optionally re-chunked, re-sharded or converted")
    copy.add_argument("source", type=location_type)
    copy.add_argument("target", type=location_type)
    copy.add_argument("--data-format", choices=["wkw", "zarr", "zarr3"], help="default: keep")
    layout_options(copy)
    common_options(copy)

    convert = commands.add_parser("convert", help="copy a dataset into another format")
    convert.add_argument("source", type=location_type)
    convert.add_argument("target", type=location_type)
    convert.add_argument("--data-format", choices=["wkw", "zarr", "zarr3"], required=True)
    layout_options(convert)
    common_options(convert)

    compress = commands.add_parser("compress", help="compress every mag in place")
    compress.add_argument("dataset", type=location_type)
    common_options(compress)

    downsample = commands.add_parser("downsample", help="compute coarser mags")
    downsample.add_argument("dataset", type=location_type)
    downsample.add_argument("--from-mag", help="default: the finest mag")
    downsample.add_argument("--coarsest-mag", help="e.g. 16 or 16-16-8 (default: ~100 voxels per slice edge)")
    downsample.add_argument("--interpolation-mode", default="default",
                            choices=["default", "median", "mode", "nearest", "bilinear", "bicubic", "max", "min", "mean"])
    downsample.add_argument("--sampling-mode", default="anisotropic",
                            choices=["anisotropic", "isotropic", "constant_z"])
    common_options(downsample)

    upsample = commands.add_parser("upsample", help="compute finer mags (nearest)")
    upsample.add_argument("dataset", type=location_type)
    upsample.add_argument("--from-mag", required=True)
    upsample.add_argument("--finest-mag", default="1")
    upsample.add_argument("--sampling-mode", default="anisotropic",
                          choices=["anisotropic", "isotropic", "constant_z"])
    common_options(upsample)

    image_import = commands.add_parser(
        "import",
        help="import a TIFF/PNG/JPEG image stack as a new dataset",
        description="Import a folder, glob pattern or list of image files (one slice per "
        "file or multi-page TIFF, natural order) as a dataset with one layer, as a parallel "
        "job. Every file is checked before anything is written.",
    )
    image_import.add_argument("source", nargs="+",
                              help="a folder, a glob pattern (quoted), or image files in z order")
    image_import.add_argument("target", type=location_type, help="the new dataset's directory")
    image_import.add_argument("--voxel-size", type=floats_type, required=True,
                              help="x,y,z in nanometers, e.g. 11,11,24")
    image_import.add_argument("--name", help="dataset name (default: the target's folder name)")
    image_import.add_argument("--layer-name", help="default: the source folder's name")
    image_import.add_argument("--category", choices=["color", "segmentation"],
                              help="default: segmentation if the path mentions "
                              "'segmentation' or 'labels', else color")
    image_import.add_argument("--data-format", choices=["wkw", "zarr", "zarr3"], default="zarr3")
    image_import.add_argument("--dtype", help="convert pixels to this dtype (default: keep)")
    image_import.add_argument("--channel", type=int, help="import only this sample of each pixel")
    image_import.add_argument("--topleft", type=vec_type, default=(0, 0, 0),
                              help="Mag(1) position of the first pixel, X,Y,Z (default 0,0,0)")
    image_import.add_argument("--swap-xy", action="store_true",
                              help="image rows are x (default: columns are x)")
    for axis, what in (("x", "rows"), ("y", "columns"), ("z", "slices")):
        image_import.add_argument(f"--flip-{axis}", action="store_true",
                                  help=f"reverse the images' {what} (as webknossos' flip_{axis})")
    image_import.add_argument("--allow-gaps", action="store_true",
                              help="accept numbered file names that skip numbers")
    image_import.add_argument("--downsample", action="store_true",
                              help="also compute the coarser mags (as `wkdist downsample`)")
    image_import.add_argument("--coarsest-mag", help="with --downsample, e.g. 16 or 16-16-8")
    layout_options(image_import)
    cluster_options(image_import)

    export = commands.add_parser(
        "export-tiff",
        help="export a box of a layer as TIFF images (one per slice, or tiles)",
        description="Write a box of one mag of a layer as one TIFF per z slice "
        "(NAME_000000.tiff, ...) or as tiles per slice (SLICE/ROW/COLUMN.tiff), in parallel, "
        "named and oriented as webknossos' export-as-tiff does.",
    )
    export.add_argument("dataset", type=location_type)
    export.add_argument("destination", type=Path)
    export.add_argument("--layer-name", default="color", help="default: color")
    export.add_argument("--mag", default="1", help="e.g. 1 or 2-2-1 (default 1)")
    export.add_argument("--bbox", type=box_type, help="x,y,z,width,height,depth in Mag(1) voxels "
                        "(default: the layer's box)")
    export.add_argument("--name", default="", help="file name prefix")
    export.add_argument("--tile-size", type=pair_type, help="X,Y: tiles of this size per slice")
    export.add_argument("--batch-size", type=int, help="slices per task (default: chunk depth)")
    cluster_options(export)

    info = commands.add_parser("info", help="layers, mags, formats, boxes and sizes on disk")
    info.add_argument("dataset", type=location_type)

    verify = commands.add_parser(
        "verify",
        help="check a dataset's shard files against its job journals, or that two datasets "
        "hold equal voxels",
        description="verify TARGET re-reads every shard file written by a journaled job and "
        "checks it against the journal's checksum; verify A B compares the voxels of two "
        "datasets shard by shard in parallel on --cluster (each task holds two shards' voxels). "
        "Exit code 0: intact / equal, 1: damage / differences, 2: usage or input error.",
    )
    verify.add_argument("first", type=location_type)
    verify.add_argument("second", type=location_type, nargs="?")
    cluster_options(verify)  # for comparing two datasets (shard by shard, in parallel)

    status = commands.add_parser(
        "status", help="the jobs recorded in a dataset's journal: progress, failures, how to resume"
    )
    status.add_argument("dataset", type=location_type)
    status.add_argument("--watch", type=float, nargs="?", const=5.0, metavar="SECONDS",
                        help="refresh every SECONDS (default 5) until every job is finished")

    resume = commands.add_parser(
        "resume",
        help="continue the unfinished job in a dataset (with the options it was started with)",
    )
    resume.add_argument("dataset", type=location_type)
    resume.add_argument("--verify", action="store_true",
                        help="re-read every shard the job recorded and rewrite the damaged ones "
                        "(also for a finished job); default: trust unchanged size and time")
    cluster_options(resume)

    discard = commands.add_parser(
        "discard", help="delete what an unfinished job wrote (its new files and its journal)"
    )
    discard.add_argument("dataset", type=location_type)
    discard.add_argument("--job", help="the job's name (default: the only unfinished one)")

    demo = commands.add_parser(
        "demo",
        help="build a sample EM-like dataset, convert it, print a summary",
        description="Build a sample EM-like dataset (WKW), copy it to Zarr v3 and "
        "print what was done and how fast.",
    )
    demo.add_argument("path", nargs="?", type=Path,
                      help="folder for the demo datasets (default: a temporary folder, removed afterwards)")
    demo.add_argument("--size", type=int, nargs=3, default=(256, 256, 128), metavar=("X", "Y", "Z"),
                      help="volume size in voxels (default: 256 256 128)")
    cluster_options(demo)
    return parser
