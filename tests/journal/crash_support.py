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

import numpy as np

from tests.conftest import snapshot
from wkdist.journal import JOURNAL_DIR, journals, verify_files

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


def instants(seed: int, total: int):
    """``INSTANTS`` kill moments for one chain of runs, as ``(name, condition factory,
    delay)``: shortly after the start (imports, planning), after a growing number
    of task records (mid-writes), and once every task is recorded (finalization)."""
    rng = np.random.default_rng(seed)
    marks = sorted(int(k) for k in rng.integers(1, total, max(1, INSTANTS - 2)))
    # Early enough that even a quick job on an idle machine is still starting up.
    yield "planning", (lambda t: started_after(rng.uniform(0.2, 0.6))), 0.0
    for k in marks:
        yield f"writing after {k} records", (lambda t, k=k: lambda: records(t) >= k), 0.0
    yield "finalizing", (lambda t: lambda: records(t) >= total), float(rng.uniform(0, 0.05))


def started_after(seconds: float):
    """A condition that holds ``seconds`` after it is made (made when the run starts)."""
    deadline = time.monotonic() + seconds
    return lambda: time.monotonic() >= deadline


def properties_text(dataset):
    path = dataset / "datasource-properties.json"
    return path.read_text() if path.is_file() else None


def check_like(target, reference):
    assert data_files(target) == data_files(reference)
    assert leftovers(target) == []
    assert journals(target) and all(j.finalized for j in journals(target))
    checked, bad = verify_files(target)
    assert checked > 0 and bad == []


def crash_loop(tmp_path, make_target, command, total, seed):
    """A reference run; then, on a fresh target, one run killed at each instant in
    turn (each later run continues what the earlier ones left), a last run to the
    end, and the result compared with the reference. ``command(target)`` is the
    whole command line."""
    reference = make_target(tmp_path / "reference" / "ds")
    run(command(reference), cwd=tmp_path)
    target = make_target(tmp_path / "crashed" / "ds")
    before, finished = properties_text(target), properties_text(reference)
    killed = []
    for phase, condition, delay in instants(seed, total):
        if run_and_kill(command(target), condition(target), cwd=tmp_path, delay=delay) is None:
            killed.append(phase)
        # What others read shows the job not at all, or (killed after its finalization
        # published the properties, before the journal said so) all of it.
        assert properties_text(target) in (before, finished), f"killed while {phase}"
    result = run(command(target), cwd=tmp_path, check=False)
    assert result.returncode == 0, f"after kills at {killed}: {result.stderr}"
    assert killed, "no run was killed"
    check_like(target, reference)
