"""Writing and reading a view slice by slice, through a buffer of whole slabs.

``BufferedSliceWriter`` collects 2-D slices (e.g. images of a stack) along one
axis and writes them as one slab of ``buffer_size`` slices, so each write covers
whole shards along that axis; ``BufferedSliceReader`` reads slabs and hands out
their slices. Slices are ``(C, A, B)`` (or ``(A, B)`` for one channel) in the
view's mag, where ``A, B`` are the two other axes in x, y, z order.
:class:`SliceBufferMethods` gives :class:`~wkdist.dataset.view.View` the methods
that open them.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Self

import numpy as np

from wkdist.dataset.view_boxes import as_view, resolve_mag1_box
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Vec3Int

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import TracebackType

    from wkdist.dataset.view import View
    from wkdist.geometry import Vec3IntLike

_AXES = ("x", "y", "z")


def parse_dimension(dimension: str | int) -> int:
    """The axis index (0, 1, 2) of ``"x"``, ``"y"``, ``"z"`` (ints are the older spelling)."""
    if isinstance(dimension, int) and not isinstance(dimension, bool):
        warnings.warn(
            "dimension as an int is deprecated; pass 'x', 'y' or 'z'",
            DeprecationWarning,
            stacklevel=3,
        )
        if dimension in (0, 1, 2):
            return dimension
    elif dimension in _AXES:
        return _AXES.index(str(dimension))
    raise InvalidArgumentError(f"dimension must be 'x', 'y' or 'z'; got {dimension!r}")


class BufferedSliceWriter:
    """Collects slices with :meth:`send` and writes ``buffer_size`` of them at a time.

    Obtain it with :meth:`View.get_buffered_slice_writer` and use it as a context
    manager: leaving the block writes what is left in the buffer.
    """

    def __init__(
        self,
        view: View,
        *,
        topleft: Vec3Int,
        buffer_size: int,
        dimension: int,
        allow_unaligned: bool,
    ) -> None:
        if isinstance(buffer_size, bool) or not isinstance(buffer_size, int) or buffer_size < 1:
            raise InvalidArgumentError(f"buffer_size must be an int >= 1; got {buffer_size!r}")
        self._view = view
        self._dimension = dimension
        self._buffer_size = buffer_size
        self._allow_unaligned = allow_unaligned
        self._slices: list[np.ndarray] = []
        self._set_topleft(topleft)
        self._check_alignment()

    def _set_topleft(self, topleft: Vec3Int) -> None:
        mag = self._view.mag.to_vec3_int()
        if topleft % mag != Vec3Int.zeros():
            raise InvalidArgumentError(
                f"the offset {topleft.to_tuple()} (Mag(1) voxels) is not a multiple of the "
                f"mag {mag.to_tuple()} of {self._view!r}"
            )
        self._topleft = topleft
        self._written_slices = 0

    def _check_alignment(self) -> None:
        """Slabs that start or end inside a storage chunk rewrite it twice: refuse
        (or, with ``allow_unaligned``, warn)."""
        depth = self._view.info.chunk_shape[self._dimension]
        start = self._topleft[self._dimension] // self._view.mag.to_vec3_int()[self._dimension]
        problems = []
        if start % depth:
            problems.append(
                "Using an offset that doesn't align with the datataset's shard shape "
                f"(offset {start} along {_AXES[self._dimension]}, chunk depth {depth})"
            )
        if self._buffer_size >= depth and self._buffer_size % depth:
            problems.append(
                "Using a buffer size that doesn't align with the datataset's shard shape "
                f"(buffer_size {self._buffer_size}, chunk depth {depth})"
            )
        for problem in problems:
            message = f"{problem}: each chunk on the border is written twice, which is slower."
            if not self._allow_unaligned:
                raise InvalidArgumentError(message + " Pass allow_unaligned=True to accept it.")
            warnings.warn(message, UserWarning, stacklevel=4)

    def send(self, value: np.ndarray) -> None:
        """Add the next slice; the buffer is written when it holds ``buffer_size`` slices."""
        data = np.asarray(value)
        if data.ndim == 2:
            data = data[np.newaxis]
        if data.ndim != 3:
            raise InvalidArgumentError(
                f"a slice must be (A, B) or (C, A, B); got shape {np.shape(value)}"
            )
        if self._slices and data.shape[0] != self._slices[0].shape[0]:
            raise InvalidArgumentError(
                f"slice has {data.shape[0]} channels, the previous ones {self._slices[0].shape[0]}"
            )
        self._slices.append(data)
        if len(self._slices) >= self._buffer_size:
            self.flush()

    def flush(self) -> None:
        """Write the buffered slices now (slices of different sizes are zero-padded)."""
        if not self._slices:
            return
        width = max(s.shape[1] for s in self._slices)
        height = max(s.shape[2] for s in self._slices)
        slab = np.zeros((self._slices[0].shape[0], len(self._slices), width, height),
                        dtype=self._slices[0].dtype)
        for index, section in enumerate(self._slices):
            slab[:, index, : section.shape[1], : section.shape[2]] = section
        # (C, D, A, B) -> (C, X, Y, Z) with the slice axis at its place
        data = np.moveaxis(slab, 1, 1 + self._dimension)
        mag = self._view.mag.to_vec3_int()
        offset = self._topleft + Vec3Int.zeros().with_replaced(
            self._dimension, self._written_slices * mag[self._dimension]
        )
        self._view.write(data, absolute_offset=offset, allow_unaligned=self._allow_unaligned)
        self._written_slices += len(self._slices)
        self._slices = []

    def reset_offset(
        self,
        relative_offset: Vec3IntLike | None = None,
        absolute_offset: Vec3IntLike | None = None,
        relative_bounding_box: BoundingBox | None = None,
        absolute_bounding_box: BoundingBox | None = None,
    ) -> None:
        """Write the buffer, then continue at a new position (Mag(1) voxels)."""
        self.flush()
        topleft, _ = resolve_mag1_box(
            self._view,
            relative_offset=relative_offset,
            absolute_offset=absolute_offset,
            relative_bounding_box=relative_bounding_box,
            absolute_bounding_box=absolute_bounding_box,
        )
        self._set_topleft(topleft)
        self._check_alignment()

    def close(self) -> None:
        """Write what is left in the buffer."""
        self.flush()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()


class BufferedSliceReader:
    """Reads slabs of ``buffer_size`` slices and yields their slices one by one.

    Use it as a context manager (``with ... as slices: for s in slices``) or iterate it.
    """

    def __init__(self, view: View, *, box: BoundingBox, buffer_size: int, dimension: int) -> None:
        if isinstance(buffer_size, bool) or not isinstance(buffer_size, int) or buffer_size < 1:
            raise InvalidArgumentError(f"buffer_size must be an int >= 1; got {buffer_size!r}")
        self._view = view
        self._box_in_mag = box.in_mag(view.mag)
        self._buffer_size = buffer_size
        self._dimension = dimension

    def __iter__(self) -> Iterator[np.ndarray]:
        slab = self._box_in_mag.size.with_replaced(self._dimension, self._buffer_size)
        for box in self._box_in_mag.chunk(slab):
            data = self._view.read(absolute_bounding_box=box.from_mag_to_mag1(self._view.mag))
            yield from np.moveaxis(data, 1 + self._dimension, 0)

    def __enter__(self) -> Iterator[np.ndarray]:
        return iter(self)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None


class SliceBufferMethods:
    """The slice-buffer methods of :class:`~wkdist.dataset.view.View` (a mixin)."""

    def get_buffered_slice_writer(
        self,
        buffer_size: int | None = None,
        dimension: str | int = "z",
        *,
        relative_offset: Vec3IntLike | None = None,
        absolute_offset: Vec3IntLike | None = None,
        relative_bounding_box: BoundingBox | None = None,
        absolute_bounding_box: BoundingBox | None = None,
        use_logging: bool = False,
        allow_unaligned: bool = False,
    ) -> BufferedSliceWriter:
        """A writer that takes slices along ``dimension`` one by one (``send``) and
        writes ``buffer_size`` of them at a time (default: one shard deep).

        The first slice goes to the offset or box corner given (Mag(1) voxels;
        default: this view's corner). An offset or buffer size that does not
        line up with the storage chunks raises unless ``allow_unaligned`` (then
        warns). ``use_logging`` is accepted for compatibility and ignored.
        """
        del use_logging
        view = as_view(self)
        axis = parse_dimension(dimension)
        topleft, _ = resolve_mag1_box(
            view,
            relative_offset=relative_offset,
            absolute_offset=absolute_offset,
            relative_bounding_box=relative_bounding_box,
            absolute_bounding_box=absolute_bounding_box,
        )
        return BufferedSliceWriter(
            view,
            topleft=topleft,
            buffer_size=view.info.shard_shape[axis] if buffer_size is None else buffer_size,
            dimension=axis,
            allow_unaligned=allow_unaligned,
        )

    def get_buffered_slice_reader(
        self,
        buffer_size: int | None = None,
        dimension: str | int = "z",
        *,
        relative_bounding_box: BoundingBox | None = None,
        absolute_bounding_box: BoundingBox | None = None,
        use_logging: bool = False,
    ) -> BufferedSliceReader:
        """A reader that yields the slices along ``dimension`` of a box (Mag(1)
        voxels; default: this view), reading ``buffer_size`` at a time (default:
        one shard deep). Slices are ``(C, A, B)`` in this view's mag."""
        del use_logging
        view = as_view(self)
        axis = parse_dimension(dimension)
        _, box = resolve_mag1_box(
            view,
            relative_bounding_box=relative_bounding_box,
            absolute_bounding_box=absolute_bounding_box,
        )
        assert box is not None
        return BufferedSliceReader(
            view,
            box=box,
            buffer_size=view.info.shard_shape[axis] if buffer_size is None else buffer_size,
            dimension=axis,
        )
