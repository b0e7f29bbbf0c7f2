from __future__ import annotations

import dataclasses
import functools
import json
import subprocess
import sys
import time

import pytest

from wkdist.errors import InvalidArgumentError, NotFoundError
from wkdist.geometry import BoundingBox
from wkdist.properties import (
    LOCK_FILE_NAME,
    PROPERTIES_FILE_NAME,
    DatasetProperties,
    LayerProperties,
    MagProperties,
    PropertiesError,
    PropertiesNotFoundError,
    VoxelSize,
    load_properties,
    merge_bounding_boxes,
    save_properties,
    serialize_properties,
    update_properties,
)

AXES = {"c": 0, "x": 1, "y": 2, "z": 3}


def make_props(*names: str) -> DatasetProperties:
    layers = tuple(
        LayerProperties(
            name=name,
            category="color",
            bounding_box=BoundingBox((0, 0, 0), (0, 0, 0)),
            data_format="zarr3",
            mags=(MagProperties(1, path=f"./{name}/1", axis_order=AXES),),
        )
        for name in names
    )
    return DatasetProperties(
        id={"name": "ds", "team": ""}, scale=VoxelSize((1, 1, 1)), data_layers=layers
    )


@pytest.fixture
def ds(tmp_path):
    save_properties(tmp_path, make_props("a", "b"))
    return tmp_path


def properties_file(path):
    return path / PROPERTIES_FILE_NAME


def leftovers(path):
    return sorted(
        p.name for p in path.iterdir() if p.name not in (PROPERTIES_FILE_NAME, LOCK_FILE_NAME)
    )


# ------------------------------------------------------------------------ load / save


def test_save_writes_indented_json_and_load_reads_it(tmp_path):
    props = make_props("a")
    save_properties(tmp_path, props)
    text = properties_file(tmp_path).read_text()
    assert text == json.dumps(serialize_properties(props), indent=4)
    assert load_properties(tmp_path) == props
    assert leftovers(tmp_path) == []


def test_load_of_a_directory_without_properties(tmp_path):
    with pytest.raises(
        PropertiesNotFoundError, match=rf"{tmp_path} is not a WEBKNOSSOS dataset"
    ) as info:
        load_properties(tmp_path)
    assert isinstance(info.value, FileNotFoundError)
    assert info.value.filename == str(properties_file(tmp_path))
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError):
        load_properties(tmp_path / "missing")


def test_load_of_malformed_files_names_the_file(tmp_path):
    properties_file(tmp_path).write_text('{"id": {}, "scale": [1, 1, 1]}')
    with pytest.raises(
        PropertiesError, match=rf"{properties_file(tmp_path)}, at dataLayers: the key is missing"
    ):
        load_properties(tmp_path)
    properties_file(tmp_path).write_bytes(b"\xff\xfe{}")
    with pytest.raises(PropertiesError, match="not UTF-8"):
        load_properties(tmp_path)


def test_failed_serialization_leaves_the_old_file_unchanged(ds):
    before = properties_file(ds).read_bytes()
    broken = dataclasses.replace(make_props("a"), default_view_configuration={"zoom": object()})
    with pytest.raises(TypeError, match="not JSON serializable"):
        save_properties(ds, broken)
    with pytest.raises(TypeError):
        update_properties(ds, lambda _: broken)
    assert properties_file(ds).read_bytes() == before
    assert leftovers(ds) == []


def test_save_checks_its_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_properties(tmp_path / "missing", make_props("a"))
    with pytest.raises(InvalidArgumentError, match="expected DatasetProperties"):
        save_properties(tmp_path, {"id": {}})  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ update


def test_update_applies_the_change_and_returns_it(ds):
    new = update_properties(ds, lambda p: p.without_layer("a"))
    assert new.layer_names == ("b",)
    assert load_properties(ds) == new


def test_update_without_change_does_not_rewrite(ds):
    inode = properties_file(ds).stat().st_ino
    update_properties(ds, lambda p: p)
    assert properties_file(ds).stat().st_ino == inode


