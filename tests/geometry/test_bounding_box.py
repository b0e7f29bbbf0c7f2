from __future__ import annotations

import copy
import pickle
import warnings
from itertools import product

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wkdist.errors import InvalidArgumentError
from wkdist.geometry import BoundingBox, Mag, Vec3Int

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import webknossos.geometry as ref  # independent reference implementation

coords = st.integers(min_value=-40, max_value=40)
lengths = st.integers(min_value=0, max_value=12)
boxes = st.builds(
    BoundingBox, st.tuples(coords, coords, coords), st.tuples(lengths, lengths, lengths)
)
non_empty_boxes = boxes.filter(lambda b: not b.is_empty())
huge = st.integers(min_value=0)
huge_boxes = st.builds(BoundingBox, st.tuples(huge, huge, huge), st.tuples(huge, huge, huge))
log2s = st.integers(min_value=0, max_value=12)
mags = st.builds(lambda xy, z: Mag((2**xy, 2**xy, 2**z)), log2s, log2s)
shapes = st.tuples(*[st.integers(min_value=1, max_value=9)] * 3).map(Vec3Int)


def voxels(bbox: BoundingBox) -> set[tuple[int, int, int]]:
    return set(product(*(range(a, b) for a, b in zip(bbox.topleft, bbox.bottomright, strict=True))))


# ---- construction and basics -------------------------------------------------------


def test_construction_and_fields() -> None:
    bbox = BoundingBox((1, 2, 3), [4, 5, 6])
    assert bbox.topleft == Vec3Int(1, 2, 3)
    assert bbox.size == Vec3Int(4, 5, 6)
    assert bbox.bottomright == Vec3Int(5, 7, 9)
    assert type(bbox.topleft) is Vec3Int
    assert (bbox.name, bbox.is_visible, bbox.color) == ("Unnamed Bounding Box", True, None)
    assert BoundingBox(np.array([1, 2, 3]), Vec3Int(4, 5, 6)) == bbox
    with pytest.raises(InvalidArgumentError):
        BoundingBox((1, 2), (4, 5, 6))


def test_negative_size_is_flipped() -> None:
    assert BoundingBox((10, 10, 10), (-5, 5, 5)) == BoundingBox((5, 10, 10), (5, 5, 5))
    assert BoundingBox((10, 10, 10), (-5, 5, -5)) == BoundingBox((5, 10, 5), (5, 5, 5))
    assert BoundingBox((10, 10, 10), (-5, 5, -50)) == BoundingBox((5, 10, -40), (5, 5, 50))


@given(huge_boxes)
def test_negative_inversion(bbox: BoundingBox) -> None:
    assert bbox == bbox.padded_with_margins(-bbox.size, -bbox.size)


def test_repr_eq_hash() -> None:
    bbox = BoundingBox((1, 2, 3), (4, 5, 6))
    assert repr(bbox) == "BoundingBox(topleft=(1, 2, 3), size=(4, 5, 6))"
    assert str(bbox) == repr(bbox)
    named = bbox.with_name("x").with_is_visible(False).with_color((1.0, 0.0, 0.0, 1.0))
    assert named == bbox
    assert hash(named) == hash(bbox) == hash((1, 2, 3, 4, 5, 6))
    assert (named.name, named.is_visible, named.color) == ("x", False, (1.0, 0.0, 0.0, 1.0))
    assert bbox != (1, 2, 3, 4, 5, 6)
    assert bbox != BoundingBox((1, 2, 3), (4, 5, 7))
    with pytest.raises(AttributeError):
        bbox.topleft = Vec3Int(0, 0, 0)  # type: ignore[misc]


@given(huge_boxes)
def test_pickle_round_trip(bbox: BoundingBox) -> None:
    bbox = bbox.with_name("n")
    for clone in (pickle.loads(pickle.dumps(bbox)), copy.deepcopy(bbox)):
        assert clone == bbox
        assert clone.bottomright == bbox.bottomright
        assert clone.name == "n"


