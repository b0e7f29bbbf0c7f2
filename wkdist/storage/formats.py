"""Picking the storage implementation for a format or for files found on disk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wkdist.errors import InvalidArgumentError
from wkdist.location import as_location
from wkdist.storage import wkw_, zarr_
from wkdist.storage.base import DataFormat

if TYPE_CHECKING:
    from collections.abc import Mapping

    from wkdist.geometry import Vec3IntLike
    from wkdist.location import LocationLike
    from wkdist.storage.base import ArraySpec, StorageArray

_ARRAY_CLASSES: dict[DataFormat, type[StorageArray]] = {
    DataFormat.WKW: wkw_.WkwArray,
    DataFormat.ZARR: zarr_.ZarrArray,
    DataFormat.ZARR3: zarr_.Zarr3Array,
}

SUPPORTED_FORMATS = tuple(_ARRAY_CLASSES)
"""The formats wkdist opens and writes (``DataFormat`` also names N5 and Neuroglancer)."""


def array_class(data_format: DataFormat | str) -> type[StorageArray]:
    """The :class:`StorageArray` implementation of ``data_format``.

    Raises
    ------
    InvalidArgumentError
        If the format is unknown or cannot be opened by wkdist.
    """
    try:
        return _ARRAY_CLASSES[DataFormat(data_format)]
    except (ValueError, KeyError):
        raise InvalidArgumentError(
            f"data_format={data_format!r} is not supported; expected one of "
            f"{[f.value for f in SUPPORTED_FORMATS]}"
        ) from None


def create_array(
    path: LocationLike,
    spec: ArraySpec,
    shape: Vec3IntLike,
    extra_shape: Mapping[str, int] | None = None,
) -> StorageArray:
    """Create an empty array of ``spec.data_format`` at ``path`` (see :meth:`StorageArray.create`)."""
    return array_class(spec.data_format).create(as_location(path), spec, shape, extra_shape)


def open_array(path: LocationLike, data_format: DataFormat | str) -> StorageArray:
    """Open the array at ``path`` (cached per process while its metadata is unchanged).

    Raises
    ------
    FileNotFoundError
        If there is no array of that format at ``path``.
    """
    return array_class(data_format).open(as_location(path))


def detect_data_format(path: LocationLike) -> DataFormat | None:
    """The format of the array at ``path`` from its metadata file, or ``None``.

    ``header.wkw`` means WKW, ``.zarray`` Zarr v2, ``zarr.json`` with
    ``node_type: array`` Zarr v3.
    """
    path = as_location(path)
    if wkw_.guess_can_open(path):
        return DataFormat.WKW
    return zarr_.guess_can_open(path)
