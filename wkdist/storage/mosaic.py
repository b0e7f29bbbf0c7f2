"""Voxels of one written box that arrive as a grid of blocks, kept apart.

A dask write task that covers several blocks of one target shard would
otherwise assemble them into one buffer of the whole box first: a fresh
allocation (hundreds of MiB, and first-touch page faults) plus a copy, before
the writers copy sub-boxes out of it again. A :class:`BlockMosaic` hands the
writers the blocks as they are: sub-boxes inside one block are plain views,
others are smaller mosaics, and the writers copy from the blocks straight into
the buffers they encode from. ``np.asarray(mosaic)`` assembles, as a fallback.
"""

from __future__ import annotations

import bisect
import itertools
import math
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from wkdist.errors import InvalidArgumentError
from wkdist.storage import buffers
from wkdist.storage.threads import run_all

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping


class BlockMosaic:
    """A ``(C, X, Y, Z)`` array made of a grid of numpy blocks of one dtype.

    Parameters
    ----------
    blocks
        The blocks by grid index (one integer per axis; every index of the grid
        present). Blocks in one grid row share their extent along that axis.

    Raises
    ------
    InvalidArgumentError
        If the blocks differ in rank or dtype, the grid has gaps, or the
        blocks of one row differ in extent.
    """

    def __init__(self, blocks: Mapping[tuple[int, ...], np.ndarray]) -> None:
        if not blocks:
            raise InvalidArgumentError("a BlockMosaic needs at least one block")
        first = blocks[min(blocks)]
        ndim, dtype = first.ndim, first.dtype
        counts = tuple(n + 1 for n in max(blocks))
        if len(blocks) != math.prod(counts) or any(len(i) != ndim for i in blocks):
            raise InvalidArgumentError(
                f"the blocks of a BlockMosaic must fill a {ndim}-d grid; got the indices {sorted(blocks)}"
            )
        edges: list[tuple[int, ...]] = []
        for axis, count in enumerate(counts):
            sizes = [
                blocks[(0,) * axis + (i,) + (0,) * (ndim - axis - 1)].shape[axis] for i in range(count)
            ]
            edges.append(tuple(itertools.accumulate(sizes, initial=0)))
        for index, block in blocks.items():
            expected = tuple(e[i + 1] - e[i] for e, i in zip(edges, index, strict=True))
            if block.dtype != dtype or block.shape != expected:
                raise InvalidArgumentError(
                    f"block {index} of a BlockMosaic has the shape {block.shape} and dtype "
                    f"{block.dtype}; its grid position needs {expected} of {dtype}"
                )
        self._blocks = dict(blocks)
        self._edges = tuple(edges)
        self.dtype: np.dtype[Any] = dtype
        self.shape: tuple[int, ...] = tuple(e[-1] for e in edges)

    @classmethod
    def of_nested(cls, nested: list[Any]) -> np.ndarray | BlockMosaic:
        """The blocks of a nested list (one level per axis, as dask hands a task
        the blocks of a region): the lone block itself, or a mosaic."""
        blocks = {index: np.asarray(block) for index, block in _indexed(nested, ())}
        if len(blocks) == 1:
            return next(iter(blocks.values()))
        return cls(blocks)

    # ------------------------------------------------------------ array-like
    @property
    def ndim(self) -> int:
        """Number of axes."""
        return len(self.shape)

    @property
    def nbytes(self) -> int:
        """Bytes of all voxels."""
        return math.prod(self.shape) * self.dtype.itemsize

    def any(self) -> bool:
        """Whether any voxel is nonzero."""
        return any(block.any() for block in self._blocks.values())

    def blocks(self) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
        """Each block with the position of its first voxel in the mosaic."""
        for index, block in self._blocks.items():
            yield tuple(e[i] for e, i in zip(self._edges, index, strict=True)), block

    def channel_columns(self) -> Iterator[tuple[tuple[int, ...], np.ndarray | BlockMosaic]]:
        """Per grid position along the spatial axes: its first voxel (spatial axes
        only) and all channels there (a view if the channels are one block)."""
        for index in itertools.product(*(range(len(e) - 1) for e in self._edges[1:])):
            start = tuple(e[i] for e, i in zip(self._edges[1:], index, strict=True))
            key = tuple(slice(e[i], e[i + 1]) for e, i in zip(self._edges[1:], index, strict=True))
            yield start, self[(slice(None), *key)]

    def with_blocks(self, function: Callable[[np.ndarray], np.ndarray]) -> BlockMosaic:
        """The mosaic of ``function`` applied to each block (it must keep shapes and dtype)."""
        return BlockMosaic({index: function(block) for index, block in self._blocks.items()})

    def copy_to(self, out: np.ndarray, *, parallel: bool = False) -> None:
        """Copy all voxels into ``out`` (of the mosaic's shape), block by block.

        ``parallel`` spreads the blocks over the shared storage pool (numpy
        copies without the GIL, and the first touches of fresh output pages are
        most of the cost); never from a task that itself runs on that pool.
        """

        def place(item: tuple[tuple[int, ...], np.ndarray]) -> None:
            start, block = item
            out[tuple(slice(s, s + n) for s, n in zip(start, block.shape, strict=True))] = block

        if parallel:
            run_all(place, list(self.blocks()))
        else:
            for item in self.blocks():
                place(item)

    def __getitem__(self, key: tuple[slice, ...]) -> np.ndarray | BlockMosaic:
        """The sub-box of basic slices (step 1): a view if it lies in one block, else a mosaic."""
        key = key + (slice(None),) * (self.ndim - len(key))
        if len(key) != self.ndim or not all(isinstance(k, slice) and k.step in (None, 1) for k in key):
            raise TypeError(f"a BlockMosaic takes up to {self.ndim} slices of step 1; got {key!r}")
        bounds = [k.indices(n)[:2] for k, n in zip(key, self.shape, strict=True)]
        if any(stop <= start for start, stop in bounds):
            return np.zeros([max(0, stop - start) for start, stop in bounds], self.dtype)
        # Per axis: the grid rows the sub-box touches, and each one's slice in its blocks.
        rows: list[list[tuple[int, slice]]] = []
        for edges, (start, stop) in zip(self._edges, bounds, strict=True):
            first = bisect.bisect_right(edges, start) - 1
            last = bisect.bisect_left(edges, stop)
            rows.append(
                [
                    (i, slice(max(start, edges[i]) - edges[i], min(stop, edges[i + 1]) - edges[i]))
                    for i in range(first, last)
                ]
            )
        picked: dict[tuple[int, ...], np.ndarray] = {}
        for combo in itertools.product(*(enumerate(row) for row in rows)):
            index = tuple(i for _, (i, _) in combo)
            picked[tuple(p for p, _ in combo)] = self._blocks[index][tuple(s for _, (_, s) in combo)]
        if len(picked) == 1:
            return next(iter(picked.values()))
        return BlockMosaic(picked)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:  # noqa: ANN401 - numpy's protocol
        """All voxels in one new Fortran-ordered array (the fallback that assembles)."""
        if copy is False:
            raise ValueError("a BlockMosaic cannot be viewed as one array without a copy")
        out = buffers.zeros(self.shape, self.dtype)
        self.copy_to(out)
        return out if dtype is None else out.astype(dtype, copy=False)

    def __repr__(self) -> str:
        return f"BlockMosaic(shape={self.shape}, dtype={self.dtype}, blocks={len(self._blocks)})"


Voxels: TypeAlias = np.ndarray | BlockMosaic
"""What the storage writers take: one array, or a mosaic of blocks."""


def copy_into(out: np.ndarray, data: Voxels) -> None:
    """``out[...] = data`` without assembling a mosaic first."""
    if isinstance(data, BlockMosaic):
        data.copy_to(out)
    else:
        out[...] = data


def _indexed(nested: object, index: tuple[int, ...]) -> Iterator[tuple[tuple[int, ...], Any]]:
    if isinstance(nested, list):
        for i, item in enumerate(nested):
            yield from _indexed(item, (*index, i))
    else:
        yield index, nested
