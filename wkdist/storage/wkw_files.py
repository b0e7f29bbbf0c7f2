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

import itertools
import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
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
# Edge (voxels) down to which a patched shard is split; patched octants are encoded whole.
PATCH_LEAF_EDGE = 128

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


@dataclass(frozen=True, slots=True)
class _FileRange:
    """``length`` bytes at ``offset`` of the open file ``fd``."""

    fd: int
    offset: int
    length: int


@dataclass(frozen=True, slots=True)
class _Run:
    """Consecutive blocks of a compressed file, laid out like a file of their own.

    ``ends`` are the blocks' end offsets relative to the first payload byte.
    """

    ends: np.ndarray
    payload: bytes | _FileRange


def _file_run(path: Path, stack: ExitStack) -> _Run:
    """All blocks of the compressed file at ``path``, copied from it while ``stack`` is open."""
    fd = os.open(path, os.O_RDONLY)
    stack.callback(os.close, fd)
    start = int.from_bytes(os.pread(fd, 8, 8), "little")
    table = os.pread(fd, start - HEADER_SIZE, HEADER_SIZE)
    ends = np.frombuffer(table, "<u8").astype(np.int64) - start
    return _Run(ends, _FileRange(fd, start, int(ends[-1])))


def _file_header(header: wkw.Header, data_offset: int) -> bytes:
    voxel_code = wkw.Header.VALID_VOXEL_TYPES.index(header.voxel_type) + 1
    voxel_size = header.num_channels * np.dtype(header.voxel_type).itemsize
    dims = (header.file_len.bit_length() - 1) << 4 | (header.block_len.bit_length() - 1)
    fields = bytes([1, dims, header.block_type, voxel_code, voxel_size])
    return b"WKW" + fields + data_offset.to_bytes(8, "little")


def _write_runs_atomically(target: Path, header: wkw.Header, runs: Sequence[_Run]) -> None:
    """Write the compressed file made of ``runs`` (in block order) to ``target`` (temp + rename).

    The jump table is the runs' tables rebased; byte ranges of other files are
    copied by the kernel (``sendfile``), not through Python.
    """
    data_offset = HEADER_SIZE + 8 * header.file_len**3
    ends, position = [], data_offset
    for run in runs:
        ends.append(run.ends + position)
        position += int(run.ends[-1])
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    try:
        with partial.open("wb", buffering=0) as out:
            fd = out.fileno()
            _write_all(fd, _file_header(header, data_offset))
            _write_all(fd, np.concatenate(ends).astype("<u8").tobytes())
            for run in runs:
                if isinstance(run.payload, _FileRange):
                    _copy_range(run.payload, fd)
                else:
                    _write_all(fd, run.payload)
            os.fsync(fd)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _copy_range(source: _FileRange, target: int) -> None:
    """Append ``source`` to ``target`` (at its position)."""
    offset, length = source.offset, source.length
    while length > 0:
        sent = os.sendfile(target, source.fd, offset, length)
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


_zero_runs: dict[tuple[object, ...], _Run] = {}


def _zero_run(root: Path, header: wkw.Header, blocks: int) -> _Run:
    """``blocks`` all-zero blocks, encoded once per process and header (in ``root``)."""
    key = (header.voxel_type, header.num_channels, header.block_len, header.block_type)
    run = _zero_runs.get((*key, blocks))
    if run is None:
        one = _zero_runs.get((*key, 1))
        if one is None:
            edge = header.block_len
            zeros = np.zeros((header.num_channels, edge, edge, edge), header.voxel_type, order="F")
            with (
                ExitStack() as stack,
                _temporary_dataset(root, _header_with_file_len(header, 1)) as tmp,
            ):
                tmp.write((0, 0, 0), zeros)
                encoded = _file_run(shard_path(Path(tmp.root), Vec3Int.zeros()), stack)
                one = _Run(encoded.ends, _read_range(encoded.payload))
        ends = np.arange(1, blocks + 1, dtype=np.int64) * int(one.ends[0])
        ends.flags.writeable = False
        run = _zero_runs[(*key, blocks)] = _Run(ends, bytes(one.payload) * blocks)
    return run


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
    octants = [_octant(o) for o in range(8)]
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
            with ExitStack() as stack:
                runs = [_file_run(shard_path(tmp_root, index * 2 + o), stack) for o in octants]
                _write_runs_atomically(target, header, runs)


def _octant(number: int) -> Vec3Int:
    """Offset (0 or 1 per axis) of octant ``number`` in Morton order (x is the lowest bit)."""
    return Vec3Int(number & 1, (number >> 1) & 1, number >> 2)


