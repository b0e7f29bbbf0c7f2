"""Reference cases: Vec3Int, Mag and BoundingBox.

Re-stated from webknossos-libs ``webknossos/tests/geometry/test_bounding_box.py``,
``test_vec3_int.py``, ``webknossos/tests/test_mag.py`` and the geometry behaviour the
dataset tests rely on (``tests/dataset/test_dataset.py``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from .reference_support import wk

# --------------------------------------------------------------------------- Vec3Int


# ref: test_vec3_int.py::test_with
def test_vec3_int_with():
    assert wk.Vec3Int(1, 2, 3).with_x(5) == wk.Vec3Int(5, 2, 3)
    assert wk.Vec3Int(1, 2, 3).with_y(5) == wk.Vec3Int(1, 5, 3)
    assert wk.Vec3Int(1, 2, 3).with_z(5) == wk.Vec3Int(1, 2, 5)


# ref: test_vec3_int.py::test_import
def test_vec3_int_import():
    assert wk.Vec3Int(1, 2, 3) == wk.Vec3Int(1, 2, 3)
    assert wk.Vec3Int((1, 2, 3)) == wk.Vec3Int(1, 2, 3)
    assert wk.Vec3Int([1, 2, 3]) == wk.Vec3Int(1, 2, 3)
    assert wk.Vec3Int(i for i in [1, 2, 3]) == wk.Vec3Int(1, 2, 3)
    assert wk.Vec3Int(np.array([1, 2, 3])) == wk.Vec3Int(1, 2, 3)
    assert wk.Vec3Int(wk.Mag(4)) == wk.Vec3Int(4, 4, 4)


# ref: test_vec3_int.py::test_export
def test_vec3_int_export():
    vec = wk.Vec3Int(1, 2, 3)
    assert (vec.x, vec.y, vec.z) == (1, 2, 3)
    assert (vec[0], vec[1], vec[2]) == (1, 2, 3)
    np.testing.assert_array_equal(vec.to_np(), np.array([1, 2, 3]))
    assert vec.to_list() == [1, 2, 3]
    assert vec.to_tuple() == (1, 2, 3)
    assert tuple(vec) == (1, 2, 3)
    assert len(vec) == 3


# ref: test_vec3_int.py::test_operator_arithmetic
def test_vec3_int_operator_arithmetic():
    v = wk.Vec3Int
    assert v(1, 2, 3) + v(4, 5, 6) == v(5, 7, 9)
    assert v(1, 2, 3) + v(0, 0, 0) == v(1, 2, 3)
    assert v(1, 2, 3) - v(4, 5, 6) == v(-3, -3, -3)
    assert v(1, 2, 3) * v(4, 5, 6) == v(4, 10, 18)
    assert v(4, 5, 6) // v(1, 2, 3) == v(4, 2, 2)
    assert v(4, 5, 6) % v(1, 2, 3) == v(0, 1, 0)

    assert v(1, 2, 3) * 3 == v(3, 6, 9)
    assert v(1, 2, 3) + 3 == v(4, 5, 6)
    assert v(1, 2, 3) - 3 == v(-2, -1, 0)
    assert v(4, 5, 6) // 2 == v(2, 2, 3)
    assert v(4, 5, 6) % 3 == v(1, 2, 0)

    assert v(1, 2, 3) + (4, 5, 6) == v(5, 7, 9)
    assert -v(1, 2, 3) == v(-1, -2, -3)


# ref: test_vec3_int.py::test_method_arithmetic
def test_vec3_int_method_arithmetic():
    v = wk.Vec3Int
    assert v(4, 5, 6).ceildiv(v(1, 2, 3)) == v(4, 3, 2)
    assert v(4, 5, 6).ceildiv((1, 2, 3)) == v(4, 3, 2)
    assert v(4, 5, 6).ceildiv(2) == v(2, 3, 3)
    assert v(1, 2, 6).pairmax(v(4, 5, 3)) == v(4, 5, 6)
    assert v(1, 2, 6).pairmin(v(4, 5, 3)) == v(1, 2, 3)


# ref: test_vec3_int.py::test_repr
def test_vec3_int_repr():
    assert str(wk.Vec3Int(1, 2, 3)) == "Vec3Int(1,2,3)"


# ref: test_vec3_int.py::test_prod
def test_vec3_int_prod():
    assert wk.Vec3Int(1, 2, 3).prod() == 6


# ref: test_vec3_int.py::test_contains
def test_vec3_int_contains():
    assert wk.Vec3Int(1, 2, 3).contains(1)
    assert not wk.Vec3Int(1, 2, 3).contains(4)


# ref: test_vec3_int.py::test_custom_initialization
def test_vec3_int_custom_initialization():
    v = wk.Vec3Int
    assert v.zeros() == v(0, 0, 0)
    assert v.ones() == v(1, 1, 1)
    assert v.full(4) == v(4, 4, 4)
    assert v.ones() - v.ones() == v.zeros()
    assert v.full(4) == v.ones() * 4


# ref: test_vec3_int.py::test_ordering
def test_vec3_int_ordering():
    v = wk.Vec3Int
    assert v(1, 2, 3) < v(1, 2, 4)
    assert v(1, 2, 4) > v(1, 2, 3)
    assert v(1, 2, 3) <= v(1, 2, 3)
    assert v(1, 2, 3) >= v(1, 2, 3)
    assert not v(2, 0, 0) < v(1, 9, 9)
    assert v(1, 2, 3) < (1, 2, 4)
    assert (1, 2, 3) < v(1, 2, 4)
    vectors = [v(5, 5, 5), v(0, 0, 0), v(1, 9, 9)]
    assert sorted(vectors) == sorted(vec.to_tuple() for vec in vectors)
    with pytest.raises(TypeError):
        v(1, 2, 3) < "abc"  # noqa: B015


# ref: test_vec3_int.py::test_import (equality and hashing like tuples)
def test_vec3_int_behaves_like_a_tuple():
    assert wk.Vec3Int(1, 2, 3) == (1, 2, 3)
    assert hash(wk.Vec3Int(1, 2, 3)) == hash(wk.Vec3Int((1, 2, 3)))
    assert {wk.Vec3Int(1, 2, 3): "a"}[wk.Vec3Int([1, 2, 3])] == "a"


# ref: test_vec3_int.py::test_import (wrong number of elements)
@pytest.mark.parametrize("bad", [(1, 2), (1, 2, 3, 4), []])
def test_vec3_int_rejects_wrong_length(bad):
    with pytest.raises((ValueError, AssertionError, TypeError)):
        wk.Vec3Int(bad)


# ------------------------------------------------------------------------------ Mag


# ref: test_mag.py::test_mag_constructor
def test_mag_constructor():
    assert wk.Mag(16).to_list() == [16, 16, 16]
    assert wk.Mag("256").to_list() == [256, 256, 256]
    assert wk.Mag("16-2-4").to_list() == [16, 2, 4]

    mag1 = wk.Mag("16-2-4")
    mag2 = wk.Mag("8-2-4")
    assert mag1 > mag2
    assert mag1.to_layer_name() == "16-2-4"
    assert np.all(mag1.to_np() == np.array([16, 2, 4]))
    assert mag1 == wk.Mag(mag1)
    assert mag1 == wk.Mag(mag1.to_np())


# ref: test_dataset.py::test_typing_of_get_mag (every MagLike spelling)
def test_mag_like_spellings():
    expected = wk.Mag(2)
    for spelling in (2, "2", "2-2-2", (2, 2, 2), [2, 2, 2], np.array([2, 2, 2]),
                     wk.Vec3Int(2, 2, 2), wk.Mag(2)):
        assert wk.Mag(spelling) == expected
        assert hash(wk.Mag(spelling)) == hash(expected)
    assert wk.Mag("2-2-1") == wk.Mag((2, 2, 1))
    assert (wk.Mag("2-2-1").x, wk.Mag("2-2-1").y, wk.Mag("2-2-1").z) == (2, 2, 1)
    assert wk.Mag("2-2-1").to_vec3_int() == wk.Vec3Int(2, 2, 1)
    assert wk.Mag("2-2-1").to_tuple() == (2, 2, 1)


# ref: test_dataset.py::test_search_dataset_also_for_long_layer_name
def test_mag_layer_names():
    assert wk.Mag(1).to_layer_name() == "1"
    assert wk.Mag(8).to_layer_name() == "8"
    assert wk.Mag("2-2-1").to_layer_name() == "2-2-1"
    assert wk.Mag(2).to_long_layer_name() == "2-2-2"
    assert wk.Mag("2-2-1").to_long_layer_name() == "2-2-1"
    assert str(wk.Mag("2-2-1")) == "2-2-1"


# ref: test_mag.py::test_mag_constructor (ordering by the largest factor)
def test_mag_ordering_by_max_dim():
    assert wk.Mag("2-2-1").max_dim == 2
    assert wk.Mag("2-2-1") < wk.Mag(4)
    assert wk.Mag("4-4-1") > wk.Mag("2-2-2")
    assert wk.Mag(1) < wk.Mag("2-2-1")
    ordered = sorted([wk.Mag(4), wk.Mag(1), wk.Mag("8-8-2"), wk.Mag("2-2-1")])
    assert ordered == [wk.Mag(1), wk.Mag("2-2-1"), wk.Mag(4), wk.Mag("8-8-2")]


# ref: test_mag.py::test_mag_constructor (invalid input)
def test_mag_rejects_bad_input():
    with pytest.raises(ValueError):
        wk.Mag("abc")
    with pytest.raises(AssertionError):  # components must be powers of two
        wk.Mag(3)
    with pytest.raises(AssertionError):
        wk.Mag("2-3-1")


# ref: test_dataset.py::test_write_layer_mag2 (Mag arithmetic)
def test_mag_arithmetic():
    assert wk.Mag(2) * 2 == wk.Mag(4)
    assert wk.Mag(4) // 2 == wk.Mag(2)
    assert wk.Mag("4-4-2") // 2 == wk.Mag("2-2-1")


# ---------------------------------------------------------------------- BoundingBox


# ref: test_bounding_box.py::test_align_with_mag_ceiled
def test_align_with_mag_ceiled():
    b, m = wk.BoundingBox, wk.Mag
    assert b((1, 1, 1), (10, 10, 10)).align_with_mag(m(2), ceil=True) == b((0, 0, 0), (12, 12, 12))
    assert b((1, 1, 1), (9, 9, 9)).align_with_mag(m(2), ceil=True) == b((0, 0, 0), (10, 10, 10))
    assert b((1, 1, 1), (9, 9, 9)).align_with_mag(m(4), ceil=True) == b((0, 0, 0), (12, 12, 12))
    assert b((1, 2, 3), (9, 9, 9)).align_with_mag(m(2), ceil=True) == b((0, 2, 2), (10, 10, 10))


# ref: test_bounding_box.py::test_align_with_mag_floored
def test_align_with_mag_floored():
    b, m = wk.BoundingBox, wk.Mag
    assert b((1, 1, 1), (10, 10, 10)).align_with_mag(m(2)) == b((2, 2, 2), (8, 8, 8))
    assert b((1, 1, 1), (9, 9, 9)).align_with_mag(m(2)) == b((2, 2, 2), (8, 8, 8))
    assert b((1, 1, 1), (9, 9, 9)).align_with_mag(m(4)) == b((4, 4, 4), (4, 4, 4))
    assert b((1, 2, 3), (9, 9, 9)).align_with_mag(m(2)) == b((2, 2, 4), (8, 8, 8))


# ref: test_bounding_box.py::test_in_mag
def test_in_mag():
    with pytest.raises(AssertionError):
        wk.BoundingBox((1, 2, 3), (9, 9, 9)).in_mag(wk.Mag(2))
    with pytest.raises(AssertionError):
        wk.BoundingBox((2, 2, 2), (9, 9, 9)).in_mag(wk.Mag(2))
    assert wk.BoundingBox((2, 2, 2), (10, 10, 10)).in_mag(wk.Mag(2)) == wk.BoundingBox(
        topleft=(1, 1, 1), size=(5, 5, 5)
    )


# ref: test_bounding_box.py::test_with_bounds
def test_with_bounds():
    b = wk.BoundingBox
    assert b((1, 2, 3), (5, 5, 5)).with_bounds_x(0, 10) == b((0, 2, 3), (10, 5, 5))
    assert b((1, 2, 3), (5, 5, 5)).with_bounds_y(new_topleft_y=0) == b((1, 0, 3), (5, 5, 5))
    assert b((1, 2, 3), (5, 5, 5)).with_bounds_z(new_size_z=10) == b((1, 2, 3), (5, 5, 10))


# ref: test_bounding_box.py::test_contains
def test_contains():
    box = wk.BoundingBox((1, 1, 1), (5, 5, 5))
    assert box.contains((2, 2, 2))
    assert box.contains((1, 1, 1))
    # top-left inclusive, bottom-right exclusive
    assert not box.contains((6, 6, 6))
    assert not box.contains((20, 20, 20))
    # arrays may hold floats
    assert box.contains(np.array([5.5, 5.5, 5.5]))
    assert not box.contains(np.array([6.0, 6.0, 6.0]))


def _align_with_numpy(box, mag, ceil):
    """Independent re-computation of align_with_mag with float numpy maths."""
    factors = np.array(mag.to_list(), dtype=np.float64)
    topleft = np.array(box.topleft.to_list(), dtype=np.float64)
    bottomright = np.array(box.bottomright.to_list(), dtype=np.float64)
    round_topleft, round_bottomright = (np.floor, np.ceil) if ceil else (np.ceil, np.floor)
    new_topleft = round_topleft(topleft / factors) * factors
    new_bottomright = round_bottomright(bottomright / factors) * factors
    # a box that collapses gets a negative size, which the constructor normalizes
    return wk.BoundingBox(
        tuple(int(v) for v in new_topleft),
        tuple(int(v) for v in new_bottomright - new_topleft),
    )


coords = st.integers(min_value=-(2**40), max_value=2**40)
sizes = st.integers(min_value=0, max_value=2**40)
boxes = st.builds(
    lambda t, s: wk.BoundingBox(t, s),
    st.tuples(coords, coords, coords),
    st.tuples(sizes, sizes, sizes),
)
mags = st.tuples(*[st.sampled_from([1, 2, 4, 8, 16, 32, 1024])] * 3).map(wk.Mag)


# ref: test_bounding_box.py::test_align_with_mag_against_numpy_implementation
@given(box=boxes, mag=mags, ceil=st.booleans())
def test_align_with_mag_against_numpy_implementation(box, mag, ceil):
    aligned = box.align_with_mag(mag, ceil)
    assert aligned == _align_with_numpy(box, mag, ceil)
    for point in (aligned.topleft, aligned.bottomright):
        assert all(p % f == 0 for p, f in zip(point, mag.to_list(), strict=True))


# ref: test_bounding_box.py::test_negative_size
def test_negative_size():
    b = wk.BoundingBox
    assert b((10, 10, 10), (-5, 5, 5)) == b((5, 10, 10), (5, 5, 5))
    assert b((10, 10, 10), (-5, 5, -5)) == b((5, 10, 5), (5, 5, 5))
    assert b((10, 10, 10), (-5, 5, -50)) == b((5, 10, -40), (5, 5, 50))


# ref: test_bounding_box.py::test_negative_inversion
@given(box=boxes)
def test_negative_inversion(box):
    """Padding both sides with the negative size flips the corners back."""
    assert box == box.padded_with_margins(-box.size, -box.size)


# ref: test_dataset.py::test_update_new_bounding_box_offset (extended_by, from empty)
def test_extended_by():
    b = wk.BoundingBox
    assert b((0, 0, 0), (10, 10, 10)).extended_by(b((20, 20, 20), (5, 5, 5))) == b(
        (0, 0, 0), (25, 25, 25)
    )
    assert b((10, 10, 10), (10, 10, 10)).extended_by(b((5, 5, 20), (10, 10, 10))) == b(
        (5, 5, 10), (15, 15, 20)
    )
    # an empty box does not pull the union towards the origin
    assert b((0, 0, 0), (0, 0, 0)).extended_by(b((20, 20, 20), (5, 5, 5))) == b(
        (20, 20, 20), (5, 5, 5)
    )


# ref: test_dataset.py::test_get_view (intersection and containment of views)
def test_intersected_with_and_contains_bbox():
    b = wk.BoundingBox
    assert b((0, 0, 0), (10, 10, 10)).intersected_with(b((5, 5, 5), (10, 10, 10))) == b(
        (5, 5, 5), (5, 5, 5)
    )
    with pytest.raises(AssertionError):  # disjoint
        b((0, 0, 0), (10, 10, 10)).intersected_with(b((20, 20, 20), (5, 5, 5)))
    assert b((0, 0, 0), (10, 10, 10)).intersected_with(
        b((20, 20, 20), (5, 5, 5)), dont_assert=True
    ).is_empty()
    assert b((0, 0, 0), (10, 10, 10)).contains_bbox(b((5, 5, 5), (5, 5, 5)))
    assert not b((0, 0, 0), (10, 10, 10)).contains_bbox(b((5, 5, 5), (6, 5, 5)))


# ref: test_dataset.py::test_changing_layer_bounding_box (with_size, bottomright, offset)
def test_bounding_box_accessors():
    box = wk.BoundingBox((1, 2, 3), (4, 5, 6))
    assert box.topleft == wk.Vec3Int(1, 2, 3)
    assert box.size == wk.Vec3Int(4, 5, 6)
    assert box.bottomright == wk.Vec3Int(5, 7, 9)
    assert box.with_size((1, 1, 1)) == wk.BoundingBox((1, 2, 3), (1, 1, 1))
    assert box.with_size([12, 12, 10]).size == wk.Vec3Int(12, 12, 10)
    assert box.offset((1, 1, 1)) == wk.BoundingBox((2, 3, 4), (4, 5, 6))
    assert box.padded_with_margins((1, 1, 1), (2, 2, 2)) == wk.BoundingBox((0, 1, 2), (7, 8, 9))
    assert hash(box) == hash(wk.BoundingBox((1, 2, 3), (4, 5, 6)))
    assert box != wk.BoundingBox((1, 2, 3), (4, 5, 7))
    assert wk.BoundingBox.from_tuple6((1, 2, 3, 4, 5, 6)) == box
    assert box.to_tuple6() == (1, 2, 3, 4, 5, 6)


# ref: test_dataset.py::test_get_view (empty boxes)
def test_is_empty():
    assert wk.BoundingBox((0, 0, 0), (0, 0, 0)).is_empty()
    assert wk.BoundingBox((3, 3, 3), (0, 5, 5)).is_empty()
    assert not wk.BoundingBox((0, 0, 0), (1, 1, 1)).is_empty()


# ref: test_dataset.py::test_bounding_box_on_disk (from_mag_to_mag1)
def test_mag_conversion():
    box = wk.BoundingBox((1, 2, 3), (4, 5, 6))
    assert box.from_mag_to_mag1(wk.Mag("2-2-1")) == wk.BoundingBox((2, 4, 3), (8, 10, 6))
    assert box.from_mag_to_mag1(wk.Mag(2)).in_mag(wk.Mag(2)) == box


# ref: test_dataset.py::test_for_zipped_chunks (chunking a box)
def test_chunk():
    chunks = list(wk.BoundingBox((0, 0, 0), (4, 4, 2)).chunk((2, 2, 2)))
    assert set(chunks) == {
        wk.BoundingBox((0, 0, 0), (2, 2, 2)),
        wk.BoundingBox((0, 2, 0), (2, 2, 2)),
        wk.BoundingBox((2, 0, 0), (2, 2, 2)),
        wk.BoundingBox((2, 2, 0), (2, 2, 2)),
    }
    # chunks start at the box's top-left corner; border chunks are smaller
    clipped = list(wk.BoundingBox((1, 0, 0), (5, 2, 2)).chunk((2, 2, 2)))
    assert set(clipped) == {
        wk.BoundingBox((1, 0, 0), (2, 2, 2)),
        wk.BoundingBox((3, 0, 0), (2, 2, 2)),
        wk.BoundingBox((5, 0, 0), (1, 2, 2)),
    }
    assert sum(chunk.size.prod() for chunk in clipped) == math.prod((5, 2, 2))


# ref: test_bounding_box.py::test_intersected_with_normalized_bbox, test_extended_by_normalized_bbox
def test_box_combined_with_normalized_box():
    box = wk.BoundingBox((0, 0, 0), (10, 10, 10))
    normalized = wk.BoundingBox((5, 5, 5), (10, 10, 10)).normalize_axes(2)
    overlap = box.intersected_with(normalized)
    assert isinstance(overlap, wk.NormalizedBoundingBox) and overlap.size.c == 2
    assert overlap == wk.BoundingBox((5, 5, 5), (5, 5, 5))
    union = box.extended_by(normalized)
    assert isinstance(union, wk.NormalizedBoundingBox) and union.size.c == 2
    assert union == wk.BoundingBox((0, 0, 0), (15, 15, 15))
