"""Image imports are journaled jobs: killed (SIGKILL to the whole process group),
the same ``wkdist import`` command, ``wkdist resume`` or the same
``Dataset.from_images`` call continues them to the result of an uninterrupted
run, byte for byte (voxels and properties, ``largest_segment_id`` included);
a different job on the target is refused, ``status`` shows the import and
``discard`` deletes what it wrote."""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pytest
import tifffile

import wkdist as wk
from tests.conftest import snapshot
from tests.journal.crash_support import (
    WKDIST,
    check_like,
    properties_text,
    records,
    run,
    run_and_kill,
    started_after,
)
from wkdist.cli import main
from wkdist.cli.entry import _CHECKS
from wkdist.cli.jobs import command_job as _job
from wkdist.cli.parser import build_parser
from wkdist.dataset.from_images import ImportSetup
from wkdist.errors import UnfinishedJobError
from wkdist.geometry import Vec3Int
from wkdist.journal import journals, unfinished_jobs
from wkdist.properties import VoxelSize

SLICES, ROWS, COLUMNS = 40, 96, 128  # 4 x 3 x 2 shards of 32³ in mag 1, 2 x 2 x 1 in mag 2-2-1
SHARDS = 4 * 3 * 2
LARGEST = 70_000  # one voxel, in the first shard of the plan: written early
# The tasks run one by one in the plan's order, so the first shard is written first.
FROM_IMAGES = """
import sys
from cluster_tools import get_executor
import wkdist as wk
with get_executor("sequential") as executor:
    wk.Dataset.from_images(sys.argv[1], sys.argv[2], voxel_size=(11, 11, 24), shard_shape=32,
                           executor=executor)
"""


@pytest.fixture(scope="module")
def labels(tmp_path_factory):
    """A stack of uint32 label slices (the folder's name makes it a segmentation layer)."""
    folder = tmp_path_factory.mktemp("stack") / "labels"
    folder.mkdir()
    volume = np.random.default_rng(14).integers(1, 1000, (SLICES, ROWS, COLUMNS), dtype=np.uint32)
    volume[0, 0, 0] = LARGEST
    for z, page in enumerate(volume):
        tifffile.imwrite(folder / f"slice_{z}.tif", page)
    return folder


def import_command(folder, target, *options):
    return [WKDIST, "import", str(folder), str(target), "--voxel-size", "11,11,24",
            "--shard-shape", "32", *options]


def test_import_and_downsample_survive_kills_resume_and_refuse_other_jobs(tmp_path, labels, capsys):
    """One job (import, then the pyramid) killed while it starts, writes mag 1,
    is resumed by ``wkdist resume`` (killed again), writes and finalizes; in
    between, ``status`` shows it, another import into the target is refused
    (command line and Python) and ``discard`` deletes a copy of it."""
    command = import_command(labels, "{}", "--downsample", "--coarsest-mag", "2")
    at = lambda target: [part.format(target) for part in command]  # noqa: E731
    total = SHARDS + 2 * 2 * 1
    run(at(tmp_path / "reference" / "ds"), cwd=tmp_path)
    target = tmp_path / "crashed" / "ds"
    target.parent.mkdir()
    rng = np.random.default_rng(14)
    first, second, third = sorted(int(k) for k in rng.choice(np.arange(2, total - 1), 3, replace=False))

    assert run_and_kill(at(target), started_after(float(rng.uniform(0.2, 0.6))), cwd=tmp_path) is None
    assert run_and_kill(at(target), lambda: records(target) >= first, cwd=tmp_path) is None
    assert properties_text(target) is None  # no dataset for others until the job is finalized
    (journal,) = unfinished_jobs(target)
    assert journal.header.kind == "import" and records(target) < total

    assert main(["status", str(target)]) == 0
    status = capsys.readouterr().out
    assert "import (UNFINISHED)" in status and f"wkdist resume {target}" in status
    before = {p: p.stat().st_mtime_ns for p in target.rglob("*")}
    assert main(import_command(labels, target, "--shard-shape", "64")[1:]) == 2
    refused = capsys.readouterr().err
    assert f"holds the unfinished job {journal.name} (import" in refused and "wkdist discard" in refused
    with pytest.raises(UnfinishedJobError, match="wkdist discard"):
        wk.Dataset.from_images(labels, target, voxel_size=(11, 11, 24), shard_shape=64)
    assert {p: p.stat().st_mtime_ns for p in target.rglob("*")} == before

    discarded = tmp_path / "discarded"
    shutil.copytree(target, discarded)
    assert main(["discard", str(discarded)]) == 0
    assert not discarded.exists()  # the import created the dataset: all of it goes

    # Reaching `second` records proves the resume continued the job.
    resumed = run_and_kill([WKDIST, "resume", str(target)], lambda: records(target) >= second,
                           cwd=tmp_path)
    assert resumed in (None, 0)
    assert run_and_kill(at(target), lambda: records(target) >= third, cwd=tmp_path) in (None, 0)
    run_and_kill(at(target), lambda: records(target) >= total, cwd=tmp_path,
                 delay=float(rng.uniform(0, 0.05)))
    run(at(target), cwd=tmp_path)
    check_like(target, tmp_path / "reference" / "ds")
    layer = wk.Dataset.open(target).get_layer("labels")
    assert layer.largest_segment_id == LARGEST
    assert set(layer.mags) == {wk.Mag(1), wk.Mag("2-2-1")}


