"""Attachments of a segmentation layer: meshes, agglomerates, segment index, ...

``layer.attachments`` lists them and adds them as references (the files stay
where they are) or as copies (into ``<layer>/<container>/<name>``). Copies of a
layer (``add_layer_as_copy``, ``copy_dataset``) take the attachments along
(:func:`copy_attachments`). The attachment types are in
:mod:`wkdist.dataset.attachment_types`.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wkdist.dataset.agglomerate_graphs import AgglomerateGraph
from wkdist.dataset.attachment_types import (
    ATTACHMENT_CLASSES,
    AgglomerateAttachment,
    Attachment,
    ConnectomeAttachment,
    CumsumAttachment,
    MeshAttachment,
    SegmentIndexAttachment,
    SegmentStatisticsAttachment,
    is_url,
    stored_file_name,
)
from wkdist.dataset.attachments_legacy import LegacyAttachmentMethods
from wkdist.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from wkdist.location import require_local
from wkdist.properties.attachments import (
    LIST_CONTAINERS,
    AttachmentProperties,
    AttachmentsProperties,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from wkdist.dataset.layer import Layer


class DuplicateAttachmentError(AlreadyExistsError, InvalidArgumentError):
    """An attachment of that name exists already in the container (also a
    ``ValueError``, as the reference raises)."""

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
    "copy_attachments",
]


def _with(stored: AttachmentsProperties, container: str, value: object) -> AttachmentsProperties:
    changes: dict[str, Any] = {container: value}
    return dataclasses.replace(stored, **changes)


class Attachments(LegacyAttachmentMethods):
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
        if not is_url(entry.path):
            path = Path(os.path.abspath(self._root() / entry.path))
        return ATTACHMENT_CLASSES[container](entry, path)

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
        for container in ATTACHMENT_CLASSES:
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
                raise DuplicateAttachmentError(
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
        folder = AttachmentsProperties().folder_name(attachment.container_name)
        name = stored_file_name(attachment.name, attachment.data_format)
        target = self._root() / self._layer.name / folder / name
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
    """Give ``target`` the attachments of ``source``: local files (inside the source
    dataset or not) are copied into ``target``'s layer folder, as the reference's
    copies do; attachments in object storage or on the web are added as references."""
    target_attachments = Attachments(target)
    target._update(attachments=None)
    for attachment in Attachments(source):
        if isinstance(attachment.path, str):  # a URL
            target_attachments.add_attachment_as_ref(attachment)
        else:
            target_attachments.add_attachment_as_copy(attachment)
