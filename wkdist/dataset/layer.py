"""``Layer`` and ``SegmentationLayer``: one named channel set of a dataset, holding mags."""

from __future__ import annotations

import dataclasses
import shutil
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from wkdist.dataset import mag_refs
from wkdist.dataset.attachments import Attachments
from wkdist.dataset.copying import add_mag_copy
from wkdist.dataset.layer_categories import SEGMENTATION_CATEGORY
from wkdist.dataset.mag_view import MagView
from wkdist.dataset.names import dump_mag_path, validate_layer_name
from wkdist.dataset.resampling import (
    NewMagLayout,
    downsample_layer,
    downsample_mag_chain,
    source_mag,
    upsample_layer,
)
from wkdist.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError, ReadOnlyError
from wkdist.geometry import BoundingBox, Mag
from wkdist.location import Location, RemotePath, as_location, require_local
from wkdist.properties import AXIS_ORDER, MagProperties, dtype_from_element_class
from wkdist.properties.coordinate_transformations import (
    CoordinateTransformation,
    transformation_from_json,
    transformation_to_json,
)
from wkdist.properties.view_configuration import LayerViewConfiguration, view_configuration_json
from wkdist.run import run_plans
from wkdist.run.journaled import Job, journaled
from wkdist.storage import ArraySpec, DataFormat, create_array, open_array
from wkdist.storage.layout_policy import choose_chunk_and_shard_shape, compression_for

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping, Sequence
    from concurrent.futures import Executor

    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.layer_categories import LayerCategoryType
    from wkdist.geometry import MagLike, Vec3IntLike
    from wkdist.properties import DatasetProperties, LayerProperties

