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
single-call encode.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import wkw
from wkw.wkw import _check_wkw, ffi, libwkw

from wkdist.geometry import BoundingBox, Vec3Int

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

HEADER_SIZE = 16
# Below these sizes one call on the calling thread is faster than splitting.
MIN_PARALLEL_READ_BYTES = 4 << 20
MIN_OCTANT_SPLIT_BYTES = 1 << 20

_T = TypeVar("_T")
_R = TypeVar("_R")

_pool_state: tuple[int, ThreadPoolExecutor] | None = None


def worker_count() -> int:
    """CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _pool() -> ThreadPoolExecutor:
    # Keyed by pid: a forked child must not use the parent's (dead) threads.
    global _pool_state
    pid = os.getpid()
    if _pool_state is None or _pool_state[0] != pid:
        pool = ThreadPoolExecutor(worker_count(), thread_name_prefix="wkdist-wkw")
        _pool_state = (pid, pool)
    return _pool_state[1]


def _run_all(function: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
    """``map`` on the shared pool (``wkw`` releases the GIL while it works)."""
    if len(items) <= 1 or worker_count() == 1:
        return [function(item) for item in items]
    return list(_pool().map(function, items))


def shard_path(root: Path, index: Vec3Int) -> Path:
    """Path of the file with shard index ``index`` (not voxels)."""
    return root / f"z{index.z}" / f"y{index.y}" / f"x{index.x}.wkw"


# --------------------------------------------------------------------- reading
def _read_slab(dataset: wkw.Dataset, box: BoundingBox, out: np.ndarray) -> None:
    """Read ``box`` into the F-contiguous ``out`` (no intermediate copy)."""
    bounds = np.array([*box.topleft, *box.bottomright], dtype=np.uint32)
    _check_wkw(
        libwkw.dataset_read(
            dataset.handle,
            ffi.cast("uint32_t *", bounds.ctypes.data),
            ffi.cast("void *", out.ctypes.data),
        )
    )


def read_box(dataset: wkw.Dataset, box: BoundingBox, out: np.ndarray) -> None:
    """Read ``box`` (non-negative, in voxels) into ``out``, which must be F-ordered zeros.

    Large boxes are split into z-slabs along the block grid and read in
    parallel; a z-slab of an F-ordered ``(C, X, Y, Z)`` array is contiguous.
    """
    block = dataset.header.block_len
    z0, z1 = box.topleft.z, box.bottomright.z
    slabs = 1
    if out.nbytes >= MIN_PARALLEL_READ_BYTES:
        slabs = min(2 * worker_count(), -(-(z1 - z0) // block))
    if slabs <= 1:
        _read_slab(dataset, box, out)
        return
    step = -(-(z1 - z0) // slabs)
    step = -(-step // block) * block
    cuts = [z0, *range(z0 - z0 % block + step, z1, step), z1]

    def read_one(bounds: tuple[int, int]) -> None:
        lo, hi = bounds
        slab = box.with_bounds_z(lo, hi - lo)
        _read_slab(dataset, slab, out[..., lo - z0 : hi - z0])

    _run_all(read_one, list(itertools.pairwise(cuts)))


# --------------------------------------------------------------------- writing
@contextmanager
def _temporary_dataset(root: Path, header: wkw.Header) -> Iterator[wkw.Dataset]:
    """A WKW dataset in a hidden directory inside ``root``, removed afterwards."""
    tmp = root / f".wkdist-tmp-{uuid.uuid4().hex}"
    dataset = wkw.Dataset.create(str(tmp), header)
    try:
        yield dataset
    finally:
        dataset.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _replace_durably(source: Path, target: Path) -> None:
    fd = os.open(source, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def _join_atomically(target: Path, octant_files: Sequence[Path], header: wkw.Header) -> None:
    """Write the compressed file made of eight octant files to ``target`` (temp + rename).

    The new jump table is the octants' tables rebased; the block payloads are
    copied by the kernel (``sendfile``), not through Python.
    """
    blocks_per_octant = (header.file_len // 2) ** 3
    table_size = 8 * blocks_per_octant
    data_offset = HEADER_SIZE + 8 * table_size
    first_header = b""
    ends, ranges, position = [], [], data_offset
    for path in octant_files:
        with path.open("rb") as file:
            head = file.read(HEADER_SIZE + table_size)
        first_header = first_header or head[:HEADER_SIZE]
        start = int.from_bytes(head[8:16], "little")
        jumps = np.frombuffer(head, "<u8", count=blocks_per_octant, offset=HEADER_SIZE)
        ends.append(jumps.astype(np.int64) - start + position)
        ranges.append((start, int(jumps[-1]) - start))
        position += int(jumps[-1]) - start
    new_header = bytearray(first_header)
    new_header[4] = (header.file_len.bit_length() - 1) << 4 | (header.block_len.bit_length() - 1)
    new_header[8:16] = data_offset.to_bytes(8, "little")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    try:
        with partial.open("wb") as out:
            out.write(new_header)
            out.write(np.concatenate(ends).astype("<u8").tobytes())
            out.flush()
            for path, (start, length) in zip(octant_files, ranges, strict=True):
                with path.open("rb") as source:
                    _copy_range(source.fileno(), out.fileno(), start, length)
            os.fsync(out.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _copy_range(source: int, target: int, offset: int, length: int) -> None:
    """Append ``length`` bytes of ``source`` from ``offset`` to ``target`` (at its position)."""
    while length > 0:
        sent = os.sendfile(target, source, offset, length)
        if sent == 0:
            raise OSError(f"unexpected end of file while copying {length} more bytes")
        offset += sent
        length -= sent


def _header_with_file_len(header: wkw.Header, file_len: int) -> wkw.Header:
    return wkw.Header(
        voxel_type=header.voxel_type,
        num_channels=header.num_channels,
        block_len=header.block_len,
        file_len=file_len,
        block_type=header.block_type,
    )


def write_whole_shards(
    root: Path, header: wkw.Header, shards: Sequence[tuple[Vec3Int, np.ndarray]]
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
    with _temporary_dataset(root, header) as tmp:

        def encode(item: tuple[Vec3Int, np.ndarray]) -> bool:
            index, data = item
            if not data.any():
                return False
            tmp.write(tuple(index * edge), np.asfortranarray(data))
            return True

        written = _run_all(encode, shards)
        tmp_root = Path(tmp.root)
        for (index, _), nonzero in zip(shards, written, strict=True):
            target = shard_path(root, index)
            if nonzero:
                _replace_durably(shard_path(tmp_root, index), target)
            else:
                target.unlink(missing_ok=True)


def _write_split(
    root: Path, header: wkw.Header, shards: Sequence[tuple[Vec3Int, np.ndarray]], edge: int
) -> None:
    half = edge // 2
    octants = [Vec3Int(o & 1, (o >> 1) & 1, o >> 2) for o in range(8)]
    with _temporary_dataset(root, _header_with_file_len(header, header.file_len // 2)) as tmp:
        tmp_root = Path(tmp.root)

        def encode(job: tuple[Vec3Int, np.ndarray, Vec3Int]) -> bool:
            index, data, octant = job
            lo = octant * half
            part = data[:, lo.x : lo.x + half, lo.y : lo.y + half, lo.z : lo.z + half]
            tmp.write(tuple(index * edge + lo), np.asfortranarray(part))
            # Zeros compress ~250:1; only a small file needs the full scan.
            size = shard_path(tmp_root, index * 2 + octant).stat().st_size
            return size * 16 > part.nbytes or bool(part.any())

        jobs = [(index, data, octant) for index, data in shards for octant in octants]
        nonzero = _run_all(encode, jobs)
        for number, (index, _) in enumerate(shards):
            target = shard_path(root, index)
            if not any(nonzero[8 * number : 8 * number + 8]):
                target.unlink(missing_ok=True)
                continue
            files = [shard_path(tmp_root, index * 2 + octant) for octant in octants]
            _join_atomically(target, files, header)


def list_shard_indices(root: Path) -> list[Vec3Int]:
    """Shard indices of the files ``z{Z}/y{Y}/x{X}.wkw`` present under ``root``."""
    indices: list[Vec3Int] = []
    for z_name, z in _numbered(root, "z", ""):
        for y_name, y in _numbered(root / z_name, "y", ""):
            indices.extend(
                Vec3Int(x, y, z) for _, x in _numbered(root / z_name / y_name, "x", ".wkw")
            )
    return sorted(indices, key=lambda index: (index.z, index.y, index.x))


def _numbered(directory: Path, prefix: str, suffix: str) -> Iterator[tuple[str, int]]:
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        digits = name[len(prefix) : len(name) - len(suffix)]
        if digits.isdigit() and digits.isascii():
            yield name, int(digits)
