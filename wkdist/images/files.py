"""Which files make an image stack, in which order.

The input is a folder (searched recursively), a glob pattern, one file, or a
list of files. Files are put in natural order (``slice_2`` before
``slice_10``), and when their names differ only in one number, that number
must count up without gaps.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from wkdist.errors import ImageStackError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

TIFF_SUFFIXES = frozenset({".tif", ".tiff"})
PILLOW_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})
SUPPORTED_SUFFIXES = TIFF_SUFFIXES | PILLOW_SUFFIXES

_DIGITS = re.compile(r"(\d+)")


def natural_key(path: Path) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders the numbers in a path by value (``2`` before ``10``)."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in _DIGITS.split(path.as_posix())
        if part
    )


def _is_glob(text: str) -> bool:
    return any(char in text for char in "*?[")


def _supported(paths: Iterable[Path]) -> list[Path]:
    return [p for p in paths if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES]


def _describe_suffixes() -> str:
    return ", ".join(sorted(SUPPORTED_SUFFIXES))


def find_image_files(
    images: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    allow_gaps: bool = False,
    sort_key: Callable[[Path], Any] | None = None,
) -> tuple[Path, ...]:
    """The image files of ``images`` in z order.

    Parameters
    ----------
    images
        A folder (all supported files below it, recursively), a glob pattern,
        one image file, or a list of image files (taken in the given order).
    allow_gaps
        Accept file names whose numbering skips values.
    sort_key
        Orders the files of a folder or pattern (default: :func:`natural_key`).

    Raises
    ------
    ImageStackError
        Nothing supported found, a listed file missing or of an unsupported
        type, or a gap in the numbering of the file names.
    """
    if isinstance(images, str | os.PathLike):
        text = os.fspath(images)
        path = Path(text)
        if path.is_dir():
            files = sorted(_supported(path.rglob("*")), key=sort_key or natural_key)
            where = f"the folder {path}"
        elif path.exists():
            files = _supported([path])
            where = f"the file {path}"
        elif _is_glob(text):
            matches = (Path(p) for p in glob.glob(text, recursive=True))
            files = sorted(_supported(matches), key=sort_key or natural_key)
            where = f"the pattern {text!r}"
        else:
            raise ImageStackError(f"images: {path} does not exist", path)
        if not files:
            raise ImageStackError(
                f"images: found no image files ({_describe_suffixes()}) in {where}", path
            )
    else:
        files = [Path(p) for p in images]
        if not files:
            raise ImageStackError("images: the list of image files is empty")
        for file in files:
            if not file.is_file():
                raise ImageStackError(f"images: {file} does not exist or is not a file", file)
            if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise ImageStackError(
                    f"images: {file} is not a supported image file (expected {_describe_suffixes()})",
                    file,
                )
    if not allow_gaps:
        check_numbering(files)
    return tuple(files)


@dataclass(frozen=True)
class NumberedFiles(Sequence[Path]):
    """``length`` file names that differ only in a number counting up from ``start``:
    a stack of thousands of slices in a few bytes (tasks carry their stack)."""

    template: str  # a path with one ``{}`` field, e.g. ``"/data/slice_{:04d}.tif"``
    start: int
    length: int

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, index: int) -> Path: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Path]: ...
    def __getitem__(self, index: int | slice) -> Path | Sequence[Path]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.length))]
        if not -self.length <= index < self.length:
            raise IndexError(index)
        return Path(self.template.format(self.start + index % self.length))


def compact(files: Sequence[Path]) -> Sequence[Path]:
    """``files`` as :class:`NumberedFiles` when their names allow it, else as a tuple."""
    split = [_DIGITS.split(p.as_posix()) for p in files]
    if len(files) > 1 and len({len(parts) for parts in split}) == 1:
        varying = [i for i in range(1, len(split[0]), 2) if len({parts[i] for parts in split}) > 1]
        if len(varying) == 1:
            index = varying[0]
            widths = {len(parts[index]) for parts in split}
            field = f"{{:0{widths.pop()}d}}" if len(widths) == 1 else "{}"
            escaped = [part.replace("{", "{{").replace("}", "}}") for part in split[0]]
            template = "".join(escaped[:index]) + field + "".join(escaped[index + 1 :])
            numbered = NumberedFiles(template, int(split[0][index]), len(files))
            if list(numbered) == list(files):
                return numbered
    return tuple(files)


def check_numbering(files: Sequence[Path]) -> None:
    """Raise if the names differ only in one number and that number skips values.

    ``slice_001, slice_002, slice_004`` misses ``slice_003``: a lost slice would
    otherwise shift every later one in z without notice.
    """
    if len(files) < 2:
        return
    split = [_DIGITS.split(p.as_posix()) for p in files]
    if len({len(parts) for parts in split}) != 1:
        return
    varying = [i for i in range(1, len(split[0]), 2) if len({parts[i] for parts in split}) > 1]
    texts_equal = all(
        len({parts[i] for parts in split}) == 1 for i in range(0, len(split[0]), 2)
    )
    if len(varying) != 1 or not texts_equal:
        return
    numbers = [int(parts[varying[0]]) for parts in split]
    for previous, file, number, before in zip(files, files[1:], numbers[1:], numbers, strict=False):
        if number != before + 1:
            raise ImageStackError(
                f"images: {file}: the numbering of the slices has a gap: number {number} "
                f"follows {previous.name} (number {before}); every number from {numbers[0]} "
                f"to {numbers[-1]} must be present once (allow_gaps=True, --allow-gaps on the "
                "command line, imports them anyway).",
                file,
            )
