"""Layer categories as written to ``datasource-properties.json``."""

from __future__ import annotations

from typing import Final, Literal

from wkdist.properties.model import CATEGORIES, COLOR_CATEGORY, SEGMENTATION_CATEGORY

__all__ = [
    "CATEGORIES",
    "COLOR_CATEGORY",
    "SEGMENTATION_CATEGORY",
    "LayerCategories",
    "LayerCategoryType",
]

LayerCategoryType = Literal["color", "segmentation"]

#: The dtypes (per channel) that each category stores.
ALLOWED_DTYPES: Final = {
    COLOR_CATEGORY: ("uint8", "uint16", "uint32", "int8", "int16", "int32", "float32"),
    SEGMENTATION_CATEGORY: (
        "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
    ),
}


class LayerCategories:
    """The first API edition's names for the categories (``LayerCategories.COLOR_TYPE``)."""

    COLOR_TYPE: Final = COLOR_CATEGORY
    SEGMENTATION_TYPE: Final = SEGMENTATION_CATEGORY
