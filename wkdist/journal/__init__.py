"""Job journals: what a job is and which shards it wrote, stored durably in the
target dataset, so that a killed job resumes where it stopped and its output
can be verified later."""

from __future__ import annotations

from wkdist.journal.files import TEMP_PREFIX, JournalFiles, LocalFiles
from wkdist.journal.fingerprints import file_crc32, shard_unchanged
from wkdist.journal.journal import (
    JOURNAL_DIR,
    Journal,
    TaskJournal,
    job_identity,
    journals,
    keeps_journals,
    new_header,
    unfinished_jobs,
)
from wkdist.journal.records import (
    ArrayPlan,
    FailureRecord,
    JobHeader,
    ShardFile,
    TaskRecord,
)
from wkdist.journal.status import JobStatus, job_status
from wkdist.journal.verify import BadFile, verify_files

__all__ = [
    "JOURNAL_DIR",
    "TEMP_PREFIX",
    "ArrayPlan",
    "BadFile",
    "FailureRecord",
    "JobHeader",
    "JobStatus",
    "Journal",
    "JournalFiles",
    "LocalFiles",
    "ShardFile",
    "TaskJournal",
    "TaskRecord",
    "file_crc32",
    "job_identity",
    "job_status",
    "journals",
    "keeps_journals",
    "new_header",
    "shard_unchanged",
    "unfinished_jobs",
    "verify_files",
]
