"""``get_dataset_converter()``: the reference's spelling for turning properties objects
into JSON values and back (it is a ``cattrs`` converter there).

:meth:`DatasetConverter.structure` and :meth:`~DatasetConverter.unstructure`
take :class:`~wkdist.properties.DatasetProperties` (through wkdist's JSON codec,
with its validation and error messages) and :class:`~wkdist.properties.VoxelSize`.
"""

from __future__ import annotations

from typing import Any

from wkdist.errors import InvalidArgumentError
from wkdist.properties.json_codec import parse_properties, serialize_properties
from wkdist.properties.model import DatasetProperties
from wkdist.properties.voxel_size import VoxelSize

__all__ = ["DatasetConverter", "get_dataset_converter"]


class DatasetConverter:
    """Structures JSON values into properties objects and back."""

    def structure(self, data: Any, cls: type[Any]) -> Any:  # noqa: ANN401 - as the reference
        """The ``cls`` object (``DatasetProperties`` or ``VoxelSize``) read from ``data``.

        Raises
        ------
        InvalidArgumentError
            For another ``cls``; ``PropertiesError`` (a ``ValueError``) for bad data.
        """
        if cls is DatasetProperties:
            return parse_properties(data)
        if cls is VoxelSize:
            return VoxelSize(data["factor"], data.get("unit", "nanometer"))
        raise InvalidArgumentError(
            f"cannot structure {cls!r}; expected DatasetProperties or VoxelSize"
        )

    def unstructure(self, obj: Any) -> Any:  # noqa: ANN401 - as the reference
        """The JSON value of ``obj`` (``DatasetProperties`` or ``VoxelSize``).

        Raises
        ------
        InvalidArgumentError
            For another type.
        """
        if isinstance(obj, DatasetProperties):
            return serialize_properties(obj)
        if isinstance(obj, VoxelSize):
            return {"factor": list(obj.factor), "unit": obj.unit}
        raise InvalidArgumentError(
            f"cannot unstructure {type(obj).__name__}; expected DatasetProperties or VoxelSize"
        )


def get_dataset_converter() -> DatasetConverter:
    """The converter between properties objects and their JSON values."""
    return DatasetConverter()
