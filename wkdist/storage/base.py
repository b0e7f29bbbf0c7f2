"""The storage interface: one on-disk array of one mag, in that mag's own voxels.

A :class:`StorageArray` knows boxes and bytes, never layer names, properties or
mags. Arrays exchanged with it are ``(C, X, Y, Z)`` numpy arrays of the
per-channel dtype. Each format has one implementation (``wkw_.py``,
``zarr_.py``); ``formats.py`` picks the right one. The layout values
(:class:`DataFormat`, :class:`ArraySpec`) live in ``spec.py``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.location import (
    Location,
    LocationLike,
    RemotePath,
    as_location,
    location_key,
    require_writable,
)
from wkdist.storage.mosaic import BlockMosaic, Voxels
from wkdist.storage.spec import METADATA_FILE_NAMES, ArraySpec, DataFormat, is_power_of_two

__all__ = [
    "METADATA_FILE_NAMES",
    "ArraySpec",
    "DataFormat",
    "StorageArray",
    "is_power_of_two",
    "read_metadata",
]

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Self

    import zarr

    from wkdist.geometry import NDBoundingBox, Vec3IntLike


def read_metadata(path: Location) -> bytes:
    """The bytes of a metadata file.

    An open array compares them with the bytes it was opened from to notice
    that another process resized (or replaced) it; comparing content rather
    than inode and mtime stays exact when a file is deleted and recreated
    within the file system's timestamp resolution.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    """
    if isinstance(path, RemotePath):
        return path.read_bytes()
    with open(path, "rb") as file:
        return file.read()


