"""Image stacks (TIFF, PNG, JPEG) as slices of a layer: finding the files,
checking them, and reading windows of slices without decoding more than needed."""

from __future__ import annotations

from wkdist.images.files import SUPPORTED_SUFFIXES, find_image_files, natural_key
from wkdist.images.stack import ImageStack, open_stack
from wkdist.images.tiff import SliceFormat

__all__ = [
    "SUPPORTED_SUFFIXES",
    "ImageStack",
    "SliceFormat",
    "find_image_files",
    "natural_key",
    "open_stack",
]
