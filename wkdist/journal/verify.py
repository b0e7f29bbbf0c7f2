"""Re-read a dataset's stored shard files and check them against the journals.

The newest journal that wrote an array is its reference: each recorded shard
file must exist with its recorded size and CRC-32, and no other file may sit
among the array's shard files.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wkdist.journal.fingerprints import shard_problem
from wkdist.journal.journal import journals
from wkdist.location import list_keys

if TYPE_CHECKING:
    from wkdist.geometry import Vec3Int
    from wkdist.journal.journal import Journal
    from wkdist.journal.records import ShardFile
    from wkdist.location import Location

#: Files of an array that are not shards.
_METADATA = frozenset({"zarr.json", ".zarray", ".zattrs", "header.wkw"})


@dataclass(frozen=True)
class BadFile:
    """A file that does not match its journal: ``problem`` is one of
    ``missing``, ``truncated``, ``size changed``, ``checksum mismatch``, ``not in the journal``."""

    journal: str
    array: str
    file: str
    problem: str

    def __str__(self) -> str:
        return f"{self.array}/{self.file}: {self.problem} (job {self.journal})"


def _references(dataset_path: Location) -> dict[str, tuple[Journal, Location]]:
    """Per array, the newest journal that wrote it and where its files are now."""
    latest: dict[str, tuple[Journal, Location]] = {}
    for journal in journals(dataset_path):
        for plan in journal.arrays:
            root = plan.array if journal.finalized else plan.write_root
            latest[plan.array] = (journal, dataset_path / root)
    return latest


def verify_files(dataset_path: Location, *, threads: int = 8) -> tuple[int, list[BadFile]]:
    """Check every journaled shard file of the dataset; return how many files were
    read and the bad ones (missing, truncated, changed, stray)."""
    checks: list[tuple[Journal, str, Location, ShardFile]] = []
    bad: list[BadFile] = []
    recorded: dict[str, dict[str, dict[Vec3Int, ShardFile]]] = {}  # read each journal once
    for array, (journal, root) in sorted(_references(dataset_path).items()):
        if journal.name not in recorded:
            recorded[journal.name] = journal.recorded_shards()
        shards = recorded[journal.name].get(array, {})
        checks += [(journal, array, root, shard) for shard in shards.values()]
        known = {shard.file for shard in shards.values()}
        bad += [
            BadFile(journal.name, array, relative, "not in the journal")
            for relative in list_keys(root)
            if relative.rpartition("/")[2] not in _METADATA and relative not in known
        ]
    with ThreadPoolExecutor(threads) as pool:
        problems = list(pool.map(lambda c: shard_problem(c[2], c[3]), checks))
    bad += [
        BadFile(journal.name, array, shard.file, problem)
        for (journal, array, _, shard), problem in zip(checks, problems, strict=True)
        if problem is not None
    ]
    return len(checks), sorted(bad, key=lambda b: (b.array, b.file))
