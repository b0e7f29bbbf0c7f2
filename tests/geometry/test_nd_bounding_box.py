"""NDBoundingBox / NormalizedBoundingBox: the same calls on wkdist and webknossos agree."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import webknossos as ref

import wkdist as wk
from wkdist.errors import InvalidArgumentError

AXES = ("x", "y", "z", "t")


def both(topleft: tuple[int, ...], size: tuple[int, ...], axes: tuple[str, ...] = AXES,
         index: tuple[int, ...] | None = None) -> tuple[wk.NDBoundingBox, ref.NDBoundingBox]:  # fmt: skip
    return (
        wk.NDBoundingBox(topleft, size, axes, index),
        ref.NDBoundingBox(topleft, size, axes, index),
    )


def same(mine: wk.NDBoundingBox, theirs: ref.NDBoundingBox) -> bool:
    return (mine.topleft.to_tuple(), mine.size.to_tuple(), mine.axes, mine.index.to_tuple()) == (
        theirs.topleft.to_tuple(), theirs.size.to_tuple(), theirs.axes, theirs.index.to_tuple()
    )  # fmt: skip


@pytest.mark.parametrize(
    "call",
    [
        lambda b, m: b,
        lambda b, m: b.align_with_mag(m.Mag(2)),
        lambda b, m: b.align_with_mag(m.Mag(4), ceil=True),
        lambda b, m: b.with_bounds("t", 2, 3),
        lambda b, m: b.with_size_xyz((5, 6, 7)),
        lambda b, m: b.with_index_xyz((2, 1, 0)),
        lambda b, m: b.padded_with_margins((1, 2, 3), (0, 1, 0)),
        lambda b, m: b.intersected_with(b.with_topleft((4, 4, 4, 4))),
        lambda b, m: b.extended_by(b.offset((20, 0, 0))),
        lambda b, m: b.with_bottomright_xyz((30, 30, 30)),
        lambda b, m: b.from_mag_to_mag1(m.Mag(2)),
    ],
)
def test_box_operations_agree(call: object) -> None:
    mine, theirs = both((3, 5, 7, 1), (17, 9, 12, 4))
    assert same(call(mine, wk), call(theirs, ref))  # type: ignore[operator]


def test_axes_are_sorted_by_index_and_negative_sizes_flip() -> None:
    mine, theirs = both((1, 2, 3, 4), (-1, 6, 7, 8), ("t", "x", "y", "z"), (4, 1, 2, 3))
    assert same(mine, theirs)
    assert mine.axes == ("x", "y", "z", "t")
    assert mine.topleft_xyz == (2, 3, 4)
    assert mine.get_bounds("t") == (0, 1)


def test_queries_agree() -> None:
    mine, theirs = both((0, 0, 0, 2), (8, 8, 8, 3))
    for point in [(1, 1, 1, 2), (7, 7, 7, 4), (1, 1, 1, 5), np.array([0.5, 0.5, 0.5, 2.5])]:
        assert mine.contains(point) == theirs.contains(point)
    assert mine.volume() == theirs.volume()
    assert mine.to_slices() == theirs.to_slices()
    chunks = [c.topleft.to_tuple() for c in mine.chunk((4, 4, 8))]
    assert chunks == [c.topleft.to_tuple() for c in theirs.chunk((4, 4, 8))]
    assert mine.in_mag(wk.Mag(2)).size_xyz == (4, 4, 4)
    with pytest.raises(AssertionError):
        mine.offset((1, 0, 0)).in_mag(wk.Mag(2))


def test_boxes_with_other_axes_do_not_compare() -> None:
    with pytest.raises(InvalidArgumentError, match="different axes"):
        _ = wk.NDBoundingBox((0, 0, 0), (1, 1, 1), "xyz") == wk.NDBoundingBox(
            (0, 0, 0), (1, 1, 1), "zyx"
        )


def test_bounding_box_is_the_3d_case() -> None:
    box = wk.BoundingBox((1, 2, 3), (4, 5, 6))
    assert isinstance(box, wk.NDBoundingBox)
    assert (box.axes, box.index) == (("x", "y", "z"), (1, 2, 3))
    normalized = box.normalize_axes(3)
    assert normalized == box
    assert normalized.denormalize() == box
    assert normalized.size.c == 3


@pytest.mark.parametrize(
    "entry",
    [
        {"topLeft": [1, 2, 3], "width": 4, "height": 5, "depth": 6},
        {"topLeft": [0, 0, 0], "width": 4, "height": 5, "depth": 6, "numChannels": 3,
         "channelIndex": 1},
        {"topLeft": [0, 0, 0], "width": 4, "height": 5, "depth": 6,
         "axisOrder": {"c": 0, "x": 1, "y": 2, "z": 3, "t": 4}, "numChannels": 1,
         "additionalAxes": [{"name": "t", "bounds": [2, 9], "index": 4}]},
        {"topLeft": [1, 2, 3], "width": 4, "height": 5, "depth": 6,
         "axisOrder": {"x": 2, "y": 1, "z": 0}},
    ],
)  # fmt: skip
def test_wkw_dict_entries_read_and_write_like_reference(entry: dict[str, object]) -> None:
    mine = wk.NormalizedBoundingBox.from_wkw_dict(entry)
    theirs = ref.NormalizedBoundingBox.from_wkw_dict(entry)
    assert same(mine, theirs)
    assert mine.to_wkw_dict() == theirs.to_wkw_dict()
    again = pickle.loads(pickle.dumps(mine))
    assert type(again) is wk.NormalizedBoundingBox
    assert again == mine