def test_with_methods() -> None:
    bbox = BoundingBox((1, 2, 3), (4, 5, 6))
    assert bbox.with_topleft((0, 0, 0)) == BoundingBox((0, 0, 0), (4, 5, 6))
    assert bbox.with_size((1, 1, 1)) == BoundingBox((1, 2, 3), (1, 1, 1))
    assert bbox.with_bottomright((10, 10, 10)) == BoundingBox((1, 2, 3), (9, 8, 7))
    assert bbox.with_bounds_x(0, 10) == BoundingBox((0, 2, 3), (10, 5, 6))
    assert bbox.with_bounds_y(new_topleft_y=0) == BoundingBox((1, 0, 3), (4, 5, 6))
    assert bbox.with_bounds_z(new_size_z=10) == BoundingBox((1, 2, 3), (4, 5, 10))
    assert bbox.get_bounds("y") == (2, 7)
    assert bbox.get_shape("z") == 6
    assert bbox.offset((1, -1, 0)) == BoundingBox((2, 1, 3), (4, 5, 6))
    assert bbox.padded_with_margins((1, 1, 1)) == BoundingBox((0, 1, 2), (6, 7, 8))
    assert bbox.padded_with_margins((1, 0, 0), (0, 2, 0)) == BoundingBox((0, 2, 3), (5, 7, 6))
    assert (bbox.topleft_xyz, bbox.size_xyz, bbox.bottomright_xyz) == (
        bbox.topleft,
        bbox.size,
        bbox.bottomright,
    )
    with pytest.raises(KeyError, match="axis='t'"):
        bbox.get_bounds("t")
    with pytest.raises(KeyError):
        bbox.with_bounds("c", 1)


def test_volume_empty_slices() -> None:
    bbox = BoundingBox((1, 2, 3), (2, 2, 2))
    assert bbox.volume() == 8
    assert not bbox.is_empty()
    assert BoundingBox((1, 2, 3), (0, 6, 7)).is_empty()
    assert BoundingBox.empty() == BoundingBox((0, 0, 0), (0, 0, 0))
    assert bbox.to_slices() == (slice(1, 3), slice(2, 4), slice(3, 5))
    data = np.arange(125).reshape(5, 5, 5)
    np.testing.assert_array_equal(bbox.slice_array(data), data[1:3, 2:4, 3:5])


# ---- serialization ---------------------------------------------------------------------


def test_serialization_forms() -> None:
    bbox = BoundingBox((1, 2, 3), (4, 5, 6))
    wkw = {"topLeft": [1, 2, 3], "width": 4, "height": 5, "depth": 6}
    assert bbox.to_wkw_dict() == wkw
    assert BoundingBox.from_wkw_dict({**wkw, "numChannels": 3}) == bbox
    assert bbox.to_config_dict() == {"topleft": [1, 2, 3], "size": [4, 5, 6]}
    assert BoundingBox.from_config_dict(bbox.to_config_dict()) == bbox
    assert bbox.to_tuple6() == (1, 2, 3, 4, 5, 6)
    assert BoundingBox.from_tuple6((1, 2, 3, 4, 5, 6)) == bbox
    assert BoundingBox.from_tuple2(((1, 2, 3), (4, 5, 6))) == bbox
    assert bbox.to_csv() == "1,2,3,4,5,6"
    assert BoundingBox.from_csv("1,2,3,4,5,6") == bbox
    assert bbox.to_checkpoint_name() == "1_2_3_4_5_6"
    assert BoundingBox.from_checkpoint_name("job_1_2_3_4_5_6.pickle") == bbox
    for obj in [
        bbox,
        "1,2,3,4,5,6",
        '{"topleft": [1, 2, 3], "size": [4, 5, 6]}',
        wkw,
        [1, 2, 3, 4, 5, 6],
        ((1, 2, 3), (4, 5, 6)),
    ]:
        assert BoundingBox.from_auto(obj) == bbox  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "call",
    [
        lambda: BoundingBox.from_wkw_dict({"topLeft": [1, 2, 3], "width": 4}),
        lambda: BoundingBox.from_csv("1,2,3"),
        lambda: BoundingBox.from_csv("a,b,c,d,e,f"),
        lambda: BoundingBox.from_checkpoint_name("no_box_here"),
        lambda: BoundingBox.from_tuple6((1, 2, 3)),  # type: ignore[arg-type]
        lambda: BoundingBox.from_auto(42),  # type: ignore[arg-type]
        lambda: BoundingBox.from_points([]),
    ],
)
def test_parse_errors(call: object) -> None:
    with pytest.raises(InvalidArgumentError):
        call()  # type: ignore[operator]


