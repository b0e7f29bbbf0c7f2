"""``View``: a box of one mag of one layer, the unit that is read and written.

Coordinates given to a view are in Mag(1) voxels (``absolute_offset``,
``relative_offset``, bounding boxes) unless a parameter says otherwise; the
data exchanged is ``(C, X, Y, Z)`` in the view's own mag. Layers with other axes
(e.g. ``t``) or without a channel axis exchange their stored axes instead
(``read_cxyz``/``write_cxyz`` stay ``(C, X, Y, Z)``); see ``view_nd``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import dask.array as da
import numpy as np

from wkdist.dask_bridge.read import view_to_dask
from wkdist.dask_bridge.tasks import WriteTarget
from wkdist.dask_bridge.write import plan_write
from wkdist.dataset._data import coerce_to_cxyz
from wkdist.dataset.chunkwise import ChunkwiseMethods
from wkdist.dataset.slice_buffers import SliceBufferMethods
from wkdist.dataset.view_boxes import (
    check_shard_alignment,
    resolve_box,
    warn_if_unaligned_view,
)
from wkdist.dataset.view_nd import (
    check_write,
    from_cxyz,
    read_box,
    resolve_nd_box,
    to_cxyz,
    write_box,
)
from wkdist.errors import InvalidArgumentError, ReadOnlyError
from wkdist.geometry import BoundingBox, Mag, NDBoundingBox, Vec3Int
from wkdist.properties import box_3d
from wkdist.run import run_plans
from wkdist.run.journaled import Job, journaled, run_journaled
from wkdist.storage import DataFormat, open_array

if TYPE_CHECKING:

    from dask.delayed import Delayed

    from wkdist.geometry import Vec3IntLike
    from wkdist.location import Location
    from wkdist.storage import ArraySpec, StorageArray


class View(ChunkwiseMethods, SliceBufferMethods):
    """A box of voxels in one mag, readable and (unless read-only) writable.

    Obtain views with :meth:`MagView.get_view`; do not construct them directly.
    A view pickles as its mag directory, format, mag and box, so it can be sent
    to dask workers in other processes.

    Parallel access rules
    ---------------------
    * Reading in parallel without concurrent writes is fine.
    * One shard may be written by only one actor at a time (for Zarr v3 and
      compressed WKW a partial shard write rewrites the whole shard).
    * Writes that may grow the layer's bounding box must not run in parallel;
      pass ``json_update_allowed=False`` to :meth:`MagView.write` and set the box
      once afterwards (the dask write planner does exactly this).
    """

    def __init__(
        self,
        path: Location,
        *,
        data_format: DataFormat,
        mag: Mag,
        bounding_box: BoundingBox | NDBoundingBox | None,
        read_only: bool = False,
    ) -> None:
        self._path = path
        self._data_format = DataFormat(data_format)
        self._mag = mag
        self._bounding_box = bounding_box
        self._read_only = read_only
        # The array this view opened last (the reference's name); not pickled.
        self._cached_array: StorageArray | None = None

    # ----------------------------------------------------------------- basics
    @property
    def path(self) -> Location:
        """The directory of the mag that holds this view's voxels."""
        return self._path

    @property
    def mag(self) -> Mag:
        """The mag of this view."""
        return self._mag

    @property
    def data_format(self) -> DataFormat:
        """The on-disk format of the mag."""
        return self._data_format

    @property
    def read_only(self) -> bool:
        """Whether writes through this view are refused."""
        return self._read_only

    @property
    def bounding_box(self) -> BoundingBox | NDBoundingBox:
        """The box of this view, in Mag(1) voxels (absolute); an ``NDBoundingBox`` for
        layers with other axes than c, x, y, z."""
        if self._bounding_box is None:  # pragma: no cover - only MagView has no box
            raise RuntimeError("View has no bounding box")
        return self._bounding_box

    def _box_3d(self, operation: str) -> BoundingBox:
        """The view's box for operations that know only c, x, y, z (refused for n-d layers)."""
        return box_3d(self.bounding_box, f"{operation} (on {self.path})")

    @property
    def info(self) -> ArraySpec:
        """Storage layout of the mag: format, dtype, channels, chunk and shard shape, compression."""
        return self._array.spec

    @property
    def _array(self) -> StorageArray:
        # open_array returns the process's cached instance while the metadata is unchanged
        self._cached_array = open_array(self.path, self._data_format)
        return self._cached_array

    def _get_file_dimensions(self) -> Vec3Int:
        """Voxels of this mag per shard file (the reference's name for ``info.shard_shape``)."""
        return self.info.shard_shape

    def _is_compressed(self) -> bool:
        """Whether the mag's chunks are compressed (the reference's spelling of ``info.compressed``)."""
        return self.info.compressed

    def get_dtype(self) -> np.dtype:
        """The per-channel dtype of the voxels."""
        return self.info.dtype

    @property
    def num_channels(self) -> int:
        """Number of channels of the voxels."""
        return self.info.num_channels

    def __repr__(self) -> str:
        return f"View({str(self.path)!r}, bounding_box={self.bounding_box})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_view,
            (self._path, self._data_format, self._mag, self._bounding_box, self._read_only),
        )

    # ------------------------------------------------------------------ read
    def read(
        self,
        size: Vec3IntLike | None = None,
        *,
        relative_offset: Vec3IntLike | None = None,
        absolute_offset: Vec3IntLike | None = None,
        relative_bounding_box: BoundingBox | NDBoundingBox | None = None,
        absolute_bounding_box: BoundingBox | NDBoundingBox | None = None,
        offset: Vec3IntLike | None = None,
    ) -> np.ndarray:
        """Read voxels as a ``(C, X, Y, Z)`` array in this view's mag.

        Parameters
        ----------
        size
            Size of the box in Mag(1) voxels (in this mag's voxels when given alone,
            or together with the first edition's ``offset``).
        relative_offset, absolute_offset
            Top-left corner in Mag(1) voxels, relative to this view or absolute.
        relative_bounding_box, absolute_bounding_box
            The box in Mag(1) voxels, instead of offset and size.
        offset
            First API edition: top-left corner in this mag's voxels.

        With no arguments the whole view is read. Regions without data read as zeros.
        Views of n-d layers return their stored axes (e.g. ``(C, T, Z, Y, X)``).
        """
        view_box = self.bounding_box
        if not isinstance(view_box, BoundingBox):
            return read_box(self, resolve_nd_box(
                self, view_box, "read", size=size, relative_offset=relative_offset,
                absolute_offset=absolute_offset, relative_bounding_box=relative_bounding_box,
                absolute_bounding_box=absolute_bounding_box, offset=offset,
            ))  # fmt: skip
        box = resolve_box(
            self,
            method="read",
            view_box=view_box,
            size=size,
            relative_offset=relative_offset,
            absolute_offset=absolute_offset,
            relative_bounding_box=relative_bounding_box,
            absolute_bounding_box=absolute_bounding_box,
            offset=offset,
        )
        return self._array.read(box.in_mag(self._mag))

    def read_cxyz(
        self,
        size: Vec3IntLike | None = None,
        *,
        relative_offset: Vec3IntLike | None = None,
        absolute_offset: Vec3IntLike | None = None,
        relative_bounding_box: BoundingBox | NDBoundingBox | None = None,
        absolute_bounding_box: BoundingBox | NDBoundingBox | None = None,
    ) -> np.ndarray:
        """Same as :meth:`read`, as ``(C, X, Y, Z)`` also for n-d layers (a channel axis
        of 1 is added if the layer has none; other axes must be read at one position)."""
        view_box = self.bounding_box
        if not isinstance(view_box, BoundingBox):
            box = resolve_nd_box(
                self, view_box, "read_cxyz", size=size, relative_offset=relative_offset,
                absolute_offset=absolute_offset, relative_bounding_box=relative_bounding_box,
                absolute_bounding_box=absolute_bounding_box,
            )  # fmt: skip
            return to_cxyz(read_box(self, box), tuple(box.axes))
        return self.read(
            size,
            relative_offset=relative_offset,
            absolute_offset=absolute_offset,
            relative_bounding_box=relative_bounding_box,
            absolute_bounding_box=absolute_bounding_box,
        )

    def write_cxyz(self, data: np.ndarray, **kwargs: Any) -> Delayed | None:
        """Same as :meth:`write` for ``(C, X, Y, Z)`` data (keywords as there), also for
        n-d layers (the box has size 1 along their other axes)."""
        if np.ndim(data) != 4:
            raise InvalidArgumentError(
                f"write_cxyz() takes (C, X, Y, Z) data; got shape {np.shape(data)}"
            )
        view_box = self.bounding_box
        if isinstance(view_box, BoundingBox):
            return self.write(data, **kwargs)
        box_args = {k: kwargs.pop(k) for k in _BOX_ARGS if k in kwargs}
        stored = from_cxyz(np.asarray(data), tuple(view_box.axes))
        box = resolve_nd_box(self, view_box, "write_cxyz", data_shape=stored.shape, **box_args)
        return self.write(stored, absolute_bounding_box=box, **kwargs)

    # ----------------------------------------------------------------- write
    def write(
        self,
        data: np.ndarray | da.Array,
        *,
        allow_unaligned: bool = False,
        relative_offset: Vec3IntLike | None = None,
        absolute_offset: Vec3IntLike | None = None,
        relative_bounding_box: BoundingBox | NDBoundingBox | None = None,
        absolute_bounding_box: BoundingBox | NDBoundingBox | None = None,
        offset: Vec3IntLike | None = None,
        json_update_allowed: bool = True,
        compute: bool = True,
    ) -> Delayed | None:
        """Write ``data`` (``(C, X, Y, Z)``, or ``(X, Y, Z)`` for one channel) into this view.

        The box written must lie inside the view. For compressed or sharded
        storage a numpy write must cover whole shards (clipped at the view's
        border) unless ``allow_unaligned=True``; uncompressed WKW only warns.
        A dask array is written as a shard-aligned task graph (see
        :func:`wkdist.dask_bridge.plan_write`); with ``compute=False`` the plan
        is returned as a ``Delayed`` instead of run. ``json_update_allowed`` is
        accepted for symmetry with :meth:`MagView.write`; a view never changes
        the properties file.
        """
        del json_update_allowed
        view_box = self.bounding_box
        if not isinstance(view_box, BoundingBox):
            nd_box, nd_data = self._prepare_nd_write(view_box, data,
                relative_offset=relative_offset, absolute_offset=absolute_offset,
                relative_bounding_box=relative_bounding_box,
                absolute_bounding_box=absolute_bounding_box, offset=offset)  # fmt: skip
            if not view_box.contains_bbox(nd_box):
                raise InvalidArgumentError(
                    f"The box to write {nd_box!r} is not inside the view's box {view_box!r}"
                )
            write_box(self, nd_data, nd_box, view_box, allow_unaligned=allow_unaligned)
            return None
        box, data = self._prepare_write(
            data,
            view_box,
            relative_offset=relative_offset,
            absolute_offset=absolute_offset,
            relative_bounding_box=relative_bounding_box,
            absolute_bounding_box=absolute_bounding_box,
            offset=offset,
        )
        if not view_box.contains_bbox(box):
            raise InvalidArgumentError(
                f"The box to write {box} (Mag(1) voxels) is not inside the view's box "
                f"{view_box}; write through the MagView to grow the layer"
            )
        if not allow_unaligned and not isinstance(data, da.Array):
            check_shard_alignment(self, box, view_box)
        return self._write_box(data, box, compute=compute, update_properties=False)

    def _prepare_write(
        self,
        data: np.ndarray | da.Array,
        view_box: BoundingBox,
        **box_args: Any,
    ) -> tuple[BoundingBox, np.ndarray | da.Array]:
        """Check ``data`` and resolve the Mag(1) box it goes to (``view_box``: this
        view's box); numpy data comes back as ``(C, X, Y, Z)`` of the storage dtype.
        Nothing is written."""
        self._ensure_writable()
        if data.ndim not in (3, 4):
            raise InvalidArgumentError(
                f"data must have the shape (C, X, Y, Z) or (X, Y, Z); got shape {data.shape}"
            )
        if not any(value is not None for value in box_args.values()):
            box_args["relative_offset"] = Vec3Int.zeros()
        boxes = (box_args.get("relative_bounding_box"), box_args.get("absolute_bounding_box"))
        size_in_mag = Vec3Int(data.shape[-3:]) if boxes == (None, None) else None
        box = resolve_box(
            self, method="write", size_in_mag=size_in_mag, view_box=view_box, **box_args
        )
        expected = box.in_mag(self._mag).size
        if Vec3Int(data.shape[-3:]) != expected:
            raise InvalidArgumentError(
                f"data has the shape {data.shape}, but the box to write {box} "
                f"is {tuple(expected)} voxels in mag {self._mag.to_layer_name()}"
            )
        if isinstance(data, da.Array):
            return box, data
        spec = self.info
        return box, coerce_to_cxyz(data, dtype=spec.dtype, num_channels=spec.num_channels)

    def _prepare_nd_write(
        self, view_box: NDBoundingBox, data: np.ndarray | da.Array, **box_args: Any
    ) -> tuple[NDBoundingBox, np.ndarray]:
        """Check stored-order ``data`` of an n-d view and resolve its Mag(1) box."""
        self._ensure_writable()
        if isinstance(data, da.Array):
            raise InvalidArgumentError(
                f"dask arrays cannot be written to layers with the axes {view_box.axes}; "
                "write numpy arrays (e.g. data.compute())"
            )
        axes = tuple(view_box.axes)
        data = np.asarray(data)
        shape = data.shape
        if "c" in axes and data.ndim == len(axes) - 1:
            shape = (*shape[: axes.index("c")], self.num_channels, *shape[axes.index("c") :])
        if len(shape) != len(axes):
            raise InvalidArgumentError(
                f"data must have the axes {axes} of the layer (c optional for one channel); "
                f"got shape {data.shape}"
            )
        if not any(value is not None for value in box_args.values()):
            box_args["relative_offset"] = Vec3Int.zeros()
        boxes = (box_args.get("relative_bounding_box"), box_args.get("absolute_bounding_box"))
        given_shape = shape if boxes == (None, None) else None
        box = resolve_nd_box(self, view_box, "write", data_shape=given_shape, **box_args)
        return box, check_write(self, data, box, axes)

    def _ensure_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError(f"{self!r} is read-only; open it writable to write")

    # ------------------------------------------------------------------ dask
    def to_dask(self, chunks: Vec3IntLike | int | None = None) -> da.Array:
        """A lazy ``(C, X, Y, Z)`` dask array over this view's box, in this mag's voxels.

        Blocks follow the storage shard grid (clipped at the box; a shard larger
        than ``wkdist.to-dask.block-size``, 16 MiB, is cut into equal parts within it), or a
        grid of ``chunks`` (x, y, z; multiples of the storage chunk shape). Blocks are
        numpy arrays in the storage's order (x fastest: Fortran-ordered), read
        without a transposing copy; ``compute()`` of this array returns a
        Fortran-ordered result. Creating the array reads no voxels; each block
        task reads only its own region, and the graph pickles, so it runs on
        ``distributed`` workers.
        """
        box = self._box_3d("to_dask").in_mag(self._mag)
        return view_to_dask(self.path, self._data_format, box, chunks)

    def _write_target(self, *, update_properties: bool) -> WriteTarget:
        """Where dask write tasks write; a plain view never updates the properties."""
        del update_properties
        return WriteTarget(self.path, self._data_format, self._mag, None, "")

    def _write_box(
        self,
        data: np.ndarray | da.Array,
        box: BoundingBox,
        *,
        compute: bool,
        update_properties: bool,
    ) -> Delayed | None:
        """Write checked data to the Mag(1) ``box``: numpy data at once, dask data
        as a write plan (run now, or returned with ``compute=False``)."""
        if isinstance(data, da.Array):
            target = self._write_target(update_properties=update_properties)
            plan = plan_write(data, target, self.info, box)
            if not compute:
                return plan.to_delayed()
            dataset, path = target.dataset_path, target.path
            if not (isinstance(dataset, Path) and isinstance(path, Path)):
                run_plans([plan])  # a plain view, or object storage: no journal
                return None
            array = path.absolute().relative_to(dataset.absolute()).as_posix()
            job = Job("write", dataset, {
                "array": array, "box": box.to_config_dict(), "data": str(getattr(data, "name", "")),
            })
            with journaled(job):
                run_journaled([plan])
            return None
        self._array.write(box.in_mag(self._mag).topleft, data)
        return None

    # -------------------------------------------------------------- sub-views
    def get_view(
        self,
        size: Vec3IntLike | None = None,
        *,
        relative_offset: Vec3IntLike | None = None,
        absolute_offset: Vec3IntLike | None = None,
        relative_bounding_box: BoundingBox | NDBoundingBox | None = None,
        absolute_bounding_box: BoundingBox | NDBoundingBox | None = None,
        offset: Vec3IntLike | None = None,
        read_only: bool | None = None,
    ) -> View:
        """A view on a box inside this one (coordinates as in :meth:`read`).

        A writable sub-view must lie inside this view; a read-only one may reach beyond.
        """
        view_box = self.bounding_box
        if not isinstance(view_box, BoundingBox):
            return self._nd_view(view_box, read_only, resolve_nd_box(
                self, view_box, "get_view", size=size, relative_offset=relative_offset,
                absolute_offset=absolute_offset, relative_bounding_box=relative_bounding_box,
                absolute_bounding_box=absolute_bounding_box, offset=offset,
            ))  # fmt: skip
        box = resolve_box(
            self,
            method="get_view",
            view_box=view_box,
            size=size,
            relative_offset=relative_offset,
            absolute_offset=absolute_offset,
            relative_bounding_box=relative_bounding_box,
            absolute_bounding_box=absolute_bounding_box,
            offset=offset,
        )
        if self.read_only and read_only is False:
            raise InvalidArgumentError(
                f"cannot get a writable view of the read-only {self!r}"
            )
        read_only = self.read_only if read_only is None else read_only
        if not read_only:
            if not view_box.contains_bbox(box):
                raise InvalidArgumentError(
                    f"The box of the new view {box} is not inside this view's box "
                    f"{view_box}; only read-only views may reach beyond it"
                )
            warn_if_unaligned_view(self, box)
        return View(
            self.path,
            data_format=self._data_format,
            mag=self._mag,
            bounding_box=box,
            read_only=read_only,
        )


    def _nd_view(
        self, view_box: NDBoundingBox, read_only: bool | None, box: NDBoundingBox
    ) -> View:
        if self.read_only and read_only is False:
            raise InvalidArgumentError(f"cannot get a writable view of the read-only {self!r}")
        read_only = self.read_only if read_only is None else read_only
        if not read_only and not view_box.contains_bbox(box):
            raise InvalidArgumentError(
                f"The box of the new view {box!r} is not inside this view's box {view_box!r}; "
                "only read-only views may reach beyond it"
            )
        return View(self.path, data_format=self._data_format, mag=self._mag,
                    bounding_box=box, read_only=read_only)  # fmt: skip


_BOX_ARGS = ("relative_offset", "absolute_offset", "relative_bounding_box",
             "absolute_bounding_box", "offset")  # fmt: skip


def _rebuild_view(
    path: Location,
    data_format: DataFormat,
    mag: Mag,
    box: BoundingBox | NDBoundingBox | None,
    read_only: bool,
) -> View:
    return View(path, data_format=data_format, mag=mag, bounding_box=box, read_only=read_only)
