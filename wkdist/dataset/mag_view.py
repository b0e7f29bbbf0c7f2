"""``MagView``: the whole of one mag of a layer."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dask.array as da

from wkdist.dask_bridge.tasks import WriteTarget, presize_target
from wkdist.dataset.view import View
from wkdist.dataset.view_boxes import check_shard_alignment
from wkdist.dataset.view_nd import write_box
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, NDBoundingBox
from wkdist.jobs.compress import (
    create_staging,
    finish_swap,
    plan_compress,
    staging_usable,
    swap_in_staging,
)
from wkdist.jobs.export_tiff import export_box, run_tiff_export
from wkdist.location import require_local
from wkdist.properties import box_3d, extended_layer_box
from wkdist.run.journaled import Job, journaled, run_journaled
from wkdist.storage.layout_policy import choose_chunk_and_shard_shape, compression_for

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterator
    from concurrent.futures import Executor

    import numpy as np
    from dask.delayed import Delayed

    from wkdist.dataset.layer import Layer
    from wkdist.geometry import Mag, Vec3IntLike
    from wkdist.location import Location
    from wkdist.properties import MagProperties
    from wkdist.storage import ArraySpec


class MagView(View):
    """One mag of a layer. Its box is the layer's box, aligned outwards to the mag.

    Obtain it with :meth:`Layer.get_mag` or :meth:`Layer.add_mag`.
    """

    def __init__(self, layer: Layer, mag: Mag, path: Location, *, read_only: bool = False) -> None:
        super().__init__(
            path,
            data_format=layer.data_format,
            mag=mag,
            bounding_box=None,
            read_only=read_only,
        )
        self._layer = layer

    @property
    def layer(self) -> Layer:
        """The layer this mag belongs to."""
        return self._layer

    @property
    def path(self) -> Location:
        """The mag's directory (follows renames of the layer)."""
        return self._layer._mag_path(self._mag)

    @property
    def read_only(self) -> bool:
        """Whether writes are refused (read-only dataset, linked layer, or a mag
        that references another dataset's files)."""
        return self._layer.read_only or self.is_foreign

    @property
    def name(self) -> str:
        """The mag's directory name, e.g. ``"1"`` or ``"2-2-1"``."""
        return self._mag.to_layer_name()

    @property
    def bounding_box(self) -> BoundingBox | NDBoundingBox:
        """The layer's box aligned outwards to this mag, in Mag(1) voxels."""
        return self._layer.bounding_box.align_with_mag(self._mag, ceil=True)

    @property
    def is_foreign(self) -> bool:
        """Whether the mag's files lie outside the dataset's directory."""
        return self._layer.is_mag_foreign(self)

    @property
    def _properties(self) -> MagProperties:
        return self._layer._properties.get_mag(self._mag)

    def __repr__(self) -> str:
        return f"MagView(name={self.name!r}, bounding_box={self.bounding_box})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_reopen_mag_view, (self._layer, self._mag))

    def write(
        self,
        data: np.ndarray | da.Array,
        *,
        allow_resize: bool | None = None,
        allow_unaligned: bool = False,
        relative_offset: Vec3IntLike | None = None,
        absolute_offset: Vec3IntLike | None = None,
        relative_bounding_box: BoundingBox | NDBoundingBox | None = None,
        absolute_bounding_box: BoundingBox | NDBoundingBox | None = None,
        offset: Vec3IntLike | None = None,
        json_update_allowed: bool = True,
        compute: bool = True,
    ) -> Delayed | None:
        """Write ``data`` (``(C, X, Y, Z)``, or ``(X, Y, Z)`` for one channel) into this mag.

        Parameters
        ----------
        data
            The voxels, in this mag's resolution.
        allow_resize
            ``None`` (default): follow ``json_update_allowed``. ``False``: a write
            beyond the layer's box raises, as in webknossos >= 2.0. ``True``: grow.
        allow_unaligned
            Allow a box that does not cover whole shards of compressed or sharded
            storage (each touched shard is then read, patched and rewritten; never
            do this from several writers on the same shard).
        relative_offset, absolute_offset
            Top-left corner in Mag(1) voxels (relative to the mag's box, or absolute).
        relative_bounding_box, absolute_bounding_box
            The target box in Mag(1) voxels instead of an offset.
        offset
            First API edition: top-left corner in this mag's own voxels.
        json_update_allowed
            If the box reaches beyond the layer's box: ``True`` grows the layer's
            box and saves ``datasource-properties.json``; ``False`` leaves the
            properties file untouched (the on-disk array is still grown so the
            data fits) and the caller sets ``Layer.bounding_box`` later. Use
            ``False`` for writes that run in parallel.

        Raises
        ------
        InvalidArgumentError
            Wrong shape, channel count or dtype, negative offset, an unaligned box
            without ``allow_unaligned``, or a box beyond the layer with ``allow_resize=False``.
        """
        grow_properties = json_update_allowed if allow_resize is None else allow_resize
        mag_box = self.bounding_box
        if not isinstance(mag_box, BoundingBox):
            self._write_nd(mag_box, data, allow_resize=allow_resize,
                grow_properties=grow_properties, allow_unaligned=allow_unaligned,
                relative_offset=relative_offset, absolute_offset=absolute_offset,
                relative_bounding_box=relative_bounding_box,
                absolute_bounding_box=absolute_bounding_box, offset=offset)  # fmt: skip
            return None
        box, data = self._prepare_write(
            data,
            mag_box,
            relative_offset=relative_offset,
            absolute_offset=absolute_offset,
            relative_bounding_box=relative_bounding_box,
            absolute_bounding_box=absolute_bounding_box,
            offset=offset,
        )
        outside = not mag_box.contains_bbox(box)
        if outside and allow_resize is False:
            raise InvalidArgumentError(
                f"The box to write {box} does not fit in the layer's bounding box "
                f"{self._layer.bounding_box} (layer {self._layer.name!r}); pass "
                "allow_resize=True or set layer.bounding_box first"
            )
        # A dask plan grows the array in its first task and the box in its last.
        if isinstance(data, da.Array):
            result = self._write_box(data, box, compute=compute, update_properties=grow_properties)
            if compute:
                self._layer.dataset._note_own_change()
            return result
        layer_box = box_3d(self._layer.bounding_box, "write")
        grown = layer_box.extended_by(box) if outside else layer_box
        if not allow_unaligned:
            check_shard_alignment(self, box, grown.align_with_mag(self._mag, ceil=True))
        if outside and grow_properties:
            self._layer.bounding_box = grown
        elif outside:
            self._grow_array_to(box)
        return self._write_box(data, box, compute=compute, update_properties=grow_properties)

    def _write_nd(
        self,
        mag_box: NDBoundingBox,
        data: np.ndarray | da.Array,
        *,
        allow_resize: bool | None,
        grow_properties: bool,
        allow_unaligned: bool,
        **box_args: Any,
    ) -> None:
        """:meth:`write` for n-d layers: grows the layer's box (all axes) as needed."""
        box, checked = self._prepare_nd_write(mag_box, data, **box_args)
        layer_box = self._layer.bounding_box
        if not mag_box.contains_bbox(box):
            if allow_resize is False or not grow_properties:
                raise InvalidArgumentError(
                    f"The box to write {box!r} does not fit in the layer's bounding box "
                    f"{layer_box!r} (layer {self._layer.name!r}); pass allow_resize=True "
                    "or set layer.bounding_box first"
                )
            layer_box = extended_layer_box(layer_box, box)
            self._layer.bounding_box = layer_box
        write_box(self, checked, box, layer_box.align_with_mag(self._mag, ceil=True),
                  allow_unaligned=allow_unaligned)  # fmt: skip

    def _write_target(self, *, update_properties: bool) -> WriteTarget:
        return WriteTarget(
            self.path,
            self._data_format,
            self._mag,
            self._layer.dataset.path if update_properties else None,
            self._layer.name,
        )

    def _grow_array_to(self, box: BoundingBox) -> None:
        """Grow the on-disk array (not the properties) so that ``box`` (Mag(1)) fits."""
        needed = box.align_with_mag(self._mag, ceil=True).in_mag(self._mag).bottomright
        presize_target(self._write_target(update_properties=False), needed)

    def compress(
        self,
        *,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> None:
        """Compress this mag in place (zstd for Zarr, LZ4 for WKW). The uncompressed
        files stay until the compressed copy is complete. No-op if already compressed."""

        def compressed(spec: ArraySpec) -> ArraySpec:
            if spec.compressed:
                return spec
            return dataclasses.replace(spec, compression=compression_for(spec.data_format, True))

        self._reencode("compress", compressed, {}, executor=executor, progress=progress)

    def rechunk(
        self,
        *,
        chunk_shape: Vec3IntLike | int | None = None,
        shard_shape: Vec3IntLike | int | None = None,
        compress: bool | str | None = None,
        executor: Executor | None = None,
        progress: bool | None = None,
    ) -> None:
        """Re-encode this mag in place with a new layout, safely as :meth:`compress`.

        Parameters
        ----------
        chunk_shape, shard_shape
            The new layout (defaults as in :meth:`Layer.add_mag`: 32³ chunks,
            1024³ shards; Zarr v2 shards are single chunks).
        compress
            ``None`` or ``True``: compressed (zstd for Zarr, LZ4 for WKW);
            ``False``: raw; or a codec name.
        """
        chunk, shard = choose_chunk_and_shard_shape(
            data_format=self.data_format, chunk_shape=chunk_shape, shard_shape=shard_shape,
            chunks_per_shard=None, layer_bounding_box=None,
        )  # fmt: skip
        codec = compression_for(self.data_format, True if compress is None else compress)
        layout = {"chunk_shape": list(chunk), "shard_shape": list(shard), "compression": codec}

        def rechunked(spec: ArraySpec) -> ArraySpec:
            return dataclasses.replace(
                spec, chunk_shape=chunk, shard_shape=shard, compression=codec
            )

        self._reencode("rechunk", rechunked, layout, executor=executor, progress=progress)

    def _reencode(
        self,
        operation: str,
        target_for: Callable[[ArraySpec], ArraySpec],
        layout: dict[str, Any],
        *,
        executor: Executor | None,
        progress: bool | None,
    ) -> None:
        """Copy the mag into a staging array of layout ``target_for(current layout)``
        and swap it in (nothing happens when the layout stays the same)."""
        self._ensure_writable()
        if target_for(self.info) != self.info:  # n-d layers are refused before the journal
            self._box_3d(operation)
        path = require_local(
            self.path,
            f"{operation} in place (a directory swap); copy the dataset with new options "
            "instead,",
        )
        job = Job("compress", self._layer.dataset.path,
                  {"layer": self._layer.name, "mag": self._mag.to_layer_name(), **layout})
        with journaled(job) as journal:
            finish_swap(path)  # an earlier run was killed while swapping
            target = target_for(self.info)
            if target == self.info:
                return
            continued = journal is not None and journal.continued
            if not (continued and staging_usable(path, target.data_format)):
                shape = self._box_3d(operation).in_mag(self._mag).bottomright
                create_staging(path, target, shape)
            plan = plan_compress(
                path,
                target,
                self._mag,
                self._array.list_written_shards(),
                box_3d(self._layer.bounding_box, operation),
            )
            run_journaled([plan], executor=executor, progress=progress,
                          final_paths=[path], created=[True])
            swap_in_staging(path)

    def export_as_tiff(
        self,
        destination: str | os.PathLike[str],
        *,
        bbox: BoundingBox | None = None,
        name: str = "",
        tile_size: tuple[int, int] | None = None,
        batch_size: int | None = None,
        executor: Executor | None = None,
    ) -> int:
        """Write ``bbox`` (Mag(1), default: the layer's box) of this mag as TIFF images
        into ``destination``, in parallel; return the number of slices written.

        One image per z slice, ``{name}_{n:06d}.tiff`` (``n``: Mag(1) slices from the
        box's top), or with ``tile_size=(x, y)`` (mag voxels) tiles
        ``{n}/{row}/{column}.tiff`` padded with zeros, as webknossos'
        ``export-as-tiff`` names them. Rows are y, columns x, samples the channels.
        ``batch_size`` slices per task (default: the chunk depth); each task
        holds at most ``wkdist.write.task-memory`` of voxels.
        """
        export = export_box(
            self.path,
            self.data_format,
            self._mag,
            box_3d(self.layer.bounding_box, "export_as_tiff") if bbox is None else bbox,
            Path(destination),
            name=name,
            tile_size=tile_size,
        )
        return run_tiff_export(export, batch_size, executor)

    def get_zarr_array(self) -> Any:  # noqa: ANN401 - a tensorstore.TensorStore
        """An open ``tensorstore.TensorStore`` on this mag, ``(c, x, y, z)`` (n-d layers:
        their stored axes), as the reference returns (Zarr v2 and v3 mags only):
        ``[...].read().result()``, ``[...].write(data).result()``. Writes through it
        bypass wkdist's checks."""
        stored_order = not isinstance(self._layer.bounding_box, BoundingBox)
        return self._array.tensorstore_array(stored_order=stored_order)

    def get_bounding_boxes_on_disk(self) -> Iterator[BoundingBox]:
        """One Mag(1) box per shard file present on disk (from the storage listing)."""
        for box in self._array.list_written_shards():
            yield box.from_mag_to_mag1(self._mag)

    def get_views_on_disk(self, read_only: bool | None = None) -> Iterator[View]:
        """A view for each shard file on disk, clipped to the mag's box."""
        mag_box = self._box_3d("get_views_on_disk")
        for box in self.get_bounding_boxes_on_disk():
            clipped = box.intersected_with(mag_box, dont_assert=True)
            if clipped.is_empty():
                continue
            yield self.get_view(absolute_bounding_box=clipped, read_only=read_only)



def _reopen_mag_view(layer: Layer, mag: Mag) -> MagView:
    return layer.get_mag(mag)