@given(boxes)
def test_serialization_round_trips(bbox: BoundingBox) -> None:
    assert BoundingBox.from_wkw_dict(bbox.to_wkw_dict()) == bbox
    assert BoundingBox.from_tuple6(bbox.to_tuple6()) == bbox
    assert BoundingBox.from_csv(bbox.to_csv()) == bbox
    assert BoundingBox.from_auto(bbox.to_config_dict()) == bbox


@given(st.lists(st.tuples(coords, coords, coords), min_size=1, max_size=8))
def test_from_points_is_tight(points: list[tuple[int, int, int]]) -> None:
    bbox = BoundingBox.from_points(points)
    assert all(bbox.contains(p) for p in points)
    for axis in range(3):
        assert bbox.topleft[axis] == min(p[axis] for p in points)
        assert bbox.bottomright[axis] == max(p[axis] for p in points) + 1


# ---- points and set operations ----------------------------------------------------------


def test_contains_examples() -> None:
    bbox = BoundingBox((1, 1, 1), (5, 5, 5))
    assert bbox.contains((2, 2, 2))
    assert bbox.contains((1, 1, 1))
    assert not bbox.contains((6, 6, 6))
    assert not bbox.contains(Vec3Int(20, 20, 20))
    assert bbox.contains(np.array([5.5, 5.5, 5.5]))
    assert not bbox.contains(np.array([6.0, 6.0, 6.0]))
    assert not bbox.contains((0.5, 3, 3))
    with pytest.raises(InvalidArgumentError, match="three components"):
        bbox.contains(np.array([5.5, 5.5]))


@given(boxes, st.tuples(coords, coords, coords))
def test_contains_matches_voxel_set(bbox: BoundingBox, point: tuple[int, int, int]) -> None:
    assert bbox.contains(point) == (point in voxels(bbox))
    assert bbox.contains(np.array(point)) == (point in voxels(bbox))


@given(boxes, boxes)
def test_intersection_laws(a: BoundingBox, b: BoundingBox) -> None:
    inter = a.intersected_with(b, dont_assert=True)
    assert voxels(inter) == voxels(a) & voxels(b)
    assert inter == b.intersected_with(a, dont_assert=True)
    assert inter.is_empty() == (not voxels(a) & voxels(b))
    if not inter.is_empty():
        assert a.intersected_with(b) == inter
        assert a.contains_bbox(inter)
        assert b.contains_bbox(inter)
        assert inter.intersected_with(a) == inter
    else:
        with pytest.raises(InvalidArgumentError, match="No intersection"):
            a.intersected_with(b)


@given(boxes, boxes)
def test_extension_laws(a: BoundingBox, b: BoundingBox) -> None:
    ext = a.extended_by(b)
    assert ext == b.extended_by(a) or (a.is_empty() and b.is_empty())
    assert voxels(a) | voxels(b) <= voxels(ext)
    if not a.is_empty() and not b.is_empty():
        for axis in range(3):
            assert ext.topleft[axis] == min(a.topleft[axis], b.topleft[axis])
            assert ext.bottomright[axis] == max(a.bottomright[axis], b.bottomright[axis])
    if b.is_empty():
        assert ext is a or a.is_empty()
    if a.is_empty():
        assert ext is b


