"""Layers that reference another dataset's mags, shallow dataset copies, and layers
made like another.

A *ref* layer's mags are entries whose ``path`` names the other dataset's mag
directories (see :mod:`wkdist.dataset.mag_refs`); its attachments keep naming
the other dataset's files. The layer itself stays writable: mags added to it
are created in this dataset's directory.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wkdist.dataset.mag_refs import open_layer
from wkdist.dataset.names import dump_mag_path, validate_layer_name
from wkdist.errors import AlreadyExistsError
from wkdist.properties import without_mags

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterable, Mapping

    from wkdist.dataset.dataset import Dataset
    from wkdist.dataset.layer import Layer


def rebased_attachments(
    attachments: Mapping[str, Any] | None, rebase: Callable[[str], str]
) -> Mapping[str, Any] | None:
    """The attachments mapping with every local ``path`` (not a URL) replaced by
    ``rebase(path)``."""
    if attachments is None:
        return None

    def rebased(entry: object) -> object:
        if isinstance(entry, list):
            return [rebased(item) for item in entry]
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            return entry
        stored = entry["path"]
        return entry if "://" in stored else {**entry, "path": rebase(stored)}

    return {key: rebased(value) for key, value in attachments.items()}


def add_layer_as_ref(
    dataset: Dataset, foreign_layer: str | os.PathLike[str] | Layer, new_layer_name: str | None
) -> Layer:
    """Add a layer whose mags (and attachments) are the foreign layer's files."""
    dataset._ensure_writable()
    foreign = open_layer(type(dataset), foreign_layer)
    name = foreign.name if new_layer_name is None else new_layer_name
    validate_layer_name(name)
    if name in dataset.layers:
        raise AlreadyExistsError(
            f"cannot add {foreign!r} as a reference: {dataset!r} has a layer called {name!r}"
        )
    mags = tuple(
        dataclasses.replace(
            foreign._properties.get_mag(mag), path=dump_mag_path(view.path, dataset.path)
        )
        for mag, view in foreign.mags.items()
    )
    props = dataclasses.replace(
        foreign._properties,
        name=name,
        mags=mags,
        # relative paths made to name the same files from here (absolute unless inside)
        attachments=rebased_attachments(
            foreign._properties.attachments,
            lambda stored: stored
            if Path(stored).is_absolute()
            else dump_mag_path(foreign.dataset.path / stored, dataset.path),
        ),
    )
    dataset._update_properties(lambda ds_props: ds_props.with_layer(props))
    return dataset.get_layer(name)


def shallow_copy_dataset(
    dataset: Dataset,
    new_dataset_path: str | os.PathLike[str],
    *,
    name: str | None,
    layers_to_ignore: Iterable[str] | None,
    make_relative: bool | None,
) -> Dataset:
    """A new dataset whose layers all reference this one's files."""
    if make_relative is not None:
        warnings.warn(
            "shallow_copy_dataset(make_relative=...) has no effect: the copy references "
            "the mags by path instead of linking directories",
            DeprecationWarning,
            stacklevel=3,
        )
    copy = type(dataset)(
        new_dataset_path, voxel_size_with_unit=dataset.voxel_size_with_unit,
        name=name or dataset.name,
    )
    if dataset.default_view_configuration is not None:
        copy.default_view_configuration = dataset.default_view_configuration
    ignored = set(layers_to_ignore or ())
    for layer_name, layer in dataset.layers.items():
        if layer_name not in ignored:
            add_layer_as_ref(copy, layer, layer_name)
    return copy


def add_layer_like(dataset: Dataset, other_layer: Layer, layer_name: str) -> Layer:
    """An empty layer with ``other_layer``'s properties (category, dtype, channels,
    box, format, largest segment id, view configuration) and no mags or attachments."""
    dataset._ensure_writable()
    validate_layer_name(layer_name)
    if layer_name in dataset.layers:
        raise AlreadyExistsError(
            f"adding layer {layer_name!r} failed: {dataset!r} has a layer with this name"
        )
    props = without_mags(other_layer._properties, attachments=None, mappings=()).for_new_layer(
        layer_name
    )
    dataset._update_properties(lambda ds_props: ds_props.with_layer(props))
    return dataset.get_layer(layer_name)
