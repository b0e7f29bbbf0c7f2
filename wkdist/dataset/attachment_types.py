"""The attachment types of segmentation layers: one class per kind of attachment.

An :class:`Attachment` is a file or folder (a local path or a URL) with a name
and a storage format; its subclasses fix the container it is listed in
(``meshes``, ``agglomerates``, ...) and the formats it may have.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Self
from urllib.parse import urlsplit

from wkdist.dataset.agglomerate_graphs import (
    SEGMENTATION_DTYPES,
    AgglomerateGraph,
    read_agglomerate_view,
    write_agglomerate_view,
)
from wkdist.errors import InvalidArgumentError
from wkdist.location import LocationLike, as_location
from wkdist.properties.attachments import AttachmentDataFormat, AttachmentProperties

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from wkdist.dataset.layer import SegmentationLayer

__all__ = [
    "ATTACHMENT_CLASSES",
    "AgglomerateAttachment",
    "Attachment",
    "ConnectomeAttachment",
    "CumsumAttachment",
    "MeshAttachment",
    "SegmentIndexAttachment",
    "SegmentStatisticsAttachment",
    "is_url",
    "path_text",
    "stored_file_name",
]

_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")


def path_text(path: str | os.PathLike[str]) -> str:
    """``path`` as text: local paths as such, URL paths (``universal_pathlib``'s,
    which name their ``protocol``) as URLs; an S3 endpoint becomes the URL's host,
    as the reference stores it (``s3://<endpoint host>/<bucket>/<key>``)."""
    protocol = getattr(path, "protocol", "")
    if not protocol or protocol in ("file", "local"):
        return os.fspath(path)
    text = str(path)
    endpoint = (getattr(path, "storage_options", None) or {}).get("endpoint_url")
    if protocol in ("s3", "s3a") and endpoint:
        text = f"s3://{urlsplit(endpoint).netloc}/{text.split('://', 1)[1]}"
    return text


def is_url(path: str) -> bool:
    return "://" in path


def _stored_path(path: str | os.PathLike[str], dataset_path: Path | None) -> str:
    """``./relative`` inside the dataset, else the absolute path (URLs unchanged)."""
    text = path_text(path)
    if is_url(text):
        return text
    absolute = Path(os.path.abspath(text if dataset_path is None else dataset_path / text))
    if dataset_path is not None:
        root = Path(os.path.abspath(dataset_path))
        if absolute.is_relative_to(root):
            return "./" + absolute.relative_to(root).as_posix()
    return absolute.as_posix()


class Attachment:
    """One attachment file or folder of a segmentation layer.

    Build one with :meth:`from_path_and_name`; ``path`` is where its data is
    (an absolute ``Path`` or a URL string), ``_properties`` its stored entry.
    """

    container_name: ClassVar[str]
    type_name: ClassVar[str]
    data_formats: ClassVar[tuple[AttachmentDataFormat, ...]]

    def __init__(self, properties: AttachmentProperties, path: Path | str) -> None:
        if properties.data_format not in self.data_formats:
            raise InvalidArgumentError(
                f"{properties.data_format} is not a valid data_format for {type(self).__name__}; "
                f"allowed: {[f.value for f in self.data_formats]}"
            )
        if not _NAME.match(properties.name):
            raise InvalidArgumentError(
                f"Name {properties.name!r} is not allowed; it may contain letters, digits, "
                "underscores, hyphens and dots"
            )
        self._properties = properties
        self.name = properties.name
        self.data_format = properties.data_format
        self.path = path

    @classmethod
    def from_path_and_name(
        cls,
        path: str | os.PathLike[str],
        name: str,
        *,
        data_format: AttachmentDataFormat | str,
        dataset_path: str | os.PathLike[str] | None = None,
    ) -> Self:
        """An attachment at ``path`` (relative paths are relative to ``dataset_path``,
        or to the working directory without one)."""
        root = None if dataset_path is None else Path(dataset_path)
        text = path_text(path)
        if is_url(text):
            resolved: Path | str = text
        else:
            resolved = Path(os.path.abspath(text if root is None else root / text))
        stored = _stored_path(resolved, root)
        return cls(AttachmentProperties(name, stored, AttachmentDataFormat(data_format)), resolved)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Attachment):
            return NotImplemented
        return (self.name, str(self.path), self.data_format) == (
            other.name,
            str(other.path),
            other.data_format,
        )

    def __hash__(self) -> int:
        return hash((self.name, str(self.path), self.data_format))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={self.path!r}, name={self.name}, data_format={self.data_format})"


