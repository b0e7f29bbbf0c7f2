"""The job scripts in ``slurm/``: submitted to a real SLURM they give what wkdist gives in-process.

The SLURM tests need ``sbatch`` on PATH and a partition with 2 CPUs; the checks of
the scripts' own argument handling run them with bash and need no SLURM.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import dask
import numpy as np
import pytest

import wkdist as wk
from wkdist.sample_data import em_like_volume

SLURM_DIR = Path(__file__).resolve().parents[2] / "slurm"
IN_ALLOCATION = SLURM_DIR / "wkdist-in-allocation.sbatch"
BATCH = SLURM_DIR / "wkdist-batch.sbatch"
SHAPE = (256, 256, 64)  # 16 shards of 64³ per layer
# --coarsest-mag and the mags it makes; batch: one step, as each mag of each layer is an array job
DOWNSAMPLING = {
    "in-allocation": ("4-4-2", [[1, 1, 1], [2, 2, 1], [4, 4, 2]]),
    "batch": ("2-2-1", [[1, 1, 1], [2, 2, 1]]),
}
JOB_TIMEOUT_S = 240
RUNNING_STATES = {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED"}

needs_slurm = pytest.mark.skipif(
    shutil.which("sbatch") is None, reason="needs a running SLURM: sbatch is not on PATH"
)


@dataclass(frozen=True, slots=True)
class Job:
    """A finished job: its exit code (128 + signal if killed) and its output file's text."""

    exit_code: int
    output: str


def job_environment(**extra: str) -> dict[str, str]:
    """This process's environment for a job: its Python's bin folder first on PATH
    (so the job runs the same ``wkdist`` and ``dask``), without SLURM variables of an
    enclosing allocation (srun refuses two kinds of memory variables)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_") or k == "SLURM_CONF"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(extra)
    return env


def sbatch_command(script: Path, args: list[object], folder: Path, options: list[str]) -> list[str]:
    return [
        "sbatch", "--parsable", f"--chdir={folder}", f"--output={folder}/%x-%j.out",
        *options, str(script), *map(str, args),
    ]


def job_output(folder: Path, job_id: str) -> str:
    return "\n".join(path.read_text() for path in folder.glob(f"*-{job_id}.out"))


def wait_for(job_id: str) -> int:
    """The exit code of ``job_id`` once it ended (``sbatch --wait`` polls after 2, 8 and
    32 s, which would make each job here take 10 or 42 s)."""
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        info = subprocess.run(
            ["scontrol", "show", "job", "-o", job_id], capture_output=True, text=True, check=True
        ).stdout
        state = re.search(r"JobState=(\S+)", info)
        if state is not None and state.group(1) not in RUNNING_STATES:
            code, signal = map(int, re.search(r"ExitCode=(\d+):(\d+)", info).groups())
            return 128 + signal if signal else code
        time.sleep(0.3)
    subprocess.run(["scancel", job_id], check=False)
    pytest.fail(f"job {job_id} did not end within {JOB_TIMEOUT_S} s; cancelled it")


def submit(template: str, args: list[object], folder: Path) -> Job:
    """Run ``args`` through the script of ``template`` and wait for the job."""
    if template == "in-allocation":
        script, options, env = IN_ALLOCATION, ["--ntasks=2"], job_environment()
    else:
        script, options = BATCH, []
        env = job_environment(
            WKDIST_CFUT_DIR=str(folder / "cfut"),
            # Few array tasks (each writes several shards) and a small footprint.
            DASK_WKDIST__WRITE__MAX_TASKS="2",
            DASK_WKDIST__CLUSTER__SLURM_BATCH__JOB_RESOURCES__MEM="1G",
            DASK_WKDIST__CLUSTER__SLURM_BATCH__JOB_RESOURCES__TIME="00:05:00",
        )
    submitted = subprocess.run(
        sbatch_command(script, args, folder, options),
        capture_output=True, text=True, env=env, cwd=folder, check=True,
    )
    job_id = submitted.stdout.strip().split(";")[0]
    exit_code = wait_for(job_id)
    return Job(exit_code, job_output(folder, job_id))


def listed_mags(dataset: Path) -> dict[str, list[list[int]]]:
    properties = json.loads((dataset / "datasource-properties.json").read_text())
    return {layer["name"]: [m["mag"] for m in layer["mags"]] for layer in properties["dataLayers"]}


def assert_same_dataset(result: Path, expected: Path) -> None:
    """Equal layer properties (boxes, mags, formats) and equal voxels in every mag."""
    layers = [json.loads((p / "datasource-properties.json").read_text())["dataLayers"]
              for p in (result, expected)]
    assert layers[0] == layers[1]
    got, want = wk.Dataset.open(result), wk.Dataset.open(expected)
    for name, layer in want.layers.items():
        for mag, view in layer.mags.items():
            np.testing.assert_array_equal(got.get_layer(name).get_mag(mag).read(), view.read())


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> wk.Dataset:
    """WKW, a uint8 color and a uint32 segmentation layer, 32³ chunks in 64³ shards."""
    image, labels = em_like_volume(SHAPE)
    box = wk.BoundingBox((0, 0, 0), SHAPE)
    ds = wk.Dataset(tmp_path_factory.mktemp("slurm") / "sample", voxel_size=(11, 11, 24))
    color = ds.add_layer("color", "color", dtype="uint8", data_format="wkw", bounding_box=box)
    color.add_mag(1, chunk_shape=32, shard_shape=64).write(image, absolute_offset=(0, 0, 0))
    seg = ds.add_layer("segmentation", "segmentation", dtype="uint32", data_format="wkw",
                       bounding_box=box, largest_segment_id=int(labels.max()))
    seg.add_mag(1, chunk_shape=32, shard_shape=64).write(labels, absolute_offset=(0, 0, 0))
    return ds


@pytest.fixture(scope="module")
def reference(sample: wk.Dataset, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The copy to Zarr v3 and its downsamplings, made in this process on dask threads."""
    folder = tmp_path_factory.mktemp("reference")
    with dask.config.set(scheduler="threads"):
        sample.copy_dataset(folder / "copy", data_format="zarr3")
        made = {"copy": folder / "copy"}
        for template, (coarsest, _) in DOWNSAMPLING.items():
            made[template] = Path(shutil.copytree(folder / "copy", folder / template))
            for layer in wk.Dataset.open(made[template]).layers.values():
                layer.downsample(coarsest_mag=coarsest)
    return made


