#!/usr/bin/env python3
"""Run the reference's (webknossos-libs) local Dataset API tests against webknossos or wkdist.

Usage (from the wkdist checkout; nothing is fetched, the reference tests come from
a local checkout of https://github.com/scalableminds/webknossos-libs)::

    # once: which reference tests pass on the installed webknossos (the baseline)
    python3 tests/conformance/run_reference_suite.py WEBKNOSSOS_LIBS --target webknossos
    # then, as often as needed: the same tests against wkdist through the import shim
    python3 tests/conformance/run_reference_suite.py WEBKNOSSOS_LIBS --target wkdist

The selection is ``webknossos/tests/dataset`` and ``webknossos/tests/geometry``
without the files that need a WEBKNOSSOS server or image readers
(:data:`EXCLUDED_FILES`), and without tests parametrized with an ``s3://`` path
(those need an S3 test server). The tests and ``testdata`` are copied to a scratch
directory first, so the checkout stays untouched and two runs can overlap.

``--target webknossos`` writes the passing node ids to ``OUT/baseline.txt``;
``--target wkdist`` writes ``OUT/latest.txt``: the pass rate over the baseline,
the failures grouped by cause (the first error line) and the failing node ids.
Per-test results are appended to ``OUT/results-TARGET.jsonl`` as the run goes;
``--resume`` continues an interrupted run, and runs with ``--resume`` and disjoint
``--files`` may share the work. Extra arguments after ``--`` go to pytest (e.g.
``-- -k bounding_box``); the pass rate is then over the baseline tests that ran.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WKDIST_ROOT = HERE.parent.parent

SUITE_DIRS = ("dataset", "geometry")
EXCLUDED_FILES = (
    "dataset/test_remote_dataset.py",  # WEBKNOSSOS server
    "dataset/test_from_images.py",  # image readers (pims, tifffile, ...)
    "dataset/test_add_layer_from_images.py",  # image readers
)
SUPPORT_FILES = ("__init__.py", "conftest.py", "constants.py", "utils.py")


def prepare_scratch(reference: Path, scratch: Path) -> list[str]:
    """Copy the reference's tests and test data into ``scratch``; the test files to run."""
    source = reference / "webknossos"
    if not (source / "tests" / "conftest.py").is_file():
        raise SystemExit(f"{reference} is not a webknossos-libs checkout (no webknossos/tests)")
    (scratch / "tests").mkdir(parents=True)
    for name in SUPPORT_FILES:
        shutil.copy2(source / "tests" / name, scratch / "tests" / name)
    files = []
    for sub in SUITE_DIRS:
        shutil.copytree(source / "tests" / sub, scratch / "tests" / sub)
        for test_file in sorted((scratch / "tests" / sub).glob("test_*.py")):
            relative = f"{sub}/{test_file.name}"
            if relative not in EXCLUDED_FILES:
                files.append(f"tests/{relative}")
    shutil.copytree(source / "testdata", scratch / "testdata", symlinks=True)
    (scratch / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    skip_on_windows: Skip this test on Windows\n"
    )
    return files


def run_pytest(
    scratch: Path,
    files: list[str],
    target: str,
    results: Path,
    timeout: int,
    extra: list[str],
    skip: Path | None,
) -> int:
    env = dict(os.environ)
    paths = [str(HERE)] + ([str(WKDIST_ROOT)] if target == "wkdist" else [])
    env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in [env.get("PYTHONPATH")] if p])
    env["WK_CONFORMANCE_TARGET"] = target
    env["WK_CONFORMANCE_RESULTS"] = str(results)
    env["WK_CONFORMANCE_TEST_TIMEOUT"] = str(timeout)
    if skip is not None:
        env["WK_CONFORMANCE_SKIP"] = str(skip)
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "-p", "wk_conformance_plugin", "--rootdir", str(scratch),
        "-o", "addopts=", "--tb=line", "--continue-on-collection-errors", *files, *extra,
    ]  # fmt: skip
    return subprocess.run(command, check=False, cwd=scratch, env=env).returncode


def load_results(path: Path) -> dict[str, dict[str, str]]:
    """The per-test records of a results file (the last line of a node id wins)."""
    results = {}
    for line in path.read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            results[record.pop("nodeid")] = record
    return results


def _normalized(cause: str) -> str:
    """A cause without what varies between tests (paths, addresses), cut to 200 chars."""
    cause = re.sub(r"0x[0-9a-f]+", "0x…", cause)
    cause = re.sub(r"(/[^\s'\"]+)+/(testoutput|testdata|tmp)[^\s'\"]*", "…", cause)
    return cause[:200]


def _collection_cause(nodeid: str, results: dict[str, dict[str, str]]) -> str | None:
    for node, record in results.items():
        if record["outcome"] == "collection-error" and nodeid.startswith(node + "::"):
            return record["cause"]
    return None


