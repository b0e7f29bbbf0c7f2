"""WKW shard files: parallel reads, and whole-file writes that replace files atomically.

The ``wkw`` library writes a compressed file in place, only as a whole, on one
core. Here every file is encoded by ``wkw`` into a hidden temporary dataset
inside the array directory and then moved into ``z{Z}/y{Y}/x{X}.wkw`` with
``os.replace``, so a reader (or a killed writer) sees the old file or the new
one, never a mix.

Large compressed files are encoded as eight octant files in parallel and then
joined: blocks are stored in Morton order (x is the lowest bit), so the eight
octants of a file are eight consecutive runs of blocks, each laid out exactly
like a file of half the edge. Joining concatenates the block payloads and
rebases the jump tables (``format.md`` §2); the result is byte-identical to a
single-call encode. The same holds at every level of the split, so a write to
part of a file re-encodes only the octants it touches and copies the others'
byte runs from the old file (or uses cached all-zero runs).
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import wkw

from wkdist.config import worker_count
from wkdist.geometry import BoundingBox, Vec3Int
from wkdist.storage.mosaic import copy_into
from wkdist.storage.threads import run_all
from wkdist.storage.wkw_read import read_slab
from wkdist.storage.wkw_runs import (
    OldFile,
    Run,
    file_run,
    header_with_file_len,
    is_zero,
    open_compatible,
    replace_durably,
    shard_path,
    temporary_dataset,
    write_runs_atomically,
    zero_run,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from wkdist.storage.mosaic import Voxels


MIN_OCTANT_SPLIT_BYTES = 1 << 20


# Edge (voxels) down to which a patched shard is split; patched octants are encoded whole.
PATCH_LEAF_EDGE = 128


def write_whole_shards(
    root: Path, header: wkw.Header, shards: Sequence[tuple[Vec3Int, Voxels]]
) -> None:
    """Replace each shard file with the encoded ``(C, X, Y, Z)`` data (one whole shard each).

    All-zero shards are deleted instead (they read as zeros). Large compressed
    shards are encoded as eight octants in parallel; small ones in parallel
    with each other.
    """
    if not shards:
        return
    edge = header.file_len * header.block_len
    split = (
        header.block_type != wkw.Header.BLOCK_TYPE_RAW
        and header.file_len >= 2
        and shards[0][1].nbytes >= MIN_OCTANT_SPLIT_BYTES
        and worker_count() > 1
    )
    if split:
        _write_split(root, header, shards, edge)
        return
    with temporary_dataset(root, header) as tmp:

        def encode(item: tuple[Vec3Int, Voxels]) -> bool:
            index, data = item
            if not data.any():
                return False
            tmp.write(tuple(index * edge), np.asfortranarray(data))
            return True

        written = run_all(encode, shards)
        tmp_root = Path(tmp.root)
        for (index, _), nonzero in zip(shards, written, strict=True):
            target = shard_path(root, index)
            if nonzero:
                replace_durably(shard_path(tmp_root, index), target)
            else:
                target.unlink(missing_ok=True)


def _write_split(
    root: Path, header: wkw.Header, shards: Sequence[tuple[Vec3Int, Voxels]], edge: int
) -> None:
    half = edge // 2
    octants = [_octant(o) for o in range(8)]
    with temporary_dataset(root, header_with_file_len(header, header.file_len // 2)) as tmp:
        tmp_root = Path(tmp.root)

        def encode(job: tuple[Vec3Int, Voxels, Vec3Int]) -> bool:
            index, data, octant = job
            lo = octant * half
            part = data[:, lo.x : lo.x + half, lo.y : lo.y + half, lo.z : lo.z + half]
            tmp.write(tuple(index * edge + lo), np.asfortranarray(part))
            # Zeros compress ~250:1; only a small file needs the full scan.
            size = shard_path(tmp_root, index * 2 + octant).stat().st_size
            return size * 16 > part.nbytes or bool(part.any())

        jobs = [(index, data, octant) for index, data in shards for octant in octants]
        nonzero = run_all(encode, jobs)
        for number, (index, _) in enumerate(shards):
            target = shard_path(root, index)
            if not any(nonzero[8 * number : 8 * number + 8]):
                target.unlink(missing_ok=True)
                continue
            with ExitStack() as stack:
                runs = [file_run(shard_path(tmp_root, index * 2 + o), stack) for o in octants]
                write_runs_atomically(target, header, runs)


def _octant(number: int) -> Vec3Int:
    """Offset (0 or 1 per axis) of octant ``number`` in Morton order (x is the lowest bit)."""
    return Vec3Int(number & 1, (number >> 1) & 1, number >> 2)


def patch_shard(dataset: wkw.Dataset, index: Vec3Int, box: BoundingBox, data: Voxels) -> None:
    """Write ``data`` to ``box`` (in voxels relative to the shard) of compressed shard ``index``.

    The file is replaced atomically and byte-identical to encoding the whole
    patched shard, but the work is proportional to ``box``: octants that
    ``box`` misses are copied from the old file as byte runs, or are cached
    zero runs; the octants ``box`` touches are split down to
    :data:`PATCH_LEAF_EDGE` and encoded in parallel from the old data patched
    with ``data``. An all-zero result deletes the file.
    """
    root, header = Path(dataset.root), dataset.header
    target = shard_path(root, index)
    with ExitStack() as stack:
        old = open_compatible(target, header, stack)
        # An old file of another layout cannot be copied from, only decoded.
        decode_all = old is None and target.exists()
        edge = header.file_len * header.block_len
        leaf_edge = min(edge, max(header.block_len, PATCH_LEAF_EDGE))
        plan = _plan_octants(root, header, box, old, decode_all, leaf_edge)
        leaves = [item for item in plan if isinstance(item, BoundingBox)]
        has_old = decode_all or old is not None
        tmp = stack.enter_context(
            temporary_dataset(root, header_with_file_len(header, leaf_edge // header.block_len))
        )
        encoded = iter(_encode_leaves(tmp, stack, dataset, index, box, data, leaves, has_old))
        runs = [next(encoded) if isinstance(item, BoundingBox) else (item, None) for item in plan]
        if any(flag or (flag is None and not is_zero(root, header, run)) for run, flag in runs):
            write_runs_atomically(target, header, [run for run, _ in runs])
        else:
            target.unlink(missing_ok=True)


def _plan_octants(
    root: Path,
    header: wkw.Header,
    box: BoundingBox,
    old: OldFile | None,
    decode_all: bool,
    leaf_edge: int,
) -> list[Run | BoundingBox]:
    """The shard in block order: finished runs, and the leaf octants (boxes) still to encode."""
    plan: list[Run | BoundingBox] = []

    def visit(octant: BoundingBox, first_block: int) -> None:
        blocks = (octant.size.x // header.block_len) ** 3
        if decode_all or not octant.intersected_with(box, dont_assert=True).is_empty():
            if octant.size.x <= leaf_edge:
                plan.append(octant)
                return
            half = octant.size.x // 2
            for number in range(8):
                child = BoundingBox(octant.topleft + _octant(number) * half, Vec3Int.full(half))
                visit(child, first_block + number * blocks // 8)
        elif old is None:
            plan.append(zero_run(root, header, blocks))
        else:
            plan.append(old.run(first_block, blocks))

    visit(BoundingBox(Vec3Int.zeros(), Vec3Int.full(header.file_len * header.block_len)), 0)
    return plan


def _encode_leaves(
    tmp: wkw.Dataset,
    stack: ExitStack,
    dataset: wkw.Dataset,
    index: Vec3Int,
    box: BoundingBox,
    data: Voxels,
    leaves: Sequence[BoundingBox],
    has_old: bool,
) -> list[tuple[Run, bool]]:
    """Each leaf octant encoded from its old data patched with ``data``, and whether nonzero."""
    root, header = Path(dataset.root), dataset.header
    origin = index * header.file_len * header.block_len

    def encode(leaf: BoundingBox) -> tuple[Run, bool]:
        edge = leaf.size.x
        chunk = np.zeros((header.num_channels, *leaf.size), header.voxel_type, order="F")
        part = leaf.intersected_with(box, dont_assert=True)
        if has_old and part != leaf:
            read_slab(dataset, leaf.offset(origin), chunk)
        if not part.is_empty():
            source = data[(slice(None), *part.offset(-box.topleft).to_slices())]
            copy_into(chunk[(slice(None), *part.offset(-leaf.topleft).to_slices())], source)
        if not chunk.any():
            return zero_run(root, header, (edge // header.block_len) ** 3), False
        tmp.write(tuple(origin + leaf.topleft), chunk)
        return file_run(shard_path(Path(tmp.root), (origin + leaf.topleft) // edge), stack), True

    return run_all(encode, leaves)
