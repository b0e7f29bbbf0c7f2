"""``copy``, ``convert``, ``compress``, ``downsample``, ``upsample``: jobs over
the layers of a dataset, and their argument checks."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from wkdist.errors import (
    UnfinishedJobWarning,
)
from wkdist.geometry import BoundingBox
from wkdist.properties import box_3d

if TYPE_CHECKING:
    import argparse

    from wkdist.dataset import Dataset
    from wkdist.geometry import Mag


def _selected_layers(ds: Dataset, names: list[str] | None) -> list[str]:
    return list(ds.layers) if not names else [ds.get_layer(name).name for name in names]

def check_copy(args: argparse.Namespace) -> None:
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

def check_layers(args: argparse.Namespace) -> None:
    """The layers exist; ``downsample`` and ``compress`` (of uncompressed mags) refuse
    layers with other axes than c, x, y, z before their job starts."""
    from wkdist.dataset import Dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnfinishedJobWarning)
        ds = Dataset.open(args.dataset)
    for name in _selected_layers(ds, args.layers):
        layer = ds.get_layer(name)
        if args.command == "upsample" or isinstance(layer.bounding_box, BoundingBox):
            continue
        if args.command == "downsample" or not all(m.info.compressed for m in layer.mags.values()):
            box_3d(layer.bounding_box, f"{args.command} of layer {name!r}")

def cmd_copy(args: argparse.Namespace) -> None:
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

def cmd_compress(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset

    ds = Dataset.open(args.dataset)
    for name in _selected_layers(ds, args.layers):
        ds.get_layer(name).compress(executor=args.executor)
    print(f"compressed {ds.path}")

def cmd_downsample(args: argparse.Namespace) -> None:
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
        report_created_mags(name, mags)

def cmd_upsample(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset

    ds = Dataset.open(args.dataset)
    for name in _selected_layers(ds, args.layers):
        mags = ds.get_layer(name).upsample(
            args.from_mag, args.finest_mag, sampling_mode=args.sampling_mode,
            executor=args.executor,
        )
        report_created_mags(name, mags)


def report_created_mags(layer_name: str, mags: list[Mag]) -> None:
    """Print the mags a resampling command created."""
    print(f"{layer_name}: created mags {', '.join(m.to_layer_name() for m in mags)}")
