"""TIFF files as slices: what a file holds, and reading a window of one page.

A window (rows by columns of one page) is read without decoding the rest of
the page: uncompressed pages are memory-mapped and sliced; compressed pages
decode only the strips or tiles that overlap the window, one at a time, so
memory holds the window plus one segment.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import tifffile

from wkdist.errors import ImageStackError

if TYPE_CHECKING:
    from pathlib import Path

_JPEG_COMPRESSIONS = frozenset({6, 7, 33007, 34892})


@dataclass(frozen=True)
class SliceFormat:
    """What every slice of a file looks like: ``height`` rows of ``width``
    pixels with ``samples`` values each, of ``dtype``."""

    height: int
    width: int
    samples: int
    dtype: np.dtype
    rgb: bool  # samples are the colour channels of an RGB(A) image


def _fail(path: Path, problem: str) -> ImageStackError:
    return ImageStackError(f"images: {path}: {problem}", path)


def inspect_tiff(path: Path) -> tuple[SliceFormat, int]:
    """The slice format of a TIFF file and its number of slices (pages of its
    first series). Reads only the file's directories.

    Raises
    ------
    ImageStackError
        Unreadable, truncated (image data beyond the end of the file), an
        unsupported pixel type or layout.
    """
    size = path.stat().st_size
    try:
        with tifffile.TiffFile(path) as tif:
            series = tif.series[0]
            page = series.keyframe
            count = _slices_in_series(path, series)
            if page.dtype is None:
                raise _fail(
                    path,
                    f"unsupported pixel type ({page.bitspersample}-bit, sample format "
                    f"{page.sampleformat})",
                )
            if page.imagedepth > 1:
                raise _fail(path, "volumetric TIFF pages (ImageDepth > 1) are not supported")
            if series.is_truncated:
                end = (series.dataoffset or 0) + count * page.nbytes
                if end > size:
                    raise _fail(path, f"truncated: image data ends at byte {end}, the file at {size}")
            else:
                for item in series.pages:
                    if item is None:
                        raise _fail(path, "a page of the series is missing")
                    ends = [o + n for o, n in zip(item.dataoffsets, item.databytecounts, strict=True)]
                    if not ends or max(ends) > size or min(item.databytecounts) == 0:
                        raise _fail(
                            path, f"truncated: image data of page {item.index} lies beyond the "
                            f"end of the file ({size} bytes)"
                        )
            _, _, height, width, contig = page.shaped
            samples = page.samplesperpixel
            dtype = np.dtype(page.dtype).newbyteorder("=")
            rgb = page.photometric == tifffile.PHOTOMETRIC.RGB and samples in (3, 4)
            assert contig in (1, samples)
    except ImageStackError:
        raise
    except (tifffile.TiffFileError, OSError, ValueError, IndexError, struct.error) as error:
        raise _fail(path, f"cannot be read as TIFF ({type(error).__name__}: {error})") from error
    return SliceFormat(height, width, samples, dtype, rgb), count


def _slices_in_series(path: Path, series: tifffile.TiffPageSeries) -> int:
    """Number of pages in ``series``; every axis but the page's must be one z axis."""
    page_axes = series.keyframe.axes
    extra = series.axes[: len(series.axes) - len(page_axes)]
    sizes = series.shape[: len(extra)]
    long = [(axis, n) for axis, n in zip(extra, sizes, strict=True) if n > 1]
    if len(long) > 1 or any(axis == "C" for axis, _ in long):
        raise _fail(
            path,
            f"a TIFF series of axes {series.axes} and shape {series.shape} is not a stack of "
            "z slices (only one axis besides the pages' y, x and samples is supported)",
        )
    return math.prod(sizes)


def read_tiff_window(
    tif: tifffile.TiffFile, index: int, rows: slice, cols: slice, out: np.ndarray
) -> None:
    """Read rows ``rows`` and columns ``cols`` of slice ``index`` of ``tif``'s
    first series into ``out`` (shape ``(rows, cols, samples)``)."""
    series = tif.series[0]
    key = series.keyframe
    if series.is_truncated:  # frames stored back to back after the first page
        offset = (series.dataoffset or 0) + index * key.nbytes
        _copy_mapped(tif, key, offset, rows, cols, out)
        return
    page = series.pages[index]
    assert page is not None
    if key.is_final:
        _copy_mapped(tif, key, page.dataoffsets[0], rows, cols, out)
        return
    _copy_segments(tif, key, page.dataoffsets, page.databytecounts, rows, cols, out)


def _copy_mapped(
    tif: tifffile.TiffFile,
    key: tifffile.TiffPage,
    offset: int,
    rows: slice,
    cols: slice,
    out: np.ndarray,
) -> None:
    dtype = np.dtype(key.dtype).newbyteorder(tif.byteorder)
    mapped = np.memmap(tif.filehandle.path, dtype, "r", offset=offset, shape=key.shaped)
    window = mapped[:, 0, rows, cols, :]  # (separate samples, rows, cols, contig samples)
    out[...] = np.moveaxis(window, 0, -1)[..., 0] if window.shape[0] > 1 else window[0]


def _segment_indices(key: tifffile.TiffPage, rows: slice, cols: slice) -> list[int]:
    """Indices (in the page's offsets) of the strips or tiles that overlap the window."""
    planes = key.shaped[0]
    if key.is_tiled:
        length, width = key.tilelength, key.tilewidth
    else:
        length, width = key.rowsperstrip, key.imagewidth
    across = math.ceil(key.imagewidth / width)
    down = math.ceil(key.imagelength / length)
    ys = range(rows.start // length, -(-rows.stop // length))
    xs = range(cols.start // width, -(-cols.stop // width))
    return [(plane * down + y) * across + x for plane in range(planes) for y in ys for x in xs]


def _copy_segments(
    tif: tifffile.TiffFile,
    key: tifffile.TiffPage,
    offsets: tuple[int, ...],
    bytecounts: tuple[int, ...],
    rows: slice,
    cols: slice,
    out: np.ndarray,
) -> None:
    indices = _segment_indices(key, rows, cols)
    extra = {}
    if key.compression in _JPEG_COMPRESSIONS:
        extra = {"jpegtables": key.jpegtables, "jpegheader": key.jpegheader}
    out[...] = 0
    segments = tif.filehandle.read_segments(
        [offsets[i] for i in indices], [bytecounts[i] for i in indices], indices
    )
    for data, index in segments:
        segment, (plane, _, top, left, _), _shape = key.decode(data, index, _fullsize=False, **extra)
        if segment is None:
            continue  # an empty segment is zeros
        y0, y1 = max(rows.start, top), min(rows.stop, top + segment.shape[1])
        x0, x1 = max(cols.start, left), min(cols.stop, left + segment.shape[2])
        if y0 >= y1 or x0 >= x1:
            continue
        part = segment[0, y0 - top : y1 - top, x0 - left : x1 - left, :]
        target = out[y0 - rows.start : y1 - rows.start, x0 - cols.start : x1 - cols.start]
        if key.shaped[0] > 1:  # separate sample planes: one sample per segment
            target[..., plane] = part[..., 0]
        else:
            target[...] = part