@given(non_empty_boxes, non_empty_boxes)
def test_contains_bbox_matches_voxel_sets(a: BoundingBox, b: BoundingBox) -> None:
    assert a.contains_bbox(b) == (voxels(b) <= voxels(a))


def test_intersection_error_is_assertion_error() -> None:
    with pytest.raises(AssertionError):
        BoundingBox((0, 0, 0), (1, 1, 1)).intersected_with(BoundingBox((5, 5, 5), (1, 1, 1)))


# ---- mags --------------------------------------------------------------------------------


def test_align_with_mag_examples() -> None:
    def bb(tl: tuple[int, ...], size: tuple[int, ...]) -> BoundingBox:
        return BoundingBox(tl, size)

    assert bb((1, 1, 1), (10, 10, 10)).align_with_mag(Mag(2), ceil=True) == bb((0, 0, 0), (12,) * 3)
    assert bb((1, 1, 1), (9, 9, 9)).align_with_mag(Mag(4), ceil=True) == bb((0, 0, 0), (12,) * 3)
    assert bb((1, 2, 3), (9, 9, 9)).align_with_mag(Mag(2), ceil=True) == bb((0, 2, 2), (10,) * 3)
    assert bb((1, 1, 1), (10, 10, 10)).align_with_mag(Mag(2)) == bb((2, 2, 2), (8, 8, 8))
    assert bb((1, 1, 1), (9, 9, 9)).align_with_mag(Mag(4)) == bb((4, 4, 4), (4, 4, 4))
    assert bb((1, 2, 3), (9, 9, 9)).align_with_mag(Mag(2)) == bb((2, 2, 4), (8, 8, 8))
    # a shard shape works like a mag, also as plain tuple
    assert bb((1, 1, 1), (100, 1, 1)).align_with_mag((32, 32, 32), ceil=True) == bb(
        (0, 0, 0), (128, 32, 32)
    )
    # shrinking a box smaller than the grid flips between the rounded corners
    assert bb((1, 1, 1), (1, 1, 1)).align_with_mag(Mag(4)) == bb((0, 0, 0), (4, 4, 4))


