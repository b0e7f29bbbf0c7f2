"""``wkdist import``: a stack in, the pyramid built, and bad input refused with
the file named before anything is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile

import wkdist as wk
from tests.conftest import snapshot
from wkdist.cli import main

WKDIST = str(Path(sys.executable).with_name("wkdist"))
RNG = np.random.default_rng(7)


def run(*args: object):
    return subprocess.run([WKDIST, *map(str, args)], capture_output=True, text=True, check=False)


def write_stack(folder, volume, names=None):
    folder.mkdir(parents=True, exist_ok=True)
    for z, page in enumerate(volume):
        tifffile.imwrite(folder / (names[z] if names else f"img_{z:03d}.tif"), page)


def test_import_and_downsample(tmp_path):
    volume = RNG.integers(0, 255, (20, 90, 130), dtype=np.uint8)
    write_stack(tmp_path / "em", volume)
    result = run("import", tmp_path / "em", tmp_path / "ds", "--voxel-size", "11,11,24",
                 "--shard-shape", "64,64,32", "--downsample", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert "imported em (color, 1 x uint8) box" in result.stdout
    assert "created mags 2-2-1" in result.stdout
    layer = wk.Dataset.open(tmp_path / "ds").get_layer("em")
    assert layer.bounding_box == wk.BoundingBox((0, 0, 0), (130, 90, 20))
    np.testing.assert_array_equal(layer.get_mag(1).read(), volume.T[None])
    assert wk.Mag("2-2-1") in layer.mags
    webknossos = pytest.importorskip("webknossos")
    theirs = webknossos.Dataset.open(tmp_path / "ds").get_layer("em")
    np.testing.assert_array_equal(theirs.get_mag(1).read(), volume.T[None])
    exported = run("export-tiff", tmp_path / "ds", tmp_path / "tiffs", "--layer-name", "em",
                   "--bbox", "0,0,2,130,90,10", "--name", "em", "--jobs", "2")
    assert exported.returncode == 0, exported.stderr
    assert "exported 10 slice(s)" in exported.stdout
    for z in range(10):
        np.testing.assert_array_equal(tifffile.imread(tmp_path / "tiffs" / f"em_{z:06d}.tiff"), volume[z + 2])


def _bad_shape(folder):
    write_stack(folder, [np.zeros((40, 30), np.uint8), np.zeros((40, 31), np.uint8)])
    return folder / "img_001.tif"


def _bad_dtype(folder):
    write_stack(folder, [np.zeros((40, 30), np.uint8), np.zeros((40, 30), np.uint16)])
    return folder / "img_001.tif"


def _gap(folder):
    write_stack(folder, [np.zeros((4, 3), np.uint8)] * 3, names=["s1.tif", "s2.tif", "s4.tif"])
    return folder / "s4.tif"


def _unreadable(folder):
    write_stack(folder, [np.zeros((4, 3), np.uint8)])
    (folder / "img_001.tif").write_bytes(b"not a tiff" * 50)
    return folder / "img_001.tif"


def _truncated(folder):
    write_stack(folder, [np.ones((40, 30), np.uint8)] * 2)
    data = (folder / "img_001.tif").read_bytes()
    (folder / "img_001.tif").write_bytes(data[: len(data) // 2])
    return folder / "img_001.tif"


def _pixel_type(folder):
    write_stack(folder, [np.zeros((4, 3), np.float64)])
    return folder / "img_000.tif"


def _empty(folder):
    folder.mkdir()
    (folder / "readme.txt").write_text("no images here")
    return folder


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_bad_shape, "has slices of 31 x 40 pixels of uint8, but"),
        (_bad_dtype, "has slices of 30 x 40 pixels of uint16, but"),
        (_gap, "numbering of the slices has a gap"),
        (_unreadable, "cannot be read as TIFF"),
        (_truncated, "truncated"),
        (_pixel_type, "unsupported pixel type float64"),
        (_empty, "found no image files"),
    ],
)
def test_bad_input_names_the_file_and_writes_nothing(tmp_path, capsys, make, message):
    """The command's entry point in this process (a new interpreter per case costs
    seconds of imports; the checks run before any cluster starts)."""
    culprit = make(tmp_path / "input")
    before = snapshot(tmp_path)
    assert main(["import", str(tmp_path / "input"), str(tmp_path / "out"), "--voxel-size", "1,1,1"]) == 2
    stderr = capsys.readouterr().err
    assert message in stderr
    assert str(culprit) in stderr
    assert snapshot(tmp_path) == before  # not even the target folder
