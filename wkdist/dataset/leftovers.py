"""What a killed job can leave in a layer, removed when the job continues."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from wkdist.storage.base import METADATA_FILE_NAMES as ARRAY_METADATA

if TYPE_CHECKING:
    from wkdist.dataset.layer import Layer
    from wkdist.geometry import Mag


def remove_unregistered_mag(layer: Layer, mag: Mag) -> None:
    """Delete the folder of ``mag`` in ``layer`` if the mag is not in the
    properties and the folder holds no shard, only array metadata: a mag that
    a continued job was killed while creating (its first write comes after it
    is registered)."""
    folder = layer.path / mag.to_layer_name()
    if (
        mag not in layer.mags
        and isinstance(folder, Path)  # journaled jobs are local
        and folder.is_dir()
        and not any(p.is_file() for p in folder.rglob("*") if p.name not in ARRAY_METADATA)
    ):
        shutil.rmtree(folder)
