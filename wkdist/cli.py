"""The ``wkdist`` command line: thin over the Dataset API and the jobs."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import tempfile
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from distributed import Client

from wkdist.errors import (
    JobIncompleteError,
    LocationError,
    UnfinishedJobError,
    UnfinishedJobWarning,
)
from wkdist.geometry import BoundingBox
from wkdist.location import Location, RemotePath, as_location
from wkdist.run.clusters import DEFAULT_PROFILE, cluster
from wkdist.run.journaled import Job, finished_job, journaled, pending_job

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from concurrent.futures import Executor

    from wkdist.dataset import Dataset


def _vec(text: str) -> tuple[int, int, int] | int:
    """``32`` or ``32,32,16``."""
    parts = [int(p) for p in text.replace("-", ",").split(",")]
    if len(parts) == 1:
        return parts[0]
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"expected N or X,Y,Z; got {text!r}")
    return (parts[0], parts[1], parts[2])


def _floats(text: str) -> tuple[float, float, float]:
    """``11,11,24``."""
    parts = [float(p) for p in text.split(",")]
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"expected X,Y,Z; got {text!r}")
    return (parts[0], parts[1], parts[2])


def _pair(text: str) -> tuple[int, int]:
    """``512,512``."""
    parts = [int(p) for p in text.split(",")]
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected X,Y; got {text!r}")
    return (parts[0], parts[1])


def _box(text: str) -> BoundingBox:
    """``x,y,z,width,height,depth``."""
    parts = [int(p) for p in text.split(",")]
    if len(parts) != 6:
        raise argparse.ArgumentTypeError(f"expected x,y,z,width,height,depth; got {text!r}")
    return BoundingBox(parts[:3], parts[3:])


def _layout_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--chunk-shape", type=_vec, help="chunk edge (N or X,Y,Z voxels); default: keep")
    parser.add_argument("--shard-shape", type=_vec, help="shard edge (N or X,Y,Z voxels); default: keep")
    compress = parser.add_mutually_exclusive_group()
    compress.add_argument("--compress", dest="compress", action="store_const", const=True,
                          help="compress (zstd for Zarr, LZ4 for WKW)")
    compress.add_argument("--no-compress", dest="compress", action="store_const", const=False,
                          help="store raw")
    parser.set_defaults(compress=None)


def _cluster_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cluster", default=DEFAULT_PROFILE, metavar="PROFILE",
        help="where the job runs: a profile name (local, distributed, slurm-jobqueue, "
        "slurm-batch, or your own in $WKDIST_PROFILE_PATH or ~/.config/wkdist/profiles) "
        "or a YAML file; default: local (a dask cluster on this machine)")
    parser.add_argument("--jobs", type=int,
                        help="worker processes of the local profile (default: sized to the machine)")


def _common(parser: argparse.ArgumentParser) -> None:
    _cluster_options(parser)
    parser.add_argument("--layer", action="append", dest="layers",
                        help="only this layer (repeatable; default: all)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wkdist",
        description="Copy, convert, compress and downsample WEBKNOSSOS datasets "
        "(WKW, Zarr v2, Zarr v3) as parallel dask jobs.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    copy = commands.add_parser("copy", help="copy a dataset, optionally re-chunked, re-sharded or converted")
    copy.add_argument("source", type=_location)
    copy.add_argument("target", type=_location)
    copy.add_argument("--data-format", choices=["wkw", "zarr", "zarr3"], help="default: keep")
    _layout_options(copy)
    _common(copy)

    convert = commands.add_parser("convert", help="copy a dataset into another format")
    convert.add_argument("source", type=_location)
    convert.add_argument("target", type=_location)
    convert.add_argument("--data-format", choices=["wkw", "zarr", "zarr3"], required=True)
    _layout_options(convert)
    _common(convert)

    compress = commands.add_parser("compress", help="compress every mag in place")
    compress.add_argument("dataset", type=_location)
    _common(compress)

    downsample = commands.add_parser("downsample", help="compute coarser mags")
    downsample.add_argument("dataset", type=_location)
    downsample.add_argument("--from-mag", help="default: the finest mag")
    downsample.add_argument("--coarsest-mag", help="e.g. 16 or 16-16-8 (default: ~100 voxels per slice edge)")
    downsample.add_argument("--interpolation-mode", default="default",
                            choices=["default", "median", "mode", "nearest", "bilinear", "bicubic", "max", "min", "mean"])
    downsample.add_argument("--sampling-mode", default="anisotropic",
                            choices=["anisotropic", "isotropic", "constant_z"])
    _common(downsample)

    upsample = commands.add_parser("upsample", help="compute finer mags (nearest)")
    upsample.add_argument("dataset", type=_location)
    upsample.add_argument("--from-mag", required=True)
    upsample.add_argument("--finest-mag", default="1")
    upsample.add_argument("--sampling-mode", default="anisotropic",
                          choices=["anisotropic", "isotropic", "constant_z"])
    _common(upsample)

    image_import = commands.add_parser(
        "import",
        help="import a TIFF/PNG/JPEG image stack as a new dataset",
        description="Import a folder, glob pattern or list of image files (one slice per "
        "file or multi-page TIFF, natural order) as a dataset with one layer, as a parallel "
        "job. Every file is checked before anything is written.",
    )
    image_import.add_argument("source", nargs="+",
                              help="a folder, a glob pattern (quoted), or image files in z order")
    image_import.add_argument("target", type=_location, help="the new dataset's directory")
    image_import.add_argument("--voxel-size", type=_floats, required=True,
                              help="x,y,z in nanometers, e.g. 11,11,24")
    image_import.add_argument("--name", help="dataset name (default: the target's folder name)")
    image_import.add_argument("--layer-name", help="default: the source folder's name")
    image_import.add_argument("--category", choices=["color", "segmentation"],
                              help="default: segmentation if the path mentions "
                              "'segmentation' or 'labels', else color")
    image_import.add_argument("--data-format", choices=["wkw", "zarr", "zarr3"], default="zarr3")
    image_import.add_argument("--dtype", help="convert pixels to this dtype (default: keep)")
    image_import.add_argument("--channel", type=int, help="import only this sample of each pixel")
    image_import.add_argument("--topleft", type=_vec, default=(0, 0, 0),
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
    _layout_options(image_import)
    _cluster_options(image_import)

    export = commands.add_parser(
        "export-tiff",
        help="export a box of a layer as TIFF images (one per slice, or tiles)",
        description="Write a box of one mag of a layer as one TIFF per z slice "
        "(NAME_000000.tiff, ...) or as tiles per slice (SLICE/ROW/COLUMN.tiff), in parallel, "
        "named and oriented as webknossos' export-as-tiff does.",
    )
    export.add_argument("dataset", type=_location)
    export.add_argument("destination", type=Path)
    export.add_argument("--layer-name", default="color", help="default: color")
    export.add_argument("--mag", default="1", help="e.g. 1 or 2-2-1 (default 1)")
    export.add_argument("--bbox", type=_box, help="x,y,z,width,height,depth in Mag(1) voxels "
                        "(default: the layer's box)")
    export.add_argument("--name", default="", help="file name prefix")
    export.add_argument("--tile-size", type=_pair, help="X,Y: tiles of this size per slice")
    export.add_argument("--batch-size", type=int, help="slices per task (default: chunk depth)")
    _cluster_options(export)

    info = commands.add_parser("info", help="layers, mags, formats, boxes and sizes on disk")
    info.add_argument("dataset", type=_location)

    verify = commands.add_parser(
        "verify",
        help="check a dataset's shard files against its job journals, or that two datasets "
        "hold equal voxels",
        description="verify TARGET re-reads every shard file written by a journaled job and "
        "checks it against the journal's checksum; verify A B compares the voxels of two "
        "datasets shard by shard in parallel on --cluster (each task holds two shards' voxels). "
        "Exit code 0: intact / equal, 1: damage / differences, 2: usage or input error.",
    )
    verify.add_argument("first", type=_location)
    verify.add_argument("second", type=_location, nargs="?")
    _cluster_options(verify)  # for comparing two datasets (shard by shard, in parallel)

    status = commands.add_parser(
        "status", help="the jobs recorded in a dataset's journal: progress, failures, how to resume"
    )
    status.add_argument("dataset", type=_location)
    status.add_argument("--watch", type=float, nargs="?", const=5.0, metavar="SECONDS",
                        help="refresh every SECONDS (default 5) until every job is finished")

    resume = commands.add_parser(
        "resume",
        help="continue the unfinished job in a dataset (with the options it was started with)",
    )
    resume.add_argument("dataset", type=_location)
    resume.add_argument("--verify", action="store_true",
                        help="re-read every shard the job recorded and rewrite the damaged ones "
                        "(also for a finished job); default: trust unchanged size and time")
    _cluster_options(resume)

    discard = commands.add_parser(
        "discard", help="delete what an unfinished job wrote (its new files and its journal)"
    )
    discard.add_argument("dataset", type=_location)
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
    _cluster_options(demo)
    return parser


def _location(text: str) -> Location:
    """A dataset argument: a local path or an s3:// / gs:// / http(s):// URL."""
    try:
        return as_location(text)
    except LocationError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _selected_layers(ds: Dataset, names: list[str] | None) -> list[str]:
    return list(ds.layers) if not names else [ds.get_layer(name).name for name in names]