class StorageArray(ABC):
    """One on-disk array (one mag); coordinates are the array's own voxels.

    Instances are cheap to reopen: :meth:`open` returns a cached instance per
    process while the metadata file is unchanged. They pickle as their class
    and path, and compare equal by class and path.
    """

    data_format: ClassVar[DataFormat]
    has_shards: ClassVar[bool]
    can_list_written_shards: ClassVar[bool] = True
    metadata_file_name: ClassVar[str]

    _open_cache: ClassVar[dict[tuple[type[StorageArray], str], StorageArray]] = {}

    path: Location
    spec: ArraySpec

    def __init__(self, path: Location, spec: ArraySpec, metadata: bytes) -> None:
        self.path = path
        self.spec = spec
        self._metadata = metadata

    # ------------------------------------------------------------- life cycle
    @classmethod
    def create(
        cls,
        path: LocationLike,
        spec: ArraySpec,
        shape: Vec3IntLike,
        extra_shape: Mapping[str, int] | None = None,
    ) -> Self:
        """Create an empty array at ``path`` and return it opened.

        Parameters
        ----------
        path
            Directory of the array (created with its parents), or an
            object-storage prefix (see :func:`~wkdist.location.as_location`).
        spec
            Layout; ``spec.data_format`` must be this class's format.
        shape
            Extent along x, y, z in the array's voxels. Zarr v3 rounds it up to
            whole shards, Zarr v2 to whole chunks; WKW ignores it (unbounded).
        extra_shape
            Extent along the other axes of ``spec.axes`` (default 1 each; Zarr only).

        Raises
        ------
        FileExistsError
            If an array (of any format) or a Zarr group exists at ``path`` already.
        InvalidArgumentError
            If the spec is of another format or not creatable, or the shape is negative.
        """
        path = as_location(path)
        require_writable(path, f"create a {cls.data_format.value} array")
        if spec.data_format != cls.data_format:
            raise InvalidArgumentError(
                f"spec.data_format={spec.data_format.value!r} does not match "
                f"{cls.__name__} ({cls.data_format.value!r})"
            )
        spec.check_creatable()
        extent = Vec3Int(shape)
        if not extent.is_positive():
            raise InvalidArgumentError(f"shape must not be negative; got {tuple(extent)}")
        for name in METADATA_FILE_NAMES:
            if (path / name).exists():
                raise FileExistsError(
                    f"cannot create a {cls.data_format.value} array at {path}: "
                    f"{name} exists already"
                )
        cls._create(path, spec, extent, extra_shape)
        return cls.open(path)

    @classmethod
    def open(cls, path: LocationLike) -> Self:
        """Open the array at ``path`` (a cached instance while its metadata is unchanged).

        Raises
        ------
        FileNotFoundError
            If there is no array of this format at ``path``.
        """
        path = as_location(path)
        metadata = path / cls.metadata_file_name
        try:
            content = read_metadata(metadata)
        except FileNotFoundError:
            raise FileNotFoundError(
                f"no {cls.data_format.value} array at {path}: {metadata} does not exist"
            ) from None
        key = (cls, location_key(path))
        cached = cls._open_cache.get(key)
        if cached is not None and cached._metadata == content:
            return cached  # type: ignore[return-value]
        array = cls._open(path, content)
        cls._open_cache[key] = array
        return array

    @classmethod
    def open_as_of(cls, path: LocationLike, metadata: bytes) -> Self:
        """Open the array at ``path`` as described by ``metadata`` (the bytes of its
        metadata file when the caller looked), without reading the metadata file.

        For tasks that carry the metadata with them (lazy dask arrays): each task
        opens its array without touching the metadata file, and all tasks see the
        array as it was when the graph was made. The instance is cached per process.
        """
        path = as_location(path)
        key = (cls, location_key(path))
        cached = cls._open_cache.get(key)
        if cached is not None and cached._metadata == metadata:
            return cached  # type: ignore[return-value]
        array = cls._open(path, metadata)
        cls._open_cache[key] = array
        return array

    @property
    def metadata(self) -> bytes:
        """The bytes of the metadata file this instance was opened from."""
        return self._metadata

    @classmethod
    @abstractmethod
    def _create(
        cls,
        path: Location,
        spec: ArraySpec,
        shape: Vec3Int,
        extra_shape: Mapping[str, int] | None = None,
    ) -> None:
        """Write the metadata of a new, empty array."""

    @classmethod
    @abstractmethod
    def _open(cls, path: Location, metadata: bytes) -> Self:
        """Build an instance from the bytes of the metadata file."""

    # ------------------------------------------------------------------ shape
    @property
    @abstractmethod
    def shape(self) -> Vec3Int | None:
        """Current on-disk extent along x, y, z (``None``: unbounded, WKW)."""

    @abstractmethod
    def resize(self, shape: Vec3IntLike, extra_shape: Mapping[str, int] | None = None) -> None:
        """Set the extent along x, y, z (metadata only; grow or shrink), and along
        the other axes of ``spec.axes`` named in ``extra_shape``.

        Zarr formats round up as :meth:`create` does; WKW ignores it.
        """

    def with_axes(self, axes: tuple[str, ...]) -> StorageArray:
        """This array with the stored axes ``axes``: itself if it has them; Zarr arrays
        whose metadata names no axes take them (see the Zarr implementation).

        Raises
        ------
        InvalidArgumentError
            If the array has other axes.
        """
        if axes != self.spec.axes:
            raise InvalidArgumentError(
                f"the array at {self.path} has the axes {self.spec.axes}; expected {axes}"
            )
        return self

    @property
    def nd_shape(self) -> tuple[int, ...]:
        """The extent along every stored axis (``spec.axes``); Zarr formats only."""
        raise NotImplementedError(f"{self.path} is {self.data_format.value}: no n-d shape")

    def read_nd(self, box: NDBoundingBox) -> np.ndarray:
        """Read ``box`` (array voxels, axes ``spec.axes``) in stored axis order (Zarr only)."""
        raise NotImplementedError(f"{self.path} is {self.data_format.value}: no n-d reads")

    def write_nd(self, box: NDBoundingBox, data: np.ndarray) -> None:
        """Write stored-order ``data`` to ``box`` (array voxels, axes ``spec.axes``; Zarr only)."""
        raise NotImplementedError(f"{self.path} is {self.data_format.value}: no n-d writes")

    # -------------------------------------------------------------------- I/O
    def read(self, box: BoundingBox, *, order: Literal["F", "C"] = "F") -> np.ndarray:
        """Read ``box`` (in the array's voxels) as a ``(C, X, Y, Z)`` array of ``spec.dtype``.

        Voxels outside the array's shape or never written read as zeros.
        ``order`` is the memory layout of the result: ``"F"`` (x fastest, as
        stored, no copy) or ``"C"`` (a transposing copy; Zarr transposes inside
        tensorstore, which is faster than numpy's copy). The shape is the one
        this instance last saw (:meth:`open` rereads it; so do :attr:`shape`
        and :meth:`write` of Zarr arrays).
        """
        if box.is_empty():
            return np.zeros((self.spec.num_channels, *box.size), self.spec.dtype, order=order)
        return self._read(box, order)

    def write(self, offset: Vec3IntLike, data: Voxels) -> None:
        """Write ``data`` (``(C, X, Y, Z)`` of ``spec.dtype``) with its first voxel at ``offset``.

        ``data`` may be a :class:`~wkdist.storage.mosaic.BlockMosaic`: its blocks
        are written as they are, never assembled into one array of the box.

        Boxes that do not cover whole shards are handled (read-modify-write
        where the format needs it); whole shards are replaced atomically.

        Raises
        ------
        InvalidArgumentError
            If ``data`` has the wrong rank, channel count or dtype, ``offset``
            is negative, or (Zarr) the box reaches beyond :attr:`shape`.
        """
        spec = self.spec
        if not isinstance(data, np.ndarray | BlockMosaic) or data.ndim != 4:
            raise InvalidArgumentError(
                "data must be a 4-D numpy array or BlockMosaic (C, X, Y, Z); got "
                f"{type(data).__name__} of shape {getattr(data, 'shape', None)}"
            )
        if data.shape[0] != spec.num_channels:
            raise InvalidArgumentError(
                f"data has {data.shape[0]} channels (shape {data.shape}); "
                f"the array at {self.path} has {spec.num_channels}"
            )
        if data.dtype != spec.dtype:
            raise InvalidArgumentError(
                f"data has dtype {data.dtype}; the array at {self.path} holds {spec.dtype}"
            )
        box = BoundingBox(Vec3Int(offset), data.shape[1:])
        if not box.topleft.is_positive():
            raise InvalidArgumentError(f"offset must not be negative; got {tuple(box.topleft)}")
        if box.is_empty():
            return
        self._write(box, data)

    @abstractmethod
    def _read(self, box: BoundingBox, order: Literal["F", "C"]) -> np.ndarray: ...

    @abstractmethod
    def _write(self, box: BoundingBox, data: Voxels) -> None: ...

    # ---------------------------------------------------------------- listing
    @abstractmethod
    def list_written_shards(self) -> list[BoundingBox]:
        """One unclipped box per shard file present (own voxels), from the listing only."""

    @abstractmethod
    def shard_file(self, index: Vec3IntLike) -> Location:
        """The file that stores the shard with grid index ``index`` (it may not exist)."""

    def shard_box(self, index: Vec3IntLike) -> BoundingBox:
        """The box of the shard with grid index ``index``, in the array's voxels."""
        shard = self.spec.shard_shape
        return BoundingBox(Vec3Int(index) * shard, shard)

    def tensorstore_array(self, *, stored_order: bool = False) -> Any:  # noqa: ANN401 - tensorstore is untyped here
        """A ``tensorstore.TensorStore`` on this array, ``(c, x, y, z)`` or in the stored
        axis order (Zarr formats only)."""
        raise NotImplementedError(
            f"tensorstore_array() needs a Zarr array; {self.path} is {self.data_format.value}"
        )

    def zarr_array(self) -> zarr.Array[Any]:
        """A ``zarr.Array`` handle on this array (Zarr formats only)."""
        raise NotImplementedError(
            f"zarr_array() needs a Zarr array; {self.path} is {self.data_format.value}"
        )

    # ---------------------------------------------------------- value protocol
    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self).open, (self.path,))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StorageArray):
            return NotImplemented
        return type(self) is type(other) and location_key(self.path) == location_key(other.path)

    def __hash__(self) -> int:
        return hash((type(self), location_key(self.path)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}, {self.spec})"