def _align_oracle(bbox: BoundingBox, grid: Vec3Int, ceil: bool) -> BoundingBox:
    """Pure-integer oracle: pick the nearest grid lines by search."""

    def down(v: int, g: int) -> int:
        return max(k * g for k in range(v // g - 1, v // g + 2) if k * g <= v)

    def up(v: int, g: int) -> int:
        return min(k * g for k in range(v // g - 1, v // g + 2) if k * g >= v)

    tl, br = [], []
    for lo, hi, g in zip(bbox.topleft, bbox.bottomright, grid, strict=True):
        tl.append(down(lo, g) if ceil else up(lo, g))
        br.append(up(hi, g) if ceil else down(hi, g))
    return BoundingBox(tl, Vec3Int(br) - tl)


@given(huge_boxes, mags, st.booleans())
def test_align_with_mag_against_float_implementation(
    bbox: BoundingBox, mag: Mag, ceil: bool
) -> None:
    try:
        slow = bbox._align_with_mag_slow(mag, ceil)
    except OverflowError:
        bbox.align_with_mag(mag, ceil)
    else:
        if all(i < 2**53 for i in bbox.bottomright):
            assert bbox.align_with_mag(mag, ceil) == slow


@given(boxes, shapes, st.booleans())
def test_align_with_grid_against_oracle(bbox: BoundingBox, grid: Vec3Int, ceil: bool) -> None:
    aligned = bbox.align_with_mag(grid, ceil)
    assert aligned == _align_oracle(bbox, grid, ceil)
    assert not any(aligned.topleft % grid)
    assert not any(aligned.bottomright % grid)
    if ceil:
        assert aligned.contains_bbox(bbox) or bbox.is_empty()


def test_in_mag_and_back() -> None:
    with pytest.raises(InvalidArgumentError, match=r"topleft .* not aligned"):
        BoundingBox((1, 2, 3), (9, 9, 9)).in_mag(Mag(2))
    with pytest.raises(AssertionError, match=r"bottomright .*align_with_mag"):
        BoundingBox((2, 2, 2), (9, 9, 9)).in_mag(Mag(2))
    bbox = BoundingBox((2, 2, 2), (10, 10, 10))
    assert bbox.in_mag(Mag(2)) == BoundingBox((1, 1, 1), (5, 5, 5))
    assert bbox.in_mag(2) == bbox.in_mag("2")
    assert BoundingBox((1, 1, 1), (5, 5, 5)).from_mag_to_mag1(Mag((2, 2, 1))) == BoundingBox(
        (2, 2, 1), (10, 10, 5)
    )


@given(boxes, mags)
def test_in_mag_round_trip(bbox: BoundingBox, mag: Mag) -> None:
    aligned = bbox.align_with_mag(mag, ceil=True)
    assert aligned.in_mag(mag).from_mag_to_mag1(mag) == aligned
    assert bbox.from_mag_to_mag1(mag).in_mag(mag) == bbox


def test_group_boxes_with_aligned_mag() -> None:
    a, b, c = (
        BoundingBox((1, 2, 3), (4, 5, 6)),
        BoundingBox((40, 2, 3), (4, 5, 6)),
        BoundingBox((10, 10, 10), (2, 2, 2)),
    )
    groups = BoundingBox.group_boxes_with_aligned_mag([a, b, c], Mag(32))
    assert groups == {
        BoundingBox((0, 0, 0), (32, 32, 32)): [a, c],
        BoundingBox((32, 0, 0), (32, 32, 32)): [b],
    }


# ---- chunking and grids --------------------------------------------------------------------


def test_chunk_examples() -> None:
    bbox = BoundingBox((1, 2, 3), (5, 5, 5))
    chunks = list(bbox.chunk((4, 4, 4), (2, 2, 2)))
    assert chunks[:3] == [
        BoundingBox((1, 2, 3), (3, 4, 3)),
        BoundingBox((1, 2, 6), (3, 4, 2)),
        BoundingBox((1, 6, 3), (3, 1, 3)),
    ]
    assert len(chunks) == 8
    assert list(BoundingBox((1, 2, 3), (0, 5, 5)).chunk((4, 4, 4))) == []
    with pytest.raises(InvalidArgumentError, match="divisible"):
        list(bbox.chunk((4, 4, 4), (3, 3, 3)))
    with pytest.raises(InvalidArgumentError, match="chunk_shape"):
        list(bbox.chunk((0, 4, 4)))
    with pytest.raises(InvalidArgumentError, match="grid_shape"):
        list(bbox.grid_boxes((4, -4, 4)))


@given(boxes, shapes, st.one_of(st.none(), st.integers(1, 3)))
def test_chunk_partitions_the_box(
    bbox: BoundingBox, chunk_shape: Vec3Int, alignment_divisor: int | None
) -> None:
    alignments = None
    if alignment_divisor is not None:
        alignments = Vec3Int(max(1, s // alignment_divisor) for s in chunk_shape)
        chunk_shape = chunk_shape - chunk_shape % alignments
    chunks = list(bbox.chunk(chunk_shape, alignments))
    counts: dict[tuple[int, int, int], int] = {}
    for chunk in chunks:
        assert not chunk.is_empty()
        assert all(s <= c for s, c in zip(chunk.size, chunk_shape, strict=True))
        for voxel in voxels(chunk):
            counts[voxel] = counts.get(voxel, 0) + 1
    assert set(counts) == voxels(bbox)
    assert set(counts.values()) <= {1}
    assert chunks == sorted(chunks, key=lambda c: c.topleft.to_tuple())  # z varies fastest
    if alignments is not None:
        for chunk in chunks:
            for axis in range(3):
                if chunk.topleft[axis] != bbox.topleft[axis]:
                    assert chunk.topleft[axis] % alignments[axis] == 0
    toplefts = list(bbox.iter_chunk_toplefts(chunk_shape, alignments))
    assert len(toplefts) == len(chunks)


def _grid_boxes_slow(bbox: BoundingBox, grid: Vec3Int) -> list[BoundingBox]:
    """Label every voxel of the box with its grid cell; one box per label (z fastest)."""
    if bbox.is_empty():
        return []
    axes = [np.arange(lo, hi) for lo, hi in zip(bbox.topleft, bbox.bottomright, strict=True)]
    points = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    cells = points // np.array(grid)
    order = np.lexsort((cells[:, 2], cells[:, 1], cells[:, 0]))  # x slowest, z fastest
    points, cells = points[order], cells[order]
    starts = np.flatnonzero(np.r_[True, (np.diff(cells, axis=0) != 0).any(axis=1)])
    lows = np.minimum.reduceat(points, starts)
    highs = np.maximum.reduceat(points, starts) + 1
    return [BoundingBox(lo, hi - lo) for lo, hi in zip(lows, highs, strict=True)]


@given(boxes, shapes)
def test_grid_boxes_against_numpy(bbox: BoundingBox, grid: Vec3Int) -> None:
    cells = list(bbox.grid_boxes(grid))
    assert cells == _grid_boxes_slow(bbox, grid)
    for cell in cells:
        index = cell.topleft // grid
        assert (cell.bottomright - 1) // grid == index
        assert BoundingBox(index * grid, grid).contains_bbox(cell)


@given(boxes, shapes, boxes)
def test_iter_chunk_toplefts_with_clip(bbox: BoundingBox, grid: Vec3Int, clip: BoundingBox) -> None:
    starts = list(bbox.iter_chunk_toplefts(grid, grid, clip_to=clip))
    region = bbox.intersected_with(clip, dont_assert=True)
    expected = [c.topleft - c.topleft % grid for c in region.grid_boxes(grid)]
    assert sorted(starts) == sorted(map(tuple, expected))


# ---- faithfulness ------------------------------------------------------------------------


@given(boxes, boxes, shapes, mags, st.booleans())
def test_matches_webknossos(
    a: BoundingBox, b: BoundingBox, shape: Vec3Int, mag: Mag, ceil: bool
) -> None:
    def theirs(bbox: BoundingBox) -> ref.BoundingBox:
        return ref.BoundingBox(bbox.topleft.to_tuple(), bbox.size.to_tuple())

    def same(ours: BoundingBox, other: ref.BoundingBox) -> bool:
        return ours.to_tuple6() == other.to_tuple6() and repr(ours) == repr(other)

    ra, rb, rmag = theirs(a), theirs(b), ref.Mag(mag.to_tuple())
    assert same(a.intersected_with(b, dont_assert=True), ra.intersected_with(rb, dont_assert=True))
    assert same(a.extended_by(b), ra.extended_by(rb))
    assert a.contains_bbox(b) == ra.contains_bbox(rb)
    assert same(a.align_with_mag(mag, ceil), ra.align_with_mag(rmag, ceil))
    assert same(a.align_with_mag(shape, ceil), ra.align_with_mag(ref.Vec3Int(shape), ceil))
    assert same(a.from_mag_to_mag1(mag), ra.from_mag_to_mag1(rmag))
    assert same(a.padded_with_margins(shape), ra.padded_with_margins(shape.to_tuple()))
    assert a.to_checkpoint_name() == ra.to_checkpoint_name()
    assert hash(a) == hash(ra)
    if not a.is_empty():
        ours_chunks = list(a.chunk(shape, shape))
        their_chunks = list(ra.chunk(shape.to_tuple(), shape.to_tuple()))
        assert [c.to_tuple6() for c in ours_chunks] == [c.to_tuple6() for c in their_chunks]
        assert list(a.iter_chunk_toplefts(shape, shape, clip_to=b)) == list(
            ra.iter_chunk_toplefts(shape.to_tuple(), shape.to_tuple(), clip_to=rb)
        )
