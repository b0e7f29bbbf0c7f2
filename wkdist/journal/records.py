"""What a job journal holds, as frozen values with a JSON form.

* :class:`JobHeader` (``job.json``): what the job is, written before anything else.
* :class:`ArrayPlan` (``arrays/<n>.json``): one array the job writes, recorded
  before its first write task (multi-stage jobs add one per stage).
* :class:`TaskRecord` (``tasks/<id>.json``): one per finished write task, the
  shards it wrote with a fingerprint of each stored file.
* :class:`FailureRecord` (``failures/<time>.json``): why a run stopped.
* ``finalized.json``: the job's finalization ran; the journal stays for ``verify``.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import asdict, dataclass, field
from typing import Any

from wkdist.geometry import Vec3Int

#: Version of the record layout, stored in every header.
JOURNAL_FORMAT = 1


@dataclass(frozen=True)
class ArrayPlan:
    """One array a job writes.

    Attributes
    ----------
    array
        The array's folder relative to the dataset (``color/1``), where its
        files are once the job is finalized.
    write_root
        Where the job writes them until then (the same, or a staging folder
        such as ``color/1.compressing``), relative to the dataset.
    shards
        Number of shards the job writes into it.
    identity
        The identity of the write plan (before recorded shards were dropped).
    created
        Whether the job created the array (discarding the job deletes it).
    """

    array: str
    write_root: str
    shards: int
    identity: str = ""
    created: bool = False

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> ArrayPlan:
        return cls(**json.loads(data))


@dataclass(frozen=True)
class JobHeader:
    """What a job is; its ``identity`` decides whether a second run is the same job.

    ``argv`` are the ``wkdist`` arguments that run the job again (without
    ``--cluster``), or ``None`` when the command line cannot express it.
    ``created`` lists paths (relative to the dataset, ``""`` for the dataset
    folder itself) that the job creates and that discarding it removes.
    """

    job_id: str
    identity: str
    kind: str
    source: str | None
    target: str
    parameters: dict[str, Any]
    argv: tuple[str, ...] | None
    started: float
    host: str
    pid: int
    created: tuple[str, ...] = ()
    format: int = JOURNAL_FORMAT

    @property
    def resume_command(self) -> str:
        if self.argv is None:
            return "run the same Python call again"
        return shlex.join(["wkdist", *self.argv])

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> JobHeader:
        raw = json.loads(data)
        raw["created"] = tuple(raw["created"])
        raw["argv"] = None if raw["argv"] is None else tuple(raw["argv"])
        return cls(**raw)


@dataclass(frozen=True)
class ShardFile:
    """A stored shard: its grid index, its file (relative to the array folder)
    and the file's fingerprint; ``size`` is -1 when the shard holds only zeros
    and the format stored no file.

    A local file's fingerprint is its size, modification time and CRC-32; an
    object's (object storage) is its ``generation`` (hex; the ETag, which the
    server derives from the content), with size, time and CRC-32 left 0: the
    server checks the bytes itself, and reading them back would double the traffic.
    """

    index: Vec3Int
    file: str
    size: int
    mtime_ns: int
    crc32: int
    generation: str | None = None

    @property
    def absent(self) -> bool:
        return self.size < 0


@dataclass(frozen=True)
class TaskRecord:
    """The shards one write task made durable in one array, and the range of the
    values it wrote when its plan collects one (an import's value recorder)."""

    array: str
    finished: float
    shards: tuple[ShardFile, ...] = field(default_factory=tuple)
    value_range: tuple[float, float] | None = None

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "array": self.array,
                "finished": self.finished,
                "shards": [
                    [list(s.index), s.file, s.size, s.mtime_ns, s.crc32]
                    + ([] if s.generation is None else [s.generation])
                    for s in self.shards
                ],
                "value_range": None if self.value_range is None else list(self.value_range),
            }
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> TaskRecord:
        raw = json.loads(data)
        shards = tuple(
            ShardFile(Vec3Int(index), *rest) for index, *rest in raw["shards"]
        )
        values = raw.get("value_range")
        return cls(raw["array"], raw["finished"], shards, None if values is None else tuple(values))


@dataclass(frozen=True)
class FailureRecord:
    """Why a run of the job stopped (first line first)."""

    time: float
    host: str
    message: str

    def to_json(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def from_json(cls, data: bytes) -> FailureRecord:
        return cls(**json.loads(data))
