"""The job of dask_cluster.py on SLURM: WKW to Zarr v3, then downsampling.

    python examples/slurm_cluster.py [OUTPUT_FOLDER] [--profile slurm-jobqueue|slurm-batch]
                                     [--partition NAME] [--cores N] [--memory SIZE]

Run it on a login node, with OUTPUT_FOLDER on a filesystem that the compute
nodes mount at the same path: workers read and write the shards there.

``slurm-jobqueue`` (default)
    dask workers run as SLURM jobs (dask-jobqueue) and connect back to a
    scheduler in this process. Worker jobs come and go with the work and are
    cancelled when the ``with`` block ends. Needs the compute nodes to reach
    this node over the network.
``slurm-batch``
    no dask scheduler: every step's shard batches go to SLURM as one array job
    (cluster-tools, as webknossos-libs does it), and this process waits for
    them. Suits queues where jobs start late; needs no network between nodes.

The job code is the same as for a dask cluster; only the ``with`` line changes.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from dask.utils import parse_bytes

# The job itself (sample data, conversion, checks) is the dask example's, next to this file.
from dask_cluster import convert, verify, write_source

import wkdist as wk


def profile_config(args: argparse.Namespace, output: Path) -> dict[str, Any]:
    """Settings on top of the profile in ``configs/``: how big one SLURM job is."""
    if args.profile == "slurm-jobqueue":
        # dask-jobqueue's own keys. One worker job gets `cores` CPUs and
        # `memory`; a task holds about one target shard in memory (1 GiB at
        # most, see wkdist.write.task-memory), so 2 GB per core is plenty.
        return {
            "jobqueue.slurm.queue": args.partition,  # None: SLURM's default partition
            "jobqueue.slurm.cores": args.cores,
            "jobqueue.slurm.memory": args.memory,
            # Worker logs next to the data instead of the current folder.
            "jobqueue.slurm.log-directory": str(output / "slurm-logs"),
        }
    # slurm-batch: sbatch options of every array task, as `#SBATCH --key=value`.
    # SLURM's M is MiB; dask-style sizes like "2GB" are converted.
    resources: dict[str, Any] = {
        "cpus-per-task": args.cores,
        "mem": f"{parse_bytes(args.memory) // 2**20}M",
    }
    if args.partition:
        resources["partition"] = args.partition
    return {
        # Job scripts, logs and pickled results; the compute nodes must see it.
        "wkdist.cluster.slurm-batch.cfut-dir": str(output / "cfut"),
        **{f"wkdist.cluster.slurm-batch.job-resources.{k}": v for k, v in resources.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "output", nargs="?", type=Path,
        help="folder for the datasets, shared with the compute nodes "
        "(default: a new temporary folder, fine on a single-node SLURM)",
    )
    parser.add_argument(
        "--profile", choices=("slurm-jobqueue", "slurm-batch"), default="slurm-jobqueue",
        help="how the tasks reach SLURM (default: slurm-jobqueue)",
    )
    parser.add_argument(
        "--partition", help="SLURM partition of the jobs (default: the site's default)"
    )
    parser.add_argument("--cores", type=int, default=1, help="CPUs per SLURM job (default: 1)")
    parser.add_argument(
        "--memory", default="2GB", help="memory per SLURM job, e.g. 2GB or 8GiB (default: 2GB)"
    )
    args = parser.parse_args()
    if args.cores < 1:
        parser.error(f"--cores must be at least 1; got {args.cores}")
    output = (args.output or Path(tempfile.mkdtemp(prefix="wkdist-slurm-"))).resolve()
    source = write_source(output / "em_wkw")

    target = output / "em_zarr3"
    with wk.cluster(args.profile, config=profile_config(args, output)) as runner:
        if args.profile == "slurm-jobqueue":
            # `runner` is a distributed.Client and dask's default scheduler in
            # this block, so the jobs need no executor=. The job script shows
            # what SLURM is asked for; check it when jobs stay pending.
            directives = [line for line in runner.cluster.job_script().splitlines()
                          if line.startswith("#SBATCH")]
            print(f"slurm-jobqueue: worker jobs with {' '.join(directives)}")
            print(f"  dashboard: {runner.dashboard_link}")
            convert(source, target)
        else:
            # `runner` is a cluster-tools executor: pass it as executor=.
            print(f"slurm-batch: array jobs with {runner.job_resources}")
            convert(source, target, executor=runner)
    # Leaving the block cancelled the worker jobs (slurm-jobqueue) or waited
    # for the last array job (slurm-batch): nothing of this run stays queued.
    verify(source, target)


if __name__ == "__main__":
    main()