_F = AttachmentDataFormat


class MeshAttachment(Attachment):
    """Precomputed meshes."""

    container_name = "meshes"
    type_name = "mesh"
    data_formats = (_F.Zarr3, _F.HDF5, _F.NeuroglancerPrecomputed)


class AgglomerateAttachment(Attachment):
    """An agglomerate mapping (segment -> agglomerate, with its graph)."""

    container_name = "agglomerates"
    type_name = "agglomerate"
    data_formats = (_F.Zarr3, _F.HDF5)

    @classmethod
    def create(
        cls,
        path: LocationLike,
        graph: AgglomerateGraph,
        *,
        segmentation_dtype: DTypeLike = "uint32",
    ) -> Self:
        """Write ``graph`` as a Zarr v3 agglomerate view at ``path`` (named after its last
        component); ``segmentation_dtype`` is the segmentation layer's (uint32 or uint64).

        Raises
        ------
        InvalidArgumentError
            If segment ids are not dense positive integers or the dtype is not allowed.
        """
        location = as_location(path)
        write_agglomerate_view(location, graph, segmentation_dtype)
        return cls.from_path_and_name(str(location), location.name, data_format=_F.Zarr3)

    @classmethod
    def create_and_add_to(
        cls, layer: SegmentationLayer, name: str, graph: AgglomerateGraph
    ) -> Self:
        """Write ``graph`` into ``<layer>/agglomerates/<name>`` and record it in the layer.

        Raises
        ------
        InvalidArgumentError
            If the layer's dtype is not uint32 or uint64.
        FileExistsError
            If that folder exists already.
        """
        if layer.dtype not in SEGMENTATION_DTYPES:
            raise InvalidArgumentError(
                f"agglomerates need a uint32 or uint64 segmentation layer; {layer.name!r} "
                f"has dtype {layer.dtype}"
            )
        path = layer.resolved_path / cls.container_name / name
        if path.exists():
            raise FileExistsError(f"an agglomerate attachment exists already at {path}")
        attachment = cls.create(path, graph, segmentation_dtype=layer.dtype)
        layer.attachments.add_attachment_as_ref(attachment)
        return attachment

    def to_graph(self) -> AgglomerateGraph:
        """The graph of this (Zarr v3) agglomerate view.

        Raises
        ------
        NotImplementedError
            For HDF5 agglomerate files.
        """
        if self.data_format != _F.Zarr3:
            raise NotImplementedError(
                f"to_graph() reads Zarr v3 agglomerate views; {self.name!r} is {self.data_format}"
            )
        return read_agglomerate_view(self.path)


class SegmentIndexAttachment(Attachment):
    """Which buckets hold each segment."""

    container_name = "segment_index"
    type_name = "segmentIndex"
    data_formats = (_F.Zarr3, _F.HDF5)


class SegmentStatisticsAttachment(Attachment):
    """Per-segment statistics."""

    container_name = "segment_statistics"
    type_name = "segmentStatistics"
    data_formats = (_F.Zarr3,)


class CumsumAttachment(Attachment):
    """Cumulative segment counts."""

    container_name = "cumsum"
    type_name = "cumsum"
    data_formats = (_F.Zarr3, _F.JSON)


class ConnectomeAttachment(Attachment):
    """A connectome (synapses between agglomerates)."""

    container_name = "connectomes"
    type_name = "connectome"
    data_formats = (_F.Zarr3, _F.HDF5)


ATTACHMENT_CLASSES: dict[str, type[Attachment]] = {
    c.container_name: c
    for c in (
        MeshAttachment,
        AgglomerateAttachment,
        SegmentIndexAttachment,
        SegmentStatisticsAttachment,
        CumsumAttachment,
        ConnectomeAttachment,
    )
}


def stored_file_name(name: str, data_format: AttachmentDataFormat) -> str:
    """The file or folder name of an attachment inside a layer: the name, with the
    format as suffix for single files (``.hdf5``, ``.json``)."""
    if data_format in (_F.Zarr3, _F.NeuroglancerPrecomputed):
        return name
    return f"{name}.{data_format.value.lower()}"