@pytest.mark.slurm
@needs_slurm
@pytest.mark.parametrize("template", ["in-allocation", "batch"])
def test_copy_and_downsample_equal_in_process_results(template, sample, reference, tmp_path):
    target = tmp_path / "copy"
    job = submit(template, ["copy", sample.path, target, "--data-format", "zarr3"], tmp_path)
    assert job.exit_code == 0, job.output
    assert f"copied {sample.path} to {target}" in job.output
    assert listed_mags(target) == {"color": [[1, 1, 1]], "segmentation": [[1, 1, 1]]}
    assert_same_dataset(target, reference["copy"])

    coarsest, mags = DOWNSAMPLING[template]
    job = submit(template, ["downsample", target, "--coarsest-mag", coarsest], tmp_path)
    assert job.exit_code == 0, job.output
    assert listed_mags(target) == {"color": mags, "segmentation": mags}
    assert_same_dataset(target, reference[template])
    if template == "in-allocation":
        assert not list(tmp_path.glob("wkdist-*.dask")), "the dask folder is removed on success"
    else:
        assert list((tmp_path / "cfut").glob("*.stdout")), "the shard batches ran as array jobs"


@pytest.mark.slurm
@needs_slurm
def test_corrupt_shard_fails_the_job_and_names_the_shard(sample, tmp_path):
    source = Path(shutil.copytree(sample.path, tmp_path / "corrupt"))
    shard = source / "color" / "1" / "z0" / "y0" / "x1.wkw"
    shard.write_bytes(shard.read_bytes()[:100])
    job = submit("in-allocation", ["copy", source, tmp_path / "out", "--data-format", "zarr3"],
                 tmp_path)
    assert job.exit_code == 1, job.output
    assert "ShardFailedError: shard (64, 0, 0)+(64, 64, 64)" in job.output
    assert str(shard) in job.output and "Unfinished shards:" in job.output
    kept = list(tmp_path.glob("wkdist-*.dask"))
    assert len(kept) == 1 and (kept[0] / "workers.log").is_file(), job.output
    assert f"logs are in {kept[0]}" in job.output


