"""Journaled jobs: run write plans so that a killed job resumes where it stopped.

A job (one ``wkdist`` command or one API call such as ``copy_dataset``) opens
its journal in the target dataset before it writes anything
(:func:`journaled`): a new one, or the unfinished journal of the same job
(same identity), which it then continues. Each stage's plans run through
:func:`run_journaled`: the arrays are recorded, shards recorded as done whose
files are unchanged are dropped from the plans, leftover temporary files are
removed, and every write task records its shards when they are durable. The
journal is marked finalized when the job's own finalization has run.

While the job runs, its changes to the target's ``datasource-properties.json``
(new layers and mags, grown boxes) are staged in its journal folder and
published when it finalizes: an unfinished job never looks finished to
WEBKNOSSOS, ``webknossos`` or another process.

API calls inside a journaled job (a command that downsamples several layers)
join the enclosing job instead of opening their own.
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wkdist.config import setting
from wkdist.dask_bridge.tasks import BatchResult, finalize_write
from wkdist.errors import JobIncompleteError, UnfinishedJobError
from wkdist.journal import (
    ArrayPlan,
    Journal,
    job_identity,
    journals,
    keeps_journals,
    new_header,
    unfinished_jobs,
)
from wkdist.journal.journal import shard_indices
from wkdist.location import RemotePath, require_local
from wkdist.properties import publish_stage, staged_properties
from wkdist.run.execute import run_plans
from wkdist.storage import open_array

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from concurrent.futures import Executor

    from distributed import Client

    from wkdist.dask_bridge.plan import WritePlan
    from wkdist.geometry import BoundingBox, Vec3Int
    from wkdist.journal.records import ShardFile
    from wkdist.location import Location

#: The folder in a job's journal that holds its staged properties.
_STAGE_DIR = "properties"
_ACTIVE: ContextVar[Journal | None] = ContextVar("wkdist_active_journal", default=None)


@dataclass(frozen=True)
class Job:
    """What a job is, as its journal records it.

    Attributes
    ----------
    kind
        ``copy``, ``compress``, ``downsample``, ``upsample``, ``write``.
    target
        The dataset the job writes into (its journal lives there, locally or in
        object storage; read-only ``http(s)://`` datasets get none).
    parameters
        Every option that changes what is written (JSON-serializable); with
        ``kind``, ``source`` and ``target`` they make the job's identity.
    source
        The dataset read from, if another one.
    argv
        ``wkdist`` arguments that run the job again, if the command line can.
    creates_target
        The job creates the target dataset (discarding it deletes the dataset).
    """

    kind: str
    target: Location
    parameters: dict[str, Any] = field(default_factory=dict)
    source: Location | None = None
    argv: tuple[str, ...] | None = None
    creates_target: bool = False

    @property
    def identity(self) -> str:
        return job_identity(self.kind, _text(self.source), self.target_text, self.parameters)

    @property
    def target_text(self) -> str:
        return str(_text(self.target))


def _text(location: Location | None) -> str | None:
    if location is None:
        return None
    return str(location.absolute()) if isinstance(location, Path) else str(location)


def pending_job(target: Location, job: Job | None = None) -> Journal | None:
    """The unfinished job in ``target`` that ``job`` continues, or ``None``.

    Raises
    ------
    UnfinishedJobError
        If ``target`` holds an unfinished job that is not ``job`` (the message
        names it and both ways out: resume or discard).
    """
    unfinished = unfinished_jobs(target)
    identity = None if job is None else job.identity
    for journal in unfinished:
        if journal.header.identity != identity:
            header = journal.header
            raise UnfinishedJobError(
                f"{target} holds the unfinished job {journal.name} ({header.kind}, started "
                f"on {header.host}); finish it first or throw it away:\n{journal.ways_out()}"
            )
    return unfinished[0] if unfinished else None


def finished_job(target: Location, job: Job) -> Journal | None:
    """The latest finalized journal of ``job`` in ``target``, if the job ran to its end
    there (and nothing of it is unfinished)."""
    done = [j for j in journals(target) if j.header.identity == job.identity]
    return done[-1] if done and all(j.finalized for j in done) else None


def active_journal() -> Journal | None:
    """The journal of the job this call runs inside, if any."""
    return _ACTIVE.get()


@contextmanager
def journaled(job: Job) -> Iterator[Journal | None]:
    """Run the body as ``job``: open (or continue) its journal, make it the
    active one, and mark it finalized when the body returns without error.
    Inside another journaled job, join that one. Yields ``None`` (no journal)
    when ``wkdist.journal.enabled`` is false."""
    enclosing = _ACTIVE.get()
    target = job.target
    if enclosing is not None or not keeps_journals(target) or not setting("journal.enabled"):
        yield enclosing
        return
    journal = pending_job(target, job)
    if journal is None:
        header = new_header(
            kind=job.kind,
            source=_text(job.source),
            target=job.target_text,
            parameters=job.parameters,
            argv=job.argv,
            created=("",) if job.creates_target else (),
        )
        journal = Journal.start(target, header)
    else:
        journal.remove_temporaries()
    stage = journal.dir / _STAGE_DIR
    token = _ACTIVE.set(journal)
    try:
        with staged_properties(target, stage):
            yield journal
    finally:
        _ACTIVE.reset(token)
    publish_stage(target, stage)
    journal.finalize()


def _relative(journal: Journal, location: Location) -> str:
    root = journal.dataset_path
    if isinstance(location, RemotePath) and isinstance(root, RemotePath):
        return location.relative_to(root).as_posix()
    return require_local(location, "the job journal").absolute().relative_to(
        require_local(root, "the job journal").absolute()
    ).as_posix()


def _done_boxes(
    journal: Journal,
    plan: WritePlan,
    array: ArrayPlan,
    recorded: dict[str, dict[Vec3Int, ShardFile]],
) -> list[BoundingBox]:
    """The plan's target boxes whose shards are all recorded and unchanged."""
    done = journal.done_shards(array, recorded)
    if not done:
        return []
    shard = open_array(plan.target.path, plan.target.data_format).spec.shard_shape
    return [box for box in plan.shards if all(i in done for i in shard_indices([box], shard))]


def run_journaled(
    plans: Sequence[WritePlan],
    *,
    executor: Executor | Client | None = None,
    progress: bool | None = None,
    final_paths: Sequence[Path] | None = None,
    created: Sequence[bool] | None = None,
) -> list[BoundingBox]:
    """:func:`~wkdist.run.run_plans` inside the active journaled job (or plainly,
    outside of one); returns the Mag(1) box each plan covers.

    Parameters
    ----------
    plans
        The stage's plans, complete (as if nothing had been written).
    executor, progress
        As for :func:`~wkdist.run.run_plans`.
    final_paths
        Where each plan's array is once the job is finalized, if not where it
        is written (a staging folder).
    created
        For each plan, whether the job created its array (discarding deletes it).

    Raises
    ------
    JobIncompleteError
        As :func:`~wkdist.run.run_plans`; the failure is recorded in the journal
        and the message says how to resume.
    """
    journal = _ACTIVE.get()
    if journal is None:
        return run_plans(plans, executor=executor, progress=progress)
    finals = list(final_paths) if final_paths is not None else [p.target.path for p in plans]
    made = list(created) if created is not None else [False] * len(plans)
    arrays = [
        ArrayPlan(
            _relative(journal, final),
            _relative(journal, plan.target.path),
            plan.num_shards,
            plan.identity,
            new,
        )
        for plan, final, new in zip(plans, finals, made, strict=True)
    ]
    for array in arrays:
        journal.record_array(array)
    journal.remove_temporaries()
    skipped: list[list[BoundingBox]] = []
    remaining = []
    recorded = journal.recorded_shards()
    for plan, array in zip(plans, arrays, strict=True):
        done = _done_boxes(journal, plan, array, recorded)
        skipped.append(done)
        target = dataclasses.replace(plan.target, journal=journal.task_journal(array.array))
        remaining.append(dataclasses.replace(plan.without(done), target=target))
    try:
        written = run_plans(remaining, executor=executor, progress=progress)
    except JobIncompleteError as error:
        journal.record_failure(str(error))
        header = journal.header
        raise JobIncompleteError(
            f"{error}\nEverything written so far is kept: run the same command again to "
            f"continue ({header.resume_command}, or: wkdist resume {journal.dataset_path}).",
            error.unfinished,
        ) from error
    # The boxes of the shards written by earlier runs go into the properties too.
    return [
        finalize_write(plan.target, [BatchResult(box), *map(BatchResult, _mag1_boxes(plan, done))])
        for plan, box, done in zip(plans, written, skipped, strict=True)
    ]


def _mag1_boxes(plan: WritePlan, boxes: Sequence[BoundingBox]) -> list[BoundingBox]:
    """``boxes`` (target mag voxels) in Mag(1) voxels, clipped as the write tasks clip them."""
    mag, clip = plan.target.mag, plan.clip_mag1
    return [b.from_mag_to_mag1(mag).intersected_with(clip, dont_assert=True) for b in boxes]
