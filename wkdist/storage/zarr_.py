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
from wkdist.storage.base import DataFormat, StorageArray, read_metadata
from wkdist.storage.zarr_meta import (
    ZarrLayout,
    round_up,
    zarr2_layout,
    zarr2_metadata,
    zarr3_layout,
    zarr3_metadata,
)

if TYPE_CHECKING:
    from typing import Self

    import zarr

    from wkdist.geometry import Vec3IntLike
    from wkdist.storage.base import ArraySpec


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
    ) -> None:
        super().__init__(path, layout.spec, metadata)
        self._layout = layout
        # (metadata bytes, (c, x, y, z) view): replaced as a whole, so threads
        # never see a torn state.
        self._state = (metadata, store)

    # ------------------------------------------------------------ metadata
    @staticmethod
    @abstractmethod
    def _layout_of(metadata: dict[str, Any], path: str) -> ZarrLayout:
        """The layout described by a metadata document."""

    @staticmethod
    @abstractmethod
    def _metadata_for(spec: ArraySpec, shape: Vec3Int) -> dict[str, Any]:
        """The metadata document of a new array."""

    @classmethod
    def _create(cls, path: Location, spec: ArraySpec, shape: Vec3Int) -> None:
        ts.open(
            {
                "driver": cls._driver,
                "kvstore": kvstore_spec(path),
                "metadata": cls._metadata_for(spec, shape),
            },
            create=True,
            context=tensorstore_context(),
        ).result()

    @classmethod
    def _load(cls, path: Location, metadata: bytes) -> tuple[ZarrLayout, ts.TensorStore]:
        layout = cls._layout_of(json.loads(metadata), str(path))
        store = ts.open(
            {"driver": cls._driver, "kvstore": kvstore_spec(path)},
            open=True,
            context=tensorstore_context(),
        ).result()
        c, x, y, z = layout.axis_positions
        order = [x, y, z] if c is None else [c, x, y, z]
        if order != list(range(len(order))):
            store = store[ts.d[order].transpose[:]]
        if c is None:
            store = store[ts.newaxis]
        return layout, store

    @classmethod
    def _open(cls, path: Location, metadata: bytes) -> Self:
        layout, store = cls._load(path, metadata)
        return cls(path, layout, metadata, store)

    def _store(self) -> ts.TensorStore:
        """The ``(c, x, y, z)`` tensorstore view, reopened if the metadata file changed."""
        metadata, store = self._state
        current = read_metadata(self.path / self.metadata_file_name)
        if metadata == current:
            return store
        layout, store = self._load(self.path, current)
        self._layout, self.spec, self._metadata = layout, layout.spec, current
        self._state = (current, store)
        return store

    # --------------------------------------------------------------- shape
    @property
    def shape(self) -> Vec3Int:
        """Current extent along x, y, z in the array's voxels (from the metadata on disk)."""
        return Vec3Int(self._store().domain.exclusive_max[1:])

    def resize(self, shape: Vec3IntLike) -> None:
        """Set the extent (metadata only), rounded up to whole shards (Zarr v3) or chunks (v2).

        Raises
        ------
        InvalidArgumentError
            If ``shape`` is negative.
        """
        extent = Vec3Int(shape)
        if not extent.is_positive():
            raise InvalidArgumentError(f"shape must not be negative; got {tuple(extent)}")
        target = round_up(extent, self.spec.shard_shape)
        store = self._store()
        if Vec3Int(store.domain.exclusive_max[1:]) == target:
            return
        _, x, y, z = self._layout.axis_positions
        native = ts.open(
            {"driver": self._driver, "kvstore": kvstore_spec(self.path)},
            open=True,
            context=tensorstore_context(),
        ).result()
        exclusive_max: list[int | None] = [None] * native.rank
        for position, value in zip((x, y, z), target, strict=True):
            exclusive_max[position] = value
        native.resize(exclusive_max=exclusive_max, resize_metadata_only=True).result()
        self._store()  # this instance (and the per-process cache) now sees the new shape

    # ----------------------------------------------------------------- I/O
    def _read(self, box: BoundingBox, order: Literal["F", "C"]) -> np.ndarray:
        # The handle as last opened: open() has just compared the metadata file,
        # and tasks opened with open_as_of() must not read it at all.
        store = self._state[1]
        inner = box.intersected_with(
            BoundingBox(Vec3Int.zeros(), Vec3Int(store.domain.exclusive_max[1:])),
            dont_assert=True,
        )
        if inner == box:
            return store[(slice(None), *box.to_slices())].read(order=order).result()
        out = np.zeros((self.spec.num_channels, *box.size), dtype=self.spec.dtype, order=order)
        if not inner.is_empty():
            data = store[(slice(None), *inner.to_slices())].read(order=order).result()
            out[(slice(None), *inner.offset(-box.topleft).to_slices())] = data
        return out

    def _write(self, box: BoundingBox, data: np.ndarray) -> None:
        store = self._store()
        shape = Vec3Int(store.domain.exclusive_max[1:])
        if not all(b <= s for b, s in zip(box.bottomright, shape, strict=True)):
            raise InvalidArgumentError(
                f"cannot write {box} (voxels) to the {self.data_format.value} array at "
                f"{self.path}: it ends at {tuple(box.bottomright)}, beyond the array's shape "
                f"{tuple(shape)}; resize the array first (resize({tuple(box.bottomright)}) "
                "or set the layer's bounding box)"
            )
        store[(slice(None), *box.to_slices())].write(data).result()

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

    def tensorstore_array(self) -> ts.TensorStore:
        """An open read-write ``tensorstore.TensorStore`` on this array, ``(c, x, y, z)``."""
        return self._store()

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
    def _metadata_for(spec: ArraySpec, shape: Vec3Int) -> dict[str, Any]:
        return zarr3_metadata(spec, shape)


class ZarrArray(_TensorStoreArray):
    """A Zarr v2 array (no shards: every chunk is a file)."""

    data_format: ClassVar[DataFormat] = DataFormat.ZARR
    has_shards: ClassVar[bool] = False
    metadata_file_name: ClassVar[str] = ".zarray"
    _driver: ClassVar[str] = "zarr"

    @staticmethod
    def _layout_of(metadata: dict[str, Any], path: str) -> ZarrLayout:
        return zarr2_layout(metadata, path)

    @staticmethod
    def _metadata_for(spec: ArraySpec, shape: Vec3Int) -> dict[str, Any]:
        return zarr2_metadata(spec, shape)


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
