"""Cluster profiles: lookup, errors, precedence (profile < DASK_* env < config=), scope."""

from __future__ import annotations

import os
from pathlib import Path

import dask.config
import distributed
import pytest

import wkdist as wk
from wkdist.run.profiles import available_profiles, find_profile, load_profile

SHIPPED = ("distributed", "local", "slurm-batch", "slurm-jobqueue")
CONFIGS = Path(__file__).resolve().parents[2] / "configs"
#: A LocalCluster of threads: starts in well under a second.
IN_PROCESS = {"wkdist.cluster.local.processes": False}


def write_profile(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture(autouse=True)
def isolated_lookup(tmp_path, monkeypatch):
    """No user profiles of the machine running the tests: an empty HOME, no search path."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("WKDIST_PROFILE_PATH", raising=False)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_by_name(name):
    assert find_profile(name) == CONFIGS / f"{name}.yaml"
    assert load_profile(name)["wkdist"]["cluster"]["kind"] == name


def test_profile_by_path(tmp_path):
    path = write_profile(tmp_path / "anywhere", "mine.yaml", "wkdist: {cluster: {kind: local}}\n")
    assert find_profile(path) == path
    assert find_profile(str(path)) == path
    assert load_profile(path)["wkdist"]["cluster"]["kind"] == "local"


def test_missing_profile_file_is_named(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(wk.InvalidArgumentError, match="nope.yaml.*does not exist"):
        find_profile(missing)


def test_unknown_name_lists_the_known_profiles():
    with pytest.raises(wk.InvalidArgumentError) as error:
        with wk.cluster("kubernetes-someday"):
            pass
    message = str(error.value)
    assert "'kubernetes-someday'" in message
    for name in SHIPPED:
        assert name in message
    assert str(CONFIGS) in message  # where it looked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wkdist: {cluster: [kind: local\n", "not valid YAML"),
        ("- local\n- distributed\n", "must be a mapping of dask settings; got list"),
        ("", "must be a mapping of dask settings; got NoneType"),
        ("distributed: {scheduler: {allowed-failures: 1}}\n", "sets no wkdist.cluster.kind"),
        ("wkdist: {cluster: {address: null}}\n", "sets no wkdist.cluster.kind"),
        # Empty sections parse as null; they must not surface as AttributeError.
        ("wkdist:\n", "sets no wkdist.cluster.kind"),
        ("wkdist:\n  cluster:\n", "sets no wkdist.cluster.kind"),
    ],
    ids=["bad-yaml", "list", "empty-file", "no-wkdist", "no-kind", "null-wkdist", "null-cluster"],
)
def test_bad_profile_file_is_a_clear_error(tmp_path, text, expected):
    path = write_profile(tmp_path, "bad.yaml", text)
    with pytest.raises(wk.InvalidArgumentError) as error:
        load_profile(path)
    assert expected in str(error.value)
    assert str(path) in str(error.value)


def test_unknown_kind_lists_the_kinds(tmp_path):
    path = write_profile(tmp_path, "k8s.yaml", "wkdist: {cluster: {kind: kubernetes}}\n")
    with pytest.raises(wk.InvalidArgumentError) as error:
        with wk.cluster(path):
            pass
    message = str(error.value)
    assert "'kubernetes'" in message
    for kind in SHIPPED:
        assert kind in message
    assert dask.config.get("wkdist.cluster", default=None) is None


def test_search_path_before_home_before_shipped(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    home_profiles = tmp_path / "home" / ".config" / "wkdist" / "profiles"
    mine = write_profile(first, "local.yaml", "wkdist: {cluster: {kind: local}}\n")
    write_profile(second, "local.yaml", "wkdist: {cluster: {kind: distributed}}\n")
    only_second = write_profile(second, "gpu.yml", "wkdist: {cluster: {kind: local}}\n")
    home_local = write_profile(home_profiles, "local.yaml", "wkdist: {cluster: {kind: local}}\n")
    home_only = write_profile(home_profiles, "lab.yaml", "wkdist: {cluster: {kind: local}}\n")

    assert find_profile("local") == home_local  # home shadows the shipped profile
    monkeypatch.setenv("WKDIST_PROFILE_PATH", f"{first}{os.pathsep}{second}")
    assert find_profile("local") == mine
    assert find_profile("gpu") == only_second
    assert find_profile("lab") == home_only
    assert find_profile("slurm-batch") == CONFIGS / "slurm-batch.yaml"
    assert set(available_profiles()) == {*SHIPPED, "gpu", "lab"}


def test_dask_environment_overrides_the_profile(monkeypatch):
    monkeypatch.setenv("DASK_WKDIST__CLUSTER__LOCAL__N_WORKERS", "3")
    monkeypatch.setenv("DASK_JOBQUEUE__SLURM__CORES", "1")
    assert load_profile("local")["wkdist"]["cluster"]["local"]["n-workers"] == 3
    assert load_profile("slurm-jobqueue")["jobqueue"]["slurm"]["cores"] == 1
    with wk.cluster("local", config=IN_PROCESS) as client:
        assert len(client.scheduler_info()["workers"]) == 3


def test_config_overrides_environment_and_profile(monkeypatch):
    monkeypatch.setenv("DASK_WKDIST__CLUSTER__LOCAL__N_WORKERS", "3")
    with wk.cluster("local", config={**IN_PROCESS, "wkdist.cluster.local.n-workers": 1}) as client:
        assert dask.config.get("wkdist.cluster.local.n-workers") == 1
        assert len(client.scheduler_info()["workers"]) == 1


def test_settings_and_cluster_end_with_the_block():
    assert dask.config.get("wkdist.cluster", default=None) is None
    with pytest.raises(RuntimeError, match="inside"):
        with wk.cluster("local", config=IN_PROCESS) as client:
            assert dask.config.get("wkdist.cluster.kind") == "local"
            assert dask.config.get("wkdist.cluster.local.processes") is False
            assert distributed.get_client() is client  # dask's default inside the block
            raise RuntimeError("inside")
    assert dask.config.get("wkdist.cluster", default=None) is None
    assert client.status == "closed"
    with pytest.raises(ValueError, match="No global client"):
        distributed.get_client()


def test_distributed_profile_needs_an_address():
    with pytest.raises(wk.InvalidArgumentError, match="DASK_WKDIST__CLUSTER__ADDRESS"):
        with wk.cluster("distributed"):
            pass
