"""Staged properties: a job's changes appear in ``datasource-properties.json`` only
when it is finalized, merged with what others changed meanwhile."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
import webknossos

import wkdist as wk
from tests.broken_datasets import broken_wkw_dataset
from wkdist.geometry import BoundingBox
from wkdist.properties import (
    DatasetProperties,
    LayerProperties,
    VoxelSize,
    load_properties,
    merge_bounding_boxes,
    publish_stage,
    save_properties,
    staged_properties,
    update_properties,
)
from wkdist.properties.staging import BASE_FILE_NAME, merge_job_changes


def layer(name: str, size: int = 8) -> LayerProperties:
    return LayerProperties(
        name=name, category="color", bounding_box=BoundingBox((0, 0, 0), (size,) * 3),
        data_format="zarr3", mags=(),
    )


def dataset(*layers: LayerProperties, name: str = "ds") -> DatasetProperties:
    return DatasetProperties(id={"name": name, "team": ""}, scale=VoxelSize((1.0, 1.0, 1.0)),
                             data_layers=layers)


def test_reads_and_writes_go_to_the_stage_until_published(tmp_path):
    ds, stage = tmp_path / "ds", tmp_path / "stage"
    ds.mkdir()
    save_properties(ds, dataset(layer("a")))
    real = (ds / "datasource-properties.json").read_bytes()
    with staged_properties(ds, stage):
        update_properties(ds, lambda p: p.with_layer(layer("b")))
        merge_bounding_boxes(ds, "a", [BoundingBox((0, 0, 0), (16, 16, 16))])
        assert load_properties(ds).layer_names == ("a", "b")
        assert (ds / "datasource-properties.json").read_bytes() == real
    assert load_properties(ds).layer_names == ("a",)  # outside the job's context
    assert (stage / BASE_FILE_NAME).read_bytes() == real
    published = publish_stage(ds, stage)
    assert published == load_properties(ds)
    assert published.layer_names == ("a", "b")
    assert published.get_layer("a").bounding_box == BoundingBox((0, 0, 0), (16, 16, 16))
    assert publish_stage(ds, stage) == published  # publishing again changes nothing


def test_a_resumed_stage_continues_and_a_new_dataset_starts_empty(tmp_path):
    ds, stage = tmp_path / "new", tmp_path / "stage"
    ds.mkdir()
    with staged_properties(ds, stage):
        save_properties(ds, dataset(layer("a")))
    assert not (ds / "datasource-properties.json").exists()
    with staged_properties(ds, stage):  # a second run of the job
        assert load_properties(ds).layer_names == ("a",)
    assert publish_stage(ds, stage) == load_properties(ds) == dataset(layer("a"))
    assert publish_stage(ds, tmp_path / "nothing-staged") is None


def test_merge_keeps_what_others_changed_meanwhile():
    base = dataset(layer("a"), layer("b"), layer("c"))
    staged = dataset(layer("a", 16), layer("c"), layer("new"), name="renamed")  # b removed
    current = dataset(layer("a"), layer("b"), layer("c", 32), layer("theirs"))
    merged = merge_job_changes(base, staged, current)
    assert merged.layer_names == ("a", "c", "theirs", "new")
    assert merged.get_layer("a") == layer("a", 16)  # the job's change
    assert merged.get_layer("c") == layer("c", 32)  # the other writer's change
    assert merged.id["name"] == "renamed"
    assert merge_job_changes(base, staged, base) == staged
    assert merge_job_changes(None, staged, current) == staged
    unchanged_name = dataclasses.replace(staged, id=base.id)
    assert merge_job_changes(base, unchanged_name, current).id == current.id


@pytest.fixture
def broken_source(tmp_path):
    return broken_wkw_dataset(tmp_path)


def test_a_failed_copy_creates_no_visible_dataset(broken_source, tmp_path):
    source, shard, intact, _ = broken_source
    target = tmp_path / "dst"
    with pytest.raises(wk.JobIncompleteError):
        source.copy_dataset(target, data_format="zarr3", shard_shape=64)
    assert not (target / "datasource-properties.json").exists()
    with pytest.raises(wk.UnfinishedJobError, match=r"(?s)creating it.*wkdist resume.*wkdist discard"):
        wk.Dataset.open(target)
    with pytest.raises(FileNotFoundError):
        webknossos.Dataset.open(target)
    shutil.copy(intact, shard)
    copy = source.copy_dataset(target, data_format="zarr3", shard_shape=64)  # resumes
    assert np.array_equal(copy.get_layer("color").get_mag(1).read(),
                          source.get_layer("color").get_mag(1).read())
    assert webknossos.Dataset.open(target).get_layer("color").bounding_box.size == (128, 64, 64)


def test_a_failed_downsample_adds_no_mag(broken_source):
    source, shard, intact, _ = broken_source
    before = (source.path / "datasource-properties.json").read_bytes()
    with pytest.raises(wk.JobIncompleteError):
        source.get_layer("color").downsample(coarsest_mag=2)
    assert (source.path / "datasource-properties.json").read_bytes() == before
    assert list(webknossos.Dataset.open(source.path).get_layer("color").mags) == [webknossos.Mag(1)]
    with pytest.warns(wk.UnfinishedJobWarning):
        reopened = wk.Dataset.open(source.path)
    shutil.copy(intact, shard)
    reopened.get_layer("color").downsample(coarsest_mag=2)  # resumes
    assert list(webknossos.Dataset.open(source.path).get_layer("color").mags) == [
        webknossos.Mag(1), webknossos.Mag(2)
    ]
