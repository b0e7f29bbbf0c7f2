"""Copy jobs: re-chunk, re-shard, (de)compress or convert mags, layers and datasets.

Each copied mag is a fused shard job (:mod:`wkdist.dask_bridge.shard_jobs`):
one task per batch of target shards, each reading exactly its shard's region
from the source. Only target shards that overlap a shard file present in the
source are planned (the storage listing says which), so empty regions of a
sparse dataset cost nothing. Mags whose layout does not change are copied file
by file instead.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wkdist.dask_bridge.shard_jobs import plan_shard_jobs
from wkdist.dataset.layout import DEFAULT_CHUNK_SHAPE, DEFAULT_CHUNKS_PER_SHARD, compression_for
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Vec3Int
from wkdist.jobs.shard_grid import cells_with_data
from wkdist.location import as_location, copy_tree, is_within
from wkdist.storage import ArraySpec, DataFormat, open_array
from wkdist.storage.wkw_remote import refuse_shard_jobs

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import numpy as np

    from wkdist.dask_bridge.shard_jobs import ShardJobPlan
    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.layer import Layer
    from wkdist.dataset.mag_view import MagView
    from wkdist.geometry import BoundingBox, Vec3IntLike
    from wkdist.location import Location, LocationLike


@dataclass(frozen=True)
class ReadRegion:
    """Shard producer of a copy: the same box of the source mag."""

    path: Location
    data_format: DataFormat

    def __call__(self, box: BoundingBox) -> np.ndarray:
        return open_array(self.path, self.data_format).read(box)


def target_layout(
    source: ArraySpec,
    *,
    data_format: DataFormat,
    chunk_shape: Vec3IntLike | int | None,
    shard_shape: Vec3IntLike | int | None,
    chunks_per_shard: Vec3IntLike | int | None,
    compress: bool | str | None,
) -> tuple[Vec3Int, Vec3Int, bool | str]:
    """Chunk shape, shard shape and ``compress`` for a copy of a mag with layout ``source``.

    ``None`` keeps the source's value where the target format can hold it;
    otherwise the nearest valid layout is chosen: Zarr v2 has shard = chunk, an
    unsharded source copied to a sharded format gets the default 32³ chunks per
    shard, WKW needs cubic chunks and shards. Shapes given explicitly are never
    changed.

    Raises
    ------
    InvalidArgumentError
        If explicit shapes contradict each other or the format (a shard that is
        no multiple of the chunk, a Zarr v2 shard other than its chunk, a
        non-cubic WKW shape).
    """
    chunk = source.chunk_shape if chunk_shape is None else Vec3Int.from_vec_or_int(chunk_shape)
    if shard_shape is not None:
        shard = Vec3Int.from_vec_or_int(shard_shape)
    elif chunks_per_shard is not None:
        shard = chunk * Vec3Int.from_vec_or_int(chunks_per_shard)
    elif data_format == DataFormat.ZARR:
        shard = chunk
    elif source.data_format == DataFormat.ZARR:
        shard = chunk * DEFAULT_CHUNKS_PER_SHARD
    else:
        shard = source.shard_shape
    explicit_shard = shard_shape is not None or chunks_per_shard is not None
    if data_format == DataFormat.WKW and not (chunk.is_uniform() and shard.is_uniform()):
        if (chunk_shape is not None and not chunk.is_uniform()) or (
            explicit_shard and not shard.is_uniform()
        ):
            raise InvalidArgumentError(
                f"WKW needs cubic chunks and shards; got chunk_shape={tuple(chunk)}, "
                f"shard_shape={tuple(shard)}"
            )
        chunk = chunk if chunk.is_uniform() else DEFAULT_CHUNK_SHAPE
        shard = Vec3Int.full(max(*shard, chunk.x))
    if shard % chunk != Vec3Int.zeros():
        if explicit_shard:
            raise InvalidArgumentError(
                f"shard_shape={tuple(shard)} must be a multiple of chunk_shape={tuple(chunk)}"
            )
        shard = shard.pairmax(chunk) // chunk * chunk
    keep = source.compressed if compress is None else compress
    return chunk, shard, keep


def mag_copy_spec(
    source: ArraySpec,
    *,
    data_format: DataFormat,
    chunk_shape: Vec3IntLike | int | None = None,
    shard_shape: Vec3IntLike | int | None = None,
    chunks_per_shard: Vec3IntLike | int | None = None,
    compress: bool | str | None = None,
) -> ArraySpec | None:
    """The layout of a mag's copy in ``data_format``, or ``None`` when the layout
    does not change (the files are copied as they are).

    Raises
    ------
    InvalidArgumentError
        If the options give no layout that wkdist can create (see :func:`target_layout`,
        :meth:`ArraySpec.check_creatable`).
    """
    chunk, shard, keep = target_layout(
        source,
        data_format=data_format,
        chunk_shape=chunk_shape,
        shard_shape=shard_shape,
        chunks_per_shard=chunks_per_shard,
        compress=compress,
    )
    codec = compression_for(data_format, keep)
    same_codec = source.compressed == bool(keep) if compress is None else codec == source.compression
    if (data_format, chunk, shard) == (source.data_format, source.chunk_shape, source.shard_shape) and same_codec:
        return None
    spec = ArraySpec(data_format, source.dtype, source.num_channels, chunk, shard, codec)
    spec.check_creatable()
    return spec


def check_dataset_copy(
    source: Dataset,
    target: LocationLike,
    layer_names: Iterable[str],
    *,
    data_format: str | DataFormat | None,
    chunk_shape: Vec3IntLike | int | None,
    shard_shape: Vec3IntLike | int | None,
    chunks_per_shard: Vec3IntLike | int | None,
    compress: bool | str | None,
) -> None:
    """Check every argument of a dataset copy before anything is written.

    Raises
    ------
    InvalidArgumentError
        If the target lies inside the source (or is it), or the layout options
        give no valid layout for one of the copied mags (the message names it).
    """
    if is_within(as_location(target, argument="new_dataset_path"), source.path):
        raise InvalidArgumentError(
            f"the target {target} lies inside the source dataset {source.path}; "
            "copy to a folder outside of it"
        )
    for name in layer_names:
        layer = source.get_layer(name)
        fmt = layer.data_format if data_format is None else DataFormat(data_format)
        for mag, view in layer.mags.items():
            try:
                recoded = mag_copy_spec(
                    view.info,
                    data_format=fmt,
                    chunk_shape=chunk_shape,
                    shard_shape=shard_shape,
                    chunks_per_shard=chunks_per_shard,
                    compress=compress,
                )
            except InvalidArgumentError as error:
                raise InvalidArgumentError(
                    f"cannot copy layer {name!r} mag {mag.to_layer_name()} as "
                    f"{fmt.value}: {error}"
                ) from None
            if recoded is not None:  # a shard job (an unchanged layout copies files)
                refuse_shard_jobs(
                    as_location(target), fmt, f"copying layer {name!r} mag {mag.to_layer_name()}"
                )


def target_shards_with_data(source: MagView, shard_shape: Vec3Int) -> Iterator[BoundingBox]:
    """Boxes of the target shard grid (mag voxels, clipped to the layer) that
    overlap a source shard file."""
    layer_box = source.bounding_box.in_mag(source.mag)
    return cells_with_data(source._array.list_written_shards(), layer_box, shard_shape)


def plan_mag_copy(source: MagView, target: MagView) -> ShardJobPlan:
    """Plan copying ``source``'s voxels into ``target`` (same mag, pre-sized)."""
    spec = target.info
    box_in_mag = source.bounding_box.in_mag(source.mag)
    return plan_shard_jobs(
        ReadRegion(source.path, source.data_format),
        target._write_target(update_properties=True),
        target_shards_with_data(source, spec.shard_shape),
        needed_shape=box_in_mag.bottomright,
        clip_mag1=source.layer.bounding_box,
    )


