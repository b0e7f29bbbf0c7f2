"""The ``wkdist`` command line: thin over the Dataset API and the jobs."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from distributed import Client

from wkdist.errors import JobIncompleteError
from wkdist.run.clusters import DEFAULT_PROFILE, cluster

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
    copy.add_argument("source", type=Path)
    copy.add_argument("target", type=Path)
    copy.add_argument("--data-format", choices=["wkw", "zarr", "zarr3"], help="default: keep")
    _layout_options(copy)
    _common(copy)

    convert = commands.add_parser("convert", help="copy a dataset into another format")
    convert.add_argument("source", type=Path)
    convert.add_argument("target", type=Path)
    convert.add_argument("--data-format", choices=["wkw", "zarr", "zarr3"], required=True)
    _layout_options(convert)
    _common(convert)

    compress = commands.add_parser("compress", help="compress every mag in place")
    compress.add_argument("dataset", type=Path)
    _common(compress)

    downsample = commands.add_parser("downsample", help="compute coarser mags")
    downsample.add_argument("dataset", type=Path)
    downsample.add_argument("--from-mag", help="default: the finest mag")
    downsample.add_argument("--coarsest-mag", help="e.g. 16 or 16-16-8 (default: ~100 voxels per slice edge)")
    downsample.add_argument("--interpolation-mode", default="default",
                            choices=["default", "median", "mode", "nearest", "bilinear", "bicubic", "max", "min", "mean"])
    downsample.add_argument("--sampling-mode", default="anisotropic",
                            choices=["anisotropic", "isotropic", "constant_z"])
    _common(downsample)

    upsample = commands.add_parser("upsample", help="compute finer mags (nearest)")
    upsample.add_argument("dataset", type=Path)
    upsample.add_argument("--from-mag", required=True)
    upsample.add_argument("--finest-mag", default="1")
    upsample.add_argument("--sampling-mode", default="anisotropic",
                          choices=["anisotropic", "isotropic", "constant_z"])
    _common(upsample)

    info = commands.add_parser("info", help="layers, mags, formats, boxes and sizes on disk")
    info.add_argument("dataset", type=Path)

    verify = commands.add_parser("verify", help="check that two datasets hold equal voxels")
    verify.add_argument("first", type=Path)
    verify.add_argument("second", type=Path)

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


def _selected_layers(ds: Dataset, names: list[str] | None) -> list[str]:
    return list(ds.layers) if not names else [ds.get_layer(name).name for name in names]


def _disk_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _info(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset

    ds = Dataset.open(args.dataset)
    print(f"{ds.path}: {ds.name}, voxel size {ds.voxel_size_with_unit.factor} {ds.voxel_size_with_unit.unit}")
    for layer in ds.layers.values():
        print(f"  {layer.name} ({layer.category}, {layer.data_format.value}, "
              f"{layer.num_channels} × {layer.dtype.name}) box {layer.bounding_box}")
        for mag, view in layer.mags.items():
            spec = view.info
            print(f"    mag {mag.to_layer_name():8s} chunk {tuple(spec.chunk_shape)} shard "
                  f"{tuple(spec.shard_shape)} {spec.compression or 'raw'}, "
                  f"{_disk_size(view.path) / 2**20:.1f} MiB on disk")


def _verify(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset

    first, second = Dataset.open(args.first), Dataset.open(args.second)
    problems = []
    for name, layer in first.layers.items():
        if name not in second.layers:
            problems.append(f"layer {name} is missing in {second.path}")
            continue
        other = second.get_layer(name)
        for mag, view in layer.mags.items():
            if mag not in other.mags:
                problems.append(f"{name} mag {mag.to_layer_name()} is missing in {second.path}")
            elif not np.array_equal(view.to_dask().compute(), other.get_mag(mag).to_dask().compute()):
                problems.append(f"{name} mag {mag.to_layer_name()} differs")
    if problems:
        raise ValueError("; ".join(problems))
    print(f"equal: every layer and mag of {first.path} matches {second.path}")


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
    "info": _info,
    "verify": _verify,
    "demo": _demo,
}


@contextmanager
def _runner(args: argparse.Namespace) -> Iterator[Executor | None]:
    """The cluster of ``--cluster`` for the command; ``None`` for commands without one
    and for dask clusters (their client is the default scheduler)."""
    if not hasattr(args, "cluster"):
        yield None
        return
    config = {"wkdist.cluster.local.n-workers": args.jobs} if args.jobs else {}
    with cluster(args.cluster, config) as runner:
        yield None if isinstance(runner, Client) else runner


class _Terminated(BaseException):
    """SIGTERM (e.g. scancel of the job running wkdist), raised so that clusters shut down."""


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


def main(argv: list[str] | None = None) -> int:
    """Run the ``wkdist`` command line; returns the exit code."""
    args = _parser().parse_args(argv)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        with _runner(args) as executor:
            args.executor = executor
            _COMMANDS[args.command](args)
    except JobIncompleteError as error:
        print(f"wkdist: error: {error}", file=sys.stderr)  # the shards and tracebacks, in full
        return 1
    except (ValueError, FileNotFoundError, FileExistsError, RuntimeError, IndexError) as error:
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
