"""Older spellings of ``layer.attachments`` methods, kept for users' scripts.

``add_mesh``, ``add_agglomerate``, ``add_connectome``, ``set_segment_index``,
``set_cumsum``, ``add_attachments`` and ``add_copy_attachments`` warn
(``DeprecationWarning``) and do what :meth:`add_attachment_as_ref` /
:meth:`add_attachment_as_copy` do; ``add_symlink_attachments`` links the files
into the layer folder first. :meth:`detect_legacy_attachments` registers the
HDF5 files that older datasets kept in the layer folder without listing them.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from wkdist.dataset.attachment_types import (
    AgglomerateAttachment,
    Attachment,
    ConnectomeAttachment,
    CumsumAttachment,
    MeshAttachment,
    SegmentIndexAttachment,
    is_url,
    stored_file_name,
)
from wkdist.location import require_local
from wkdist.properties.attachments import AttachmentDataFormat, AttachmentsProperties

if TYPE_CHECKING:
    from collections.abc import Callable

    from wkdist.dataset.layer import Layer

__all__ = ["LegacyAttachmentMethods"]

_A = type[Attachment]


class _Attachments(Protocol):
    _layer: Layer

    def add_attachment_as_ref(
        self, attachment: Attachment, *, new_name: str | None = None
    ) -> Attachment: ...

    def add_attachment_as_copy(self, attachment: Attachment) -> Attachment: ...


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"`{old}` is deprecated; use `{new}` instead.", DeprecationWarning, stacklevel=3)


def _add_as_ref(
    attachments: _Attachments,
    kind: _A,
    path: str | os.PathLike[str],
    name: str,
    data_format: AttachmentDataFormat | str,
) -> Attachment:
    root = require_local(attachments._layer.dataset.path, "attachments")
    attachment = kind.from_path_and_name(path, name, data_format=data_format, dataset_path=root)
    return attachments.add_attachment_as_ref(attachment)


def _deprecated_adder(old: str, kind: _A) -> Callable[..., Attachment]:
    """The deprecated method ``old``: add an attachment of ``kind`` by reference."""
    replacement = f"{kind.__name__}.from_path_and_name and add_attachment_as_ref"

    def add(
        self: _Attachments,
        path: str | os.PathLike[str],
        *,
        name: str,
        data_format: AttachmentDataFormat | str,
    ) -> Attachment:
        _deprecated(old, replacement)
        return _add_as_ref(self, kind, path, name, data_format)

    add.__name__ = add.__qualname__ = old
    add.__doc__ = f"Deprecated: use {replacement}."
    return add


class LegacyAttachmentMethods:
    """The deprecated methods of :class:`~wkdist.dataset.attachments.Attachments`."""

    add_mesh = _deprecated_adder("add_mesh", MeshAttachment)
    add_agglomerate = _deprecated_adder("add_agglomerate", AgglomerateAttachment)
    add_connectome = _deprecated_adder("add_connectome", ConnectomeAttachment)
    set_segment_index = _deprecated_adder("set_segment_index", SegmentIndexAttachment)
    set_cumsum = _deprecated_adder("set_cumsum", CumsumAttachment)

    def add_attachments(self: _Attachments, *other: Attachment) -> list[Attachment]:
        """Deprecated: :meth:`add_attachment_as_ref` for each."""
        _deprecated("add_attachments", "add_attachment_as_ref")
        return [self.add_attachment_as_ref(attachment) for attachment in other]

    def add_copy_attachments(self: _Attachments, *other: Attachment) -> list[Attachment]:
        """Deprecated: :meth:`add_attachment_as_copy` for each."""
        _deprecated("add_copy_attachments", "add_attachment_as_copy")
        return [self.add_attachment_as_copy(attachment) for attachment in other]

    def add_symlink_attachments(
        self: _Attachments, *other: Attachment, make_relative: bool = False
    ) -> list[Attachment]:
        """Deprecated: link each local attachment into ``<layer>/<container>/<name>``
        (relative links with ``make_relative``) and add it by reference."""
        _deprecated("add_symlink_attachments", "add_attachment_as_ref")
        layer_path = require_local(self._layer.path, "add_symlink_attachments").resolve()
        added = []
        for attachment in other:
            if not is_url(str(attachment.path)):
                target = Path(attachment.path).resolve()
                folder = AttachmentsProperties().folder_name(attachment.container_name)
                link = (
                    layer_path / folder / stored_file_name(attachment.name, attachment.data_format)
                )
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(os.path.relpath(target, link.parent) if make_relative else target)
            added.append(self.add_attachment_as_ref(attachment))
        return added

    def detect_legacy_attachments(self: _Attachments) -> None:
        """Add the attachments older datasets kept in the layer folder without listing
        them: ``<container>/*.hdf5`` files and ``agglomerates/cumsum.json``."""
        root = require_local(self._layer.path, "detect_legacy_attachments").resolve()
        kinds: list[_A] = [
            MeshAttachment,
            AgglomerateAttachment,
            ConnectomeAttachment,
            SegmentIndexAttachment,
        ]
        for kind in kinds:
            folder = root / AttachmentsProperties().folder_name(kind.container_name)
            for path in sorted(folder.glob("*.hdf5")):
                _add_as_ref(self, kind, path, path.stem, AttachmentDataFormat.HDF5)
        cumsum = root / "agglomerates" / "cumsum.json"
        if cumsum.exists():
            _add_as_ref(self, CumsumAttachment, cumsum, "cumsum", AttachmentDataFormat.JSON)
