"""The WKW file format at the byte level: headers, jump tables and runs of
compressed blocks, copied between files and written atomically (``format.md`` §2)."""

from __future__ import annotations

import os
import shutil
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import wkw

from wkdist.geometry import Vec3Int

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence


HEADER_SIZE = 16


def shard_path(root: Path, index: Vec3Int) -> Path:
    """Path of the file with shard index ``index`` (not voxels)."""
    return root / f"z{index.z}" / f"y{index.y}" / f"x{index.x}.wkw"


@contextmanager
def temporary_dataset(root: Path, header: wkw.Header) -> Iterator[wkw.Dataset]:
    """A WKW dataset in a hidden directory inside ``root``, removed afterwards."""
    tmp = root / f".wkdist-tmp-{uuid.uuid4().hex}"
    dataset = wkw.Dataset.create(str(tmp), header)
    try:
        yield dataset
    finally:
        dataset.close()
        shutil.rmtree(tmp, ignore_errors=True)


def replace_durably(source: Path, target: Path) -> None:
    fd = os.open(source, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


@dataclass(frozen=True, slots=True)
class FileRange:
    """``length`` bytes at ``offset`` of the open file ``fd``."""

    fd: int
    offset: int
    length: int


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive blocks of a compressed file, laid out like a file of their own.

    ``ends`` are the blocks' end offsets relative to the first payload byte.
    """

    ends: np.ndarray
    payload: bytes | FileRange


def file_run(path: Path, stack: ExitStack) -> Run:
    """All blocks of the compressed file at ``path``, copied from it while ``stack`` is open."""
    fd = os.open(path, os.O_RDONLY)
    stack.callback(os.close, fd)
    start = int.from_bytes(os.pread(fd, 8, 8), "little")
    table = os.pread(fd, start - HEADER_SIZE, HEADER_SIZE)
    ends = np.frombuffer(table, "<u8").astype(np.int64) - start
    return Run(ends, FileRange(fd, start, int(ends[-1])))


def file_header(header: wkw.Header, data_offset: int) -> bytes:
    voxel_code = wkw.Header.VALID_VOXEL_TYPES.index(header.voxel_type) + 1
    voxel_size = header.num_channels * np.dtype(header.voxel_type).itemsize
    dims = (header.file_len.bit_length() - 1) << 4 | (header.block_len.bit_length() - 1)
    fields = bytes([1, dims, header.block_type, voxel_code, voxel_size])
    return b"WKW" + fields + data_offset.to_bytes(8, "little")


def write_runs_atomically(target: Path, header: wkw.Header, runs: Sequence[Run]) -> None:
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
            write_all(fd, file_header(header, data_offset))
            write_all(fd, np.concatenate(ends).astype("<u8").tobytes())
            for run in runs:
                if isinstance(run.payload, FileRange):
                    copy_range(run.payload, fd)
                else:
                    write_all(fd, run.payload)
            os.fsync(fd)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def copy_range(source: FileRange, target: int) -> None:
    """Append ``source`` to ``target`` (at its position)."""
    offset, length = source.offset, source.length
    while length > 0:
        sent = os.sendfile(target, source.fd, offset, length)
        if sent == 0:
            raise OSError(f"unexpected end of file while copying {length} more bytes")
        offset += sent
        length -= sent


def header_with_file_len(header: wkw.Header, file_len: int) -> wkw.Header:
    return wkw.Header(
        voxel_type=header.voxel_type,
        num_channels=header.num_channels,
        block_len=header.block_len,
        file_len=file_len,
        block_type=header.block_type,
    )


_zero_runs: dict[tuple[object, ...], Run] = {}


def zero_run(root: Path, header: wkw.Header, blocks: int) -> Run:
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
                temporary_dataset(root, header_with_file_len(header, 1)) as tmp,
            ):
                tmp.write((0, 0, 0), zeros)
                encoded = file_run(shard_path(Path(tmp.root), Vec3Int.zeros()), stack)
                payload = encoded.payload
                one = Run(
                    encoded.ends,
                    read_range(payload) if isinstance(payload, FileRange) else payload,
                )
        ends = np.arange(1, blocks + 1, dtype=np.int64) * int(one.ends[0])
        ends.flags.writeable = False
        single = one.payload
        assert isinstance(single, bytes)  # read above
        run = _zero_runs[(*key, blocks)] = Run(ends, single * blocks)
    return run


@dataclass(frozen=True, slots=True)
class OldFile:
    """An open compressed file; ``bounds`` is its data offset followed by its jump table."""

    fd: int
    bounds: np.ndarray

    def run(self, first_block: int, blocks: int) -> Run:
        start = int(self.bounds[first_block])
        ends = self.bounds[first_block + 1 : first_block + 1 + blocks] - start
        return Run(ends, FileRange(self.fd, start, int(ends[-1])))


def open_compatible(target: Path, header: wkw.Header, stack: ExitStack) -> OldFile | None:
    """The file ``target`` if it exists and has exactly the layout a new file would have."""
    try:
        fd = os.open(target, os.O_RDONLY)
    except FileNotFoundError:
        return None
    stack.callback(os.close, fd)
    count = header.file_len**3
    data_offset = HEADER_SIZE + 8 * count
    head = os.pread(fd, data_offset, 0)
    if len(head) < data_offset or head[:HEADER_SIZE] != file_header(header, data_offset):
        return None
    ends = np.frombuffer(head, "<u8", count=count, offset=HEADER_SIZE).astype(np.int64)
    return OldFile(fd, np.concatenate([[data_offset], ends]))


def is_zero(root: Path, header: wkw.Header, run: Run) -> bool:
    zero = zero_run(root, header, len(run.ends))
    if not np.array_equal(run.ends, zero.ends):
        return False
    payload = run.payload
    return (read_range(payload) if isinstance(payload, FileRange) else payload) == zero.payload


def read_range(source: FileRange) -> bytes:
    content = os.pread(source.fd, source.length, source.offset)
    if len(content) != source.length:
        raise OSError(f"unexpected end of file reading {source.length} bytes at {source.offset}")
    return content
