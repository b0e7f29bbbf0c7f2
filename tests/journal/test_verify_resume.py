"""``wkdist verify TARGET`` on a real job's output finds damage, and
``wkdist resume TARGET --verify`` rewrites exactly the damaged shards."""

from __future__ import annotations

import numpy as np

import wkdist as wk
from tests.journal.crash_support import WKDIST, run
from wkdist.journal import journals


def test_verify_then_rewrite_damaged(tmp_path):
    src = wk.Dataset(tmp_path / "src", voxel_size=(1, 1, 1))
    layer = src.add_layer("color", "color", data_format="wkw",
                          bounding_box=wk.BoundingBox((0, 0, 0), (64, 64, 64)))
    data = np.random.default_rng(7).integers(0, 255, (64, 64, 64), dtype=np.uint8)
    layer.add_mag(1, chunk_shape=32, shard_shape=32).write(data, absolute_offset=(0, 0, 0))
    target = tmp_path / "dst"
    run([WKDIST, "copy", src.path, target, "--data-format", "zarr3", "--shard-shape", "32"],
        cwd=tmp_path)
    assert run([WKDIST, "verify", target], cwd=tmp_path).returncode == 0
    mag = target / "color" / "1"
    flipped = mag / "c" / "0" / "1" / "0" / "1"
    content = bytearray(flipped.read_bytes())
    content[len(content) // 2] ^= 0xFF
    flipped.write_bytes(bytes(content))
    untouched = {p: p.stat().st_mtime_ns for p in (mag / "c").rglob("*") if p.is_file() and p != flipped}

    verify = run([WKDIST, "verify", target], cwd=tmp_path, check=False)
    assert verify.returncode == 1
    assert "color/1/c/0/1/0/1: checksum mismatch" in verify.stdout
    assert f"wkdist resume {target} --verify" in verify.stderr

    run([WKDIST, "resume", target, "--verify"], cwd=tmp_path)
    assert run([WKDIST, "verify", target], cwd=tmp_path).returncode == 0
    assert {p: p.stat().st_mtime_ns for p in untouched} == untouched  # only the bad one rewritten
    np.testing.assert_array_equal(wk.Dataset.open(target).get_layer("color").get_mag(1).read()[0], data)
    assert all(j.finalized for j in journals(target))
