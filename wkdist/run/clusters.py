"""``wkdist.cluster(profile)``: start (or connect to) what a profile describes, for one ``with``.

Kinds of profile (``wkdist.cluster.kind``):

``local``
    a ``distributed.LocalCluster`` on this machine; yields its ``Client``.
``distributed``
    a ``Client`` of a running scheduler (``address`` or ``scheduler-file``).
``slurm-jobqueue``
    a dask-jobqueue ``SLURMCluster`` (worker jobs, ``scale`` or ``adapt``); yields its ``Client``.
``slurm-batch``
    a cluster-tools SLURM executor: shard batches as array jobs; yields the executor.

Everything started is shut down when the ``with`` block ends, also on an
exception or Ctrl-C (worker jobs are cancelled). Inside the block, the client
is dask's default, so jobs run on it without ``executor=``; the executor of a
``slurm-batch`` profile is passed as ``executor=``.
"""

from __future__ import annotations

import os
import signal
import threading
import warnings
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import dask.config
from dask.utils import parse_timedelta
from distributed.diagnostics.plugin import SchedulerPlugin

from wkdist.errors import InvalidArgumentError
from wkdist.run.profiles import load_profile

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from concurrent.futures import Executor

    from distributed import Client, Scheduler
    from distributed.deploy.cluster import Cluster

DEFAULT_PROFILE = "local"


