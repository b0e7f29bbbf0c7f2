"""The mags of a layer: listing, adding (new, by reference, as copies) and deleting
them (:class:`MagManagement`, a mixin of :class:`~wkdist.dataset.layer.Layer`)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, cast

from wkdist.dataset import mag_refs
from wkdist.dataset.copying import add_mag_copy
from wkdist.dataset.mag_view import MagView
from wkdist.dataset.names import dump_mag_path
from wkdist.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from wkdist.geometry import BoundingBox, Mag, NDBoundingBox
from wkdist.location import Location, RemotePath, as_location
from wkdist.properties import (
    AXIS_ORDER,
    CXYZ_AXES,
    MagProperties,
    extended_layer_box,
    extra_axis_ends,
)
from wkdist.run import run_plans
from wkdist.storage import ArraySpec, DataFormat, create_array, open_array
from wkdist.storage.layout_policy import choose_chunk_and_shard_shape, compression_for

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping
    from concurrent.futures import Executor

    import numpy as np

    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.layer import Layer
    from wkdist.geometry import MagLike, Vec3IntLike
    from wkdist.properties import LayerProperties


def as_layer(mixin: object) -> Layer:
    """``self`` of a method of Layer's mixins, as the Layer it is."""
    return cast("Layer", mixin)


class MagManagement:
    """The mag methods of :class:`~wkdist.dataset.layer.Layer`."""

    if TYPE_CHECKING:
        _dataset: Dataset
        _name: str
        _mag_views: dict[Mag, MagView]

        @property
        def _properties(self) -> LayerProperties: ...

        @property
        def path(self) -> Location: ...

        @property
        def read_only(self) -> bool: ...

        @property
        def data_format(self) -> DataFormat: ...

        @property
        def dtype(self) -> np.dtype: ...

        @property
        def num_channels(self) -> int: ...

        @property
        def bounding_box(self) -> BoundingBox | NDBoundingBox: ...

        @bounding_box.setter
        def bounding_box(self, box: BoundingBox | NDBoundingBox) -> None: ...

        def _ensure_writable(self) -> None: ...

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
                    as_layer(self), mag, self._mag_path(mag), read_only=self.read_only
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
        box = self.bounding_box
        xyz_box = BoundingBox(box.topleft_xyz, box.size_xyz)
        chunk, shard = choose_chunk_and_shard_shape(
            data_format=self.data_format,
            chunk_shape=chunk_shape,
            shard_shape=shard_shape,
            chunks_per_shard=chunks_per_shard,
            layer_bounding_box=xyz_box if self.mags else None,
        )
        spec = ArraySpec(
            data_format=self.data_format,
            dtype=self.dtype,
            num_channels=self.num_channels,
            chunk_shape=chunk,
            shard_shape=shard,
            compression=compression_for(self.data_format, compress),
            axes=CXYZ_AXES if isinstance(box, BoundingBox) else tuple(box.axes),
        )
        mag_path = self.path / mag.to_layer_name()
        if mag_path.exists():
            raise AlreadyExistsError(
                f"cannot add mag {mag.to_layer_name()} to layer {self._name!r}: "
                f"{mag_path} exists on disk but is not in the properties"
            )
        shape = xyz_box.align_with_mag(mag, ceil=True).in_mag(mag).bottomright
        create_array(mag_path, spec, shape, extra_axis_ends(box))
        self._register_mag(mag, mag_path, spec)
        return self.get_mag(mag)

    def _register_mag(self, mag: Mag, mag_path: Location, spec: ArraySpec) -> None:
        # n-d layers store where c, x, y, z are; 3-d layers the default order
        # (the (c, x, y, z) view of the storage layer hides any other order).
        box = self.bounding_box
        order = (
            dict(AXIS_ORDER)
            if isinstance(box, BoundingBox)
            else {a: i for a, i in zip(box.axes, box.index, strict=True) if a in CXYZ_AXES}
        )
        mag_props = MagProperties(
            mag=mag,
            path=dump_mag_path(mag_path, self._dataset.path),
            cube_length=spec.shard_shape.x if spec.data_format == DataFormat.WKW else None,
            axis_order=order,
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
            as_layer(self),
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
            as_layer(self),
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
            as_layer(self),
            mag,
            path,
            move=move,
            extend_layer_bounding_box=extend_layer_bounding_box,
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
            self.bounding_box = extended_layer_box(self.bounding_box, source.layer.bounding_box)
        plan = add_mag_copy(
            as_layer(self),
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
