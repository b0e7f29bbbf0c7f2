"""Bad job arguments on the real command line: a clear error (exit 2), and not one
file or folder created or changed anywhere in the working folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import wkdist as wk
from tests.conftest import snapshot

WKDIST = str(Path(sys.executable).with_name("wkdist"))


def tree(root: Path) -> dict[str, bytes]:
    """Every file and folder below ``root`` (folders as ``b"<dir>"``)."""
    files = snapshot(root)
    files.update({str(p.relative_to(root)): b"<dir>" for p in root.rglob("*") if p.is_dir()})
    return files


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    ds = wk.Dataset(root / "src", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", data_format="wkw",
                         bounding_box=wk.BoundingBox((0, 0, 0), (64, 64, 64)))
    layer.add_mag(1).write(np.ones((64, 64, 64), np.uint8), absolute_offset=(0, 0, 0))
    timed = ds.add_layer("timed", "color", data_format="zarr3", bounding_box=wk.NDBoundingBox(
        (0, 0, 0, 0), (16, 16, 16, 2), axes=("x", "y", "z", "t")))  # fmt: skip
    timed.add_mag(1, compress=False)
    (root / "afile").write_text("not a dataset")
    return root


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["copy", "src", "out", "--chunk-shape", "33"], "chunk_shape must be a cube"),
        (["copy", "src", "out", "--data-format", "zarr3", "--chunk-shape", "33"], "a power of two"),
        (["copy", "src", "out", "--data-format", "zarr", "--shard-shape", "256"], "for Zarr v2"),
        (["copy", "src", "src/inner"], "inside the source"),
        (["copy", "src", "out", "--chunk-shape", "32", "--shard-shape", "16"], "multiple of chunk_shape"),
        (["copy", "src", "out", "--data-format", "wkw", "--chunk-shape", "32,32,16"], "cubic"),
        (["copy", "afile", "out"], "no dataset at afile"),
        (["downsample", "src", "--layer", "nope"], "nope"),
        (["downsample", "src", "--layer", "timed"], "axes c, x, y, z"),
        (["compress", "src", "--layer", "timed"], "axes c, x, y, z"),
    ],
)
def test_refused_before_anything_is_written(workdir, args, message):
    before = tree(workdir)
    result = subprocess.run([WKDIST, *args], cwd=workdir, capture_output=True, text=True,
                            check=False, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("wkdist: error:") and message in result.stderr, result.stderr
    assert tree(workdir) == before
