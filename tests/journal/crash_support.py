"""Running the real ``wkdist`` command and killing its whole process group at a
chosen moment of the job (seen from outside, through the files it writes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tests.conftest import snapshot
from wkdist.journal import JOURNAL_DIR

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

WKDIST = str(Path(sys.executable).with_name("wkdist"))
#: A light local cluster (threads in the command's own process) for the many short runs.
THREADS = {
    "DASK_WKDIST__CLUSTER__LOCAL__PROCESSES": "False",
    "DASK_WKDIST__CLUSTER__LOCAL__N_WORKERS": "1",
    "DASK_WKDIST__CLUSTER__LOCAL__THREADS_PER_WORKER": "2",
}
#: Kill instants per job in the default run; more with WKDIST_CRASH_INSTANTS=N.
INSTANTS = int(os.environ.get("WKDIST_CRASH_INSTANTS", "5"))
LEFTOVERS = (".wkdist-tmp-", ".__lock", ".compressing", ".uncompressed", ".partial")


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.getcwd(), **THREADS, **(extra or {})}


def records(target: Path) -> int:
    """Task records written so far by the jobs in ``target``."""
    return len(list((target / JOURNAL_DIR).glob("*/tasks/*.json")))


def run(command: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                            env=environment(env), check=False, timeout=600)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def run_and_kill(
    command: Sequence[str],
    when: Callable[[], bool],
    *,
    cwd: Path,
    delay: float = 0.0,
    sig: int = signal.SIGKILL,
    env: dict[str, str] | None = None,
) -> int | None:
    """Start ``command`` in its own session; once ``when()`` holds, wait ``delay``
    seconds and send ``sig`` to its process group. Returns the exit code if the
    command ended by itself first, else ``None``."""
    proc = subprocess.Popen(command, cwd=cwd, env=environment(env), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None:
            if when():
                time.sleep(delay)
                if proc.poll() is not None:
                    break
                os.killpg(proc.pid, sig)
                proc.wait(timeout=120)
                return None if sig == signal.SIGKILL else proc.returncode
            time.sleep(0.002)
        return proc.returncode
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def data_files(root: Path) -> dict[str, bytes]:
    """Every file of a dataset except its journals (which hold times and hosts)."""
    return {k: v for k, v in snapshot(root).items() if not k.startswith(JOURNAL_DIR)}


def leftovers(root: Path) -> list[str]:
    return [str(p) for p in root.rglob("*") if any(m in p.name for m in LEFTOVERS)]