def test_failing_update_leaves_the_file_unchanged(ds):
    before = properties_file(ds).read_bytes()
    with pytest.raises(NotFoundError, match="layer 'x'"):
        update_properties(ds, lambda p: p.without_layer("x"))
    with pytest.raises(InvalidArgumentError, match="expected DatasetProperties"):
        update_properties(ds, lambda p: None)  # type: ignore[arg-type,return-value]
    assert properties_file(ds).read_bytes() == before


def test_update_of_a_missing_dataset_creates_nothing(tmp_path):
    with pytest.raises(PropertiesNotFoundError):
        update_properties(tmp_path, lambda p: p)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------- merge_bounding_boxes


def test_merge_extends_and_never_shrinks(ds):
    first = merge_bounding_boxes(ds, "a", [BoundingBox((10, 10, 10), (5, 5, 5))])
    assert first == BoundingBox((10, 10, 10), (5, 5, 5))
    boxes = (BoundingBox(tl, (1, 1, 1)) for tl in [(0, 12, 12), (11, 11, 30)])
    assert merge_bounding_boxes(ds, "a", boxes) == BoundingBox((0, 10, 10), (15, 5, 21))
    inside = merge_bounding_boxes(ds, "a", [BoundingBox((1, 11, 11), (1, 1, 1))])
    assert inside == BoundingBox((0, 10, 10), (15, 5, 21))
    assert merge_bounding_boxes(ds, "a", []) == inside
    assert load_properties(ds).get_layer("a").bounding_box == inside
    assert load_properties(ds).get_layer("b").bounding_box.is_empty()


def test_merge_checks_its_arguments(ds):
    with pytest.raises(InvalidArgumentError, match="topleft >= 0"):
        merge_bounding_boxes(ds, "a", [BoundingBox((-1, 0, 0), (2, 2, 2))])
    with pytest.raises(InvalidArgumentError, match="expected BoundingBox"):
        merge_bounding_boxes(ds, "a", [(0, 0, 0, 1, 1, 1)])  # type: ignore[list-item]
    with pytest.raises(NotFoundError, match=r"layer 'c' .*\['a', 'b'\]"):
        merge_bounding_boxes(ds, "c", [BoundingBox((0, 0, 0), (1, 1, 1))])


# ------------------------------------------------------------------ several processes

_MERGE_WORKER = """
import json, sys
from wkdist.geometry import BoundingBox
from wkdist.properties import merge_bounding_boxes
for layer, topleft, size in json.loads(sys.argv[2]):
    merge_bounding_boxes(sys.argv[1], layer, [BoundingBox(topleft, size)])
"""

_COUNT_WORKER = """
import dataclasses, sys
from wkdist.properties import update_properties
def increment(props):
    layer = props.get_layer("a")
    count = layer.extras.get("count", 0) + 1
    return props.with_layer(dataclasses.replace(layer, extras={**layer.extras, "count": count}))
for _ in range(int(sys.argv[2])):
    update_properties(sys.argv[1], increment)
"""


def run_workers(script, arguments):
    """Start one Python process per argument list; while they run, keep reading the file."""
    processes = [
        subprocess.Popen([sys.executable, "-c", script, *args], stderr=subprocess.PIPE, text=True)
        for args in arguments
    ]
    reads = 0
    dataset = arguments[0][0]
    while any(p.poll() is None for p in processes):
        load_properties(dataset)  # never sees a half-written file
        reads += 1
        time.sleep(0.005)
    for process in processes:
        assert process.wait() == 0, process.stderr.read()
    return reads


def test_concurrent_merges_keep_every_box(ds):
    jobs = [
        [
            (layer, [7 * i + j, 3 * j, 100 - i], [1 + j, 2, 5])
            for j in range(6)
            for layer in ("a", "b")
        ]
        for i in range(8)
    ]
    run_workers(_MERGE_WORKER, [[str(ds), json.dumps(job)] for job in jobs])

    props = load_properties(ds)
    for layer in ("a", "b"):
        boxes = [BoundingBox(tl, size) for job in jobs for name, tl, size in job if name == layer]
        expected = functools.reduce(BoundingBox.extended_by, boxes)
        assert props.get_layer(layer).bounding_box == expected


def test_concurrent_updates_lose_nothing(ds):
    reads = run_workers(_COUNT_WORKER, [[str(ds), "12"] for _ in range(8)])
    assert load_properties(ds).get_layer("a").extras == {"count": 96}
    assert reads > 0