@pytest.mark.slurm
@needs_slurm
def test_sbatch_wait_returns_the_exit_code_of_a_failed_job(tmp_path):
    missing = tmp_path / "missing"
    waited = subprocess.run(
        sbatch_command(BATCH, ["downsample", missing], tmp_path, ["--wait"]),
        capture_output=True, text=True, env=job_environment(), cwd=tmp_path,
        timeout=JOB_TIMEOUT_S, check=False,
    )
    assert waited.returncode == 2, waited.stderr
    output = job_output(tmp_path, waited.stdout.strip().split(";")[0])
    assert f"wkdist: error: no dataset at {missing}" in output


def run_script(script: Path, args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """The script run by bash outside SLURM."""
    return subprocess.run(
        [shutil.which("bash"), str(script), *args], capture_output=True, text=True, check=False,
        env={"HOME": os.environ.get("HOME", "/"), **env},
    )


@pytest.fixture
def fake_wkdist(tmp_path: Path) -> Path:
    """An activate script that puts a ``wkdist`` and ``dask`` printing their arguments on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("wkdist", "dask"):
        program = bin_dir / name
        program.write_text(
            '#!/bin/sh\necho "args: $*"\n'
            'echo "cfut: $DASK_WKDIST__CLUSTER__SLURM_BATCH__CFUT_DIR"\n'
            'echo "memory: ${SLURM_MEM_PER_CPU:-}${SLURM_MEM_PER_NODE:-}"\n'
        )
        program.chmod(0o755)
    activate = tmp_path / "activate"
    activate.write_text(f'PATH="{bin_dir}:$PATH"\n')
    return activate


@pytest.mark.parametrize("script", [IN_ALLOCATION, BATCH], ids=["in-allocation", "batch"])
def test_scripts_are_executable_and_refuse_a_missing_wkdist(script, tmp_path):
    assert os.access(script, os.X_OK)
    result = run_script(script, ["copy", "a", "b"], PATH=str(tmp_path))
    assert result.returncode == 2
    assert "'wkdist' is not on PATH" in result.stderr and "WKDIST_ACTIVATE" in result.stderr


@pytest.mark.parametrize("script", [IN_ALLOCATION, BATCH], ids=["in-allocation", "batch"])
def test_scripts_refuse_no_arguments(script, fake_wkdist):
    result = run_script(script, [], PATH="/usr/bin:/bin", WKDIST_ACTIVATE=str(fake_wkdist))
    assert result.returncode == 2
    assert "no wkdist arguments" in result.stderr


def test_in_allocation_needs_a_worker_task(fake_wkdist):
    result = run_script(IN_ALLOCATION, ["downsample", "ds"], PATH="/usr/bin:/bin",
                        WKDIST_ACTIVATE=str(fake_wkdist), SLURM_NTASKS="1")
    assert result.returncode == 2
    assert "needs --ntasks of at least 2" in result.stderr and "got 1" in result.stderr


def test_batch_passes_arguments_profile_and_cfut_dir(fake_wkdist, tmp_path):
    result = run_script(BATCH, ["copy", "a b", "c", "--data-format", "zarr3"], PATH="/usr/bin:/bin",
                        WKDIST_ACTIVATE=str(fake_wkdist), WKDIST_CFUT_DIR=str(tmp_path / "cfut"),
                        SLURM_MEM_PER_CPU="1000")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "args: copy a b c --data-format zarr3 --cluster slurm-batch",
        f"cfut: {tmp_path / 'cfut'}",
        "memory: ",  # this job's memory variable would clash with the array jobs' own
    ]
