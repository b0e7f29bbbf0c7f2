"""VecInt (named n-d integer vectors) and Vec3Float, checked against webknossos' classes."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import webknossos as ref

import wkdist as wk
from wkdist.errors import InvalidArgumentError

AXES = ("x", "y", "z", "t")


@pytest.mark.parametrize(
    "build",
    [
        lambda m: m.VecInt(4, 5, 6, 7, axes=AXES),
        lambda m: m.VecInt([4, 5, 6, 7], AXES),
        lambda m: m.VecInt(np.arange(4, 8), axes=AXES),
        lambda m: m.VecInt(x=4, y=5, z=6, t=7),
    ],
)
def test_spellings_agree_with_reference(build: object) -> None:
    mine, theirs = build(wk), build(ref)  # type: ignore[operator]
    assert mine == theirs.to_tuple()
    assert mine.axes == theirs.axes
    for op in (
        lambda v: v + 1,
        lambda v: v - (1, 1, 2, 2),
        lambda v: v * 3,
        lambda v: v // 2,
        lambda v: v % 4,
        lambda v: -v,
        lambda v: v.ceildiv(4),
        lambda v: v.pairmax((5, 5, 5, 5)),
        lambda v: v.with_replaced("t", 9),
        lambda v: v.with_replaced(1, 0),
    ):
        got, expected = op(mine), op(theirs)
        assert (got.to_tuple(), got.axes) == (expected.to_tuple(), expected.axes)
    assert mine.xyz == theirs.xyz == (4, 5, 6)
    assert (mine["t"], mine.get("c"), mine.prod()) == (7, None, 4 * 5 * 6 * 7)
    assert repr(mine) == repr(theirs)
    moved = mine.moveaxis(3, 0)
    assert (moved, moved.axes) == ((7, 4, 5, 6), ("t", "x", "y", "z"))


def test_values_without_axes_or_with_wrong_count_are_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="axes"):
        wk.VecInt(1, 2, 3)
    with pytest.raises(InvalidArgumentError, match="one axis per value"):
        wk.VecInt((1, 2), axes=AXES)
    with pytest.raises(KeyError):
        _ = wk.VecInt(x=1, y=2).z


def test_vec3_int_is_a_vec_int_with_xyz_axes() -> None:
    vec = wk.Vec3Int(1, 2, 3)
    assert isinstance(vec, wk.VecInt)
    assert vec.axes == ("x", "y", "z")
    assert vec.xyz is vec
    assert (vec.get("y"), vec.get("t"), vec.get("t", 0)) == (2, None, 0)
    assert vec.with_replaced("z", 9) == vec.with_replaced(2, 9) == (1, 2, 9)
    assert wk.VecInt(vec) == vec
    assert wk.VecInt(vec).axes == ("x", "y", "z")


def test_pickle_keeps_axes() -> None:
    vec = wk.VecInt(x=1, y=2, t=3)
    again = pickle.loads(pickle.dumps(vec))
    assert again == vec
    assert again.axes == vec.axes


def test_vec3_float_agrees_with_reference() -> None:
    for args in [(1.5, 2, 3), ([1, 2, 3],), (np.array([0.5, 1.0, 2.0]),)]:
        mine, theirs = wk.Vec3Float(*args), ref.Vec3Float(*args)
        assert mine == theirs
        assert all(isinstance(v, float) for v in mine)
        assert mine / 2 == theirs / 2
        assert mine * (1, 2, 3) == theirs * (1, 2, 3)
        assert mine.to_vec3_int() == theirs.to_vec3_int()
        assert repr(mine) == repr(theirs)
    assert wk.Vec3Float("(1.5, 2, 3)") == ref.Vec3Float.from_str("(1.5, 2, 3)")
    with pytest.raises(ValueError, match="three floats"):
        wk.Vec3Float((1, 2))
    assert pickle.loads(pickle.dumps(wk.Vec3Float(1, 2, 3))) == (1.0, 2.0, 3.0)
