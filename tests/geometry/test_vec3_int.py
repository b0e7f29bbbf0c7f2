from __future__ import annotations

import copy
import math
import operator
import pickle
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Mag, Vec3Int, as_vec3_int_or_none

ints = st.integers(min_value=-(2**70), max_value=2**70)
vecs = st.builds(Vec3Int, ints, ints, ints)
nonzero = ints.filter(lambda v: v != 0)


# ---- construction ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        (1, 2, 3),
        [1, 2, 3],
        np.array([1, 2, 3]),
        np.array([1, 2, 3], dtype=np.uint8),
        np.array([1.0, 2.0, 3.0]),
        (np.int64(1), np.uint16(2), 3),
        (1.0, 2, 3),
        Vec3Int(1, 2, 3),
        range(1, 4),
        "1,2,3",
    ],
)
def test_construct_from_iterables(value: object) -> None:
    vec = Vec3Int(value)
    assert vec == (1, 2, 3)
    assert type(vec) is Vec3Int
    assert all(type(component) is int for component in vec)


def test_construct_other_forms() -> None:
    assert Vec3Int(1, 2, 3) == (1, 2, 3)
    assert Vec3Int(i for i in [1, 2, 3]) == (1, 2, 3)
    assert Vec3Int(x=1, y=2, z=3) == (1, 2, 3)
    assert Vec3Int(Mag(4)) == (4, 4, 4)
    vec = Vec3Int(7, 8, 9)
    assert Vec3Int(vec) is vec


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((1, 2), {}),
        (([1, 2, 3, 4],), {}),
        ((None,), {}),
        ((1,), {}),
        ((1.5, 2, 3), {}),
        ((np.array([1.5, 2.0, 3.0]),), {}),
        ((["1", "2", "3"],), {}),
        ((), {"x": 1, "y": 2}),
        ((), {"x": 1, "y": 2, "w": 3}),
        ((1, 2, 3), {"x": 1}),
        ((), {}),
    ],
)
def test_construct_rejects_bad_input(args: tuple, kwargs: dict) -> None:
    with pytest.raises(InvalidArgumentError, match="Vec3Int"):
        Vec3Int(*args, **kwargs)


def test_error_is_value_and_assertion_error() -> None:
    # The reference raises AssertionError here; callers may catch either.
    with pytest.raises(AssertionError):
        Vec3Int(1, 2)
    with pytest.raises(ValueError, match="exactly three"):
        Vec3Int(1, 2)


def test_alternative_constructors() -> None:
    assert Vec3Int.zeros() == (0, 0, 0)
    assert Vec3Int.ones() == (1, 1, 1)
    assert Vec3Int.full(4) == (4, 4, 4)
    assert Vec3Int.from_xyz(1, 2, 3) == (1, 2, 3)
    assert Vec3Int.from_vec3_float((1.7, 2.2, -3.5)) == (1, 2, -3)
    assert Vec3Int.from_vec_or_int(3) == (3, 3, 3)
    assert Vec3Int.from_vec_or_int((1, 2, 3)) == (1, 2, 3)
    assert Vec3Int.from_str("1,2,3") == (1, 2, 3)
    assert Vec3Int.from_str("(1,2,3)") == (1, 2, 3)
    assert Vec3Int.from_str(" 1, -2, 3 ") == (1, -2, 3)
    assert Vec3Int.from_str("4") == (4, 4, 4)
    assert as_vec3_int_or_none(None) is None
    assert as_vec3_int_or_none([1, 2, 3]) == (1, 2, 3)


@pytest.mark.parametrize("text", ["a", "1,2", "1,2,3,4", "", "1;2;3"])
def test_from_str_rejects(text: str) -> None:
    with pytest.raises(InvalidArgumentError, match="Cannot parse"):
        Vec3Int.from_str(text)


# ---- access and conversion ---------------------------------------------------------------


def test_components_and_export() -> None:
    vec = Vec3Int(1, 2, 3)
    assert (vec.x, vec.y, vec.z) == (1, 2, 3)
    assert (vec[0], vec[1], vec[2]) == (1, 2, 3)
    assert vec.with_x(5) == (5, 2, 3)
    assert vec.with_y(5) == (1, 5, 3)
    assert vec.with_z(5) == (1, 2, 5)
    np.testing.assert_array_equal(vec.to_np(), np.array([1, 2, 3]))
    assert vec.to_list() == [1, 2, 3]
    assert vec.to_tuple() == (1, 2, 3)
    assert type(vec.to_tuple()) is tuple


