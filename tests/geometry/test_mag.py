from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Mag, Vec3Int

log2s = st.integers(min_value=0, max_value=12)
mags = st.builds(lambda x, y, z: Mag((2**x, 2**y, 2**z)), log2s, log2s, log2s)


@pytest.mark.parametrize(
    "value",
    [
        2,
        np.int64(2),
        "2",
        "2-2-2",
        (2, 2, 2),
        [2, 2, 2],
        np.array([2, 2, 2]),
        Vec3Int(2, 2, 2),
        Mag(2),
    ],
)
def test_accepted_inputs(value: object) -> None:
    mag = Mag(value)  # type: ignore[arg-type]
    assert mag.to_vec3_int() == (2, 2, 2)
    assert mag == Mag(2)


def test_anisotropic_and_keyword() -> None:
    assert Mag("2-2-1").to_tuple() == (2, 2, 1)
    assert Mag(mag=(1, 2, 4)).to_list() == [1, 2, 4]
    assert Mag("1-1-1") == Mag(1)


@pytest.mark.parametrize(
    "value",
    [0, 3, -2, 6, "2,2,1", "x", "2-2", "-2", "", [2, 2], (2, 2, 2, 2), 2.0, None, (1, 3, 1)],
)
def test_rejected_inputs(value: object) -> None:
    with pytest.raises(InvalidArgumentError):
        Mag(value)  # type: ignore[arg-type]


def test_errors_are_value_and_assertion_errors() -> None:
    # The reference raises ValueError for 0 and AssertionError for 3.
    with pytest.raises(ValueError, match="powers of two"):
        Mag(0)
    with pytest.raises(AssertionError, match="powers of two"):
        Mag(3)


def test_properties_and_names() -> None:
    mag = Mag((2, 4, 1))
    assert (mag.x, mag.y, mag.z) == (2, 4, 1)
    assert mag.max_dim == 4
    assert mag.max_dim_log2 == 2
    assert mag.to_layer_name() == "2-4-1"
    assert mag.to_long_layer_name() == "2-4-1"
    assert Mag(8).to_layer_name() == "8"
    assert Mag(1).to_long_layer_name() == "1-1-1"
    np.testing.assert_array_equal(mag.to_np(), np.array([2, 4, 1]))
    assert list(mag) == [2, 4, 1]
    assert Vec3Int(mag) == (2, 4, 1)


def test_str_and_repr() -> None:
    assert str(Mag(2)) == "2"
    assert str(Mag("2-2-1")) == "2-2-1"
    assert repr(Mag(2)) == "Mag(2)"
    assert repr(Mag("2-2-1")) == "Mag(2-2-1)"


def test_equality_with_mag_likes() -> None:
    assert Mag(2) == 2
    assert Mag(2) == "2-2-2"
    assert Mag(2) == (2, 2, 2)
    assert Mag(2) != Mag((2, 2, 1))
    assert Mag(2) != None
    assert Mag(2) != "not a mag"
    assert Mag(2) != (3, 3, 3)
    assert len({Mag(2), Mag("2"), Mag((2, 2, 2))}) == 1


def test_ordering_by_max_dim() -> None:
    assert Mag(1) < Mag(2)
    assert Mag(2) < 4
    assert Mag((2, 2, 1)) <= Mag(2)
    assert not Mag((2, 2, 1)) < Mag(2)
    assert Mag(4) > Mag((2, 2, 1))
    assert Mag(4) >= "4-1-1"
    # equal max_dim: neither is greater (the reference says both are)
    assert not Mag((2, 2, 1)) > Mag(2)
    assert not Mag(2) > Mag((2, 2, 1))
    assert sorted([Mag(4), Mag(1), Mag((2, 2, 1))]) == [Mag(1), Mag((2, 2, 1)), Mag(4)]
    assert max([Mag(1), Mag(8), Mag(4)]) == Mag(8)


def test_arithmetic() -> None:
    assert Mag(2) * 2 == Mag(4)
    assert Mag(2) * (1, 1, 2) == Mag((2, 2, 4))
    assert Mag(4) // 2 == Mag(2)
    assert Mag((4, 4, 2)) // (2, 2, 1) == Mag((2, 2, 2))
    with pytest.raises(InvalidArgumentError, match="powers of two"):
        Mag(2) * 3
    with pytest.raises(InvalidArgumentError, match="powers of two"):
        Mag(1) // 2


def test_immutable() -> None:
    mag = Mag(2)
    with pytest.raises(AttributeError):
        mag._vec = Vec3Int(4, 4, 4)  # type: ignore[misc]


@given(mags)
def test_round_trips(mag: Mag) -> None:
    assert Mag(mag.to_layer_name()) == mag
    assert Mag(mag.to_long_layer_name()) == mag
    assert Mag(mag.to_list()) == mag
    assert Mag(mag.to_np()) == mag
    for clone in (pickle.loads(pickle.dumps(mag)), copy.deepcopy(mag)):
        assert clone == mag
        assert hash(clone) == hash(mag)
    assert 2**mag.max_dim_log2 == mag.max_dim


@given(mags, mags)
def test_ordering_is_consistent(a: Mag, b: Mag) -> None:
    assert (a < b) == (a.max_dim < b.max_dim)
    assert (a <= b) == (a.max_dim <= b.max_dim)
    assert (a > b) == (b < a)
    assert (a >= b) == (b <= a)
    assert (a == b) == (a.to_tuple() == b.to_tuple())


def test_matches_webknossos() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import webknossos.geometry as ref

    for value in [1, 2, "4", "2-2-1", (1, 2, 4), [16, 16, 16]]:
        ours, theirs = Mag(value), ref.Mag(value)
        assert ours.to_tuple() == theirs.to_tuple()
        assert str(ours) == str(theirs)
        assert repr(ours) == repr(theirs)
        assert ours.to_long_layer_name() == theirs.to_long_layer_name()
        assert (ours.max_dim, ours.max_dim_log2) == (theirs.max_dim, theirs.max_dim_log2)
        assert hash(ours) == hash(theirs)
    ordered = [Mag(4), Mag(1), Mag((2, 2, 1)), Mag(8)]
    assert [m.to_tuple() for m in sorted(ordered)] == [
        m.to_tuple() for m in sorted(ref.Mag(m.to_tuple()) for m in ordered)
    ]
