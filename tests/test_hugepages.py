"""numpy's huge-page advice: off after ``import wkdist`` where the kernel's THP
defrag policy stalls advised faults, unless the user decided otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from wkdist._hugepages import STALLING_POLICIES, thp_defrag_policy

_PROBE = (
    "import wkdist, wkdist._hugepages as h; from numpy._core import multiarray as m; "
    "print(m._get_madvise_hugepage(), h.thp_defrag_policy())"
)


def _advice_after_import(**env: str) -> tuple[bool, str]:
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("NUMPY_MADVISE_HUGEPAGE", "DASK_WKDIST__NUMPY_HUGEPAGE_ADVICE")}
    environment.update(env)
    done = subprocess.run([sys.executable, "-c", _PROBE], env=environment,
                          capture_output=True, text=True, check=True)
    advice, policy = done.stdout.split()
    return advice == "True", policy


@pytest.mark.parametrize(
    ("text", "policy"),
    [
        ("always defer defer+madvise [madvise] never\n", "madvise"),
        ("[always] defer defer+madvise madvise never\n", "always"),
        ("always defer [defer+madvise] madvise never\n", "defer+madvise"),
        ("always defer defer+madvise madvise [never]\n", "never"),
        ("garbage\n", None),
    ],
)
def test_defrag_policy_is_the_bracketed_word(tmp_path, text, policy):
    path = tmp_path / "defrag"
    path.write_text(text)
    assert thp_defrag_policy(path) == policy


def test_missing_sysfs_file_means_no_policy(tmp_path):
    assert thp_defrag_policy(tmp_path / "absent") is None


@pytest.mark.skipif(sys.platform != "linux", reason="numpy advises huge pages on Linux only")
def test_import_turns_the_advice_off_where_faults_would_stall():
    advice, policy = _advice_after_import()
    assert advice == (policy not in STALLING_POLICIES)


@pytest.mark.skipif(sys.platform != "linux", reason="numpy advises huge pages on Linux only")
@pytest.mark.parametrize(
    "env",
    [{"NUMPY_MADVISE_HUGEPAGE": "1"}, {"DASK_WKDIST__NUMPY_HUGEPAGE_ADVICE": "keep"}],
    ids=["numpy-environment", "wkdist-config"],
)
def test_an_explicit_choice_is_kept(env):
    advice, _ = _advice_after_import(**env)
    assert advice is True
