"""A job's progress from its journal alone (for ``wkdist status``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wkdist.journal.journal import Journal
    from wkdist.journal.records import FailureRecord, JobHeader


@dataclass(frozen=True)
class JobStatus:
    """Where a job stands.

    ``throughput`` is in shards per second over the recorded tasks of the
    latest run; ``eta`` in seconds (``None`` when unknown or finished).
    """

    name: str
    header: JobHeader
    done: int
    total: int | None
    finalized: bool
    last_record: float | None
    throughput: float | None
    eta: float | None
    last_failure: FailureRecord | None

    def describe(self) -> str:
        """Human-readable lines for ``wkdist status``."""
        h = self.header
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(h.started))
        state = "finished" if self.finalized else "UNFINISHED"
        lines = [
            f"job {self.name}: {h.kind} ({state})",
            f"  started {started} on {h.host} (pid {h.pid})",
            f"  source {h.source}" if h.source else "",
            f"  target {h.target}",
            f"  shards {self.done}/{'?' if self.total is None else self.total} done"
            + ("" if self.finalized else " (of the stages planned so far)"),
        ]
        if self.throughput:
            lines.append(f"  throughput {self.throughput:.2f} shards/s")
        if self.eta is not None and not self.finalized:
            lines.append(f"  ETA {self.eta:.0f} s (if it is running)")
        if self.last_failure is not None:
            first = self.last_failure.message.splitlines()[0] if self.last_failure.message else ""
            when = time.strftime("%H:%M:%S", time.gmtime(self.last_failure.time))
            lines.append(f"  last failure ({when} UTC on {self.last_failure.host}): {first}")
        if not self.finalized:
            lines.append(f"  resume: {h.resume_command}   (or: wkdist resume {h.target})")
            lines.append(f"  discard what it wrote: wkdist discard {h.target} --job {self.name}")
        return "\n".join(line for line in lines if line)


def job_status(journal: Journal) -> JobStatus:
    """Read ``journal`` and summarize it."""
    header = journal.header
    records = journal.tasks()
    recorded = journal.recorded_shards()
    done = sum(len(shards) for shards in recorded.values())
    finalized = journal.finalized
    failures = journal.failures()
    total = journal.total_shards if journal.arrays else None
    last = max((r.finished for r in records), default=None)
    throughput = eta = None
    if records and last is not None:
        # The latest run began after the last failure (or at the start).
        since = max([header.started, *(f.time for f in failures if f.time < last)])
        recent = [r for r in records if r.finished >= since]
        elapsed = last - since
        if recent and elapsed > 0:
            throughput = sum(len(r.shards) for r in recent) / elapsed
            eta = None if total is None else max(0, total - done) / throughput
    return JobStatus(
        journal.name, header, done, total, finalized, last, throughput, eta,
        failures[-1] if failures else None,
    )
