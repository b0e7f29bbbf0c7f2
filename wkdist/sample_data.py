"""Deterministic EM-like sample volumes for the demo and for examples (numpy only)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def em_like_volume(shape: tuple[int, int, int], *, seed: int = 0, cell_size: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """An EM-like ``uint8`` image and its ``uint32`` cell labels, both ``(X, Y, Z)``.

    Cells are the Voronoi regions of random seed points; membranes (dark) lie on
    their borders; the image has a smooth texture and a little noise, so it
    compresses roughly like real EM data.
    """
    rng = np.random.default_rng(seed)
    grid = tuple(max(1, s // cell_size) for s in shape)
    n_cells = int(np.prod(grid))
    coarse = rng.permutation(n_cells).reshape(grid).astype(np.uint32) + 1
    zoom = [s / g for s, g in zip(shape, grid, strict=True)]
    labels = ndimage.zoom(coarse, zoom, order=0, grid_mode=True, mode="nearest")[
        : shape[0], : shape[1], : shape[2]
    ]
    warp = ndimage.gaussian_filter(rng.standard_normal(shape).astype(np.float32), 4) * 40
    labels = np.where(warp > 0.5, np.roll(labels, 3, axis=0), labels)
    border = np.zeros(shape, dtype=bool)
    for axis in range(3):
        border |= labels != np.roll(labels, 1, axis=axis)
    texture = ndimage.gaussian_filter(rng.standard_normal(shape).astype(np.float32), 2) * 60
    image = 150 + texture + rng.standard_normal(shape).astype(np.float32) * 4
    image[border] -= 90
    return np.clip(image, 0, 255).astype(np.uint8), labels.astype(np.uint32)
