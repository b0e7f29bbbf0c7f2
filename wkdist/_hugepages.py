"""numpy's transparent-huge-page advice, switched off where it makes memory stall.

numpy advises huge pages (``MADV_HUGEPAGE``) for every allocation of 4 MiB or
more. Where the kernel's THP ``defrag`` policy is ``always``, ``madvise`` or
``defer+madvise``, faulting in such memory while no huge page is free runs a
synchronous compaction first (numpy issue #31590). On the machines wkdist is
measured on (``bench/README.md``), ``x * 2`` on a fresh 512 MiB block then took
0.6 to 2 s instead of 0.07 s, and every user function that allocates whole blocks
paid it. Under those policies wkdist turns numpy's advice off for the process
(and so for every worker that runs wkdist tasks, since they import wkdist).

An explicit ``NUMPY_MADVISE_HUGEPAGE`` in the environment always wins, and so
does ``wkdist.numpy-hugepage-advice: keep`` in dask's configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

from wkdist.config import setting

_DEFRAG = Path("/sys/kernel/mm/transparent_hugepage/defrag")
#: Policies under which advised faults compact synchronously.
STALLING_POLICIES = frozenset({"always", "madvise", "defer+madvise"})


def thp_defrag_policy(path: Path = _DEFRAG) -> str | None:
    """The kernel's selected THP defrag policy (``[madvise]`` → ``"madvise"``), or
    ``None`` where the kernel has no such file (not Linux, no THP)."""
    try:
        text = path.read_text()
    except OSError:
        return None
    start, end = text.find("["), text.find("]")
    return text[start + 1 : end] if 0 <= start < end else None


def apply_numpy_hugepage_policy() -> bool | None:
    """Turn numpy's huge-page advice off where :func:`thp_defrag_policy` stalls.

    Returns the advice now in force, or ``None`` when it was left alone (the
    environment or the configuration decides, or numpy has no such switch).
    """
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ or setting("numpy-hugepage-advice") == "keep":
        return None
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray
    switch = getattr(multiarray, "_set_madvise_hugepage", None)
    if switch is None or thp_defrag_policy() not in STALLING_POLICIES:
        return None
    switch(False)
    return False
