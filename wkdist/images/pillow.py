"""PNG and JPEG slices through Pillow.

Neither format can decode a window on its own, so a slice is decoded whole
and the window copied out of it. The file's end marker is checked up front
(cheap, and catches the usual truncated copy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, UnidentifiedImageError

from wkdist.errors import ImageStackError
from wkdist.images.tiff import SliceFormat

if TYPE_CHECKING:
    from pathlib import Path

# Pillow modes that map to one numpy dtype and number of samples.
_MODES: dict[str, tuple[str, int]] = {
    "L": ("uint8", 1),
    "P": ("uint8", 1),
    "LA": ("uint8", 2),
    "RGB": ("uint8", 3),
    "RGBA": ("uint8", 4),
    "I;16": ("uint16", 1),
    "I;16B": ("uint16", 1),
    "I": ("int32", 1),
    "F": ("float32", 1),
}
_END_MARKERS = {"PNG": b"IEND\xaeB`\x82", "JPEG": b"\xff\xd9"}

# Microscope slices are large; Pillow's guard against decompression bombs is not for them.
Image.MAX_IMAGE_PIXELS = None


def inspect_pillow(path: Path) -> tuple[SliceFormat, int]:
    """The slice format of a PNG or JPEG file (always one slice); reads the header
    and the file's last bytes."""
    try:
        with Image.open(path) as image:
            mode, (width, height), kind = image.mode, image.size, image.format
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise ImageStackError(
            f"images: {path}: cannot be read as an image ({type(error).__name__}: {error})", path
        ) from error
    if mode not in _MODES:
        raise ImageStackError(
            f"images: {path}: unsupported pixel type (Pillow mode {mode!r}; supported: "
            f"{', '.join(_MODES)})",
            path,
        )
    marker = _END_MARKERS.get(kind or "")
    if marker is not None:
        with path.open("rb") as file:
            file.seek(max(0, path.stat().st_size - 64))
            if marker not in file.read():
                raise ImageStackError(
                    f"images: {path}: truncated ({kind} file without its end marker)", path
                )
    dtype, samples = _MODES[mode]
    return SliceFormat(height, width, samples, np.dtype(dtype), mode in ("RGB", "RGBA")), 1


def read_pillow_window(path: Path, rows: slice, cols: slice, out: np.ndarray) -> None:
    """Decode ``path`` and copy rows ``rows``, columns ``cols`` into ``out``
    (shape ``(rows, cols, samples)``)."""
    with Image.open(path) as image:
        image.load()
        pixels = np.asarray(image)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    out[...] = pixels[rows, cols]