def test_predicates() -> None:
    assert Vec3Int(1, 2, 3).contains(1)
    assert not Vec3Int(1, 2, 3).contains(4)
    assert Vec3Int(0, 1, 2).is_positive()
    assert not Vec3Int(0, 1, 2).is_positive(strictly_positive=True)
    assert not Vec3Int(-1, 1, 2).is_positive()
    assert Vec3Int(3, 3, 3).is_uniform()
    assert not Vec3Int(3, 3, 1).is_uniform()
    assert Vec3Int(1, 2, 3).prod() == 6


def test_repr_and_str() -> None:
    assert repr(Vec3Int(1, -2, 3)) == "Vec3Int(1,-2,3)"
    assert str(Vec3Int(1, 2, 3)) == "Vec3Int(1,2,3)"


def test_equality_hash_ordering_like_tuples() -> None:
    assert Vec3Int(1, 2, 3) == (1, 2, 3)
    assert Vec3Int(1, 2, 3) != [1, 2, 3]
    assert hash(Vec3Int(1, 2, 3)) == hash((1, 2, 3))
    assert {Vec3Int(1, 2, 3): "a"}[(1, 2, 3)] == "a"
    assert Vec3Int(1, 2, 3) < (1, 2, 4)
    assert (1, 2, 3) < Vec3Int(1, 2, 4)  # noqa: SIM300
    assert not Vec3Int(2, 0, 0) < Vec3Int(1, 9, 9)
    with pytest.raises(TypeError):
        _ = Vec3Int(1, 2, 3) < "abc"  # type: ignore[operator]


def test_immutable() -> None:
    vec = Vec3Int(1, 2, 3)
    with pytest.raises(AttributeError):
        vec.x = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        vec[0] = 5  # type: ignore[index]
    assert not hasattr(vec, "__dict__")


@given(vecs)
def test_pickle_and_copy_round_trip(vec: Vec3Int) -> None:
    for clone in (pickle.loads(pickle.dumps(vec)), copy.deepcopy(vec), copy.copy(vec)):
        assert clone == vec
        assert type(clone) is Vec3Int


# ---- arithmetic ----------------------------------------------------------------------------

_OPS = [operator.add, operator.sub, operator.mul, operator.floordiv, operator.mod]


def test_arithmetic_examples() -> None:
    assert Vec3Int(1, 2, 3) + Vec3Int(4, 5, 6) == (5, 7, 9)
    assert Vec3Int(1, 2, 3) - (4, 5, 6) == (-3, -3, -3)
    assert Vec3Int(1, 2, 3) * [4, 5, 6] == (4, 10, 18)
    assert Vec3Int(4, 5, 6) // np.array([1, 2, 3]) == (4, 2, 2)
    assert Vec3Int(4, 5, 6) % Vec3Int(1, 2, 3) == (0, 1, 0)
    assert Vec3Int(1, 2, 3) * 3 == (3, 6, 9)
    assert Vec3Int(1, 2, 3) - np.int64(3) == (-2, -1, 0)
    assert -Vec3Int(1, 2, 3) == (-1, -2, -3)
    # reflected forms are elementwise too, never tuple concatenation/repetition
    assert 3 * Vec3Int(1, 2, 3) == (3, 6, 9)
    assert (1, 1, 1) + Vec3Int(1, 2, 3) == (2, 3, 4)  # noqa: RUF005
    assert 10 - Vec3Int(1, 2, 3) == (9, 8, 7)
    assert 7 // Vec3Int(1, 2, 3) == (7, 3, 2)
    assert 7 % Vec3Int(2, 3, 4) == (1, 1, 3)
    assert type(3 * Vec3Int(1, 2, 3)) is Vec3Int


@pytest.mark.parametrize("other", [(1, 2), [1, 2, 3, 4], 1.5, "abc", None])
def test_arithmetic_rejects_bad_operands(other: object) -> None:
    with pytest.raises(InvalidArgumentError):
        Vec3Int(1, 2, 3) + other  # type: ignore[operator]


