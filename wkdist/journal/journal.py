"""A job's journal in its target dataset: ``<dataset>/.wkdist-jobs/<job>/``.

The driver writes the header before any data; each write task, after its shards
are durably stored, writes one :class:`~wkdist.journal.records.TaskRecord`; the
finalization writes ``finalized.json`` last. A run of the same job (same
identity) skips the recorded shards whose files are unchanged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wkdist.journal.files import TEMP_PREFIX, journal_files
from wkdist.journal.fingerprints import fingerprint, shard_problem, shard_unchanged
from wkdist.journal.records import ArrayPlan, FailureRecord, JobHeader, ShardFile, TaskRecord
from wkdist.location import RemotePath

if TYPE_CHECKING:
    from collections.abc import Iterable

    from wkdist.geometry import BoundingBox, Vec3Int
    from wkdist.journal.files import JournalFiles
    from wkdist.location import Location
    from wkdist.storage import StorageArray

#: The journal folder in a dataset.
JOURNAL_DIR = ".wkdist-jobs"
HEADER = "job.json"
FINALIZED = "finalized.json"


def job_identity(kind: str, source: str | None, target: str, parameters: dict[str, Any]) -> str:
    """A stable hex digest of what a job is (not when or where it runs)."""
    text = json.dumps([kind, source, target, parameters], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def shard_indices(boxes: Iterable[BoundingBox], shard_shape: Vec3Int) -> list[Vec3Int]:
    """Grid indices of the shards that ``boxes`` touch, each once, in order."""
    indices: dict[Vec3Int, None] = {}
    for box in boxes:
        for cell in box.chunk(shard_shape, shard_shape):
            indices[cell.topleft // shard_shape] = None
    return list(indices)


def task_record_name(array: str, indices: Iterable[Vec3Int]) -> str:
    """The record name of a task: from its array and shards, so a repeated task
    replaces its own record."""
    text = json.dumps([array, [list(i) for i in indices]])
    return f"tasks/{hashlib.sha1(text.encode()).hexdigest()[:24]}.json"


@dataclass(frozen=True)
class TaskJournal:
    """What a write task needs to record its shards: small and picklable."""

    job_dir: Location
    array: str

    def record(
        self,
        array: StorageArray,
        boxes: Iterable[BoundingBox],
        value_range: tuple[float, float] | None = None,
    ) -> None:
        """Fsync and fingerprint the files of the shards that ``boxes`` cover (in
        ``array``'s voxels, on its shard grid), then store the task's record
        durably, with the range of the values the task wrote, if it collected one."""
        indices = shard_indices(boxes, array.spec.shard_shape)
        shards = tuple(fingerprint(array, index) for index in indices)
        record = TaskRecord(self.array, time.time(), shards, value_range)
        journal_files(self.job_dir).put(task_record_name(self.array, indices), record.to_json())

    def recorded_value_ranges(self) -> list[tuple[float, float]]:
        """The value ranges recorded by the tasks of this array, in this run and
        the runs of the job before it (whose tasks a resumed run skips)."""
        records = read_tasks(journal_files(self.job_dir))
        return [r.value_range for r in records if r.array == self.array and r.value_range]


def read_tasks(files: JournalFiles) -> list[TaskRecord]:
    """Every task record of a journal, read in parallel (10⁵ records take seconds)."""
    names = files.list("tasks")
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda n: TaskRecord.from_json(files.get(n)), names))


class Journal:
    """One job's journal (see the module docstring)."""

    def __init__(
        self, dataset_path: Location, name: str, files: JournalFiles | None = None
    ) -> None:
        self.dataset_path = dataset_path
        self.name = name
        self.dir = self.dataset_path / JOURNAL_DIR / name
        self.files: JournalFiles = files if files is not None else journal_files(self.dir)
        self._header: JobHeader | None = None
        #: Whether this run continues the job (set by whoever opens it for a run).
        self.continued = True

    def __repr__(self) -> str:
        return f"Journal({str(self.dir)!r})"

    # ------------------------------------------------------------ life cycle
    @classmethod
    def start(cls, dataset_path: Location, header: JobHeader) -> Journal:
        """Write ``header`` as a new job's journal in ``dataset_path``."""
        journal = cls(dataset_path, header.job_id)
        if not journal.files.create(HEADER, header.to_json()):
            raise FileExistsError(f"a job journal exists at {journal.dir} already")
        journal._header = header
        journal.continued = False
        return journal

    @property
    def header(self) -> JobHeader:
        if self._header is None:
            self._header = JobHeader.from_json(self.files.get(HEADER))
        return self._header

    @property
    def arrays(self) -> tuple[ArrayPlan, ...]:
        """The arrays recorded so far (in the order the job planned them)."""
        names = self.files.list("arrays")
        return tuple(ArrayPlan.from_json(self.files.get(n)) for n in names)

    @property
    def total_shards(self) -> int:
        """Shards of the arrays planned so far."""
        return sum(a.shards for a in self.arrays)

    def record_array(self, plan: ArrayPlan) -> None:
        """Record an array the job writes (before its first write task); once
        recorded as created by the job, it stays so when a later run plans it again."""
        known = self.arrays
        names = [a.array for a in known]
        if plan.array in names:
            number = names.index(plan.array)
            if known[number].created and not plan.created:
                plan = dataclasses.replace(plan, created=True)
        else:
            number = len(known)
        self.files.put(f"arrays/{number:05d}.json", plan.to_json())

    def ways_out(self) -> str:
        """How to get past this unfinished job: the commands that resume or discard it."""
        return (
            f"  resume it:  wkdist resume {self.dataset_path}   "
            f"(or: {self.header.resume_command})\n"
            f"  discard it: wkdist discard {self.dataset_path} --job {self.name}   "
            "(deletes only what that job wrote)"
        )

    @property
    def finalized(self) -> bool:
        return self.files.exists(FINALIZED)

    def task_journal(self, array: str) -> TaskJournal:
        return TaskJournal(self.dir, array)

    def record_failure(self, message: str) -> None:
        """Record why a run stopped; best effort (the disk may be full or read-only)."""
        failure = FailureRecord(time.time(), socket.gethostname(), message)
        with contextlib.suppress(OSError):
            self.files.put(f"failures/{time.time_ns()}.json", failure.to_json())

    def finalize(self) -> None:
        """Mark the job finished (after its finalization wrote the properties)."""
        self.files.put(FINALIZED, json.dumps({"time": time.time()}).encode())

    # --------------------------------------------------------------- reading
    def tasks(self) -> list[TaskRecord]:
        """Every task record (see :func:`read_tasks`)."""
        return read_tasks(self.files)

    def failures(self) -> list[FailureRecord]:
        return [FailureRecord.from_json(self.files.get(n)) for n in self.files.list("failures")]

    def recorded_shards(self) -> dict[str, dict[Vec3Int, ShardFile]]:
        """Per array (relative folder), the recorded shards by grid index."""
        shards: dict[str, dict[Vec3Int, ShardFile]] = {}
        for record in sorted(self.tasks(), key=lambda r: r.finished):
            own = shards.setdefault(record.array, {})
            own.update((s.index, s) for s in record.shards)
        return shards

    def done_shards(
        self, plan: ArrayPlan, recorded: dict[str, dict[Vec3Int, ShardFile]] | None = None
    ) -> set[Vec3Int]:
        """Recorded shards of ``plan``'s array whose files are unchanged (cheap check).
        ``recorded``: :meth:`recorded_shards`, if the caller read it already (a stage
        with several arrays reads the records once)."""
        root = self.dataset_path / plan.write_root
        own = (self.recorded_shards() if recorded is None else recorded).get(plan.array, {})
        return {index for index, shard in own.items() if shard_unchanged(root, shard)}

    def forget_damaged(self) -> int:
        """Drop from the records every shard whose file no longer matches its
        checksum, and mark the job unfinished, so that resuming it rewrites them;
        return how many were dropped."""
        dropped = 0
        plans = {a.array: a for a in self.arrays}
        finalized = self.finalized
        for name in self.files.list("tasks"):
            record = TaskRecord.from_json(self.files.get(name))
            plan = plans.get(record.array)
            if plan is None:
                continue
            root = self.dataset_path / (plan.array if finalized else plan.write_root)
            intact = tuple(s for s in record.shards if shard_problem(root, s) is None)
            if len(intact) < len(record.shards):
                dropped += len(record.shards) - len(intact)
                self.files.put(name, dataclasses.replace(record, shards=intact).to_json())
        if dropped:
            self.files.delete(FINALIZED)
        return dropped

    # ------------------------------------------------------------ clean-up
    def remove_temporaries(self) -> int:
        """Delete leftovers of killed writes: ``.wkdist-tmp-*`` files and folders
        and tensorstore's ``*.__lock`` files in the job's write roots, and partial
        properties files (``.*.partial``) in the dataset folder; return how many.
        (Object storage has none: each object is stored whole by one PUT.)"""
        dataset = self.dataset_path
        if isinstance(dataset, RemotePath):
            return 0
        count = 0
        job_dir = dataset / JOURNAL_DIR / self.name
        for partial in [*dataset.glob(".*.partial"), *job_dir.rglob(f"{TEMP_PREFIX}*")]:
            partial.unlink(missing_ok=True)
            count += 1
        for plan in self.arrays:
            root = dataset / plan.write_root
            if not root.is_dir():
                continue
            for path in list(root.rglob(f"{TEMP_PREFIX}*")) + list(root.rglob("*.__lock")):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                count += 1
        return count

    def discard(self) -> None:
        """Delete what the job created (listed in its header and plan) and the journal."""
        created = {*self.header.created, *(a.write_root for a in self.arrays if a.created)}
        for relative in sorted(created, key=len, reverse=True):
            if relative == "":
                continue
            _delete(self.dataset_path / relative)
        self.files.remove()
        journal_root = self.dataset_path / JOURNAL_DIR
        if isinstance(journal_root, Path) and journal_root.is_dir() and not any(journal_root.iterdir()):
            journal_root.rmdir()
        if "" in created:
            _delete(self.dataset_path)


def _delete(location: Location) -> None:
    """Delete a file or folder, or an object and everything below its key."""
    if isinstance(location, RemotePath):
        location.delete_tree()
    elif location.is_dir():
        shutil.rmtree(location, ignore_errors=True)
    else:
        location.unlink(missing_ok=True)


def keeps_journals(dataset_path: Location) -> bool:
    """Whether jobs keep journals in the dataset: local ones and ones in object
    storage (``s3://``, ``gs://``), not read-only ``http(s)://`` ones."""
    return not (isinstance(dataset_path, RemotePath) and dataset_path.read_only)


def journals(dataset_path: Location) -> list[Journal]:
    """Every job journal in the dataset, oldest first."""
    if not keeps_journals(dataset_path):
        return []
    root = dataset_path / JOURNAL_DIR
    if isinstance(root, RemotePath):
        # The listing already says which job folders hold a header: no request per job.
        headers = (key.split("/") for key in root.list_keys())
        names = sorted(parts[0] for parts in headers if parts[1:] == [HEADER])
    else:
        try:
            names = sorted(p.name for p in root.iterdir() if (p / HEADER).is_file())
        except (FileNotFoundError, NotADirectoryError):
            return []
    return [Journal(dataset_path, name) for name in names]


def unfinished_jobs(dataset_path: Location) -> list[Journal]:
    """The journals of jobs that were started in the dataset and not finalized."""
    return [j for j in journals(dataset_path) if not j.finalized]


def new_header(
    *,
    kind: str,
    source: str | None,
    target: str,
    parameters: dict[str, Any],
    argv: tuple[str, ...] | None,
    created: tuple[str, ...] = (),
) -> JobHeader:
    """The header of a job that starts now on this host."""
    identity = job_identity(kind, source, target, parameters)
    plain = json.loads(json.dumps(parameters, default=str))
    started = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(started))
    return JobHeader(
        job_id=f"{stamp}-{kind}-{identity[:8]}",
        identity=identity,
        kind=kind,
        source=source,
        target=target,
        parameters=plain,
        argv=argv,
        started=started,
        host=socket.gethostname(),
        pid=os.getpid(),
        created=created,
    )
