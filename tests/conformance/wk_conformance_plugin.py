"""pytest plugin loaded (``-p wk_conformance_plugin``) into a run of the reference's tests.

It is imported before the reference's ``conftest.py`` and

* with ``WK_CONFORMANCE_TARGET=wkdist`` installs the import shim
  (:mod:`wk_shim`), so ``import webknossos`` gives ``wkdist``;
* deselects tests parametrized with a non-local path (``s3://`` on a test server)
  and turns the reference's S3 test-server fixture into a no-op, so the run needs
  no server and no network;
* stops a test after ``WK_CONFORMANCE_TEST_TIMEOUT`` seconds (SIGALRM), so one
  hanging test cannot stall the run;
* appends one JSON line per finished test (node id, outcome, first error line)
  to ``WK_CONFORMANCE_RESULTS`` as it goes, so an interrupted run keeps what
  it did; node ids listed in the file ``WK_CONFORMANCE_SKIP`` are deselected
  (to resume such a run).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import types
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import FrameType

TARGET = os.environ.get("WK_CONFORMANCE_TARGET", "webknossos")
RESULTS_PATH = os.environ.get("WK_CONFORMANCE_RESULTS")
TEST_TIMEOUT = int(os.environ.get("WK_CONFORMANCE_TEST_TIMEOUT", "300"))
SKIP_PATH = os.environ.get("WK_CONFORMANCE_SKIP")

if TARGET == "wkdist":
    import wk_shim

    wk_shim.install()

try:  # the reference's constants.py imports it for its S3 test server, unused here
    import waitress  # noqa: F401
except ImportError:
    sys.modules["waitress"] = types.ModuleType("waitress")


_results: dict[str, dict[str, str]] = {}


def _write(nodeid: str) -> None:
    if RESULTS_PATH:
        with open(RESULTS_PATH, "a") as f:  # one short line per write: appends stay whole
            f.write(json.dumps({"nodeid": nodeid, **_results[nodeid]}) + "\n")


def _first_line(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        text = str(crash.message)
    elif isinstance(longrepr, tuple):  # skip reports: (path, line, reason)
        text = str(longrepr[2])
    else:
        text = str(longrepr)
        # collection errors: the last "E   ..." line names the exception
        lines = [ln[1:].strip() for ln in text.splitlines() if ln.startswith("E ")]
        if lines:
            text = lines[-1]
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[0] if lines else "(no message)"


def _is_remote(value: object) -> bool:
    protocol = getattr(value, "protocol", None)
    return isinstance(protocol, str) and protocol not in ("", "file", "local")


@contextlib.contextmanager
def _no_server() -> Iterator[None]:
    yield


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    done = set()
    if SKIP_PATH and os.path.exists(SKIP_PATH):
        with open(SKIP_PATH) as f:
            done = {line.strip() for line in f}
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        remote = any(_is_remote(v) for v in params.values())
        (drop if remote or item.nodeid in done else keep).append(item)
        module = getattr(item, "module", None)
        if module is not None and hasattr(module, "use_moto"):
            module.use_moto = _no_server
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _on_timeout(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError(f"test ran longer than {TEST_TIMEOUT} s (conformance timeout)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    previous = signal.signal(signal.SIGALRM, _on_timeout)
    signal.alarm(TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    record = _results.setdefault(report.nodeid, {"outcome": "passed", "cause": ""})
    if report.failed and record["outcome"] != "failed":
        record["outcome"] = "failed"
        record["cause"] = f"[{report.when}] {_first_line(report)}"
    elif report.skipped and record["outcome"] == "passed":
        record["outcome"] = "skipped"
        record["cause"] = _first_line(report)
    if report.when == "teardown":
        _write(report.nodeid)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _results[report.nodeid] = {
            "outcome": "collection-error",
            "cause": f"[collect] {_first_line(report)}",
        }
        _write(report.nodeid)