def test_from_images_call_continues_with_largest_segment_id(tmp_path, labels):
    """A ``Dataset.from_images`` process killed after a few shards; the same call
    again writes only the rest, and ``largest_segment_id`` still counts the
    shards of the killed run (their tasks do not run again)."""
    script = tmp_path / "import.py"
    script.write_text(FROM_IMAGES)
    target = tmp_path / "crashed" / "ds"
    assert run_and_kill([sys.executable, str(script), str(labels), str(target)],
                        lambda: records(target) >= 3, cwd=tmp_path) is None
    (journal,) = unfinished_jobs(target)
    written = journal.recorded_shards()["labels/1"]
    assert Vec3Int(0, 0, 0) in written  # the largest id was written by the killed run only
    assert len(written) < SHARDS

    resumed = wk.Dataset.from_images(labels, target, voxel_size=(11, 11, 24), shard_shape=32)
    reference = wk.Dataset.from_images(labels, tmp_path / "reference" / "ds",
                                       voxel_size=(11, 11, 24), shard_shape=32)
    check_like(target, reference.path)
    assert resumed.get_layer("labels").largest_segment_id == LARGEST
    for shard in written.values():  # skipped, not written again
        assert (target / "labels" / "1" / shard.file).stat().st_mtime_ns == shard.mtime_ns
    (job,) = journals(target)
    assert sum(len(r.shards) for r in job.tasks()) == SHARDS  # each shard recorded once


ADD_LAYER = """
import sys
from cluster_tools import get_executor
import wkdist as wk
with get_executor("sequential") as executor:
    wk.Dataset.open(sys.argv[2]).add_layer_from_images(sys.argv[1], "color", shard_shape=32,
                                                       executor=executor)
"""


def test_add_layer_from_images_call_continues_with_value_range(tmp_path):
    """A killed ``add_layer_from_images`` into an existing dataset shows no new
    layer to others and ``discard`` removes its files; the same call continues
    the layer and mag that the killed run made (in its staged properties), and
    the display range covers the shards of the killed run."""
    folder = tmp_path / "grey"
    folder.mkdir()
    volume = np.random.default_rng(5).integers(10, 200, (SLICES, ROWS, COLUMNS), dtype=np.uint8)
    volume[0, 0, :2] = (0, 255)  # the range's ends, in the first shard only
    for z, page in enumerate(volume):
        tifffile.imwrite(folder / f"slice_{z}.tif", page)
    script = tmp_path / "add_layer.py"
    script.write_text(ADD_LAYER)
    target, reference = (wk.Dataset(tmp_path / name / "ds", voxel_size=(11, 11, 24))
                         for name in ("crashed", "reference"))
    assert run_and_kill([sys.executable, str(script), str(folder), str(target.path)],
                        lambda: records(target.path) >= 3, cwd=tmp_path) is None
    (journal,) = unfinished_jobs(target.path)
    assert Vec3Int(0, 0, 0) in journal.recorded_shards()["color/1"]
    assert properties_text(target.path) == properties_text(reference.path)  # no layer yet

    discarded = tmp_path / "discarded"
    shutil.copytree(target.path, discarded)
    assert main(["discard", str(discarded)]) == 0
    assert snapshot(discarded) == snapshot(reference.path)  # what the import wrote is gone

    layer = target.add_layer_from_images(folder, "color", shard_shape=32)
    reference.add_layer_from_images(folder, "color", shard_shape=32)
    check_like(target.path, reference.path)
    assert layer.default_view_configuration.min == 0
    assert layer.default_view_configuration.max == 255
    np.testing.assert_array_equal(layer.get_mag(1).read()[0], volume.T)


def test_command_and_python_call_are_one_job(tmp_path, labels):
    """``wkdist import`` and the equivalent ``Dataset.from_images`` call have one
    identity (either continues the other), ``--downsample`` makes another job,
    and the command's ``argv`` (what ``wkdist resume`` runs) gives the same job."""
    def command_job(*argv):
        """The command's own job, without running it."""
        args = build_parser().parse_args([str(a) for a in argv])
        _CHECKS["import"](args)
        return _job(args)

    target = tmp_path / "ds"
    job = command_job(*import_command(labels, target)[1:], "--no-compress")
    setup = ImportSetup(labels, category=None, shard_shape=32, compress=False)
    python = setup.job(target, "labels", new_dataset=(VoxelSize((11, 11, 24)), None))
    assert job.identity == python.identity
    assert job.source == labels and job.creates_target
    assert command_job(*job.argv).identity == job.identity
    with_pyramid = command_job(*import_command(labels, target)[1:], "--no-compress", "--downsample")
    assert with_pyramid.identity != job.identity
    assert command_job(*with_pyramid.argv).identity == with_pyramid.identity