class Layer:
    """A layer of a dataset: category, dtype, channels, bounding box and mags.

    Obtain layers from :attr:`Dataset.layers`, :meth:`Dataset.get_layer` or
    :meth:`Dataset.add_layer`. Every change is saved to
    ``datasource-properties.json`` at once.
    """

    def __init__(self, dataset: Dataset, name: str, *, read_only: bool = False) -> None:
        self._dataset = dataset
        self._name = name
        self._read_only = read_only
        self._mag_views: dict[Mag, MagView] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return (_reopen_layer, (self._dataset, self._name))

    # -------------------------------------------------------------- metadata
    @property
    def _properties(self) -> LayerProperties:
        return self._dataset._properties.get_layer(self._name)

    def _update(self, **changes: Any) -> None:
        name = self._name
        self._dataset._update_properties(
            lambda props: props.with_layer(dataclasses.replace(props.get_layer(name), **changes))
        )

    @property
    def dataset(self) -> Dataset:
        """The dataset this layer belongs to."""
        return self._dataset

    @property
    def name(self) -> str:
        """The layer's name (its directory name)."""
        return self._name

    @name.setter
    def name(self, new_name: str) -> None:
        if new_name == self._name:
            return
        self._dataset._ensure_writable()
        validate_layer_name(new_name)
        if new_name in self._dataset.layers:
            raise AlreadyExistsError(
                f"cannot rename layer {self._name!r} to {new_name!r}: that layer exists"
            )
        old_path = require_local(self.path, "renaming a layer (a directory rename)")
        new_path = old_path.with_name(new_name)
        if old_path.exists():
            old_path.rename(new_path)
        old_name = self._name

        def rename(props: DatasetProperties) -> DatasetProperties:
            layer = props.get_layer(old_name)
            mags = tuple(
                dataclasses.replace(m, path=_renamed_mag_path(m.path, old_name, new_name))
                for m in layer.mags
            )
            return props.without_layer(old_name).with_layer(
                dataclasses.replace(layer, name=new_name, mags=mags)
            )

        self._dataset._update_properties(rename)
        self._dataset._rename_layer_object(old_name, new_name)
        self._name = new_name
        self._mag_views.clear()

    @property
    def path(self) -> Location:
        """The layer's directory inside the dataset."""
        return self._dataset.path / self._name

    @property
    def resolved_path(self) -> Location:
        """The layer's directory with symlinks resolved."""
        return self.path.resolve()

    @property
    def category(self) -> LayerCategoryType:
        """``"color"`` or ``"segmentation"``."""
        return self._properties.category  # type: ignore[return-value]

    @property
    def dtype(self) -> np.dtype:
        """The dtype of one channel of one voxel."""
        props = self._properties
        return dtype_from_element_class(props.element_class, props.num_channels)

    @property
    def dtype_per_channel(self) -> np.dtype:
        """Deprecated: :attr:`dtype` (the first API edition's name)."""
        warnings.warn(
            "Layer.dtype_per_channel is deprecated; use Layer.dtype.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.dtype

    @property
    def num_channels(self) -> int:
        """Number of channels per voxel."""
        return self._properties.num_channels

    @property
    def data_format(self) -> DataFormat:
        """The on-disk format of the layer's mags."""
        return DataFormat(self._properties.data_format)

    @property
    def read_only(self) -> bool:
        """Whether the layer refuses changes (read-only dataset, or a layer linked
        in with :meth:`Dataset.add_symlink_layer`)."""
        return self._read_only or self._dataset.read_only

    def _ensure_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError(f"{self!r} is read-only; its changes would not be saved")

    @property
    def default_view_configuration(self) -> LayerViewConfiguration | None:
        """The layer's ``defaultViewConfiguration`` (a fresh object on each access;
        assign one, or a mapping in the stored camelCase form, or ``None``)."""
        stored = self._properties.default_view_configuration
        return None if stored is None else LayerViewConfiguration.from_json(stored)

    @default_view_configuration.setter
    def default_view_configuration(
        self, value: LayerViewConfiguration | Mapping[str, Any] | None
    ) -> None:
        self._update(default_view_configuration=view_configuration_json(value))

    @property
    def coordinate_transformations(self) -> tuple[CoordinateTransformation, ...]:
        """How WEBKNOSSOS places the layer when rendering (metadata only; the voxels
        stay as they are). Assign a sequence of transformations; empty removes them."""
        stored = self._properties.coordinate_transformations or ()
        return tuple(transformation_from_json(entry) for entry in stored)

    @coordinate_transformations.setter
    def coordinate_transformations(self, value: Sequence[CoordinateTransformation]) -> None:
        stored = tuple(transformation_to_json(t) for t in value)
        self._update(coordinate_transformations=stored or None)

    @property
    def bounding_box(self) -> BoundingBox:
        """The layer's box in Mag(1) voxels.

        Setting it saves the properties and resizes every mag's array to hold it
        (grow or shrink, metadata only); this pre-sizes arrays before parallel writes.
        """
        return self._properties.bounding_box

    @bounding_box.setter
    def bounding_box(self, box: BoundingBox) -> None:
        self._ensure_writable()
        if not isinstance(box, BoundingBox):
            raise InvalidArgumentError(f"bounding_box must be a BoundingBox; got {box!r}")
        if not box.topleft.is_positive():
            raise InvalidArgumentError(
                f"bounding_box {box} of layer {self._name!r} has a negative topleft; "
                "coordinates must be >= 0"
            )
        self._update(bounding_box=box)
        for mag_view in self.mags.values():
            if not mag_view.read_only and not mag_view.is_foreign:
                array = mag_view._array
                if array.shape is not None:
                    mag = mag_view.mag
                    array.resize(box.align_with_mag(mag, ceil=True).in_mag(mag).bottomright)

    def __repr__(self) -> str:
        return f"Layer({self._name!r}, dtype={self.dtype}, num_channels={self.num_channels})"

    def as_segmentation_layer(self) -> SegmentationLayer:
        """This layer typed as a :class:`SegmentationLayer`; raises unless it is one."""
        if not isinstance(self, SegmentationLayer):
            raise TypeError(  # the reference's exception type
                f"layer {self._name!r} is a {self.category} layer, not a segmentation layer"
            )
        return self

    # ------------------------------------------------------------------ mags
    @property
    def mags(self) -> Mapping[Mag, MagView]:
        """The layer's mags, finest first."""
        wanted = [m.mag for m in self._properties.mags]
        for mag in list(self._mag_views):
            if mag not in wanted:
                del self._mag_views[mag]
        for mag in wanted:
            if mag not in self._mag_views:
                self._mag_views[mag] = MagView(
                    self, mag, self._mag_path(mag), read_only=self.read_only
                )
        return {mag: self._mag_views[mag] for mag in sorted(wanted)}

    def _mag_path(self, mag: Mag) -> Location:
        stored = self._properties.get_mag(mag).path
        if stored is not None:
            if "://" in stored:
                return as_location(stored, argument="mag path")
            path = Path(stored)
            if path.is_absolute():
                return path
            return self._dataset.path / path
        short, long = self.path / mag.to_layer_name(), self.path / mag.to_long_layer_name()
        return long if not short.exists() and long.exists() else short

    def is_mag_foreign(self, mag_view: MagView) -> bool:
        """Whether the mag's files lie outside this layer's directory."""
        return mag_view.path.resolve().parent != self.path.resolve()

    def get_mag(self, mag: MagLike) -> MagView:
        """The mag ``mag`` (``1``, ``"2-2-1"``, ``(2, 2, 1)``, ...); raises if missing."""
        mag = Mag(mag)
        mags = self.mags
        if mag not in mags:
            raise NotFoundError(
                f"mag {mag.to_layer_name()} is not a mag of layer {self._name!r}; it has "
                f"{[m.to_layer_name() for m in mags]}"
            )
        return mags[mag]

    def get_finest_mag(self) -> MagView:
        """The mag with the smallest factors."""
        if not self.mags:
            raise NotFoundError(f"layer {self._name!r} has no mags")
        return self.get_mag(min(self.mags))

    def add_mag(
        self,
        mag: MagLike,
        *,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        chunks_per_shard: Vec3IntLike | int | None = None,
        compress: bool | str = True,
    ) -> MagView:
        """Create mag ``mag`` and return it.

        Parameters
        ----------
        mag
            The mag to add, e.g. ``1``, ``"2-2-1"`` or ``(2, 2, 1)``.
        chunk_shape
            Chunk edge lengths in the mag's voxels (default 32³).
        shard_shape
            Shard edge lengths in the mag's voxels, a multiple of ``chunk_shape``
            (default 1024³ for Zarr v3 and WKW, one chunk for Zarr v2).
        chunks_per_shard
            Deprecated: ``shard_shape / chunk_shape``.
        compress
            ``True`` (default): zstd for Zarr, LZ4 for WKW (config
            ``wkdist.wkw.compression``); ``False``: raw; or a codec name.

        Raises
        ------
        AlreadyExistsError
            If the mag exists already.
        """
        self._ensure_writable()
        mag = Mag(mag)
        if mag in self.mags:
            raise AlreadyExistsError(
                f"mag {mag.to_layer_name()} exists already in layer {self._name!r}"
            )
        chunk, shard = choose_chunk_and_shard_shape(
            data_format=self.data_format,
            chunk_shape=chunk_shape,
            shard_shape=shard_shape,
            chunks_per_shard=chunks_per_shard,
            layer_bounding_box=self.bounding_box if self.mags else None,
        )
        spec = ArraySpec(
            data_format=self.data_format,
            dtype=self.dtype,
            num_channels=self.num_channels,
            chunk_shape=chunk,
            shard_shape=shard,
            compression=compression_for(self.data_format, compress),
        )
        mag_path = self.path / mag.to_layer_name()
        if mag_path.exists():
            raise AlreadyExistsError(
                f"cannot add mag {mag.to_layer_name()} to layer {self._name!r}: "
                f"{mag_path} exists on disk but is not in the properties"
            )
        shape = self.bounding_box.align_with_mag(mag, ceil=True).in_mag(mag).bottomright
        create_array(mag_path, spec, shape)
        self._register_mag(mag, mag_path, spec)
        return self.get_mag(mag)

    def _register_mag(self, mag: Mag, mag_path: Location, spec: ArraySpec) -> None:
        mag_props = MagProperties(
            mag=mag,
            path=dump_mag_path(mag_path, self._dataset.path),
            cube_length=spec.shard_shape.x if spec.data_format == DataFormat.WKW else None,
            axis_order=dict(AXIS_ORDER),
        )
        name = self._name
        self._dataset._update_properties(
            lambda props: props.with_layer(props.get_layer(name).with_mag(mag_props))
        )

    def add_mag_for_existing_files(self, mag: MagLike) -> MagView:
        """Register a mag whose files already lie in the layer's directory."""
        self._ensure_writable()
        mag = Mag(mag)
        if mag in self.mags:
            raise AlreadyExistsError(f"mag {mag.to_layer_name()} exists already in {self!r}")
        mag_path = self.path / mag.to_layer_name()
        if not mag_path.exists() and (self.path / mag.to_long_layer_name()).exists():
            mag_path = self.path / mag.to_long_layer_name()
        array = open_array(mag_path, self.data_format)
        self._register_mag(mag, mag_path, array.spec)
        return self.get_mag(mag)

    def _initialize_mag_from_other_mag(
        self, new_mag_name: MagLike, other_mag: MagView, compress: bool
    ) -> MagView:
        """Add mag ``new_mag_name`` with ``other_mag``'s chunk and shard shape."""
        return self.add_mag(
            new_mag_name,
            chunk_shape=other_mag.info.chunk_shape,
            shard_shape=other_mag.info.shard_shape,
            compress=compress,
        )

    def add_mag_as_ref(
        self,
        foreign_mag_view_or_path: str | os.PathLike[str] | MagView,
        *,
        mag: MagLike | None = None,
        extend_layer_bounding_box: bool = True,
    ) -> MagView:
        """Add another dataset's mag by reference: its path goes into the properties,
        nothing is copied, and the mag is read-only here.

        Parameters
        ----------
        foreign_mag_view_or_path
            The mag, or its directory ``<dataset>/<layer>/<mag>``.
        mag
            The mag it becomes in this layer (default: the same).
        extend_layer_bounding_box
            Grow this layer's box to hold the foreign layer's box.
        """
        return mag_refs.add_mag_as_ref(
            self,
            foreign_mag_view_or_path,
            mag=mag,
            extend_layer_bounding_box=extend_layer_bounding_box,
        )

    def add_fs_copy_mag(
        self,
        foreign_mag_view_or_path: str | os.PathLike[str] | MagView,
        *,
        extend_layer_bounding_box: bool = True,
        exists_ok: bool = False,
    ) -> MagView:
        """Copy another dataset's mag file by file (same format, dtype and channels;
        no re-encoding) into this layer."""
        return mag_refs.add_fs_copy_mag(
            self,
            foreign_mag_view_or_path,
            extend_layer_bounding_box=extend_layer_bounding_box,
            exists_ok=exists_ok,
        )

    # The file-copy path that add_mag_as_copy takes when the layout is unchanged.
    _add_fs_copy_mag = add_fs_copy_mag

    def add_mag_from_zarrarray(
        self,
        mag: MagLike,
        path: str | os.PathLike[str],
        *,
        move: bool = False,
        extend_layer_bounding_box: bool = True,
    ) -> MagView:
        """Add the Zarr array at ``path`` (the layer's format, dtype and channels,
        ``(C, X, Y, Z)``) as mag ``mag``, copying it (or moving it with ``move=True``)."""
        return mag_refs.add_mag_from_zarrarray(
            self, mag, path, move=move, extend_layer_bounding_box=extend_layer_bounding_box
        )

    def add_mag_as_copy(
        self,
        foreign_mag_view: MagView,
        *,
        extend_layer_bounding_box: bool = True,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        chunks_per_shard: Vec3IntLike | int | None = None,
        compress: bool | str | None = None,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> MagView:
        """Copy a mag of another layer (same dtype and channels) into this layer.

        ``None`` keeps the source's chunk shape, shard shape and compression.
        With ``extend_layer_bounding_box`` this layer's box grows to hold the
        source layer's box first.
        """
        self._dataset._ensure_writable()
        source = foreign_mag_view
        if (source.info.dtype, source.info.num_channels) != (self.dtype, self.num_channels):
            raise InvalidArgumentError(
                f"cannot copy {source!r} ({source.info.num_channels} × {source.info.dtype}) into "
                f"{self!r} ({self.num_channels} × {self.dtype})"
            )
        if extend_layer_bounding_box:
            self.bounding_box = self.bounding_box.extended_by(source.layer.bounding_box)
        plan = add_mag_copy(
            self,
            source,
            chunk_shape=chunk_shape,
            shard_shape=shard_shape,
            chunks_per_shard=chunks_per_shard,
            compress=compress,
        )
        if plan is not None:
            run_plans([plan], executor=executor, progress=progress)
            self._dataset._note_own_change()
        return self.get_mag(source.mag)

    def compress(
        self, *, executor: Executor | None = None, progress: bool | None = None
    ) -> None:
        """Compress every mag of the layer in place (see :meth:`MagView.compress`);
        mags that reference another dataset's files are left alone."""
        self._ensure_writable()
        with journaled(Job("compress", self.dataset.path, {"layer": self.name})):
            for mag_view in self.mags.values():
                if not mag_view.is_foreign:
                    mag_view.compress(executor=executor, progress=progress)

    def downsample(
        self,
        *,
        from_mag: MagLike | None = None,
        coarsest_mag: MagLike | None = None,
        interpolation_mode: str = "default",
        compress: bool | str = True,
        sampling_mode: str = "anisotropic",
        align_with_other_layers: bool | Dataset = True,
        buffer_shape: Vec3IntLike | int | None = None,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        force_sampling_scheme: bool = False,
        allow_overwrite: bool = False,
        only_setup_mags: bool = False,
        from_mag_view: MagView | None = None,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> list[Mag]:
        """Compute coarser mags from ``from_mag`` (default: the finest) up to ``coarsest_mag``.

        Parameters
        ----------
        from_mag
            The existing mag to start from.
        coarsest_mag
            The last mag to create (default: about 100 voxels per slice edge, at least 4).
        interpolation_mode : {"default", "median", "mode", "nearest", "max", "min", "mean", "bilinear", "bicubic"}
            ``"default"`` is ``"mode"`` for segmentation and ``"median"`` for color,
            with the reference's exact rounding and tie rules. ``"mean"`` is wkdist's
            addition (never a default).
        compress, chunk_shape, shard_shape
            Compression and layout of the new mags (as in :meth:`add_mag`).
        sampling_mode : {"anisotropic", "isotropic", "constant_z"}
            ``"anisotropic"`` (default; ``"auto"`` too) halves the resolution of the
            finest physical axes first, as the voxel size asks; ``"isotropic"``
            doubles every axis; ``"constant_z"`` keeps z (forced for a one-slice layer).
        align_with_other_layers
            Reuse the mags other layers have where their largest factor matches
            (``True``: this dataset's layers; or the dataset to align with).
        buffer_shape
            Accepted for compatibility; wkdist sizes its read pieces by
            ``wkdist.downsample.piece-memory``.
        force_sampling_scheme
            Allow mags whose largest factor repeats another mag's.
        allow_overwrite
            Accepted for compatibility: existing target mags are recomputed.
        only_setup_mags
            Create the (empty) target mags only; compute them later.
        from_mag_view
            Read the source from this mag (e.g. of another layer with the same box).
        executor
            ``None``: the active dask scheduler; or a ``cluster_tools`` executor.

        At the layer's border, source voxels outside the layer's box are not read:
        the valid data is mirror-padded into them. Each new mag is a barrier.

        Returns
        -------
        list[Mag]
            The mags created, finest first.
        """
        del buffer_shape, allow_overwrite
        self._ensure_writable()
        return downsample_layer(
            self,
            from_mag=from_mag,
            coarsest_mag=coarsest_mag,
            interpolation_mode=interpolation_mode,
            layout=NewMagLayout(chunk_shape, shard_shape, compress),
            sampling_mode=sampling_mode,
            align_with_other_layers=align_with_other_layers,
            force_sampling_scheme=force_sampling_scheme,
            only_setup_mags=only_setup_mags,
            from_mag_view=from_mag_view,
            executor=executor,
            progress=progress,
        )

    def downsample_mag(
        self,
        from_mag: MagLike,
        target_mag: MagLike,
        *,
        interpolation_mode: str = "default",
        compress: bool | str = True,
        buffer_shape: Vec3IntLike | int | None = None,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        allow_overwrite: bool = False,
        only_setup_mag: bool = False,
        from_mag_view: MagView | None = None,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> MagView:
        """Compute mag ``target_mag`` from ``from_mag`` in one step (arguments as in
        :meth:`downsample`)."""
        self.downsample_mag_list(
            from_mag,
            [Mag(target_mag)],
            interpolation_mode=interpolation_mode,
            compress=compress,
            buffer_shape=buffer_shape,
            chunk_shape=chunk_shape,
            shard_shape=shard_shape,
            allow_overwrite=allow_overwrite,
            only_setup_mags=only_setup_mag,
            from_mag_view=from_mag_view,
            executor=executor,
            progress=progress,
        )
        return self.get_mag(target_mag)

    def downsample_mag_list(
        self,
        from_mag: MagLike,
        target_mags: list[Mag],
        *,
        interpolation_mode: str = "default",
        compress: bool | str = True,
        buffer_shape: Vec3IntLike | int | None = None,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        allow_overwrite: bool = False,
        only_setup_mags: bool = False,
        from_mag_view: MagView | None = None,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> None:
        """Compute each of ``target_mags`` (any order; each a coarser multiple of
        ``from_mag``), finest first, each from the coarsest mag before it that
        divides it. Other arguments as in :meth:`downsample`."""
        del buffer_shape, allow_overwrite
        self._ensure_writable()
        downsample_mag_chain(
            self,
            source_mag(self, from_mag, from_mag_view),
            [Mag(mag) for mag in target_mags],
            interpolation_mode=interpolation_mode,
            layout=NewMagLayout(chunk_shape, shard_shape, compress),
            only_setup_mags=only_setup_mags,
            executor=executor,
            progress=progress,
        )

    def redownsample(
        self,
        *,
        interpolation_mode: str = "default",
        compress: bool | str = True,
        buffer_shape: Vec3IntLike | int | None = None,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> None:
        """Recompute every mag but the finest from the finest (after it changed)."""
        finest = self.get_finest_mag().mag
        coarser = [mag for mag in self.mags if mag != finest]
        if coarser:
            self.downsample_mag_list(
                finest,
                coarser,
                interpolation_mode=interpolation_mode,
                compress=compress,
                buffer_shape=buffer_shape,
                chunk_shape=chunk_shape,
                shard_shape=shard_shape,
                executor=executor,
                progress=progress,
            )

    def upsample(
        self,
        from_mag: MagLike,
        finest_mag: MagLike = 1,
        *,
        from_mag_view: MagView | None = None,
        compress: bool | str = True,
        sampling_mode: str = "anisotropic",
        align_with_other_layers: bool | Dataset = True,
        buffer_shape: Vec3IntLike | int | None = None,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> list[Mag]:
        """Compute finer mags from ``from_mag`` down to ``finest_mag`` by repeating
        voxels (nearest); the ladder is the downsampling ladder walked backwards.
        ``from_mag_view`` reads the source from another layer's mag (its mag must be
        ``from_mag``); other arguments as in :meth:`downsample`."""
        del buffer_shape
        self._ensure_writable()
        return upsample_layer(
            self,
            from_mag=from_mag,
            finest_mag=finest_mag,
            layout=NewMagLayout(chunk_shape, shard_shape, compress),
            sampling_mode=sampling_mode,
            align_with_other_layers=align_with_other_layers,
            from_mag_view=from_mag_view,
            executor=executor,
            progress=progress,
        )

    def get_or_add_mag(
        self,
        mag: MagLike,
        *,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        chunks_per_shard: Vec3IntLike | int | None = None,
        compress: bool | str | None = None,
    ) -> MagView:
        """Return mag ``mag``, creating it (with the given layout) if it does not exist.

        Raises if the mag exists with another chunk shape, shard shape or compression.
        """
        mag = Mag(mag)
        if mag in self.mags:
            existing = self.get_mag(mag)
            spec = existing.info
            wanted_chunk, wanted_shard = choose_chunk_and_shard_shape(
                data_format=self.data_format,
                chunk_shape=spec.chunk_shape if chunk_shape is None else chunk_shape,
                shard_shape=spec.shard_shape if shard_shape is None else shard_shape,
                chunks_per_shard=chunks_per_shard if shard_shape is None else None,
            )
            if (wanted_chunk, wanted_shard) != (spec.chunk_shape, spec.shard_shape) or (
                compress is not None and bool(compress) != spec.compressed
            ):
                raise InvalidArgumentError(
                    f"mag {mag.to_layer_name()} of layer {self._name!r} exists with chunk_shape "
                    f"{tuple(spec.chunk_shape)}, shard_shape {tuple(spec.shard_shape)}, "
                    f"compressed={spec.compressed}; asked for {tuple(wanted_chunk)}, "
                    f"{tuple(wanted_shard)}, compress={compress}"
                )
            return existing
        return self.add_mag(
            mag,
            chunk_shape=chunk_shape,
            shard_shape=shard_shape,
            chunks_per_shard=chunks_per_shard,
            compress=True if compress is None else compress,
        )

    def delete_mag(self, mag: MagLike) -> None:
        """Remove mag ``mag`` from the properties and delete its files."""
        self._ensure_writable()
        mag_view = self.get_mag(mag)
        path, foreign = mag_view.path, mag_view.is_foreign
        name = self._name
        self._dataset._update_properties(
            lambda props: props.with_layer(props.get_layer(name).without_mag(mag_view.mag))
        )
        if isinstance(path, RemotePath):
            if not foreign:
                path.delete_tree()
        elif path.is_symlink():
            path.unlink()
        elif not foreign and path.exists():
            shutil.rmtree(path)


class SegmentationLayer(Layer):
    """A layer of segment ids; adds :attr:`largest_segment_id`."""

    @property
    def largest_segment_id(self) -> int | None:
        """The largest segment id in the layer, as stored in the properties (not recomputed)."""
        return self._properties.largest_segment_id

    @largest_segment_id.setter
    def largest_segment_id(self, value: int | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | np.integer)):
            raise InvalidArgumentError(f"largest_segment_id must be an int or None; got {value!r}")
        self._update(largest_segment_id=None if value is None else int(value))

    @property
    def category(self) -> LayerCategoryType:
        return SEGMENTATION_CATEGORY

    @property
    def attachments(self) -> Attachments:
        """Meshes, agglomerates, segment index, ... of this layer."""
        return Attachments(self)

    def refresh_largest_segment_id(self) -> None:
        """Recompute :attr:`largest_segment_id` from the finest mag's data (None if all zero)."""
        mag_view = self.get_finest_mag()
        largest = 0
        for view in mag_view.get_views_on_disk(read_only=True):
            largest = max(largest, int(view.read().max()))
        self.largest_segment_id = largest or None


def _reopen_layer(dataset: Dataset, name: str) -> Layer:
    return dataset.get_layer(name)


def _renamed_mag_path(path: str | None, old_name: str, new_name: str) -> str | None:
    prefix = f"./{old_name}/"
    if path is not None and path.startswith(prefix):
        return f"./{new_name}/{path[len(prefix):]}"
    return path
