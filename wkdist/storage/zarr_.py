"""Zarr v2 and v3 arrays: ``tensorstore`` does all bulk I/O, ``zarr`` gives handles.

Atomicity: tensorstore's ``file`` kvstore never modifies a stored value in
place; it writes ``<key>.__lock``, fsyncs it and renames it over the key (see
the header comment of ``tensorstore/kvstore/file/file_key_value_store.cc``).
A shard or chunk file is therefore replaced atomically, and a killed writer
leaves at most a stray ``.__lock`` file, which the listing ignores. In object
storage every PUT replaces one object whole, so the same holds there.

Speed: one tensorstore ``Context`` per process (shared thread pools and
metadata cache) and one open handle per array, refreshed only when the
metadata file changes (another process resized the array); reads ask for
Fortran order, which is the stored order of the chunks, so no transposition.
"""

from __future__ import annotations

import dataclasses
import json
from abc import abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import tensorstore as ts

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.location import (
    Location,
    kvstore_spec,
    require_local,
    tensorstore_context,
)
from wkdist.storage import buffers
from wkdist.storage.base import DataFormat, StorageArray, read_metadata
from wkdist.storage.mosaic import BlockMosaic
from wkdist.storage.zarr_meta import (
    AXES,
    ZarrLayout,
    axis_positions_of,
    round_up,
    zarr2_attributes,
    zarr2_layout,
    zarr2_metadata,
    zarr3_layout,
    zarr3_metadata,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Self

    import zarr

    from wkdist.geometry import NDBoundingBox, Vec3IntLike
    from wkdist.storage.base import ArraySpec
    from wkdist.storage.mosaic import Voxels


class _TensorStoreArray(StorageArray):
    """Shared implementation of the Zarr formats; subclasses supply the metadata rules."""

    has_shards: ClassVar[bool]
    _driver: ClassVar[str]

    def __init__(
        self,
        path: Location,
        layout: ZarrLayout,
        metadata: bytes,
        store: ts.TensorStore,
        native: ts.TensorStore,
    ) -> None:
        super().__init__(path, layout.spec, metadata)
        self._layout = layout
        # (metadata bytes, (c, x, y, z) view, stored-order handle): replaced as a
        # whole, so threads never see a torn state. Arrays with other axes (t, ...)
        # have a (c, x, y, z) view at index 0 of those axes for the shape only;
        # their voxels go through read_nd/write_nd on the stored-order handle.
        self._state = (metadata, store, native)
        self._renamed: dict[tuple[str, ...], _TensorStoreArray] = {}
        self._axes: tuple[str, ...] | None = None  # set on arrays made by with_axes

    # ------------------------------------------------------------ metadata
    @staticmethod
    @abstractmethod
    def _layout_of(metadata: dict[str, Any], path: str) -> ZarrLayout:
        """The layout described by a metadata document."""

    @staticmethod
    @abstractmethod
    def _metadata_for(
        spec: ArraySpec, shape: Vec3Int, extra_shape: Mapping[str, int] | None
    ) -> dict[str, Any]:
        """The metadata document of a new array."""

    @classmethod
    def _create(
        cls,
        path: Location,
        spec: ArraySpec,
        shape: Vec3Int,
        extra_shape: Mapping[str, int] | None = None,
    ) -> None:
        ts.open(
            {
                "driver": cls._driver,
                "kvstore": kvstore_spec(path),
                "metadata": cls._metadata_for(spec, shape, extra_shape),
            },
            create=True,
            context=tensorstore_context(),
        ).result()

    @classmethod
    def _layout_at(cls, path: Location, metadata: bytes) -> ZarrLayout:
        return cls._layout_of(json.loads(metadata), str(path))

    @classmethod
    def _native(cls, path: Location) -> ts.TensorStore:
        return ts.open(
            {"driver": cls._driver, "kvstore": kvstore_spec(path)},
            open=True,
            context=tensorstore_context(),
        ).result()

    @classmethod
    def _load(
        cls, path: Location, metadata: bytes, axes: tuple[str, ...] | None = None
    ) -> tuple[ZarrLayout, ts.TensorStore, ts.TensorStore]:
        layout = cls._layout_at(path, metadata)
        if axes is not None and axes != layout.spec.axes:
            layout = cls._renamed_layout(layout, metadata, axes, path)
        store = native = cls._native(path)
        if layout.spec.extra_axes:
            extra = [i for i, a in enumerate(layout.spec.axes) if a not in AXES]
            store = store[ts.d[extra][(0,) * len(extra)]]
            c, x, y, z = axis_positions_of(tuple(a for a in layout.spec.axes if a in AXES))
        else:
            c, x, y, z = layout.axis_positions
        order = [p for p in (c, x, y, z) if p is not None]
        if order != list(range(len(order))):
            store = store[ts.d[order].transpose[:]]
        if c is None:
            store = store[ts.newaxis]
        if z is None:  # 2-d arrays: one voxel along z
            store = store[..., ts.newaxis]
        return layout, store, native

    @classmethod
    def _open(cls, path: Location, metadata: bytes) -> Self:
        layout, store, native = cls._load(path, metadata)
        return cls(path, layout, metadata, store, native)

    def _store(self) -> ts.TensorStore:
        """The ``(c, x, y, z)`` tensorstore view, reopened if the metadata file changed."""
        metadata, store, _ = self._state
        current = read_metadata(self.path / self.metadata_file_name)
        if metadata == current:
            return store
        layout, store, native = self._load(self.path, current, self._axes)
        self._layout, self.spec, self._metadata = layout, layout.spec, current
        self._state = (current, store, native)
        return store

    # --------------------------------------------------------------- shape
    @property
    def shape(self) -> Vec3Int:
        """Current extent along x, y, z in the array's voxels (from the metadata on disk)."""
        return Vec3Int(self._store().domain.exclusive_max[1:])

    def resize(self, shape: Vec3IntLike, extra_shape: Mapping[str, int] | None = None) -> None:
        """Set the extent (metadata only), rounded up to whole shards (Zarr v3) or chunks (v2).

        ``extra_shape`` sets the extent along other stored axes (e.g. ``{"t": 8}``),
        unrounded; axes it does not name keep theirs.

        Raises
        ------
        InvalidArgumentError
            If ``shape`` is negative or ``extra_shape`` names an axis the array lacks.
        """
        extent = Vec3Int(shape)
        if not extent.is_positive():
            raise InvalidArgumentError(f"shape must not be negative; got {tuple(extent)}")
        axes = self.spec.axes
        unknown = set(extra_shape or {}) - set(self.spec.extra_axes)
        if unknown:
            raise InvalidArgumentError(
                f"extra_shape names the axes {sorted(unknown)}; the array at {self.path} "
                f"has the axes {axes}"
            )
        target = round_up(extent, self.spec.shard_shape)
        current = self.nd_shape
        wanted = [
            target[AXES.index(a) - 1] if a in AXES[1:] else (extra_shape or {}).get(a, n)
            for a, n in zip(axes, current, strict=True)
        ]
        if list(current) == wanted:
            return
        self._native(self.path).resize(
            exclusive_max=wanted, resize_metadata_only=True
        ).result()
        self._store()  # this instance (and the per-process cache) now sees the new shape

    @property
    def nd_shape(self) -> tuple[int, ...]:
        """The extent along every stored axis (``spec.axes``), from the metadata on disk."""
        self._store()
        return tuple(
            int(n) for n in json.loads(self._metadata)["shape"]
        )

    # ----------------------------------------------------------------- I/O
    def _read(self, box: BoundingBox, order: Literal["F", "C"]) -> np.ndarray:
        self._refuse_extra_axes("read")
        # The handle as last opened: open() has just compared the metadata file,
        # and tasks opened with open_as_of() must not read it at all.
        store = self._state[1]
        inner = box.intersected_with(
            BoundingBox(Vec3Int.zeros(), Vec3Int(store.domain.exclusive_max[1:])),
            dont_assert=True,
        )
        if inner == box:
            return store[(slice(None), *box.to_slices())].read(order=order).result()
        out = buffers.zeros((self.spec.num_channels, *box.size), self.spec.dtype, order)
        if not inner.is_empty():
            data = store[(slice(None), *inner.to_slices())].read(order=order).result()
            out[(slice(None), *inner.offset(-box.topleft).to_slices())] = data
        return out

    def _write(self, box: BoundingBox, data: Voxels) -> None:
        self._refuse_extra_axes("write")
        store = self._store()
        shape = Vec3Int(store.domain.exclusive_max[1:])
        if not all(b <= s for b, s in zip(box.bottomright, shape, strict=True)):
            raise InvalidArgumentError(
                f"cannot write {box} (voxels) to the {self.data_format.value} array at "
                f"{self.path}: it ends at {tuple(box.bottomright)}, beyond the array's shape "
                f"{tuple(shape)}; resize the array first (resize({tuple(box.bottomright)}) "
                "or set the layer's bounding box)"
            )
        if not isinstance(data, BlockMosaic):
            store[(slice(None), *box.to_slices())].write(data).result()
            return
        # One transaction for all blocks: each shard is encoded once, at commit,
        # not read back and rewritten for every block that touches it.
        with ts.Transaction() as transaction:
            staged = store.with_transaction(transaction)
            writes = [
                staged[
                    tuple(
                        slice(origin + s, origin + s + n)
                        for origin, s, n in zip((0, *box.topleft), start, block.shape, strict=True)
                    )
                ].write(block)
                for start, block in data.blocks()
            ]
            for write in writes:
                write.result()

    def with_axes(self, axes: tuple[str, ...]) -> _TensorStoreArray:
        """This array with the stored axes ``axes`` if its metadata names none (Zarr v2
        as webknossos writes n-d arrays; the axes then come from the layer), else itself.

        Raises
        ------
        InvalidArgumentError
            If the array names other axes, or ``axes`` does not fit its rank.
        """
        if axes == self.spec.axes:
            return self
        cached = self._renamed.get(axes)
        if cached is None:
            layout, store, native = self._load(self.path, self._metadata, axes)
            cached = type(self)(self.path, layout, self._metadata, store, native)
            cached._axes = axes
            self._renamed[axes] = cached
        return cached

    @classmethod
    def _renamed_layout(
        cls, layout: ZarrLayout, metadata: bytes, axes: tuple[str, ...], path: Location
    ) -> ZarrLayout:
        """``layout`` with the stored axes ``axes``, for arrays whose metadata names none."""
        if layout.named or len(axes) != layout.rank:
            raise InvalidArgumentError(
                f"the array at {path} has the axes {layout.spec.axes}; expected {axes}"
            )
        document = json.loads(metadata)
        if cls.data_format == DataFormat.ZARR:
            renamed = zarr2_layout(document, str(path), {"_ARRAY_DIMENSIONS": list(axes)})
        else:
            renamed = zarr3_layout(dict(document, dimension_names=list(axes)), str(path))
        return dataclasses.replace(renamed, named=False)

    def _refuse_extra_axes(self, what: str) -> None:
        if self._layout.spec.extra_axes:
            raise InvalidArgumentError(
                f"cannot {what} (c, x, y, z) boxes of the array at {self.path}: it has the "
                f"axes {self.spec.axes}; use read_nd/write_nd"
            )

    def _nd_index(self, box: NDBoundingBox) -> tuple[slice, ...]:
        if tuple(box.axes) != self.spec.axes:
            raise InvalidArgumentError(
                f"the box {box} has the axes {tuple(box.axes)}; the array at {self.path} "
                f"has {self.spec.axes}"
            )
        return tuple(slice(b, e) for b, e in zip(box.topleft, box.bottomright, strict=True))

    def read_nd(self, box: NDBoundingBox) -> np.ndarray:
        """Read ``box`` (array voxels, axes exactly ``spec.axes``) in stored axis order;
        voxels outside the array's shape read as zeros."""
        self._nd_index(box)
        store = self._state[2]
        limits = store.domain.exclusive_max
        starts = [max(0, b) for b in box.topleft]
        ends = [min(e, n) for e, n in zip(box.bottomright, limits, strict=True)]
        out = np.zeros(tuple(box.size), dtype=self.spec.dtype, order="F")
        if all(s < e for s, e in zip(starts, ends, strict=True)):
            inner = tuple(slice(s, e) for s, e in zip(starts, ends, strict=True))
            target = tuple(
                slice(s - b, e - b) for s, e, b in zip(starts, ends, box.topleft, strict=True)
            )
            out[target] = store[inner].read(order="F").result()
        return out

    def write_nd(self, box: NDBoundingBox, data: np.ndarray) -> None:
        """Write ``data`` (stored axis order, ``spec.dtype``) to ``box`` (array voxels,
        axes exactly ``spec.axes``), which must lie inside the array's shape."""
        index = self._nd_index(box)
        if tuple(data.shape) != tuple(box.size) or data.dtype != self.spec.dtype:
            raise InvalidArgumentError(
                f"data of shape {data.shape} and dtype {data.dtype} does not fit {box} "
                f"of the {self.spec.dtype} array at {self.path}"
            )
        self._store()
        store = self._state[2]
        limits = tuple(store.domain.exclusive_max)
        if any(e > n for e, n in zip(box.bottomright, limits, strict=True)):
            raise InvalidArgumentError(
                f"cannot write {box} to the array at {self.path}: it reaches beyond the "
                f"array's shape {limits}; resize the array first"
            )
        store[index].write(data).result()

    def list_written_shards(self) -> list[BoundingBox]:
        """One unclipped box per stored shard (chunk for Zarr v2) key, from the key listing."""
        kvstore = ts.KvStore.open(kvstore_spec(self.path), context=tensorstore_context()).result()
        layout = self._layout
        indices = {layout.shard_index(key.decode()) for key in kvstore.list().result()}
        indices.discard(None)
        ordered = sorted(indices, key=lambda index: (index.z, index.y, index.x))  # type: ignore[union-attr]
        return [self.shard_box(index) for index in ordered]  # type: ignore[arg-type]

    def shard_file(self, index: Vec3IntLike) -> Location:
        """The key file of the shard (Zarr v3) or chunk (Zarr v2) below the array."""
        return self.path / self._layout.shard_key(Vec3Int(index))

    def tensorstore_array(self, *, stored_order: bool = False) -> ts.TensorStore:
        """An open read-write ``tensorstore.TensorStore`` on this array, ``(c, x, y, z)``
        (or in the stored axis order, ``spec.axes``)."""
        store = self._store()
        return self._state[2] if stored_order else store

    def zarr_array(self) -> zarr.Array[Any]:
        """A read-write ``zarr.Array`` (zarr-python) on this array, in its stored axis order."""
        import zarr

        path = require_local(self.path, "zarr_array()")
        zarr_format: Literal[2, 3] = 3 if self.data_format == DataFormat.ZARR3 else 2
        return zarr.open_array(store=str(path), mode="r+", zarr_format=zarr_format)


class Zarr3Array(_TensorStoreArray):
    """A Zarr v3 array, sharded (``sharding_indexed``) unless chunk shape == shard shape."""

    data_format: ClassVar[DataFormat] = DataFormat.ZARR3
    has_shards: ClassVar[bool] = True
    metadata_file_name: ClassVar[str] = "zarr.json"
    _driver: ClassVar[str] = "zarr3"

    @staticmethod
    def _layout_of(metadata: dict[str, Any], path: str) -> ZarrLayout:
        return zarr3_layout(metadata, path)

    @staticmethod
    def _metadata_for(
        spec: ArraySpec, shape: Vec3Int, extra_shape: Mapping[str, int] | None
    ) -> dict[str, Any]:
        return zarr3_metadata(spec, shape, extra_shape)


class ZarrArray(_TensorStoreArray):
    """A Zarr v2 array (no shards: every chunk is a file)."""

    data_format: ClassVar[DataFormat] = DataFormat.ZARR
    has_shards: ClassVar[bool] = False
    metadata_file_name: ClassVar[str] = ".zarray"
    _driver: ClassVar[str] = "zarr"

    @staticmethod
    def _layout_of(metadata: dict[str, Any], path: str) -> ZarrLayout:
        return zarr2_layout(metadata, path)

    @classmethod
    def _layout_at(cls, path: Location, metadata: bytes) -> ZarrLayout:
        # Zarr v2 names no axes; wkdist keeps other axes than c, x, y, z in .zattrs.
        try:
            attributes = json.loads(read_metadata(path / ".zattrs"))
        except (FileNotFoundError, ValueError):
            attributes = None
        if not isinstance(attributes, dict):
            attributes = None
        return zarr2_layout(json.loads(metadata), str(path), attributes)

    @staticmethod
    def _metadata_for(
        spec: ArraySpec, shape: Vec3Int, extra_shape: Mapping[str, int] | None
    ) -> dict[str, Any]:
        return zarr2_metadata(spec, shape, extra_shape)

    @classmethod
    def _create(
        cls,
        path: Location,
        spec: ArraySpec,
        shape: Vec3Int,
        extra_shape: Mapping[str, int] | None = None,
    ) -> None:
        attributes = zarr2_attributes(spec)
        if attributes is not None:  # before .zarray: a visible array always has its axes
            kvstore = ts.KvStore.open(kvstore_spec(path), context=tensorstore_context()).result()
            kvstore.write(".zattrs", json.dumps(attributes).encode()).result()
        super()._create(path, spec, shape, extra_shape)


def guess_can_open(path: Location) -> DataFormat | None:
    """The Zarr format of the array at ``path`` (from ``zarr.json`` / ``.zarray``), if any."""
    if (path / ".zarray").is_file():
        return DataFormat.ZARR
    metadata = path / "zarr.json"
    if metadata.is_file():
        try:
            node_type = json.loads(metadata.read_bytes()).get("node_type")
        except (ValueError, AttributeError):
            return None
        return DataFormat.ZARR3 if node_type == "array" else None
    return None
