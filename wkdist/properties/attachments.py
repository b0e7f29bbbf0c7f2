"""Typed view of a segmentation layer's ``attachments`` entry (meshes, agglomerates, ...).

The properties model keeps ``attachments`` as the stored JSON mapping (so unknown
keys survive), wrapped in :class:`StoredAttachments`, which also reads as typed
containers (``.meshes``, ``.segment_index``, ...); :class:`AttachmentsProperties`
reads and writes that mapping.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any

from wkdist.errors import InvalidArgumentError

__all__ = [
    "LIST_CONTAINERS",
    "SINGLE_CONTAINERS",
    "AttachmentDataFormat",
    "AttachmentProperties",
    "AttachmentsProperties",
    "StoredAttachments",
]

#: Containers holding several attachments / at most one, as Python names.
LIST_CONTAINERS = ("meshes", "agglomerates", "connectomes")
SINGLE_CONTAINERS = ("segment_index", "segment_statistics", "cumsum")
_JSON_KEY = {
    "meshes": "meshes",
    "agglomerates": "agglomerates",
    "connectomes": "connectomes",
    "segment_index": "segmentIndex",
    "segment_statistics": "segmentStatistics",
    "cumsum": "cumsum",
}


class AttachmentDataFormat(StrEnum):
    """Storage format of an attachment (``dataFormat`` in the properties)."""

    Zarr3 = "zarr3"
    HDF5 = "hdf5"
    JSON = "json"
    NeuroglancerPrecomputed = "neuroglancerPrecomputed"


@dataclasses.dataclass(frozen=True)
class AttachmentProperties:
    """One attachment: its ``name``, stored ``path`` (``./`` relative to the dataset,
    absolute or a URL) and ``data_format``."""

    name: str
    path: str
    data_format: AttachmentDataFormat

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "data_format", AttachmentDataFormat(self.data_format))
        except ValueError:
            raise InvalidArgumentError(
                f"data_format={self.data_format!r} is invalid; expected one of "
                f"{[f.value for f in AttachmentDataFormat]}"
            ) from None

    def to_json(self) -> dict[str, str]:
        """The stored form."""
        return {"name": self.name, "path": self.path, "dataFormat": self.data_format.value}

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> AttachmentProperties:
        """Read one stored entry."""
        return cls(str(entry["name"]), str(entry["path"]), entry["dataFormat"])


@dataclasses.dataclass(frozen=True)
class AttachmentsProperties:
    """All attachments of a layer; list containers are tuples, ``None`` when empty."""

    meshes: tuple[AttachmentProperties, ...] | None = None
    agglomerates: tuple[AttachmentProperties, ...] | None = None
    connectomes: tuple[AttachmentProperties, ...] | None = None
    segment_index: AttachmentProperties | None = None
    segment_statistics: AttachmentProperties | None = None
    cumsum: AttachmentProperties | None = None

    @classmethod
    def from_json(cls, stored: Mapping[str, Any] | None) -> AttachmentsProperties:
        """Read a layer's stored ``attachments`` (``None`` gives no attachments)."""
        stored = stored or {}
        values: dict[str, Any] = {}
        for name in LIST_CONTAINERS:
            entries = stored.get(_JSON_KEY[name])
            if entries:
                values[name] = tuple(AttachmentProperties.from_json(e) for e in entries)
        for name in SINGLE_CONTAINERS:
            entry = stored.get(_JSON_KEY[name])
            if entry:
                values[name] = AttachmentProperties.from_json(entry)
        return cls(**values)

    def to_json(self) -> dict[str, Any] | None:
        """The stored form; ``None`` when there are no attachments."""
        out: dict[str, Any] = {}
        for name in LIST_CONTAINERS:
            entries = getattr(self, name)
            if entries:
                out[_JSON_KEY[name]] = [e.to_json() for e in entries]
        for name in SINGLE_CONTAINERS:
            entry = getattr(self, name)
            if entry is not None:
                out[_JSON_KEY[name]] = entry.to_json()
        return out or None

    def folder_name(self, container: str) -> str:
        """The folder an attachment of ``container`` is copied into (``segmentIndex``)."""
        return _JSON_KEY[container]


class StoredAttachments(Mapping[str, Any]):
    """A layer's stored ``attachments`` JSON (unknown keys kept, read-only), which
    also reads as the typed containers of :class:`AttachmentsProperties`:
    ``stored.meshes``, ``stored.segment_index``, ..."""

    __slots__ = ("_json",)

    def __init__(self, stored: Mapping[str, Any]) -> None:
        self._json: dict[str, Any] = copy.deepcopy(dict(stored))

    def __getitem__(self, key: str) -> Any:  # noqa: ANN401 - JSON values
        return self._json[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._json)

    def __len__(self) -> int:
        return len(self._json)

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - the container's type
        if name in _JSON_KEY:
            return getattr(AttachmentsProperties.from_json(self._json), name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (StoredAttachments, (self._json,))

    def __repr__(self) -> str:
        return f"StoredAttachments({self._json!r})"