@given(vecs, st.tuples(nonzero, nonzero, nonzero), st.sampled_from(_OPS))
def test_binary_ops_match_python_ints(
    vec: Vec3Int, other: tuple[int, int, int], op: operator
) -> None:
    expected = tuple(op(a, b) for a, b in zip(vec, other, strict=True))
    assert op(vec, other) == expected
    assert op(vec, Vec3Int(other)) == expected
    assert op(vec, other[1]) == tuple(op(a, other[1]) for a in vec)
    assert op(vec.x, Vec3Int(other)) == tuple(op(vec.x, b) for b in other)


@given(vecs, nonzero)
def test_reflected_ops_match(vec: Vec3Int, scalar: int) -> None:
    assert scalar + vec == vec + scalar
    assert scalar * vec == vec * scalar
    assert scalar - vec == -(vec - scalar)
    if all(vec):
        assert scalar // vec == tuple(scalar // v for v in vec)
        assert scalar % vec == tuple(scalar % v for v in vec)


@given(vecs, st.tuples(nonzero, nonzero, nonzero))
def test_ceildiv_pairmax_pairmin(vec: Vec3Int, other: tuple[int, int, int]) -> None:
    assert vec.ceildiv(other) == tuple(
        math.ceil(Fraction(a, b)) for a, b in zip(vec, other, strict=True)
    )
    assert vec.pairmax(other) == tuple(map(max, vec, other))
    assert vec.pairmin(other) == tuple(map(min, vec, other))


def test_method_arithmetic_examples() -> None:
    assert Vec3Int(4, 5, 6).ceildiv((1, 2, 3)) == (4, 3, 2)
    assert Vec3Int(4, 5, 6).ceildiv(2) == (2, 3, 3)
    assert Vec3Int(1, 2, 6).pairmax(4) == (4, 4, 6)
    assert Vec3Int(1, 2, 3).add_or_none(None) is None
    assert Vec3Int(1, 2, 3).add_or_none(Vec3Int(1, 1, 1)) == (2, 3, 4)


@given(vecs)
def test_prod_is_exact(vec: Vec3Int) -> None:
    assert vec.prod() == vec.x * vec.y * vec.z


small_dims = st.tuples(*[st.integers(1, 5)] * 3)
axis_index = st.integers(-3, 2)


@given(small_dims, axis_index, axis_index)
def test_moveaxis_matches_numpy(dims: tuple[int, int, int], source: int, target: int) -> None:
    expected = np.moveaxis(np.empty(dims, dtype=bool), source, target).shape
    assert Vec3Int(dims).moveaxis(source, target) == expected


@given(small_dims, st.permutations([0, 1, 2]), st.permutations([0, 1, 2]), st.integers(1, 3))
def test_moveaxis_lists_match_numpy(
    dims: tuple[int, int, int], sources: list[int], targets: list[int], count: int
) -> None:
    src, dst = sources[:count], targets[:count]
    expected = np.moveaxis(np.empty(dims, dtype=bool), src, dst).shape
    assert Vec3Int(dims).moveaxis(src, dst) == expected


def test_moveaxis_rejects_mismatched_lengths() -> None:
    with pytest.raises(InvalidArgumentError, match="moveaxis"):
        Vec3Int(1, 2, 3).moveaxis([0, 1], [2])


# ---- faithfulness ---------------------------------------------------------------------------


def test_matches_webknossos() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import webknossos.geometry as ref

    cases = [(1, 2, 3), (0, -5, 7), (1024, 32, 1)]
    for case in cases:
        ours, theirs = Vec3Int(case), ref.Vec3Int(case)
        assert repr(ours) == repr(theirs)
        assert hash(ours) == hash(theirs)
        assert ours == theirs.to_tuple()
        for other in [(4, 5, 6), 3, (2, -3, 9)]:
            for op in _OPS:
                assert op(ours, other) == op(theirs, other).to_tuple()
            assert ours.pairmax(other) == theirs.pairmax(other).to_tuple()
        # the reference's ceildiv is only right for positive divisors
        assert ours.ceildiv((4, 5, 6)) == theirs.ceildiv((4, 5, 6)).to_tuple()
        assert ours.is_positive() == theirs.is_positive()
        assert ours.prod() == theirs.prod()
        assert Vec3Int.from_str("7") == ref.Vec3Int.from_str("7").to_tuple()
