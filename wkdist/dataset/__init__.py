"""The WEBKNOSSOS Dataset API: ``Dataset → Layer → MagView → View``."""

from __future__ import annotations

from wkdist.dataset import attachments
from wkdist.dataset.attachments import *
from wkdist.dataset.dataset import Dataset
from wkdist.dataset.layer import Layer, SegmentationLayer
from wkdist.dataset.layer_categories import (
    COLOR_CATEGORY,
    SEGMENTATION_CATEGORY,
    LayerCategories,
    LayerCategoryType,
)
from wkdist.dataset.mag_view import MagView
from wkdist.dataset.sampling_modes import SamplingModes
from wkdist.dataset.transfer_mode import TransferMode
from wkdist.dataset.view import View

__all__ = [
    "COLOR_CATEGORY",
    "SEGMENTATION_CATEGORY",
    "Dataset",
    "Layer",
    "LayerCategories",
    "LayerCategoryType",
    "MagView",
    "SamplingModes",
    "SegmentationLayer",
    "TransferMode",
    "View",
]
__all__ += attachments.__all__