def _disk_size(path: Location) -> str:
    if isinstance(path, RemotePath):
        return "in object storage"
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return f"{size / 2**20:.1f} MiB on disk"


def _info(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset
    from wkdist.journal import job_status, unfinished_jobs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnfinishedJobWarning)
        ds = Dataset.open(args.dataset)
    for journal in unfinished_jobs(ds.path) if isinstance(ds.path, Path) else ():
        status = job_status(journal)
        print(f"UNFINISHED job {journal.name} ({status.header.kind}): {status.done}/"
              f"{status.total} shards written; see: wkdist status {ds.path}")
    print(f"{ds.path}: {ds.name}, voxel size {ds.voxel_size_with_unit.factor} {ds.voxel_size_with_unit.unit}")
    for layer in ds.layers.values():
        print(f"  {layer.name} ({layer.category}, {layer.data_format.value}, "
              f"{layer.num_channels} × {layer.dtype.name}) box {layer.bounding_box}")
        for mag, view in layer.mags.items():
            spec = view.info
            print(f"    mag {mag.to_layer_name():8s} chunk {tuple(spec.chunk_shape)} shard "
                  f"{tuple(spec.shard_shape)} {spec.compression or 'raw'}, "
                  f"{_disk_size(view.path)}")


class _Differences(Exception):
    """``verify`` found damage or differences (exit code 1)."""


