"""Attachments of a segmentation layer: meshes, agglomerates, segment index, ...

``layer.attachments`` lists them and adds them as references (the files stay
where they are) or as copies (into ``<layer>/<container>/<name>``). Copies of a
layer (``add_layer_as_copy``, ``copy_dataset``) take the attachments along
(:func:`copy_attachments`).
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

from wkdist.dataset.agglomerate_graphs import (
    SEGMENTATION_DTYPES,
    AgglomerateGraph,
    read_agglomerate_view,
    write_agglomerate_view,
)
from wkdist.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from wkdist.location import LocationLike, as_location, require_local
from wkdist.properties.attachments import (
    LIST_CONTAINERS,
    AttachmentDataFormat,
    AttachmentProperties,
    AttachmentsProperties,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from numpy.typing import DTypeLike

    from wkdist.dataset.layer import Layer, SegmentationLayer

__all__ = [
    "AgglomerateAttachment",
    "AgglomerateGraph",
    "Attachment",
    "Attachments",
    "ConnectomeAttachment",
    "CumsumAttachment",
    "MeshAttachment",
    "SegmentIndexAttachment",
    "SegmentStatisticsAttachment",
]

_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")


def _is_url(path: str) -> bool:
    return "://" in path


def _stored_path(path: str | os.PathLike[str], dataset_path: Path | None) -> str:
    """``./relative`` inside the dataset, else the absolute path (URLs unchanged)."""
    text = os.fspath(path)
    if _is_url(text):
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
        text = os.fspath(path)
        if _is_url(text):
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


_CLASSES: dict[str, type[Attachment]] = {
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


def _with(stored: AttachmentsProperties, container: str, value: object) -> AttachmentsProperties:
    changes: dict[str, Any] = {container: value}
    return dataclasses.replace(stored, **changes)


class Attachments:
    """The attachments of one segmentation layer (``layer.attachments``)."""

    def __init__(self, layer: Layer) -> None:
        self._layer = layer

    def _root(self) -> Path:
        return require_local(self._layer.dataset.path, "attachments")

    def _stored(self) -> AttachmentsProperties:
        return AttachmentsProperties.from_json(self._layer._properties.attachments)

    def _save(self, stored: AttachmentsProperties) -> None:
        self._layer._update(attachments=stored.to_json())

    def _attachment(self, container: str, entry: AttachmentProperties) -> Attachment:
        path: Path | str = entry.path
        if not _is_url(entry.path):
            path = Path(os.path.abspath(self._root() / entry.path))
        return _CLASSES[container](entry, path)

    def _many(self, container: str) -> tuple[Attachment, ...]:
        entries = getattr(self._stored(), container) or ()
        return tuple(self._attachment(container, e) for e in entries)

    def _one(self, container: str) -> Attachment | None:
        entry = getattr(self._stored(), container)
        return None if entry is None else self._attachment(container, entry)

    @property
    def meshes(self) -> tuple[MeshAttachment, ...]:
        """The mesh files."""
        return self._many("meshes")  # type: ignore[return-value]

    @property
    def agglomerates(self) -> tuple[AgglomerateAttachment, ...]:
        """The agglomerate mappings."""
        return self._many("agglomerates")  # type: ignore[return-value]

    @property
    def connectomes(self) -> tuple[ConnectomeAttachment, ...]:
        """The connectomes."""
        return self._many("connectomes")  # type: ignore[return-value]

    @property
    def segment_index(self) -> SegmentIndexAttachment | None:
        """The segment index, if any."""
        return self._one("segment_index")  # type: ignore[return-value]

    @property
    def segment_statistics(self) -> SegmentStatisticsAttachment | None:
        """The segment statistics, if any."""
        return self._one("segment_statistics")  # type: ignore[return-value]

    @property
    def cumsum(self) -> CumsumAttachment | None:
        """The cumsum file, if any."""
        return self._one("cumsum")  # type: ignore[return-value]

    def __iter__(self) -> Iterator[Attachment]:
        for container in _CLASSES:
            if container in LIST_CONTAINERS:
                yield from self._many(container)
            elif (one := self._one(container)) is not None:
                yield one

    def is_empty(self) -> bool:
        """Whether the layer has no attachments."""
        return next(iter(self), None) is None

    def _add(self, attachment: Attachment) -> None:
        stored = self._stored()
        container = attachment.container_name
        if container in LIST_CONTAINERS:
            existing = getattr(stored, container) or ()
            if any(e.name == attachment.name for e in existing):
                raise AlreadyExistsError(
                    f"an attachment named {attachment.name!r} already exists in {container}"
                )
            stored = _with(stored, container, (*existing, attachment._properties))
        else:
            stored = _with(stored, container, attachment._properties)
        self._save(stored)

    def add_attachment_as_ref(
        self, attachment: Attachment, *, new_name: str | None = None
    ) -> Attachment:
        """Record ``attachment`` in the layer; its files stay where they are."""
        added = type(attachment).from_path_and_name(
            attachment.path,
            attachment.name if new_name is None else new_name,
            data_format=attachment.data_format,
            dataset_path=self._root(),
        )
        self._add(added)
        return added

    def add_attachment_as_copy(self, attachment: Attachment) -> Attachment:
        """Copy ``attachment``'s files to ``<layer>/<container>/<name>`` and record them."""
        source = attachment.path
        if isinstance(source, str):
            raise InvalidArgumentError(
                f"cannot copy {attachment!r}: only local attachments can be copied; "
                "add it with add_attachment_as_ref"
            )
        suffix = (
            ""
            if attachment.data_format in (_F.Zarr3, _F.NeuroglancerPrecomputed)
            else f".{attachment.data_format.value.lower()}"
        )
        folder = AttachmentsProperties().folder_name(attachment.container_name)
        target = self._root() / self._layer.name / folder / f"{attachment.name}{suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
        added = type(attachment).from_path_and_name(
            target,
            attachment.name,
            data_format=attachment.data_format,
            dataset_path=self._root(),
        )
        self._add(added)
        return added

    def delete_attachment(self, attachment: Attachment) -> None:
        """Remove ``attachment`` from the layer's properties (its files stay)."""
        stored = self._stored()
        container = attachment.container_name
        if container in LIST_CONTAINERS:
            kept = tuple(e for e in getattr(stored, container) or () if e.name != attachment.name)
            if len(kept) == len(getattr(stored, container) or ()):
                raise NotFoundError(f"{attachment!r} is not an attachment of {self._layer!r}")
            stored = _with(stored, container, kept or None)
        else:
            stored = _with(stored, container, None)
        self._save(stored)

    def __repr__(self) -> str:
        return f"Attachments({list(self)})"


def copy_attachments(source: Layer, target: Layer) -> None:
    """Give ``target`` the attachments of ``source``: files inside the source dataset
    are copied (into ``target``'s layer folder), others are added as references."""
    target_attachments = Attachments(target)
    target._update(attachments=None)
    for attachment in Attachments(source):
        if attachment._properties.path.startswith("./"):
            target_attachments.add_attachment_as_copy(attachment)
        else:
            target_attachments.add_attachment_as_ref(attachment)
