"""Argument types and option groups shared by the commands."""

from __future__ import annotations

import argparse

from wkdist.errors import (
    LocationError,
)
from wkdist.geometry import BoundingBox
from wkdist.location import Location, as_location
from wkdist.run.clusters import DEFAULT_PROFILE


def vec_type(text: str) -> tuple[int, int, int] | int:
    """``32`` or ``32,32,16``."""
    parts = [int(p) for p in text.replace("-", ",").split(",")]
    if len(parts) == 1:
        return parts[0]
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"expected N or X,Y,Z; got {text!r}")
    return (parts[0], parts[1], parts[2])

def floats_type(text: str) -> tuple[float, float, float]:
    """``11,11,24``."""
    parts = [float(p) for p in text.split(",")]
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"expected X,Y,Z; got {text!r}")
    return (parts[0], parts[1], parts[2])

def pair_type(text: str) -> tuple[int, int]:
    """``512,512``."""
    parts = [int(p) for p in text.split(",")]
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected X,Y; got {text!r}")
    return (parts[0], parts[1])

def box_type(text: str) -> BoundingBox:
    """``x,y,z,width,height,depth``."""
    parts = [int(p) for p in text.split(",")]
    if len(parts) != 6:
        raise argparse.ArgumentTypeError(f"expected x,y,z,width,height,depth; got {text!r}")
    return BoundingBox(parts[:3], parts[3:])

def layout_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--chunk-shape", type=vec_type, help="chunk edge (N or X,Y,Z voxels); default: keep")
    parser.add_argument("--shard-shape", type=vec_type, help="shard edge (N or X,Y,Z voxels); default: keep")
    compress = parser.add_mutually_exclusive_group()
    compress.add_argument("--compress", dest="compress", action="store_const", const=True,
                          help="compress (zstd for Zarr, LZ4 for WKW)")
    compress.add_argument("--no-compress", dest="compress", action="store_const", const=False,
                          help="store raw")
    parser.set_defaults(compress=None)

def cluster_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cluster", default=DEFAULT_PROFILE, metavar="PROFILE",
        help="where the job runs: a profile name (local, distributed, slurm-jobqueue, "
        "slurm-batch, or your own in $WKDIST_PROFILE_PATH or ~/.config/wkdist/profiles) "
        "or a YAML file; default: local (a dask cluster on this machine)")
    parser.add_argument("--jobs", type=int,
                        help="worker processes of the local profile (default: sized to the machine)")

def common_options(parser: argparse.ArgumentParser) -> None:
    cluster_options(parser)
    parser.add_argument("--layer", action="append", dest="layers",
                        help="only this layer (repeatable; default: all)")

def location_type(text: str) -> Location:
    """A dataset argument: a local path or an s3:// / gs:// / http(s):// URL."""
    try:
        return as_location(text)
    except LocationError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
