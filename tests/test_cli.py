"""The real ``wkdist`` entry point: every command, and one clear line on bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import wkdist as wk

WKDIST = str(Path(sys.executable).with_name("wkdist"))


def run(*args):
    return subprocess.run([WKDIST, *map(str, args)], capture_output=True, text=True, check=False)


@pytest.fixture
def dataset(tmp_path):
    ds = wk.Dataset(tmp_path / "src", voxel_size=(11, 11, 24))
    layer = ds.add_layer("color", "color", data_format="wkw",
                         bounding_box=wk.BoundingBox((0, 0, 0), (64, 64, 32)))
    data = np.random.default_rng(0).integers(0, 255, (1, 64, 64, 32), dtype=np.uint8)
    layer.add_mag(1, compress=False).write(data, absolute_offset=(0, 0, 0))
    return ds


def test_convert_verify_info(tmp_path, dataset):
    result = run("convert", dataset.path, tmp_path / "z3", "--data-format", "zarr3", "--shard-shape", "32")
    assert result.returncode == 0, result.stderr
    copy = wk.Dataset.open(tmp_path / "z3")
    assert copy.get_layer("color").data_format == "zarr3"
    assert copy.get_layer("color").get_mag(1).info.shard_shape == wk.Vec3Int(32, 32, 32)
    verified = run("verify", dataset.path, tmp_path / "z3")
    assert verified.returncode == 0, verified.stderr
    info = run("info", tmp_path / "z3")
    assert "mag 1" in info.stdout and "zarr3" in info.stdout


def test_compress_downsample_upsample(tmp_path, dataset):
    assert run("compress", dataset.path).returncode == 0
    assert wk.Dataset.open(dataset.path).get_layer("color").get_mag(1).info.compressed
    result = run("downsample", dataset.path, "--coarsest-mag", "4")
    assert result.returncode == 0, result.stderr
    assert "created mags 2-2-1, 4-4-2" in result.stdout
    layer = wk.Dataset.open(dataset.path).get_layer("color")
    layer.delete_mag(1)
    result = run("upsample", dataset.path, "--from-mag", "2-2-1")
    assert result.returncode == 0, result.stderr
    assert wk.Mag(1) in wk.Dataset.open(dataset.path).get_layer("color").mags


def test_verify_reports_differences(tmp_path, dataset):
    other = dataset.copy_dataset(tmp_path / "other")
    other.get_layer("color").get_mag(1).write(np.ones((64, 64, 32), np.uint8), absolute_offset=(0, 0, 0))
    result = run("verify", dataset.path, tmp_path / "other")
    assert result.returncode == 1
    assert "differs" in result.stderr


def test_bad_input_is_one_line(tmp_path):
    result = run("info", tmp_path / "missing")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no dataset" in result.stderr