def patch_shard(dataset: wkw.Dataset, index: Vec3Int, box: BoundingBox, data: np.ndarray) -> None:
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
        old = _open_compatible(target, header, stack)
        # An old file of another layout cannot be copied from, only decoded.
        decode_all = old is None and target.exists()
        edge = header.file_len * header.block_len
        leaf_edge = min(edge, max(header.block_len, PATCH_LEAF_EDGE))
        plan = _plan_octants(root, header, box, old, decode_all, leaf_edge)
        leaves = [item for item in plan if isinstance(item, BoundingBox)]
        has_old = decode_all or old is not None
        tmp = stack.enter_context(
            _temporary_dataset(root, _header_with_file_len(header, leaf_edge // header.block_len))
        )
        encoded = iter(_encode_leaves(tmp, stack, dataset, index, box, data, leaves, has_old))
        runs = [next(encoded) if isinstance(item, BoundingBox) else (item, None) for item in plan]
        if any(flag or (flag is None and not _is_zero(root, header, run)) for run, flag in runs):
            _write_runs_atomically(target, header, [run for run, _ in runs])
        else:
            target.unlink(missing_ok=True)


def _plan_octants(
    root: Path,
    header: wkw.Header,
    box: BoundingBox,
    old: _OldFile | None,
    decode_all: bool,
    leaf_edge: int,
) -> list[_Run | BoundingBox]:
    """The shard in block order: finished runs, and the leaf octants (boxes) still to encode."""
    plan: list[_Run | BoundingBox] = []

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
            plan.append(_zero_run(root, header, blocks))
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
    data: np.ndarray,
    leaves: Sequence[BoundingBox],
    has_old: bool,
) -> list[tuple[_Run, bool]]:
    """Each leaf octant encoded from its old data patched with ``data``, and whether nonzero."""
    root, header = Path(dataset.root), dataset.header
    origin = index * header.file_len * header.block_len

    def encode(leaf: BoundingBox) -> tuple[_Run, bool]:
        edge = leaf.size.x
        chunk = np.zeros((header.num_channels, *leaf.size), header.voxel_type, order="F")
        part = leaf.intersected_with(box, dont_assert=True)
        if has_old and part != leaf:
            _read_slab(dataset, leaf.offset(origin), chunk)
        if not part.is_empty():
            source = data[(slice(None), *part.offset(-box.topleft).to_slices())]
            chunk[(slice(None), *part.offset(-leaf.topleft).to_slices())] = source
        if not chunk.any():
            return _zero_run(root, header, (edge // header.block_len) ** 3), False
        tmp.write(tuple(origin + leaf.topleft), chunk)
        return _file_run(shard_path(Path(tmp.root), (origin + leaf.topleft) // edge), stack), True

    return _run_all(encode, leaves)


@dataclass(frozen=True, slots=True)
class _OldFile:
    """An open compressed file; ``bounds`` is its data offset followed by its jump table."""

    fd: int
    bounds: np.ndarray

    def run(self, first_block: int, blocks: int) -> _Run:
        start = int(self.bounds[first_block])
        ends = self.bounds[first_block + 1 : first_block + 1 + blocks] - start
        return _Run(ends, _FileRange(self.fd, start, int(ends[-1])))


def _open_compatible(target: Path, header: wkw.Header, stack: ExitStack) -> _OldFile | None:
    """The file ``target`` if it exists and has exactly the layout a new file would have."""
    try:
        fd = os.open(target, os.O_RDONLY)
    except FileNotFoundError:
        return None
    stack.callback(os.close, fd)
    count = header.file_len**3
    data_offset = HEADER_SIZE + 8 * count
    head = os.pread(fd, data_offset, 0)
    if len(head) < data_offset or head[:HEADER_SIZE] != _file_header(header, data_offset):
        return None
    ends = np.frombuffer(head, "<u8", count=count, offset=HEADER_SIZE).astype(np.int64)
    return _OldFile(fd, np.concatenate([[data_offset], ends]))


def _is_zero(root: Path, header: wkw.Header, run: _Run) -> bool:
    zero = _zero_run(root, header, len(run.ends))
    if not np.array_equal(run.ends, zero.ends):
        return False
    payload = run.payload
    return (_read_range(payload) if isinstance(payload, _FileRange) else payload) == zero.payload


def _read_range(source: _FileRange) -> bytes:
    content = os.pread(source.fd, source.length, source.offset)
    if len(content) != source.length:
        raise OSError(f"unexpected end of file reading {source.length} bytes at {source.offset}")
    return content
