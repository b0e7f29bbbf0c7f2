"""Copies of mags and layers between datasets: the API side of the copy job.

These functions create the target layers and mags through the API objects and
hand the values (array locations, written shards, boxes, layouts) to the pure
planner :func:`wkdist.jobs.copy.plan_mag_copy`. The callers run the plans.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from wkdist.dataset.names import validate_layer_name
from wkdist.dataset.nd_resampling import copy_nd_mag
from wkdist.errors import AlreadyExistsError, InvalidArgumentError
from wkdist.geometry import BoundingBox
from wkdist.jobs.copy import ReadRegion, mag_copy_spec, plan_mag_copy
from wkdist.location import as_location, is_within
from wkdist.properties import box_3d, without_mags
from wkdist.storage import DataFormat
from wkdist.storage.wkw_remote import refuse_shard_jobs

if TYPE_CHECKING:
    from collections.abc import Iterable

    from wkdist.dask_bridge.plan import WritePlan
    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.layer import Layer
    from wkdist.dataset.mag_view import MagView
    from wkdist.geometry import Vec3IntLike
    from wkdist.location import LocationLike


def mag_copy_plan(source: MagView, target: MagView) -> WritePlan:
    """Plan copying ``source``'s voxels into ``target`` (same mag, pre-sized)."""
    return plan_mag_copy(
        ReadRegion(source.path, source.data_format),
        source._array.list_written_shards(),
        box_3d(source.layer.bounding_box, "copying a mag as a job"),
        target._write_target(update_properties=True),
        target.info,
    )


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


def add_mag_copy(
    layer: Layer,
    source: MagView,
    *,
    chunk_shape: Vec3IntLike | int | None = None,
    shard_shape: Vec3IntLike | int | None = None,
    chunks_per_shard: Vec3IntLike | int | None = None,
    compress: bool | str | None = None,
    resume: bool = False,
) -> WritePlan | None:
    """Add ``source``'s mag to ``layer`` as a copy. Returns the plan that copies
    the voxels, or ``None`` when the files were copied directly (layout unchanged).

    With ``resume`` (continuing an interrupted copy), a mag that exists already
    is planned again, and a mag folder that never made it into the properties
    is deleted first.
    """
    mag = source.mag
    spec = mag_copy_spec(
        source.info,
        data_format=layer.data_format,
        chunk_shape=chunk_shape,
        shard_shape=shard_shape,
        chunks_per_shard=chunks_per_shard,
        compress=compress,
    )
    if resume and mag in layer.mags:  # complete if copied as files (they are added last)
        return None if spec is None else mag_copy_plan(source, layer.get_mag(mag))
    leftover = layer.path / mag.to_layer_name()
    if resume and isinstance(leftover, Path) and leftover.exists():  # resumed jobs are local
        shutil.rmtree(leftover)
    if spec is None:
        layer._add_fs_copy_mag(source, extend_layer_bounding_box=False)
        return None
    target = layer.add_mag(
        mag,
        chunk_shape=spec.chunk_shape,
        shard_shape=spec.shard_shape,
        compress=spec.compression or False,
    )
    if not isinstance(source.layer.bounding_box, BoundingBox):  # n-d: in this process
        copy_nd_mag(source, target)
        return None
    return mag_copy_plan(source, target)


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
    resume: bool = False,
) -> list[WritePlan]:
    """Add a copy of ``layer`` (box, metadata, all mags) to ``target``; return the
    plans that copy the voxels (run them with :func:`wkdist.run.run_plans`).

    A layer of that name in ``target`` is an error, or with ``replace_existing``
    is deleted first; with ``resume`` (continuing an interrupted copy) it is the
    copy's own and is continued.
    """
    name = layer.name if new_layer_name is None else new_layer_name
    validate_layer_name(name)
    if not (resume and name in target.layers):
        if name in target.layers:
            if not replace_existing:
                raise AlreadyExistsError(f"cannot copy {layer!r}: {target!r} has a layer {name!r}")
            target.delete_layer(name)
        fmt = layer.data_format if data_format is None else DataFormat(data_format)
        props = without_mags(
            layer._properties, data_format=fmt.value, attachments=None
        ).for_new_layer(name)
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
            resume=resume,
        )
        for source in layer.mags.values()
    ]
    return [plan for plan in plans if plan is not None]
