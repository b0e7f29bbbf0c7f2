"""An image stack: files in z order, all with slices of one format.

:func:`open_stack` checks every file's header before anything is written;
:meth:`ImageStack.read` reads a window of a run of slices, opening each file
once per call.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import tifffile

from wkdist.errors import ImageStackError
from wkdist.images.files import TIFF_SUFFIXES, compact
from wkdist.images.pillow import inspect_pillow, read_pillow_window
from wkdist.images.tiff import SliceFormat, inspect_tiff, read_tiff_window

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import numpy as np

#: Files whose headers are read at the same time while checking a stack.
INSPECT_THREADS = 8


def _is_tiff(path: Path) -> bool:
    return path.suffix.lower() in TIFF_SUFFIXES


def _inspect(path: Path) -> tuple[SliceFormat, int]:
    return inspect_tiff(path) if _is_tiff(path) else inspect_pillow(path)


def _describe(fmt: SliceFormat) -> str:
    samples = "" if fmt.samples == 1 else f" x {fmt.samples} samples"
    return f"{fmt.width} x {fmt.height} pixels{samples} of {fmt.dtype.name}"


@dataclass(frozen=True)
class ImageStack:
    """Image files in z order, each ``format.height`` rows of ``format.width`` pixels;
    every file holds ``slices_per_file`` slices (an int), or file ``i`` holds
    ``slices_per_file[i]``. Small when pickled: numbered files are a template."""

    files: Sequence[Path]
    slices_per_file: int | tuple[int, ...]
    format: SliceFormat

    def _counts(self) -> Sequence[int]:
        if isinstance(self.slices_per_file, int):
            return [self.slices_per_file] * len(self.files)
        return self.slices_per_file

    @property
    def depth(self) -> int:
        """Number of slices."""
        return sum(self._counts())

    def _runs(self, start: int, stop: int) -> list[tuple[Path, int, int, int]]:
        """``(file, first slice in file, count, position in the run)`` covering slices
        ``start:stop``."""
        runs = []
        first = 0
        for index, count in enumerate(self._counts()):
            lo, hi = max(start, first), min(stop, first + count)
            if lo < hi:
                runs.append((self.files[index], lo - first, hi - lo, lo - start))
            first += count
        return runs

    def read(self, start: int, stop: int, rows: slice, cols: slice, out: np.ndarray) -> None:
        """Read rows ``rows`` and columns ``cols`` of slices ``start:stop`` into
        ``out`` (shape ``(stop - start, rows, cols, samples)``)."""
        for path, first, count, position in self._runs(start, stop):
            if _is_tiff(path):
                with tifffile.TiffFile(path) as tif:
                    for i in range(count):
                        read_tiff_window(tif, first + i, rows, cols, out[position + i])
            else:
                read_pillow_window(path, rows, cols, out[position])


def open_stack(files: Sequence[Path]) -> ImageStack:
    """Check the headers of ``files`` and describe them as one stack.

    Raises
    ------
    ImageStackError
        A file cannot be read or is truncated, has an unsupported pixel type,
        or its slices differ in size, samples or pixel type from the first file's.
    """
    with ThreadPoolExecutor(INSPECT_THREADS) as pool:
        inspected = list(pool.map(_inspect, files))
    first_format = inspected[0][0]
    for path, (fmt, _) in zip(files, inspected, strict=True):
        if fmt != first_format:
            raise ImageStackError(
                f"images: {path} has slices of {_describe(fmt)}, but {files[0]} has "
                f"{_describe(first_format)}; all slices of a stack must match",
                path,
            )
    counts = tuple(count for _, count in inspected)
    per_file = counts[0] if len(set(counts)) == 1 else counts
    return ImageStack(compact(files), per_file, first_format)
