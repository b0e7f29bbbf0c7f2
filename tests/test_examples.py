"""The programs in examples/ and the README's main job run as written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

import wkdist as wk

ROOT = Path(__file__).resolve().parents[1]
# The console script installed with the package, next to this interpreter.
WKDIST = str(Path(sys.executable).with_name("wkdist"))


def test_dataset_usage_example_runs(tmp_path):
    seed = wk.Dataset(tmp_path / "testdata" / "simple_wkw_dataset", voxel_size=(1, 1, 1))
    seed.add_layer("color", "color", data_format="wkw").add_mag(1).write(
        np.ones((32, 32, 32), np.uint8), absolute_offset=(0, 0, 0)
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "dataset_usage.py")],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    copy = wk.Dataset.open(tmp_path / "testoutput" / "copy_of_dataset")
    original = wk.Dataset.open(tmp_path / "testoutput" / "my_new_dataset")
    np.testing.assert_array_equal(
        copy.get_layer("color").get_mag(1).read(), original.get_layer("color").get_mag(1).read()
    )
    assert copy.get_layer("color").get_mag(1).info.shard_shape == wk.Vec3Int(64, 64, 64)
    assert (tmp_path / "testoutput" / "copy_of_dataset" / "segmentation").is_symlink()


def test_cli_demo_runs(tmp_path):
    result = subprocess.run(
        [WKDIST, "demo", str(tmp_path / "demo"), "--size", "64", "64", "32"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "the copy holds the same voxels" in result.stdout
    assert wk.Dataset.open(tmp_path / "demo" / "sample_zarr3").get_layer("color").data_format == "zarr3"


def test_cli_bad_input_is_one_clear_line(tmp_path):
    (tmp_path / "demo" / "sample_wkw").mkdir(parents=True)
    (tmp_path / "demo" / "sample_wkw" / "file").write_text("x")
    result = subprocess.run(
        [WKDIST, "demo", str(tmp_path / "demo"), "--size", "32", "32", "32"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("wkdist: error:")


def test_halo_jobs_example_runs(tmp_path):
    """map_blocks with a halo on a 2-process local cluster equals scipy (checked inside)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "halo_jobs.py"), str(tmp_path)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "components" in result.stdout
