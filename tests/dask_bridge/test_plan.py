"""The one plan type: plain data (picklable, comparable, printable, stable identity),
and the runner's journal hooks: an observer and plans without finished shards."""

from __future__ import annotations

import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import dask.array as da
import numpy as np
import pytest

import wkdist as wk
from wkdist.dask_bridge import WritePlan, plan_write
from wkdist.dataset.copying import add_mag_copy
from wkdist.run import run_plans


@pytest.fixture
def source(tmp_path):
    ds = wk.Dataset(tmp_path / "src", voxel_size=(1, 1, 1))
    layer = ds.add_layer("color", "color", data_format="zarr3")
    data = np.random.default_rng(3).integers(0, 200, (1, 128, 64, 70), dtype=np.uint8)
    layer.add_mag(1, chunk_shape=32, shard_shape=64).write(
        data, absolute_offset=(0, 0, 0), allow_unaligned=True
    )
    return layer.get_mag(1), data


def copy_plan(source_mag, path, name="copy") -> WritePlan:
    target = wk.Dataset(path, voxel_size=(1, 1, 1), exist_ok=True)
    layer = target.add_layer(name, "color", data_format="zarr3")
    plan = add_mag_copy(layer, source_mag, chunk_shape=32, shard_shape=32)
    assert plan is not None
    return plan


class Journal:
    """Records what the runner reports, as a journal would."""

    def __init__(self) -> None:
        self.tasks: list[tuple[str, tuple[wk.BoundingBox, ...]]] = []
        self.finalized: list[tuple[str, wk.BoundingBox]] = []

    def task_finished(self, plan, shards) -> None:
        assert not self.finalized, "tasks are reported before the finalization"
        self.tasks.append((plan.identity, shards))

    def plan_finalized(self, plan, written) -> None:
        self.finalized.append((plan.identity, written))


def test_plan_is_plain_data(source, tmp_path):
    plan = copy_plan(source[0], tmp_path / "dst")
    again = pickle.loads(pickle.dumps(plan))
    assert again == plan and again.identity == plan.identity
    assert plan.identity in repr(plan) and "24 shard(s)" in repr(plan)
    assert plan.num_shards == len(plan.shards) == 4 * 2 * 3
    # The same plan in another process has the same identity (a journal can find it again).
    code = (
        "import pickle, sys; from dask.base import tokenize; "
        "plan = pickle.loads(sys.stdin.buffer.read()); print(plan.identity)"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], input=pickle.dumps(plan), capture_output=True, check=True
    )
    assert other.stdout.decode().strip() == plan.identity


def test_without_drops_shards_and_empty_batches(source, tmp_path):
    plan = copy_plan(source[0], tmp_path / "dst")
    done = plan.shards[:5]
    rest = plan.without(done)
    assert rest.shards == plan.shards[5:]
    assert all(rest.batches) and rest.identity != plan.identity
    assert plan.without(plan.shards).batches == ()


@pytest.mark.parametrize("executor", [None, "pool"])
def test_observer_sees_every_task_then_the_finalization(source, tmp_path, executor):
    source_mag, data = source
    plan = copy_plan(source_mag, tmp_path / "dst")
    journal = Journal()
    with ThreadPoolExecutor(2) as pool:
        (written,) = run_plans([plan], executor=pool if executor else None, observer=journal)
    assert set(journal.tasks) == {(plan.identity, batch) for batch in plan.batches}
    assert journal.finalized == [(plan.identity, written)]
    assert written == source_mag.layer.bounding_box
    copied = wk.Dataset.open(tmp_path / "dst").get_layer("copy")
    np.testing.assert_array_equal(copied.get_mag(1).read(), data)


def test_resume_runs_only_the_shards_not_recorded(source, tmp_path):
    source_mag, data = source
    plan = copy_plan(source_mag, tmp_path / "dst")
    rest = plan.without(s for b in plan.batches[:3] for s in b)
    run_plans([plan.without(rest.shards)])  # as if a first run had stopped after 3 tasks
    journal = Journal()
    run_plans([rest], observer=journal)
    assert {shards for _, shards in journal.tasks} == set(rest.batches)
    copied = wk.Dataset.open(tmp_path / "dst").get_layer("copy").get_mag(1)
    np.testing.assert_array_equal(copied.read(), data)


def test_dask_array_writes_are_plans_too(tmp_path):
    target = wk.Dataset(tmp_path / "dst", voxel_size=(1, 1, 1))
    mag = target.add_layer("c", "color").add_mag(1, shard_shape=32)
    block = da.from_array(np.arange(64 * 64 * 32, dtype=np.uint8).reshape(1, 64, 64, 32), chunks=32)
    delayed = mag.write(block, absolute_offset=(32, 0, 0), compute=False)
    plans = {key[0] for key in dict(delayed.dask) if isinstance(key, tuple)}
    assert any(str(name).startswith("wkdist-write-") for name in plans)
    delayed.compute()
    np.testing.assert_array_equal(mag.read(absolute_offset=(32, 0, 0), size=(64, 64, 32)),
                                  block.compute())


def test_dask_array_plan_on_an_executor(tmp_path):
    """Without a dask scheduler each task computes its block itself."""
    target = wk.Dataset(tmp_path / "dst", voxel_size=(1, 1, 1))
    mag = target.add_layer("c", "color").add_mag(1, shard_shape=32)
    values = np.arange(1 * 70 * 64 * 40, dtype=np.uint8).reshape(1, 70, 64, 40)
    box = wk.BoundingBox((3, 0, 0), (70, 64, 40))
    plan = plan_write(da.from_array(values, chunks=(1, 30, 64, 40)) + 1,
                      mag._write_target(update_properties=True), mag.info, box)
    with ThreadPoolExecutor(2) as pool:
        assert run_plans([plan], executor=pool) == [box]
    np.testing.assert_array_equal(mag.read(absolute_bounding_box=box), values + 1)
    assert wk.Dataset.open(tmp_path / "dst").get_layer("c").bounding_box == box
