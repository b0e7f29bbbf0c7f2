"""Agglomerate views as graphs: :class:`AgglomerateGraph` and its Zarr v3 layout.

An agglomerate view (``artifact_class`` ``AgglomerateViewArtifact``, schema 4)
is a Zarr v3 group of flat arrays. Segment ids are dense (``1..n``);
agglomerates are the connected components of the graph, numbered from 1 in
the order of their smallest segment id (0 is the background):

``segment_to_agglomerate`` (n+1, uint64)
    Agglomerate of every segment id (index 0: background).
``agglomerate_to_segments_offsets`` / ``agglomerate_to_edges_offsets`` (a+2, uint64)
    CSR offsets into the per-agglomerate runs below (entries 0 and 1 are 0).
``agglomerate_to_segments`` (n, segmentation dtype), ``agglomerate_to_positions`` (n×3, int32)
    Each agglomerate's segments ascending, with their positions.
``agglomerate_to_edges`` (e×2, segmentation dtype), ``agglomerate_to_affinities`` (e, float32)
    Each agglomerate's edges as pairs of indices into its segment run
    (smaller first, sorted), with their affinities.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from wkdist.dataset._utils.tensorstore_helpers import read_zarr3_array, write_zarr3_array
from wkdist.errors import InvalidArgumentError
from wkdist.geometry import Vec3Int
from wkdist.location import LocationLike, as_location

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from wkdist.geometry import Vec3IntLike

__all__ = ["AgglomerateGraph", "read_agglomerate_view", "write_agglomerate_view"]

_GROUP_ATTRIBUTES = {
    "voxelytics": {"artifact_schema_version": 4, "artifact_class": "AgglomerateViewArtifact"}
}
# (chunk, shard) byte targets of the arrays: small offset chunks, larger data chunks
_OFFSETS_LAYOUT = (64 * 1024, 256 * 1024 * 1024)
_DATA_LAYOUT = (256 * 1024, 1024 * 1024 * 1024)
SEGMENTATION_DTYPES = (np.dtype("uint32"), np.dtype("uint64"))


class AgglomerateGraph(nx.Graph):  # type: ignore[misc]  # networkx is untyped
    """A graph of segments (nodes: segment ids from 1, with a ``position``) joined by
    edges with an ``affinity``; its connected components are the agglomerates."""

    def add_segment(self, segment_id: int, *, position: Vec3IntLike) -> None:
        """Add segment ``segment_id`` at ``position`` (x, y, z)."""
        self.add_node(segment_id, position=Vec3Int(position))

    def add_affinity_edge(self, u: int, v: int, *, affinity: float) -> None:
        """Join segments ``u`` and ``v`` with an edge of ``affinity``."""
        self.add_edge(u, v, affinity=affinity)

    def __repr__(self) -> str:
        return f"AgglomerateGraph({self.number_of_nodes()} nodes, {self.number_of_edges()} edges)"


def _dense_segment_count(graph: AgglomerateGraph) -> int:
    ids = list(graph.nodes)
    for segment_id in ids:
        if not isinstance(segment_id, int | np.integer) or segment_id < 1:
            raise InvalidArgumentError(
                f"segment ids (node labels) must be positive integers; got {segment_id!r}"
            )
    count = max(ids, default=0)
    missing = sorted(set(range(1, count + 1)) - set(ids))
    if missing:
        raise InvalidArgumentError(
            f"segment ids must be dense (1..{count}); missing {missing[:10]}"
            + (" ..." if len(missing) > 10 else "")
        )
    return int(count)


def write_agglomerate_view(
    path: LocationLike, graph: AgglomerateGraph, segmentation_dtype: DTypeLike
) -> None:
    """Write ``graph`` as an agglomerate view (module docstring) at ``path``.

    Raises
    ------
    InvalidArgumentError
        If segment ids are not dense positive integers, or ``segmentation_dtype``
        is not uint32 or uint64.
    """
    dtype = np.dtype(segmentation_dtype)
    if dtype not in SEGMENTATION_DTYPES:
        raise InvalidArgumentError(f"segmentation_dtype must be uint32 or uint64; got {dtype}")
    count = _dense_segment_count(graph)
    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: c[0])
    segment_to_agglomerate = np.zeros(count + 1, np.uint64)
    segments: list[int] = []
    edges: list[tuple[int, int]] = []
    affinities: list[float] = []
    segment_offsets, edge_offsets = [0, 0], [0, 0]
    for agglomerate, members in enumerate(components, start=1):
        segment_to_agglomerate[members] = agglomerate
        local = {segment: index for index, segment in enumerate(members)}
        own: list[tuple[int, int, float]] = sorted(
            (min(local[u], local[v]), max(local[u], local[v]), float(data.get("affinity", 0.0)))
            for u, v, data in graph.edges(members, data=True)
        )
        segments.extend(members)
        edges.extend((u, v) for u, v, _ in own)
        affinities.extend(affinity for _, _, affinity in own)
        segment_offsets.append(len(segments))
        edge_offsets.append(len(edges))
    positions = [tuple(Vec3Int(graph.nodes[s]["position"])) for s in segments]
    arrays = {
        "segment_to_agglomerate": (segment_to_agglomerate, _DATA_LAYOUT),
        "agglomerate_to_segments_offsets": (np.array(segment_offsets, np.uint64), _OFFSETS_LAYOUT),
        "agglomerate_to_segments": (np.array(segments, dtype), _DATA_LAYOUT),
        "agglomerate_to_edges_offsets": (np.array(edge_offsets, np.uint64), _OFFSETS_LAYOUT),
        "agglomerate_to_edges": (np.array(edges, dtype).reshape(-1, 2), _DATA_LAYOUT),
        "agglomerate_to_affinities": (np.array(affinities, np.float32), _DATA_LAYOUT),
        "agglomerate_to_positions": (np.array(positions, np.int32).reshape(-1, 3), _DATA_LAYOUT),
    }
    root = as_location(path)
    if isinstance(root, Path):
        root.mkdir(parents=True, exist_ok=True)
    group = {"zarr_format": 3, "node_type": "group", "attributes": _GROUP_ATTRIBUTES}
    (root / "zarr.json").write_bytes(json.dumps(group, indent=2).encode())
    for name, (data, (chunk_bytes, shard_bytes)) in arrays.items():
        write_zarr3_array(
            root / name,
            data,
            target_chunk_size_bytes=chunk_bytes,
            target_shard_size_bytes=shard_bytes,
        )


def read_agglomerate_view(path: LocationLike) -> AgglomerateGraph:
    """The graph stored in the agglomerate view at ``path``."""
    root = as_location(path)
    segments = read_zarr3_array(root / "agglomerate_to_segments")
    segment_offsets = read_zarr3_array(root / "agglomerate_to_segments_offsets")
    positions = read_zarr3_array(root / "agglomerate_to_positions")
    edges = read_zarr3_array(root / "agglomerate_to_edges")
    edge_offsets = read_zarr3_array(root / "agglomerate_to_edges_offsets")
    affinities = read_zarr3_array(root / "agglomerate_to_affinities")
    graph = AgglomerateGraph()
    for agglomerate in range(1, len(segment_offsets) - 1):
        start, end = int(segment_offsets[agglomerate]), int(segment_offsets[agglomerate + 1])
        members = segments[start:end]
        for segment, position in zip(members, positions[start:end], strict=True):
            graph.add_segment(int(segment), position=Vec3Int(position))
        for edge in range(int(edge_offsets[agglomerate]), int(edge_offsets[agglomerate + 1])):
            u, v = edges[edge]
            graph.add_affinity_edge(
                int(members[u]), int(members[v]), affinity=float(affinities[edge])
            )
    return graph
