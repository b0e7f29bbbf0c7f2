"""Downsampling and upsampling layers: the API side of the resampling jobs.

A layer's mag ladder is computed by :mod:`wkdist.jobs.downsampling.ladder`;
each step adds the target mag through the API objects, plans it with the pure
planners of :mod:`wkdist.jobs.downsample` and runs the plan (one barrier per
mag: each mag is computed from the one before).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wkdist.dataset.leftovers import remove_unregistered_mag
from wkdist.dataset.nd_resampling import upsample_nd_mag
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Mag, Vec3Int
from wkdist.jobs.copy import ReadRegion
from wkdist.jobs.downsample import plan_downsample_mag, plan_upsample_mag
from wkdist.jobs.downsampling.ladder import (
    default_coarsest_mag,
    sampling_ladder,
    upsampling_ladder,
)
from wkdist.properties import box_3d
from wkdist.run.journaled import Job, journaled, run_journaled
from wkdist.storage.wkw_remote import refuse_shard_jobs

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Executor

    from wkdist.dask_bridge.plan import WritePlan
    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.layer import Layer
    from wkdist.dataset.mag_view import MagView
    from wkdist.geometry import MagLike, Vec3IntLike
    from wkdist.journal import Journal


def downsample_plan(source: MagView, target: MagView, interpolation_mode: str) -> WritePlan:
    """Plan computing ``target`` from ``source``, a finer mag (of the same layer, or
    of another layer with the same box)."""
    layer = target.layer
    return plan_downsample_mag(
        ReadRegion(source.path, source.data_format),
        source.mag,
        source._array.list_written_shards(),
        target_shards=target._array.list_written_shards(),
        layer_box=box_3d(layer.bounding_box, "downsampling"),
        category=layer.category,
        target=target._write_target(update_properties=False),
        spec=target.info,
        interpolation_mode=interpolation_mode,
    )


def upsample_plan(source: MagView, target: MagView) -> WritePlan:
    """Plan computing ``target`` from ``source``, a coarser mag (of the same layer, or
    of another layer with the same box)."""
    return plan_upsample_mag(
        ReadRegion(source.path, source.data_format),
        source.mag,
        source._array.list_written_shards(),
        target_shards=target._array.list_written_shards(),
        layer_box=box_3d(target.layer.bounding_box, "upsampling"),
        target=target._write_target(update_properties=False),
        spec=target.info,
    )


def _dataset_mags(layer: Layer, align_with_other_layers: bool | Dataset) -> list[Mag]:
    """The mags the ladder aligns with: every mag of the dataset (this layer's own
    included, as the reference does), or of the dataset given instead."""
    if align_with_other_layers is False:
        return []
    dataset = layer.dataset if align_with_other_layers is True else align_with_other_layers
    return [mag for other in dataset.layers.values() for mag in other.mags]


@dataclass(frozen=True)
class NewMagLayout:
    """Layout and compression of the mags a job creates (``None``: the defaults)."""

    chunk_shape: Vec3IntLike | int | None = None
    shard_shape: Vec3IntLike | int | None = None
    compress: bool | str = True

    def get_or_add(self, layer: Layer, mag: Mag) -> MagView:
        return layer.get_or_add_mag(
            mag, chunk_shape=self.chunk_shape, shard_shape=self.shard_shape, compress=self.compress
        )


def _run_chain(
    layer: Layer,
    source: MagView,
    steps: list[tuple[Mag, Mag]],
    layout: NewMagLayout,
    plan: Callable[[MagView, MagView], WritePlan],
    *,
    job: tuple[str, dict[str, object]],
    only_setup_mags: bool,
    executor: Executor | None,
    progress: bool | None,
) -> None:
    """For each ``(from, to)`` step create mag ``to``, then (unless ``only_setup_mags``)
    compute it from ``from`` (``source`` itself, or a mag made before); each mag
    is a barrier for the next. The chain is one journaled job (``job``: its kind
    and the options of ``plan``): run again, it continues where it stopped."""
    kind, options = job
    with journaled(Job(kind, layer.dataset.path, {
        **options,
        "layer": layer.name,
        "source": str(source.path),
        "steps": [[base.to_layer_name(), mag.to_layer_name()] for base, mag in steps],
        "layout": dataclasses.asdict(layout),
        "only_setup_mags": only_setup_mags,
    })) as journal:
        for base, mag in steps:
            target, created = _target_mag(layer, mag, layout, journal)
            if not only_setup_mags:
                base_view = source if base == source.mag else layer.get_mag(base)
                run_journaled([plan(base_view, target)], executor=executor, progress=progress,
                              created=[created])


def _target_mag(
    layer: Layer, mag: Mag, layout: NewMagLayout, journal: Journal | None
) -> tuple[MagView, bool]:
    """The mag to compute, and whether this job creates it. A continued job first
    removes a mag folder of its own that never made it into the properties."""
    if journal is not None and journal.continued:
        remove_unregistered_mag(layer, mag)
    created = mag not in layer.mags
    return layout.get_or_add(layer, mag), created


def downsample_layer(
    layer: Layer,
    *,
    from_mag: MagLike | None = None,
    coarsest_mag: MagLike | None = None,
    interpolation_mode: str = "default",
    layout: NewMagLayout | None = None,
    sampling_mode: str = "anisotropic",
    align_with_other_layers: bool | Dataset = True,
    force_sampling_scheme: bool = False,
    only_setup_mags: bool = False,
    from_mag_view: MagView | None = None,
    executor: Executor | None = None,
    progress: bool | None = None,
) -> list[Mag]:
    """Create the coarser mags of ``layer`` one after the other; return them.

    See :meth:`wkdist.dataset.layer.Layer.downsample` for the parameters.
    """
    source = source_mag(layer, from_mag, from_mag_view)
    layer_box = box_3d(layer.bounding_box, f"downsampling layer {layer.name!r}")
    coarsest = default_coarsest_mag(layer_box) if coarsest_mag is None else Mag(coarsest_mag)
    ladder = sampling_ladder(
        source.mag,
        coarsest,
        layer.dataset.voxel_size,
        sampling_mode,
        layer_box.size.z,
        _dataset_mags(layer, align_with_other_layers),
        force_sampling_scheme=force_sampling_scheme,
    )
    downsample_mag_chain(
        layer, source, ladder, interpolation_mode=interpolation_mode,
        layout=layout or NewMagLayout(), only_setup_mags=only_setup_mags,
        executor=executor, progress=progress,
    )
    return ladder


def source_mag(layer: Layer, from_mag: MagLike | None, from_mag_view: MagView | None) -> MagView:
    """The source mag: ``from_mag_view`` (any layer's; its mag must be ``from_mag``)
    or this layer's ``from_mag`` (default: the finest)."""
    if from_mag_view is None:
        return layer.get_finest_mag() if from_mag is None else layer.get_mag(from_mag)
    if from_mag is not None and from_mag_view.mag != Mag(from_mag):
        raise InvalidArgumentError(
            f"from_mag_view is mag {from_mag_view.mag.to_layer_name()}, which does not match "
            f"from_mag={Mag(from_mag).to_layer_name()}"
        )
    return from_mag_view


def downsample_mag_chain(
    layer: Layer,
    source: MagView,
    target_mags: list[Mag],
    *,
    interpolation_mode: str,
    layout: NewMagLayout,
    only_setup_mags: bool,
    executor: Executor | None,
    progress: bool | None,
) -> None:
    """Compute ``target_mags`` of ``layer`` from ``source``: finest first, each from
    the coarsest mag before it that divides it (``source`` at the start).

    Raises
    ------
    InvalidArgumentError
        If a target mag is not a coarser multiple of ``source``; nothing is created then.
    """
    refuse_shard_jobs(layer.path, layer.data_format, f"downsampling layer {layer.name!r}")
    ordered = sorted(set(target_mags), key=lambda m: (m.max_dim, m.to_vec3_int().to_tuple()))
    steps: list[tuple[Mag, Mag]] = []
    bases = [source.mag]
    for mag in ordered:
        vec = mag.to_vec3_int()
        if mag == source.mag or vec % source.mag.to_vec3_int() != Vec3Int.zeros():
            raise InvalidArgumentError(
                f"target mag {mag.to_layer_name()} must be a coarser multiple of the source mag "
                f"{source.mag.to_layer_name()} (whole factors, not all 1)"
            )
        base = max(
            (m for m in bases if vec % m.to_vec3_int() == Vec3Int.zeros()),
            key=lambda m: m.to_vec3_int().prod(),
        )
        steps.append((base, mag))
        bases.append(mag)
    _run_chain(
        layer,
        source,
        steps,
        layout,
        lambda base, target: downsample_plan(base, target, interpolation_mode),
        job=("downsample", {"interpolation_mode": interpolation_mode}),
        only_setup_mags=only_setup_mags,
        executor=executor,
        progress=progress,
    )


def upsample_layer(
    layer: Layer,
    *,
    from_mag: MagLike,
    finest_mag: MagLike = 1,
    layout: NewMagLayout | None = None,
    sampling_mode: str = "anisotropic",
    align_with_other_layers: bool | Dataset = True,
    from_mag_view: MagView | None = None,
    executor: Executor | None = None,
    progress: bool | None = None,
) -> list[Mag]:
    """Create the finer mags of ``layer`` down to ``finest_mag`` (nearest); return them.

    ``from_mag_view`` reads the source from another layer's mag (of the same box).
    """
    source = source_mag(layer, from_mag, from_mag_view)
    ladder = upsampling_ladder(
        source.mag,
        Mag(finest_mag),
        layer.dataset.voxel_size,
        sampling_mode,
        _dataset_mags(layer, align_with_other_layers),
    )
    bases = [source.mag, *ladder[:-1]]
    if not isinstance(layer.bounding_box, BoundingBox):  # n-d: in this process
        for base, mag in zip(bases, ladder, strict=True):
            target = (layout or NewMagLayout()).get_or_add(layer, mag)
            upsample_nd_mag(source if base == source.mag else layer.get_mag(base), target)
        return ladder
    _run_chain(
        layer,
        source,
        list(zip(bases, ladder, strict=True)),
        layout or NewMagLayout(),
        upsample_plan,
        job=("upsample", {}),
        only_setup_mags=False,
        executor=executor,
        progress=progress,
    )
    return ladder