def report_wkdist(results: dict[str, dict[str, str]], baseline: list[str], ran_all: bool) -> str:
    passed = {n for n, r in results.items() if r["outcome"] == "passed"}
    considered = [n for n in baseline if n in results or ran_all or _collection_cause(n, results)]
    failing: dict[str, list[str]] = collections.defaultdict(list)
    for nodeid in considered:
        if nodeid in passed:
            continue
        record = results.get(nodeid)
        if record is None:
            cause = _collection_cause(nodeid, results) or "[collect] test not collected"
        else:
            cause = record["cause"] or record["outcome"]
        failing[_normalized(cause)].append(nodeid)
    n_pass = sum(1 for n in considered if n in passed)
    total = len(considered)
    lines = [
        f"wkdist on the reference's local Dataset API tests ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        f"PASSED {n_pass} / {total} baseline tests ({100 * n_pass / max(total, 1):.1f}%)",
        f"(baseline: tests that pass on webknossos; {len(passed - set(baseline))} more pass on wkdist only)",
        "",
        "FAILURES BY CAUSE (count, first error line):",
    ]
    by_count = sorted(failing.items(), key=lambda item: (-len(item[1]), item[0]))
    lines += [f"{len(nodes):5d}  {cause}" for cause, nodes in by_count]
    lines += ["", "FAILING NODE IDS BY CAUSE:"]
    for cause, nodes in by_count:
        lines += ["", f"## {cause}"] + [f"  {n}" for n in sorted(nodes)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reference", type=Path, help="local webknossos-libs checkout")
    parser.add_argument("--target", choices=("webknossos", "wkdist"), default="wkdist")
    parser.add_argument("--out", type=Path, default=Path("conformance-results"),
                        help="folder for baseline.txt, latest.txt, results-*.jsonl")  # fmt: skip
    parser.add_argument("--timeout", type=int, default=300, help="seconds per test")
    parser.add_argument(
        "--files",
        nargs="+",
        default=None,
        help="only test files whose path contains one of these strings",
    )
    parser.add_argument("--resume", action="store_true",
                        help="keep OUT/results-TARGET.jsonl and skip the tests it has "
                             "(several --resume runs with disjoint --files may run at once)")  # fmt: skip
    argv = sys.argv[1:] if argv is None else argv
    pytest_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite OUT/latest.txt from the stored results, run nothing")  # fmt: skip
    args = parser.parse_args(argv[: len(argv) - len(pytest_args)][:-1] if pytest_args else argv)
    args.out.mkdir(parents=True, exist_ok=True)
    baseline_path = args.out / "baseline.txt"
    if args.target == "wkdist" and not baseline_path.is_file():
        raise SystemExit(f"no {baseline_path}: run with --target webknossos first")

    results_path = (args.out / f"results-{args.target}.jsonl").resolve()
    if args.report_only:
        return write_report(args.out, load_results(results_path), ran_all=True, minutes=None)
    skip = None
    if args.resume and results_path.is_file():
        skip = args.out / f"done-{args.target}-{os.getpid()}.txt"
        skip.write_text("".join(r + "\n" for r in load_results(results_path)))
    elif not args.resume:
        results_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="wk-conformance-") as tmp:
        scratch = Path(tmp) / "webknossos"
        files = prepare_scratch(args.reference.resolve(), scratch)
        if args.files:
            files = [f for f in files if any(part in f for part in args.files)]
        started = time.monotonic()
        run_pytest(scratch, files, args.target, results_path, args.timeout, pytest_args, skip)
        minutes = (time.monotonic() - started) / 60
    if skip is not None:
        skip.unlink()
    if not results_path.is_file():
        raise SystemExit("pytest wrote no results (see its output above: conftest failed?)")
    results = load_results(results_path)

    if args.target == "webknossos":
        passing = sorted(n for n, r in results.items() if r["outcome"] == "passed")
        baseline_path.write_text("\n".join(passing) + "\n")
        print(f"baseline: {len(passing)} passing tests on webknossos ({minutes:.1f} min) "
              f"-> {baseline_path}")  # fmt: skip
        return 0
    return write_report(args.out, results, not pytest_args and not args.files, minutes)


def write_report(
    out: Path, results: dict[str, dict[str, str]], ran_all: bool, minutes: float | None
) -> int:
    """Write and print ``out/latest.txt`` for the wkdist ``results``."""
    baseline = [ln for ln in (out / "baseline.txt").read_text().splitlines() if ln.strip()]
    report = report_wkdist(results, baseline, ran_all=ran_all)
    if minutes is not None:
        report = report.replace("\n", f" [{minutes:.1f} min]\n", 1)
    (out / "latest.txt").write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
