"""``import`` (an image stack as a new dataset) and ``export-tiff``, with their
argument checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wkdist.cli.data_commands import report_created_mags

if TYPE_CHECKING:
    import argparse



#: The options of ``wkdist import`` that go to the import as they are.
IMPORT_SETUP_OPTIONS = (
    "data_format", "chunk_shape", "shard_shape", "topleft", "swap_xy", "flip_x", "flip_y",
    "flip_z", "dtype", "channel", "allow_gaps",
)

def check_import(args: argparse.Namespace) -> None:
    """Check every image file and the arguments before a cluster starts."""
    from wkdist.dataset.from_images import ImportSetup
    from wkdist.properties import VoxelSize

    args.setup = ImportSetup(
        args.source[0] if len(args.source) == 1 else args.source,
        category=args.category,
        compress=True if args.compress is None else args.compress,
        **{option: getattr(args, option) for option in IMPORT_SETUP_OPTIONS},
    )
    args.layer_name = args.setup.layer_name(args.layer_name)
    args.voxel_size = VoxelSize(args.voxel_size)

def cmd_import(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset
    from wkdist.dataset.from_images import import_dataset

    ds = import_dataset(Dataset, args.setup, args.target, args.layer_name, args.voxel_size,
                        args.name, executor=args.executor)
    layer = ds.get_layer(args.layer_name)
    print(f"imported {layer.name} ({layer.category}, {layer.num_channels} x "
          f"{layer.dtype.name}) box {layer.bounding_box} into {ds.path}")
    if args.downsample:
        mags = layer.downsample(coarsest_mag=args.coarsest_mag, executor=args.executor)
        report_created_mags(layer.name, mags)

def cmd_export_tiff(args: argparse.Namespace) -> None:
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

def check_export_tiff(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset

    Dataset.open(args.dataset).get_layer(args.layer_name).get_mag(args.mag)