def _verify(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset

    if args.second is None:
        _verify_files(args.first)
        return
    first, second = Dataset.open(args.first), Dataset.open(args.second)
    problems = [f"layer {name} is missing in {first.path}" for name in second.layers
                if name not in first.layers]
    for name, layer in first.layers.items():
        if name not in second.layers:
            problems.append(f"layer {name} is missing in {second.path}")
            continue
        other = second.get_layer(name)
        if layer.bounding_box != other.bounding_box:
            problems.append(f"layer {name} has the box {layer.bounding_box} in {first.path} but "
                            f"{other.bounding_box} in {second.path}")
            continue
        for mag, view in layer.mags.items():
            if mag not in other.mags:
                problems.append(f"{name} mag {mag.to_layer_name()} is missing in {second.path}")
            elif not view.content_is_equal(other.get_mag(mag), executor=args.executor):
                problems.append(f"{name} mag {mag.to_layer_name()} differs")
    if problems:
        raise _Differences("; ".join(problems))
    print(f"equal: every layer and mag of {first.path} matches {second.path}")


def _verify_files(path: Location) -> None:
    from wkdist.journal import journals, verify_files

    if not journals(path):
        raise FileNotFoundError(f"no job journal in {path}: nothing to verify against")
    checked, bad = verify_files(path)
    if not bad:
        print(f"intact: {checked} shard files of {path} match their journal")
        return
    for problem in bad:
        print(f"  {problem}")
    raise _Differences(
        f"{len(bad)} of the journaled files of {path} are damaged or unknown; rewrite the "
        f"damaged shards with: wkdist resume {path} --verify"
    )


def _status(args: argparse.Namespace) -> None:
    from wkdist.journal import job_status, journals

    while True:
        found = journals(args.dataset)
        if not found:
            if not (args.dataset / "datasource-properties.json").is_file():
                raise FileNotFoundError(f"no dataset at {args.dataset}")
            print(f"{args.dataset}: no journaled jobs")
            return
        statuses = [job_status(journal) for journal in found]
        if args.watch:
            print("\033[2J\033[H", end="")
        print("\n".join(status.describe() for status in statuses), flush=True)
        if not args.watch or all(status.finalized for status in statuses):
            return
        time.sleep(args.watch)


def _discard(args: argparse.Namespace) -> None:
    from wkdist.journal import unfinished_jobs

    unfinished = unfinished_jobs(args.dataset)
    if args.job is not None:
        unfinished = [j for j in unfinished if j.name == args.job]
        if not unfinished:
            raise FileNotFoundError(f"no unfinished job {args.job!r} in {args.dataset}")
    if not unfinished:
        raise FileNotFoundError(f"no unfinished job in {args.dataset}; nothing to discard")
    if len(unfinished) > 1:
        names = ", ".join(j.name for j in unfinished)
        raise ValueError(
            f"{args.dataset} has several unfinished jobs ({names}); pick one with --job"
        )
    journal = unfinished[0]
    created = ", ".join(journal.header.created) or "no files"
    journal.discard()
    print(f"discarded job {journal.name}: removed {created} and its journal")


def _check_copy(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset
    from wkdist.dataset.copying import check_dataset_copy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnfinishedJobWarning)
        source = Dataset.open(args.source)
    check_dataset_copy(
        source,
        args.target,
        _selected_layers(source, args.layers),
        data_format=args.data_format,
        chunk_shape=args.chunk_shape,
        shard_shape=args.shard_shape,
        chunks_per_shard=None,
        compress=args.compress,
    )


def _check_layers(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnfinishedJobWarning)
        _selected_layers(Dataset.open(args.dataset), args.layers)


def _copy(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset

    source = Dataset.open(args.source)
    ignored = [n for n in source.layers if args.layers and n not in _selected_layers(source, args.layers)]
    source.copy_dataset(
        args.target,
        chunk_shape=args.chunk_shape,
        shard_shape=args.shard_shape,
        data_format=args.data_format,
        compress=args.compress,
        layers_to_ignore=ignored,
        executor=args.executor,
    )
    print(f"copied {source.path} to {args.target}")


def _compress(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset

    ds = Dataset.open(args.dataset)
    for name in _selected_layers(ds, args.layers):
        ds.get_layer(name).compress(executor=args.executor)
    print(f"compressed {ds.path}")


def _downsample(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset

    ds = Dataset.open(args.dataset)
    for name in _selected_layers(ds, args.layers):
        mags = ds.get_layer(name).downsample(
            from_mag=args.from_mag,
            coarsest_mag=args.coarsest_mag,
            interpolation_mode=args.interpolation_mode,
            sampling_mode=args.sampling_mode,
            executor=args.executor,
        )
        print(f"{name}: created mags {', '.join(m.to_layer_name() for m in mags)}")


def _upsample(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset

    ds = Dataset.open(args.dataset)
    for name in _selected_layers(ds, args.layers):
        mags = ds.get_layer(name).upsample(
            args.from_mag, args.finest_mag, sampling_mode=args.sampling_mode,
            executor=args.executor,
        )
        print(f"{name}: created mags {', '.join(m.to_layer_name() for m in mags)}")


#: The options of ``wkdist import`` that go to the import as they are.
_IMPORT_SETUP_OPTIONS = (
    "data_format", "chunk_shape", "shard_shape", "topleft", "swap_xy", "flip_x", "flip_y",
    "flip_z", "dtype", "channel", "allow_gaps",
)


def _check_import(args: argparse.Namespace) -> None:
    """Check every image file and the arguments before a cluster starts."""
    from wkdist.dataset.from_images import ImportSetup
    from wkdist.properties import VoxelSize

    args.setup = ImportSetup(
        args.source[0] if len(args.source) == 1 else args.source,
        category=args.category,
        compress=True if args.compress is None else args.compress,
        **{option: getattr(args, option) for option in _IMPORT_SETUP_OPTIONS},
    )
    args.layer_name = args.setup.layer_name(args.layer_name)
    args.voxel_size = VoxelSize(args.voxel_size)


def _import_job(args: argparse.Namespace) -> Job:
    """The import (with ``--downsample``: and the pyramid) as one job; its identity
    is the one of the same ``Dataset.from_images`` call, plus ``--downsample``."""
    target = args.target.absolute() if isinstance(args.target, Path) else args.target
    argv = ["import", *(str(Path(s).absolute()) for s in args.source), str(target)]
    argv += _option_argv("voxel_size", args.voxel_size.factor)
    for option in _IMPORT_OPTIONS:
        if getattr(args, option) is not None:
            argv += _option_argv(option, getattr(args, option))
    more = {"downsample": args.coarsest_mag or True} if args.downsample else None
    return args.setup.job(  # type: ignore[no-any-return]
        target, args.layer_name, new_dataset=(args.voxel_size, args.name),
        argv=tuple(argv), more=more,
    )


def _import(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset
    from wkdist.dataset.from_images import import_dataset

    ds = import_dataset(Dataset, args.setup, args.target, args.layer_name, args.voxel_size,
                        args.name, executor=args.executor)
    layer = ds.get_layer(args.layer_name)
    print(f"imported {layer.name} ({layer.category}, {layer.num_channels} x "
          f"{layer.dtype.name}) box {layer.bounding_box} into {ds.path}")
    if args.downsample:
        mags = layer.downsample(coarsest_mag=args.coarsest_mag, executor=args.executor)
        print(f"{layer.name}: created mags {', '.join(m.to_layer_name() for m in mags)}")


def _export_tiff(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset

    mag_view = Dataset.open(args.dataset).get_layer(args.layer_name).get_mag(args.mag)
    count = mag_view.export_as_tiff(
        args.destination,
        bbox=args.bbox,
        name=args.name,
        tile_size=args.tile_size,
        batch_size=args.batch_size,
        executor=args.executor,
    )
    print(f"exported {count} slice(s) of {args.layer_name} mag {mag_view.name} to {args.destination}")


def _check_export_tiff(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset

    Dataset.open(args.dataset).get_layer(args.layer_name).get_mag(args.mag)


def _demo(args: argparse.Namespace) -> None:
    from wkdist.demo import run_demo

    if args.path is None:
        with tempfile.TemporaryDirectory(prefix="wkdist-demo-") as tmp:
            run_demo(Path(tmp), tuple(args.size), executor=args.executor)
    else:
        run_demo(args.path, tuple(args.size), executor=args.executor)


_COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "copy": _copy,
    "convert": _copy,
    "compress": _compress,
    "downsample": _downsample,
    "upsample": _upsample,
    "import": _import,
    "export-tiff": _export_tiff,
    "info": _info,
    "verify": _verify,
    "status": _status,
    "discard": _discard,
    "demo": _demo,
}


PROPERTIES = "datasource-properties.json"

#: The options of each job command that its journal records (they make its identity).
_JOB_OPTIONS: dict[str, tuple[str, ...]] = {
    "copy": ("data_format", "chunk_shape", "shard_shape", "compress", "layers"),
    "compress": ("layers",),
    "downsample": ("from_mag", "coarsest_mag", "interpolation_mode", "sampling_mode", "layers"),
    "upsample": ("from_mag", "finest_mag", "sampling_mode", "layers"),
}


def _option_argv(name: str, value: object) -> list[str]:
    flag = f"--{name.replace('_', '-')}"
    if name == "compress":
        return ["--compress" if value else "--no-compress"]
    if name == "layers":
        return [part for layer in value for part in ("--layer", str(layer))]  # type: ignore[attr-defined]
    if isinstance(value, bool):  # a flag
        return [flag] if value else []
    if isinstance(value, tuple):
        return [flag, ",".join(map(str, value))]
    return [flag, str(value)]


#: The options of ``wkdist import`` that its ``argv`` repeats.
_IMPORT_OPTIONS = (
    *_IMPORT_SETUP_OPTIONS, "name", "layer_name", "category", "compress", "downsample",
    "coarsest_mag",
)


def _job(args: argparse.Namespace) -> Job | None:
    """The journaled job that a command runs (``None`` for commands that write no data)."""
    if args.command == "import":
        return _import_job(args)
    kind = "copy" if args.command == "convert" else args.command
    if kind not in _JOB_OPTIONS:
        return None
    options = {name: getattr(args, name) for name in _JOB_OPTIONS[kind]}
    options = {name: value for name, value in options.items() if value is not None}
    given = [args.source, args.target] if kind == "copy" else [args.dataset]
    if not all(isinstance(path, Path) for path in given):
        return None  # no journal in object storage yet
    paths = [path.absolute() for path in given]
    argv = [args.command, *map(str, paths)]
    for name, value in options.items():
        argv += _option_argv(name, value)
    return Job(
        kind,
        paths[-1],
        {name: list(v) if isinstance(v, tuple) else v for name, v in options.items()},
        source=paths[0] if kind == "copy" else None,
        argv=tuple(argv),
        creates_target=kind == "copy" and not paths[-1].exists(),
    )


def _resume_argv(args: argparse.Namespace) -> list[str]:
    """The arguments that continue the job recorded in ``args.dataset``."""
    from wkdist.journal import journals

    if args.verify:
        from wkdist.journal import verify_files

        found = journals(args.dataset)
        _, bad = verify_files(args.dataset)
        names = {b.journal for b in bad if b.problem != "not in the journal"}
        for journal in found:
            if journal.name in names:
                journal.forget_damaged()
    unfinished = [j for j in journals(args.dataset) if not j.finalized]
    if not unfinished:
        raise FileNotFoundError(f"no unfinished job in {args.dataset}: nothing to resume")
    header = unfinished[0].header
    if header.argv is None:
        raise ValueError(
            f"the job {unfinished[0].name} was started from Python; run the same call again"
        )
    argv = [*header.argv, "--cluster", args.cluster]
    if args.jobs:
        argv += ["--jobs", str(args.jobs)]
    print(f"wkdist: resuming job {unfinished[0].name}: {shlex.join(['wkdist', *argv])}",
          file=sys.stderr)
    return argv


#: Checks of a command's arguments and input that run before any cluster starts.
_CHECKS: dict[str, Callable[[argparse.Namespace], None]] = {
    "import": _check_import,
    "export-tiff": _check_export_tiff,
    "copy": _check_copy,
    "convert": _check_copy,
    "compress": _check_layers,
    "downsample": _check_layers,
    "upsample": _check_layers,
}


@contextmanager
def _runner(args: argparse.Namespace) -> Iterator[Executor | None]:
    """The cluster of ``--cluster`` for the command; ``None`` for commands without one
    and for dask clusters (their client is the default scheduler)."""
    if not hasattr(args, "cluster") or (args.command == "verify" and args.second is None):
        yield None
        return
    config = {"wkdist.cluster.local.n-workers": args.jobs} if args.jobs else {}
    with cluster(args.cluster, config) as runner:
        yield None if isinstance(runner, Client) else runner


@contextmanager
def _journaled(job: Job | None) -> Iterator[None]:
    if job is None:
        yield
        return
    with journaled(job):
        yield


class _Terminated(BaseException):
    """SIGTERM (e.g. scancel of the job running wkdist), raised so that clusters shut down."""


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


def main(argv: list[str] | None = None) -> int:
    """Run the ``wkdist`` command line; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "resume":
        try:
            return main(_resume_argv(args))
        except (ValueError, FileNotFoundError) as error:
            print(f"wkdist: error: {error}", file=sys.stderr)
            return 2
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        if args.command in _CHECKS:
            _CHECKS[args.command](args)
        job = _job(args)
        if job is not None and isinstance(job.target, Path):
            # Another unfinished job, or a copy over a dataset: stop before writing anything.
            pending = pending_job(job.target, job)
            done = finished_job(job.target, job)
            if done is not None:  # e.g. killed after its finalization: nothing left to do
                print(f"wkdist: job {done.name} ({job.kind}) already finished in {job.target}; "
                      "nothing to do")
                return 0
            if job.kind == "copy" and pending is None and (job.target / PROPERTIES).is_file():
                raise FileExistsError(f"a dataset exists at {job.target}; copy to a new folder")
            if job.kind == "import" and pending is None:
                from wkdist.dataset.from_images import check_new_dataset_path

                check_new_dataset_path(job.target)
        with _runner(args) as executor, _journaled(job):
            args.executor = executor
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UnfinishedJobWarning)  # this job's own journal
                _COMMANDS[args.command](args)
    except _Differences as error:
        print(f"wkdist: {error}", file=sys.stderr)
        return 1
    except JobIncompleteError as error:
        print(f"wkdist: error: {error}", file=sys.stderr)  # the shards and tracebacks, in full
        return 1
    except UnfinishedJobError as error:
        print(f"wkdist: error: {error}", file=sys.stderr)  # both ways out
        return 2
    except (ValueError, OSError, RuntimeError, IndexError, NotImplementedError) as error:
        print(f"wkdist: error: {error}".splitlines()[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("wkdist: interrupted; everything started was shut down", file=sys.stderr)
        return 130
    except _Terminated:
        print("wkdist: terminated; everything started was shut down", file=sys.stderr)
        return 143
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
