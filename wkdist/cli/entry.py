"""``main``: parse, check, start the cluster and the journal, run the command,
turn errors into exit codes."""

from __future__ import annotations

import signal
import sys
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from distributed import Client

from wkdist.cli.data_commands import (
    check_copy,
    check_layers,
    cmd_compress,
    cmd_copy,
    cmd_downsample,
    cmd_upsample,
)
from wkdist.cli.dataset_commands import (
    Differences,
    cmd_demo,
    cmd_discard,
    cmd_info,
    cmd_status,
    cmd_verify,
)
from wkdist.cli.image_commands import check_export_tiff, check_import, cmd_export_tiff, cmd_import
from wkdist.cli.jobs import PROPERTIES, command_job, resume_argv
from wkdist.cli.parser import build_parser
from wkdist.errors import (
    JobIncompleteError,
    UnfinishedJobError,
    UnfinishedJobWarning,
)
from wkdist.run.clusters import cluster
from wkdist.run.journaled import Job, finished_job, journaled, pending_job

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterator
    from concurrent.futures import Executor



_COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "copy": cmd_copy,
    "convert": cmd_copy,
    "compress": cmd_compress,
    "downsample": cmd_downsample,
    "upsample": cmd_upsample,
    "import": cmd_import,
    "export-tiff": cmd_export_tiff,
    "info": cmd_info,
    "verify": cmd_verify,
    "status": cmd_status,
    "discard": cmd_discard,
    "demo": cmd_demo,
}

#: Checks of a command's arguments and input that run before any cluster starts.
_CHECKS: dict[str, Callable[[argparse.Namespace], None]] = {
    "import": check_import,
    "export-tiff": check_export_tiff,
    "copy": check_copy,
    "convert": check_copy,
    "compress": check_layers,
    "downsample": check_layers,
    "upsample": check_layers,
}

@contextmanager
def _runner(args: argparse.Namespace) -> Iterator[Executor | None]:
    """The cluster of ``--cluster`` for the command; ``None`` for commands without one
    and for dask clusters (their client is the default scheduler)."""
    if not hasattr(args, "cluster") or (args.command == "verify" and args.second is None):
        yield None
        return
    config = {"wkdist.cluster.local.n-workers": args.jobs} if args.jobs else {}
    with cluster(args.cluster, config) as runner:
        yield None if isinstance(runner, Client) else runner

@contextmanager
def _journaled(job: Job | None) -> Iterator[None]:
    if job is None:
        yield
        return
    with journaled(job):
        yield

class _Terminated(BaseException):
    """SIGTERM (e.g. scancel of the job running wkdist), raised so that clusters shut down."""

def _terminate(signum: int, frame: object) -> None:
    raise _Terminated

def main(argv: list[str] | None = None) -> int:
    """Run the ``wkdist`` command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "resume":
        try:
            return main(resume_argv(args))
        except (ValueError, FileNotFoundError) as error:
            print(f"wkdist: error: {error}", file=sys.stderr)
            return 2
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        if args.command in _CHECKS:
            _CHECKS[args.command](args)
        job = command_job(args)
        if job is not None and isinstance(job.target, Path):
            # Another unfinished job, or a copy over a dataset: stop before writing anything.
            pending = pending_job(job.target, job)
            done = finished_job(job.target, job)
            if done is not None:  # e.g. killed after its finalization: nothing left to do
                print(f"wkdist: job {done.name} ({job.kind}) already finished in {job.target}; "
                      "nothing to do")
                return 0
            if job.kind == "copy" and pending is None and (job.target / PROPERTIES).is_file():
                raise FileExistsError(f"a dataset exists at {job.target}; copy to a new folder")
            if job.kind == "import" and pending is None:
                from wkdist.dataset.from_images import check_new_dataset_path

                check_new_dataset_path(job.target)
        with _runner(args) as executor, _journaled(job):
            args.executor = executor
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UnfinishedJobWarning)  # this job's own journal
                _COMMANDS[args.command](args)
    except Differences as error:
        print(f"wkdist: {error}", file=sys.stderr)
        return 1
    except JobIncompleteError as error:
        print(f"wkdist: error: {error}", file=sys.stderr)  # the shards and tracebacks, in full
        return 1
    except UnfinishedJobError as error:
        print(f"wkdist: error: {error}", file=sys.stderr)  # both ways out
        return 2
    except (ValueError, OSError, RuntimeError, IndexError, NotImplementedError) as error:
        print(f"wkdist: error: {error}".splitlines()[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("wkdist: interrupted; everything started was shut down", file=sys.stderr)
        return 130
    except _Terminated:
        print("wkdist: terminated; everything started was shut down", file=sys.stderr)
        return 143
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
    return 0