def _flatten(settings: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys, so that ``dask.config.set`` changes leaves and keeps their siblings."""
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def _kwargs(section: str) -> dict[str, Any]:
    """The mapping at ``wkdist.cluster.<section>`` as keyword arguments."""
    options = dask.config.get(f"wkdist.cluster.{section}", default=None) or {}
    return {key.replace("-", "_"): value for key, value in options.items()}


@contextmanager
def _client_of(cluster: Cluster) -> Iterator[Client]:
    from distributed import Client

    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


@contextmanager
def _local() -> Iterator[Client]:
    from distributed import LocalCluster

    options = {k: v for k, v in _kwargs("local").items() if v is not None}
    with warnings.catch_warnings():
        # Another dashboard on :8787 moves ours to a free port; the link says where.
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(**options)
    with _client_of(cluster) as client:
        yield client


@contextmanager
def _distributed() -> Iterator[Client]:
    from distributed import Client

    address = dask.config.get("wkdist.cluster.address", default=None)
    scheduler_file = dask.config.get("wkdist.cluster.scheduler-file", default=None)
    if not address and not scheduler_file:
        raise InvalidArgumentError(
            "the distributed profile needs wkdist.cluster.address or "
            "wkdist.cluster.scheduler-file; set one in the profile or e.g. "
            "DASK_WKDIST__CLUSTER__ADDRESS=tcp://host:8786"
        )
    timeout = dask.config.get("wkdist.cluster.timeout", default="60s")
    with Client(address, scheduler_file=scheduler_file, timeout=timeout) as client:
        yield client


@contextmanager
def _keeping_sigint() -> Iterator[None]:
    """Import-time guard for dask_jobqueue, which sets a SIGINT handler (``sys.exit``)
    when first imported: keep the caller's handler (Ctrl-C must stay a
    KeyboardInterrupt), and let the import work off the main thread, where
    ``signal.signal`` would raise."""
    if threading.current_thread() is threading.main_thread():
        previous = signal.getsignal(signal.SIGINT)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
        return
    original = signal.signal
    signal.signal = lambda signum, handler: signal.getsignal(signum)  # type: ignore[assignment]
    try:
        yield
    finally:
        signal.signal = original


class _LostWorkersTimeout(SchedulerPlugin):
    """Arms the scheduler's no-workers timeout once the first worker has joined.

    Armed from the start, it would fail a job whose first worker job waits in
    the SLURM queue longer than the timeout; armed after, it fails (instead of
    hangs) a job whose workers are lost and not replaced.
    """

    name = "wkdist-lost-workers-timeout"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def start(self, scheduler: Scheduler) -> None:
        if scheduler.workers:
            scheduler.no_workers_timeout = self.seconds

    def add_worker(self, scheduler: Scheduler, worker: str) -> None:
        scheduler.no_workers_timeout = self.seconds


@contextmanager
def _slurm_jobqueue() -> Iterator[Client]:
    with _keeping_sigint():
        from dask_jobqueue.slurm import SLURMCluster

    with dask.config.set({"distributed.scheduler.no-workers-timeout": None}):
        cluster = SLURMCluster()
    try:
        adapt = _kwargs("adapt")
        if adapt:
            cluster.adapt(**adapt)
        else:
            cluster.scale(**(_kwargs("scale") or {"jobs": 1}))
    except BaseException:
        cluster.close()
        raise
    timeout = dask.config.get("wkdist.cluster.lost-workers-timeout", default=None)
    with _client_of(cluster) as client:
        if timeout is not None:
            client.register_plugin(_LostWorkersTimeout(parse_timedelta(timeout)))
        yield client


#: Memory settings of an enclosing SLURM job. Array jobs submitted from inside a
#: job inherit them next to their own, and srun then refuses to start
#: ("mutually exclusive"), so they are hidden while the executor submits.
_ENCLOSING_JOB_MEMORY = ("SLURM_MEM_PER_CPU", "SLURM_MEM_PER_GPU", "SLURM_MEM_PER_NODE")


@contextmanager
def _slurm_batch() -> Iterator[Executor]:
    import cluster_tools

    options = _kwargs("slurm-batch")
    limit = options.pop("max_submit_jobs", None)
    if limit is not None:  # cluster-tools reads it from the environment
        os.environ.setdefault("SLURM_MAX_SUBMIT_JOBS", str(limit))
    cfut_dir = os.path.abspath(options.pop("cfut_dir", ".cfut"))
    hidden = {name: os.environ.pop(name) for name in _ENCLOSING_JOB_MEMORY if name in os.environ}
    try:
        with cluster_tools.get_executor(
            "slurm", cfut_dir=cfut_dir, job_resources=options.pop("job_resources", None), **options
        ) as executor:
            yield executor
    finally:
        os.environ.update(hidden)


_STARTERS: dict[str, Callable[[], Any]] = {
    "local": _local,
    "distributed": _distributed,
    "slurm-jobqueue": _slurm_jobqueue,
    "slurm-batch": _slurm_batch,
}


@contextmanager
def cluster(
    profile: str | os.PathLike[str] = DEFAULT_PROFILE,
    config: Mapping[str, Any] | None = None,
) -> Iterator[Client | Executor]:
    """Run the jobs inside the ``with`` block where ``profile`` says.

    Parameters
    ----------
    profile
        A profile name (``local``, ``distributed``, ``slurm-jobqueue``,
        ``slurm-batch``, or one of your own in ``$WKDIST_PROFILE_PATH`` or
        ``~/.config/wkdist/profiles``) or the path of a YAML file.
    config
        Further dask settings on top of the profile, with dotted keys, e.g.
        ``{"wkdist.cluster.local.n-workers": 2}``.

    Yields
    ------
    A ``distributed.Client`` (also dask's default scheduler inside the block)
    or, for ``slurm-batch``, a cluster-tools executor to pass as ``executor=``.

    Examples
    --------
    >>> with wkdist.cluster("slurm-jobqueue") as client:       # doctest: +SKIP
    ...     ds.get_layer("color").downsample()
    >>> with wkdist.cluster("slurm-batch") as executor:        # doctest: +SKIP
    ...     ds.copy_dataset("copy", data_format="zarr3", executor=executor)
    """
    settings = load_profile(profile)
    with dask.config.set(_flatten(settings)), dask.config.set(dict(config or {})):
        kind = dask.config.get("wkdist.cluster.kind")
        if kind not in _STARTERS:
            raise InvalidArgumentError(
                f"profile {str(profile)!r} has wkdist.cluster.kind {kind!r}; "
                f"expected one of {', '.join(_STARTERS)}"
            )
        with _STARTERS[kind]() as runner:
            yield runner
