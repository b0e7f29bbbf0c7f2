"""The WEBKNOSSOS Dataset API: ``Dataset → Layer → MagView → View``."""

from __future__ import annotations

from wkdist.dataset.attachments import (
    AgglomerateAttachment,
    AgglomerateGraph,
    Attachment,
    Attachments,
    ConnectomeAttachment,
    CumsumAttachment,
    MeshAttachment,
    SegmentIndexAttachment,
    SegmentStatisticsAttachment,
)
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
    "AgglomerateAttachment",
    "AgglomerateGraph",
    "Attachment",
    "Attachments",
    "ConnectomeAttachment",
    "CumsumAttachment",
    "Dataset",
    "Layer",
    "LayerCategories",
    "LayerCategoryType",
    "MagView",
    "MeshAttachment",
    "SamplingModes",
    "SegmentIndexAttachment",
    "SegmentStatisticsAttachment",
    "SegmentationLayer",
    "TransferMode",
    "View",
]
