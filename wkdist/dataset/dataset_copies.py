"""Copies of a dataset and its layers, and the jobs over all layers
(:class:`DatasetCopies`, a mixin of :class:`~wkdist.dataset.dataset.Dataset`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wkdist.dataset import layer_refs
from wkdist.dataset.arguments import voxel_size_argument
from wkdist.dataset.attachments import copy_attachments
from wkdist.dataset.copying import add_layer_copy, check_dataset_copy
from wkdist.dataset.dataset_layers import as_dataset
from wkdist.dataset.mag_refs import open_layer
from wkdist.errors import (
    DatasetExistsError,
)
from wkdist.geometry import BoundingBox
from wkdist.location import (
    Location,
    LocationLike,
    as_location,
)
from wkdist.properties import (
    PROPERTIES_FILE_NAME,
    VoxelSize,
)
from wkdist.run import run_plans
from wkdist.run.journaled import Job, active_journal, journaled, pending_job, run_journaled

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Mapping
    from concurrent.futures import Executor

    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.layer import Layer
    from wkdist.geometry import MagLike, Vec3IntLike
    from wkdist.properties.view_configuration import DatasetViewConfiguration
    from wkdist.storage import DataFormat


class DatasetCopies:
    """The copy methods of :class:`~wkdist.dataset.dataset.Dataset`."""

    if TYPE_CHECKING:

        @property
        def path(self) -> Location: ...

        @property
        def voxel_size_with_unit(self) -> VoxelSize: ...

        @property
        def default_view_configuration(self) -> DatasetViewConfiguration | None: ...

        @property
        def layers(self) -> Mapping[str, Layer]: ...

        def get_layer(self, layer_name: str) -> Layer: ...

        def _ensure_writable(self) -> None: ...

        def _note_own_change(self) -> None: ...

    def shallow_copy_dataset(
        self,
        new_dataset_path: str | os.PathLike[str],
        *,
        name: str | None = None,
        layers_to_ignore: Iterable[str] | None = None,
        make_relative: bool | None = None,
    ) -> Dataset:
        """A new dataset whose layers reference this dataset's mags (see
        :meth:`add_layer_as_ref`); ``make_relative`` is accepted and ignored (deprecated)."""
        return layer_refs.shallow_copy_dataset(
            as_dataset(self),
            new_dataset_path,
            name=name,
            layers_to_ignore=layers_to_ignore,
            make_relative=make_relative,
        )

    def downsample(
        self,
        *,
        sampling_mode: str = "anisotropic",
        coarsest_mag: MagLike | None = None,
        interpolation_mode: str = "default",
        compress: bool | str = True,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> None:
        """Downsample every writable layer (see :meth:`Layer.downsample`)."""
        for layer in self.layers.values():
            if not layer.read_only:
                layer.downsample(
                    coarsest_mag=coarsest_mag,
                    interpolation_mode=interpolation_mode,
                    compress=compress,
                    sampling_mode=sampling_mode,
                    executor=executor,
                    progress=progress,
                )

    def copy_dataset(
        self,
        new_dataset_path: LocationLike,
        *,
        voxel_size: Iterable[float] | None = None,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        chunks_per_shard: Vec3IntLike | int | None = None,
        data_format: str | DataFormat | None = None,
        compress: bool | str | None = None,
        exists_ok: bool = False,
        executor: Executor | None = None,
        voxel_size_with_unit: VoxelSize | None = None,
        layers_to_ignore: Iterable[str] | None = None,
        exist_ok: bool | None = None,
        progress: bool | None = None,
    ) -> Dataset:
        """Copy every layer into a new dataset, optionally re-chunked, re-sharded,
        (de)compressed or converted, in parallel.

        Parameters
        ----------
        new_dataset_path
            Where the copy goes (must not exist unless ``exists_ok``): a local
            path or an ``s3://`` / ``gs://`` URL.
        voxel_size, voxel_size_with_unit
            Override the voxel size (default: this dataset's).
        chunk_shape, shard_shape, chunks_per_shard
            Target layout in each mag's voxels. ``None`` keeps each source mag's
            own; a sharded source copied to Zarr v2 gets shard = chunk.
        data_format
            Convert every layer to ``"wkw"``, ``"zarr"`` or ``"zarr3"`` (default: keep).
        compress
            ``None`` keeps each mag's compression on/off; ``True``/``False``/codec name.
        exists_ok, exist_ok
            Copy into an existing dataset (its voxel size must match).
        executor
            ``None``: the active dask scheduler; or a ``cluster_tools`` executor.
        layers_to_ignore
            Names of layers not to copy.
        progress
            Show a progress bar (default: when stderr is a terminal).

        Mags whose layout does not change are copied file by file. Otherwise
        each target shard is one unit of work, and only shards that hold data in
        the source are read and written.
        """
        new_size = (
            voxel_size_argument(voxel_size, voxel_size_with_unit, None) or self.voxel_size_with_unit
        )
        replace = exists_ok if exist_ok is None else exist_ok
        ignored = set(layers_to_ignore or ())
        check_dataset_copy(
            as_dataset(self),
            new_dataset_path,
            [name for name in self.layers if name not in ignored],
            data_format=data_format,
            chunk_shape=chunk_shape,
            shard_shape=shard_shape,
            chunks_per_shard=chunks_per_shard,
            compress=compress,
        )
        target_path = as_location(new_dataset_path)
        job = Job(
            "copy",
            target_path,
            {
                "voxel_size": [*new_size.factor, str(new_size.unit)],
                "chunk_shape": chunk_shape,
                "shard_shape": shard_shape,
                "chunks_per_shard": chunks_per_shard,
                "data_format": data_format,
                "compress": compress,
                "layers_to_ignore": sorted(ignored),
                "exist_ok": replace,
            },
            source=self.path,
            creates_target=not target_path.exists(),
        )
        inside = active_journal() is not None  # a command's job, checked by the command
        if (
            isinstance(target_path, Path)
            and (target_path / PROPERTIES_FILE_NAME).is_file()
            and not (replace or inside)
            and pending_job(target_path, job) is None
        ):
            raise DatasetExistsError(  # before the journal is written into it
                f"a dataset exists at {target_path}; pass exist_ok=True to copy into it"
            )
        with journaled(job) as journal:
            resume = journal is not None and journal.continued
            target = type(as_dataset(self))(
                target_path, voxel_size_with_unit=new_size, exist_ok=replace or resume
            )
            plans = [
                plan
                for layer in self.layers.values()
                if layer.name not in ignored
                for plan in add_layer_copy(
                    layer,
                    target,
                    chunk_shape=chunk_shape,
                    shard_shape=shard_shape,
                    chunks_per_shard=chunks_per_shard,
                    data_format=data_format,
                    compress=compress,
                    replace_existing=replace and not resume,
                    resume=resume,
                )
            ]
            run_journaled(plans, executor=executor, progress=progress)
            target._note_own_change()
            for layer in self.layers.values():
                if layer.name not in ignored and layer._properties.attachments:
                    copy_attachments(layer, target.get_layer(layer.name))
            if self.default_view_configuration is not None:
                target.default_view_configuration = self.default_view_configuration
        return target

    def compress(self, *, executor: Executor | None = None, progress: bool | None = None) -> None:
        """Compress every mag of every layer in place (see :meth:`MagView.compress`).

        Raises
        ------
        InvalidArgumentError
            Before anything is written, if an uncompressed mag belongs to a layer with
            other axes than c, x, y, z (compressing is a 3-d job).
        """
        for layer in self.layers.values():
            if layer.read_only or isinstance(layer.bounding_box, BoundingBox):
                continue
            for mag in layer.mags.values():
                if not mag.info.compressed:
                    mag._box_3d("compress")
        with journaled(Job("compress", self.path)):
            for layer in self.layers.values():
                if not layer.read_only:
                    layer.compress(executor=executor, progress=progress)

    def add_layer_as_copy(
        self,
        foreign_layer: LocationLike | Layer,
        new_layer_name: str | None = None,
        *,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        chunks_per_shard: Vec3IntLike | int | None = None,
        data_format: str | DataFormat | None = None,
        compress: bool | str | None = None,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> Layer:
        """Copy a layer of another dataset (all mags) into this one; arguments as
        in :meth:`copy_dataset`."""
        self._ensure_writable()
        source = open_layer(type(as_dataset(self)), foreign_layer)
        plans = add_layer_copy(
            source,
            as_dataset(self),
            new_layer_name=new_layer_name,
            chunk_shape=chunk_shape,
            shard_shape=shard_shape,
            chunks_per_shard=chunks_per_shard,
            data_format=data_format,
            compress=compress,
        )
        run_plans(plans, executor=executor, progress=progress)
        self._note_own_change()
        copied = self.get_layer(source.name if new_layer_name is None else new_layer_name)
        if source._properties.attachments:
            copy_attachments(source, copied)
        return copied

    def add_copy_layer(
        self,
        foreign_layer: LocationLike | Layer,
        new_layer_name: str | None = None,
        **kwargs: Any,
    ) -> Layer:
        """Older name of :meth:`add_layer_as_copy`."""
        return self.add_layer_as_copy(foreign_layer, new_layer_name, **kwargs)