def add_mag_copy(
    layer: Layer,
    source: MagView,
    *,
    chunk_shape: Vec3IntLike | int | None = None,
    shard_shape: Vec3IntLike | int | None = None,
    chunks_per_shard: Vec3IntLike | int | None = None,
    compress: bool | str | None = None,
) -> ShardJobPlan | None:
    """Add ``source``'s mag to ``layer`` as a copy. Returns the plan that copies
    the voxels, or ``None`` when the files were copied directly (layout unchanged)."""
    spec = mag_copy_spec(
        source.info,
        data_format=layer.data_format,
        chunk_shape=chunk_shape,
        shard_shape=shard_shape,
        chunks_per_shard=chunks_per_shard,
        compress=compress,
    )
    mag = source.mag
    if spec is None:
        copy_tree(source.path, layer.path / mag.to_layer_name())
        layer.add_mag_for_existing_files(mag)
        return None
    target = layer.add_mag(
        mag, chunk_shape=spec.chunk_shape, shard_shape=spec.shard_shape, compress=spec.compression or False
    )
    return plan_mag_copy(source, target)


def add_layer_copy(
    layer: Layer,
    target: Dataset,
    *,
    new_layer_name: str | None = None,
    chunk_shape: Vec3IntLike | int | None = None,
    shard_shape: Vec3IntLike | int | None = None,
    chunks_per_shard: Vec3IntLike | int | None = None,
    data_format: str | DataFormat | None = None,
    compress: bool | str | None = None,
    replace_existing: bool = False,
) -> list[ShardJobPlan]:
    """Add a copy of ``layer`` (box, metadata, all mags) to ``target``; return the
    plans that copy the voxels (run them with :func:`wkdist.run.run_plans`).

    A layer of that name in ``target`` is an error, or with ``replace_existing``
    is deleted first.
    """
    from wkdist.dataset.layer import validate_layer_name
    from wkdist.errors import AlreadyExistsError

    name = layer.name if new_layer_name is None else new_layer_name
    validate_layer_name(name)
    if name in target.layers:
        if not replace_existing:
            raise AlreadyExistsError(f"cannot copy {layer!r}: {target!r} has a layer {name!r}")
        target.delete_layer(name)
    fmt = layer.data_format if data_format is None else DataFormat(data_format)
    props = dataclasses.replace(
        layer._properties, name=name, data_format=fmt.value, mags=(), attachments=None
    )
    target._update_properties(lambda p: p.with_layer(props))
    new_layer = target.get_layer(name)
    plans = [
        add_mag_copy(
            new_layer,
            source,
            chunk_shape=chunk_shape,
            shard_shape=shard_shape,
            chunks_per_shard=chunks_per_shard,
            compress=compress,
        )
        for source in layer.mags.values()
    ]
    return [plan for plan in plans if plan is not None]
